"""Shard planning and the work of one shard — shared by every executor.

A *plan* cuts the input into shards of about ``docs_per_shard`` records. A shard is a list of
parts ``(path, reader kind, start, stop)``, so a big JSONL/WARC file spans several shards and many
small files share one. The plan is saved with the run; a resumed run reuses it, so shard *k*
always reads the same records and produces the same ids.

:func:`run_shard` is the whole life of one shard: read its parts, push the documents through the
stages, write kept and dropped documents atomically, then write the done marker. An executor
only decides *where* run_shard runs.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .document import Document
from .pipeline import InputSpec, Pipeline
from .document import Drop
from .readers import NO_RECORDS, refused_document, reader_for, scan
from .stage import Stage, StageStats
from .store import dropped_table, docs_table, write_json_atomic, write_parquet_atomic


@dataclass
class Part:
    path: str
    kind: str
    start: int
    stop: int
    #: ``[reason, detail]`` when the path is not read (empty file, symlink loop …): the part is
    #: then one ``dropped`` row, so every input path is accounted for.
    refused: list[str] | None = None


@dataclass
class Shard:
    index: int
    parts: list[Part] = field(default_factory=list)

    @property
    def size(self) -> int:
        return sum(p.stop - p.start for p in self.parts)


def plan_shards(spec: InputSpec, docs_per_shard: int) -> list[Shard]:
    """Cut the input into shards of at most ``docs_per_shard`` records (at least one per file)."""
    if docs_per_shard < 1:
        raise ValueError("docs_per_shard must be >= 1")
    shards: list[Shard] = [Shard(0)]
    for path, why in scan(spec.paths, spec):
        reader = reader_for(path, spec) if why is None else None
        n = reader.count(path) if reader is not None else 0
        if n == 0:  # not read, or no record in it: one drop row instead
            why = why or NO_RECORDS
            if shards[-1].size >= docs_per_shard:
                shards.append(Shard(len(shards)))
            shards[-1].parts.append(Part(path, "refused", 0, 1, [why.reason, why.detail]))
            continue
        start = 0
        while start < n:
            current = shards[-1]
            if current.size >= docs_per_shard:
                current = Shard(len(shards))
                shards.append(current)
            take = min(n - start, docs_per_shard - current.size)
            current.parts.append(Part(path, reader.kind, start, start + take))
            start += take
    return [s for s in shards if s.parts]


def save_plan(shards: list[Shard], path: Path) -> None:
    write_json_atomic([asdict(s) for s in shards], path)


def load_plan(path: Path) -> list[Shard]:
    import json

    data = json.loads(path.read_text(encoding="utf-8"))
    return [Shard(s["index"], [Part(**p) for p in s["parts"]]) for s in data]


def read_shard(shard: Shard, spec: InputSpec) -> Iterator[Document]:
    from .readers import reader_class

    for part in shard.parts:
        if part.refused is not None:
            yield refused_document(part.path, Drop("read", *part.refused))
            continue
        reader = reader_class(part.kind)(spec)
        yield from reader.read(part.path, part.start, part.stop)


class ShardWorker:
    """Runs shards of one pipeline into one corpus folder; build once per worker process."""

    def __init__(self, pipeline_dict: dict[str, Any], corpus_path: str, run_id: str) -> None:
        self.pipeline = Pipeline.from_dict(pipeline_dict)
        self.stages, _ = self.pipeline.build()
        self.corpus_path = Path(corpus_path)
        self.run_id = run_id

    def __call__(self, shard: Shard) -> dict[str, Any]:
        """Process one shard; return its stats (also written to the done marker)."""
        start = time.perf_counter()
        for stage in self.stages:
            stage.stats = StageStats()
        reading = StageStats()
        docs: Iterator[Document] = _count_reads(read_shard(shard, self.pipeline.input), reading)
        for stage in self.stages:
            docs = stage(docs)
        kept: list[Document] = []
        dropped: list[Document] = []
        for doc in docs:
            (dropped if doc.drop is not None else kept).append(doc)
        name = f"part-{self.run_id}-{shard.index:05d}.parquet"
        write_parquet_atomic(docs_table(kept, self.run_id, shard.index), self.corpus_path / "docs" / name)
        write_parquet_atomic(
            dropped_table(dropped, self.run_id, shard.index), self.corpus_path / "dropped" / name
        )
        stats = {
            "shard": shard.index,
            "docs_in": reading.docs_in,
            "docs_out": len(kept),
            "docs_dropped": len(dropped),
            "seconds": time.perf_counter() - start,
            "stages": {"read": reading.to_dict(), **{s.name: s.stats.to_dict() for s in self.stages}},
        }
        marker = self.corpus_path / "_runs" / self.run_id / "done" / f"{shard.index:05d}.json"
        write_json_atomic(stats, marker)
        return stats


def _count_reads(docs: Iterator[Document], stats: StageStats) -> Iterator[Document]:
    """Count what readers yield and the records they could not decode, timing the reading."""
    it = iter(docs)
    while True:
        t = time.perf_counter()
        try:
            doc = next(it)
        except StopIteration:
            stats.seconds += time.perf_counter() - t
            return
        stats.seconds += time.perf_counter() - t
        stats.docs_in += 1
        if doc.drop is None:
            stats.docs_out += 1
        else:
            stats.dropped[doc.drop.reason] += 1
        yield doc


def stage_names(stages: list[Stage]) -> list[str]:
    return ["read", *(s.name for s in stages)]

"""Shard planning and the work of one shard — shared by every executor.

A *plan* cuts the input into shards of about ``docs_per_shard`` records. A shard is a list of
parts ``(path, reader kind, start, stop)``, so a big JSONL/WARC file spans several shards and many
small files share one. The plan is saved with the run; a resumed run reuses it, so shard *k*
always reads the same records and produces the same ids.

:class:`ShardWorker` is the whole life of one shard: read its parts, push the documents through
the stages, write kept and dropped documents atomically, then write the done marker. An executor
only decides *where* it runs; a :class:`ShardJob` is all it needs to build one.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterator

from .document import Document, Drop
from .pipeline import InputSpec, Pipeline
from .readers import NO_RECORDS, refused_document, reader_for, scan
from .stage import StageStats
from .store import CorpusFolder, write_json_atomic


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


@dataclass(frozen=True)
class ShardJob:
    """What every shard of one run shares: the pipeline (as data, so a worker on another process
    or node rebuilds the same stages), the corpus folder and the run id."""

    pipeline: dict[str, Any]
    corpus_path: str
    run_id: str


class ShardWorker:
    """Runs shards of one pipeline into one corpus folder; build once per worker process."""

    def __init__(self, job: ShardJob) -> None:
        self.pipeline = Pipeline.from_dict(job.pipeline)
        self.stages, _ = self.pipeline.build()
        self.corpus = CorpusFolder(job.corpus_path)
        self.run_id = job.run_id

    def __call__(self, shard: Shard) -> dict[str, Any]:
        """Process one shard; return its stats (also written to the done marker)."""
        start = time.perf_counter()
        for stage in self.stages:
            stage.stats = StageStats()
        reading = StageStats()
        docs: Iterator[Document] = _count_reads(self._read(shard, reading), reading)
        for stage in self.stages:
            docs = stage(docs)
        kept: list[Document] = []
        dropped: list[Document] = []
        for doc in docs:
            (dropped if doc.drop is not None else kept).append(doc)
        stats = {
            "shard": shard.index,
            "docs_in": reading.docs_in,
            "docs_out": len(kept),
            "docs_dropped": len(dropped),
            "seconds": time.perf_counter() - start,
            "stages": {"read": reading.to_dict(), **{s.name: s.stats.to_dict() for s in self.stages}},
        }
        self.corpus.write_shard(self.run_id, shard.index, kept, dropped, stats)
        return stats

    def _read(self, shard: Shard, reading: StageStats) -> list[Document]:
        """The shard's documents, an id the corpus already holds (``on_existing: skip``) or one
        read earlier in this shard dropped before any stage runs (reason ``already_present``)."""
        start = time.perf_counter()
        docs = list(read_shard(shard, self.pipeline.input))
        known = self.corpus.known_ids(self.run_id, [d.id for d in docs if d.drop is None])
        seen: set[str] = set()
        for doc in docs:
            if doc.drop is not None:
                continue
            if doc.id in known:
                doc.drop = Drop("read", "already_present", f"id already in the corpus (run {known[doc.id]}); "
                                "run with --on-existing replace to update it")
            elif doc.id in seen:
                doc.drop = Drop("read", "already_present", "id read twice in this shard: the first copy is kept")
            seen.add(doc.id)
        reading.seconds += time.perf_counter() - start
        return docs


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
        stats.count(doc)
        yield doc

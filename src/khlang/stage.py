"""Stages: small classes with one job each, chained into a pipeline.

Two kinds exist because two kinds of work exist:

* :class:`Stage` looks at one document at a time (normalise, langid, quality, pii …). Executors
  run it inside shards, in parallel, and it never knows which executor that is.
* :class:`CorpusStage` needs the whole corpus at once (exact and near-duplicate dedup). It runs
  after every shard is written, over the corpus store.

A per-document stage never deletes a document: it sets ``doc.drop`` (via :meth:`Stage.drop`),
and the executor routes the document to the ``dropped`` table with the stage and reason. An
exception inside ``process`` becomes an ``error`` drop carrying the traceback's last line, so one
bad document never kills a shard.
"""

from __future__ import annotations

import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar, Iterable, Iterator

from .document import Document, Drop

if TYPE_CHECKING:  # pragma: no cover
    from .executors.base import Executor
    from .store import Corpus


@dataclass
class StageStats:
    """What one stage did in one shard (or, summed, in one run)."""

    docs_in: int = 0
    docs_out: int = 0
    dropped: Counter = field(default_factory=Counter)
    seconds: float = 0.0
    #: What the stage wants the run record to say about how it worked (e.g. the quality rules it
    #: applied per language). JSON-able; shards merge it key by key, so it must not hold counts.
    info: dict[str, Any] = field(default_factory=dict)

    def count(self, doc: Document) -> None:
        """Count one document that went in and came out: kept, or dropped for its reason."""
        self.docs_in += 1
        if doc.drop is None:
            self.docs_out += 1
        else:
            self.dropped[doc.drop.reason] += 1

    def merge(self, other: "StageStats") -> None:
        self.docs_in += other.docs_in
        self.docs_out += other.docs_out
        self.dropped.update(other.dropped)
        self.seconds += other.seconds
        _merge_info(self.info, other.info)

    def to_dict(self) -> dict[str, Any]:
        out = {
            "docs_in": self.docs_in,
            "docs_out": self.docs_out,
            "dropped": dict(self.dropped),
            "seconds": round(self.seconds, 6),
        }
        if self.info:
            out["info"] = self.info
        return out

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> "StageStats":
        return cls(d["docs_in"], d["docs_out"], Counter(d["dropped"]), d["seconds"], dict(d.get("info") or {}))


def _merge_info(into: dict[str, Any], other: dict[str, Any]) -> None:
    """Deep union of two ``info`` dicts (the other's value wins where both have a non-dict)."""
    for key, value in other.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge_info(into[key], value)
        else:
            into[key] = value


class Stage:
    """A per-document step. Subclasses set ``name`` and implement :meth:`process`."""

    name: ClassVar[str] = "stage"
    #: Resources one worker running this stage needs (used by the Ray executor, e.g. {"GPU": 1}).
    resources: ClassVar[dict[str, float]] = {}

    def __init__(self, **params: Any) -> None:
        if params:
            raise TypeError(f"stage {self.name!r} got unknown parameters: {sorted(params)}")
        self.stats = StageStats()

    def params(self) -> dict[str, Any]:
        """The parameters this stage was built with (recorded in the ``runs`` table)."""
        return {}

    def process(self, doc: Document) -> Document:  # pragma: no cover - abstract
        raise NotImplementedError

    def drop(self, doc: Document, reason: str, detail: str = "") -> Document:
        """Mark ``doc`` as dropped by this stage, with a reason the catalog will keep."""
        doc.drop = Drop(stage=self.name, reason=reason, detail=detail)
        return doc

    def __call__(self, docs: Iterable[Document]) -> Iterator[Document]:
        """Apply :meth:`process` to every live document; pass dropped ones through untouched."""
        stats = self.stats
        for doc in docs:
            if doc.drop is not None:
                yield doc
                continue
            start = time.perf_counter()
            try:
                doc = self.process(doc)
            except Exception as exc:  # one bad document must not kill the shard
                last = traceback.format_exception_only(type(exc), exc)[-1].strip()
                doc.drop = Drop(stage=self.name, reason="error", detail=last)
            stats.seconds += time.perf_counter() - start
            stats.count(doc)
            yield doc

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.params()})"


class CorpusStage:
    """A step over the whole corpus (runs after all shards are written).

    :meth:`run` receives the open :class:`~khlang.store.Corpus`, the run id and the run's
    :class:`~khlang.executors.base.Executor`, writes its drops as a Parquet file in the corpus's
    ``dropped`` folder (shard null; see :func:`khlang.dedup.common.write_results`) and returns its
    :class:`StageStats`. Parallel parts go through ``executor.map(fn, items)`` and
    ``executor.group_by_key`` (``fn`` must be a picklable top-level function), so the same stage
    spreads over local processes or a Ray cluster. :func:`khlang.runner.run_corpus_stage` runs one.
    """

    name: ClassVar[str] = "corpus-stage"

    def __init__(self, **params: Any) -> None:
        if params:
            raise TypeError(f"stage {self.name!r} got unknown parameters: {sorted(params)}")

    def params(self) -> dict[str, Any]:
        return {}

    def run(self, corpus: "Corpus", run_id: str, executor: "Executor") -> StageStats:  # pragma: no cover
        raise NotImplementedError

"""What both dedup stages share: keep policies, atomic DuckDB COPY, union-find, and the files that
record clusters (``dedup/clusters-<stage>-<run>.parquet``) and drops (``dropped/<stage>-<run>.parquet``).

Everything heavy happens in DuckDB over Parquet, so a corpus larger than RAM deduplicates: only
the duplicate pairs ever reach Python.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Iterable

from ..store import Corpus, quote

KEEP_POLICIES = ("earliest", "longest", "best_quality", "newest")

#: Corpus order: first run, lowest shard, then smallest id (ids are stable hashes of the source).
_EARLIEST = "run_id, shard, id"


def keep_order(keep: str) -> str:
    """The SQL ``ORDER BY`` that ranks the members of a duplicate cluster; the first one is kept.

    ``newest`` ranks by the ``date`` column, then length. ``best_quality`` reads ``annotations.quality.score`` (higher is better) and falls back to
    ``longest`` for documents without one.
    """
    if keep == "earliest":
        return _EARLIEST
    if keep == "longest":
        return f"n_chars DESC, {_EARLIEST}"
    if keep == "newest":  # the ``date`` column (ISO dates; unparsable or missing ones rank last)
        return f"TRY_CAST(date AS TIMESTAMP) DESC NULLS LAST, n_chars DESC, {_EARLIEST}"
    if keep == "best_quality":
        score = "TRY_CAST(json_extract_string(annotations, '$.quality.score') AS DOUBLE)"
        return f"{score} DESC NULLS LAST, n_chars DESC, {_EARLIEST}"
    raise ValueError(f"keep must be one of {', '.join(KEEP_POLICIES)}, not {keep!r}")


def file_list(paths: Iterable[str | Path]) -> str:
    """A DuckDB list literal of file paths, for ``read_parquet([...])``."""
    return "[" + ", ".join(quote(p) for p in paths) + "]"


def copy_atomic(corpus: Corpus, query: str, path: Path, params: list | None = None) -> Path:
    """``COPY (query) TO path`` as zstd Parquet through a temp file, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    corpus.con.execute(
        f"COPY ({query}) TO {quote(tmp)} (FORMAT parquet, COMPRESSION zstd)", params or []
    ).fetchall()
    os.replace(tmp, path)
    return path


def outputs(corpus: Corpus, stage: str, run_id: str) -> tuple[Path, Path]:
    """Where a dedup stage writes its clusters and its drops for one run."""
    return (
        corpus.path / "dedup" / f"clusters-{stage}-{run_id}.parquet",
        corpus.dropped_dir / f"{stage}-{run_id}.parquet",
    )


def clear_outputs(corpus: Corpus, stage: str, run_id: str) -> None:
    """Forget what an earlier (interrupted) attempt of this stage in this run wrote, so a resumed
    run deduplicates the same documents an uninterrupted one would."""
    for p in outputs(corpus, stage, run_id):
        p.unlink(missing_ok=True)
    corpus.refresh()


def write_results(corpus: Corpus, stage: str, run_id: str, members_sql: str, keep: str, detail: str) -> int:
    """Rank each cluster's members, write the clusters file and the drops; return the drop count.

    ``members_sql`` yields ``(id, cluster_id)`` for documents that belong to a cluster of size > 1.
    The dropped rows point at the kept member through ``duplicate_of``.
    """
    clusters_path, dropped_path = outputs(corpus, stage, run_id)
    # Documents of earlier runs rank first: a run drops its own copies of what the corpus held,
    # never an earlier document in favour of a new one (within one group the policy decides).
    this_run = quote(run_id)
    ranked = f"""
        SELECT m.id, m.cluster_id, count(*) OVER c AS cluster_size,
               row_number() OVER o = 1 AS kept, first_value(m.id) OVER o AS kept_id,
               ? AS stage, ? AS run_id
        FROM (SELECT DISTINCT id, cluster_id FROM ({members_sql})) m JOIN documents d USING (id)
        WINDOW c AS (PARTITION BY m.cluster_id),
               o AS (PARTITION BY m.cluster_id ORDER BY d.run_id = {this_run}, {keep_order(keep)})
    """
    copy_atomic(corpus, ranked, clusters_path, [stage, run_id])
    drops = f"""
        SELECT d.id, ? AS stage, 'duplicate' AS reason, ? || c.kept_id AS detail,
               c.kept_id AS duplicate_of, d.source_uri, d.source_kind, d.text, ? AS run_id,
               CAST(NULL AS INTEGER) AS shard
        FROM read_parquet({quote(clusters_path)}) c JOIN documents d USING (id)
        WHERE NOT c.kept AND c.id <> c.kept_id  -- a document is never its own duplicate
    """
    copy_atomic(corpus, drops, dropped_path, [stage, detail, run_id])
    n = corpus.con.execute(f"SELECT count(*) FROM read_parquet({quote(dropped_path)})").fetchall()[0][0]
    corpus.refresh()
    return int(n)


def count_documents(corpus: Corpus) -> int:
    return int(corpus.con.execute("SELECT count(*) FROM documents").fetchall()[0][0])


class UnionFind:
    """Disjoint sets over hashable ids, with path halving and union by size."""

    def __init__(self) -> None:
        self.parent: dict = {}
        self.size: dict = {}

    def find(self, x):
        parent = self.parent
        if x not in parent:
            parent[x], self.size[x] = x, 1
            return x
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def union(self, a, b) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return
        if self.size[ra] < self.size[rb]:
            ra, rb = rb, ra
        self.parent[rb] = ra
        self.size[ra] += self.size[rb]

    def clusters(self) -> dict[str, str]:
        """id → cluster id, the cluster id being the smallest member id (stable across runs)."""
        roots = {x: self.find(x) for x in self.parent}
        smallest: dict[str, str] = {}
        for x, r in roots.items():
            if r not in smallest or x < smallest[r]:
                smallest[r] = x
        return {x: smallest[r] for x, r in roots.items()}

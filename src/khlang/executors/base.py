"""The executor contract: where shards, and the parallel parts of corpus stages, run.

An executor decides *where* work runs, never *what* it does: a shard's work is
:class:`khlang.shards.ShardWorker`, a corpus stage's work is its own ``run``. The runner, the
corpus stages (dedup) and the tests talk to executors only through :class:`Executor`; nothing
probes for methods. ``group_by_key`` and ``close`` have defaults here, so an executor that only
knows how to run functions somewhere implements ``run_shards`` and ``map`` and is done.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, ClassVar, Iterable, Protocol, runtime_checkable

if TYPE_CHECKING:  # pragma: no cover
    import pyarrow as pa

    from ..shards import Shard, ShardJob

#: Groups of a ``(key, value)`` table ``t``: one row per key seen at least ``min_size`` times,
#: its values as a sorted list. Shared by the default below and the Ray reduce tasks.
GROUP_SQL = (
    'SELECT key, list(value ORDER BY value) AS "values" FROM {source} GROUP BY key '
    "HAVING count(*) >= {min_size} ORDER BY key"
)


def no_groups() -> "pa.Table":
    """The result of ``group_by_key`` over no items."""
    import pyarrow as pa

    return pa.table({"key": pa.array([], pa.int64()), "values": pa.array([], pa.list_(pa.string()))})


@runtime_checkable
class Executor(Protocol):
    """What every executor offers (``LocalExecutor``, ``RayExecutor`` subclass it for the defaults)."""

    #: Name in :data:`khlang.executors.EXECUTORS` and in the ``runs`` table.
    name: ClassVar[str]
    #: How many tasks run at once (recorded in the ``runs`` table).
    workers: int

    def run_shards(self, job: "ShardJob", shards: list["Shard"], on_done: Callable[[dict[str, Any]], None]) -> None:
        """Run every shard of ``shards`` through ``ShardWorker(job)``; call ``on_done(stats)`` in the
        driver as each one finishes, in any order. A failed shard raises; finished ones stay done."""
        ...

    def map(self, fn: Callable[[Any], Any], items: Iterable[Any]) -> list[Any]:
        """``[fn(x) for x in items]`` in parallel, results in input order (``fn`` picklable, top level)."""
        ...

    def group_by_key(self, fn: Callable[[Any], "pa.Table"], items: Iterable[Any], partitions: int | None = None,
                     min_size: int = 2) -> "pa.Table":
        """``GROUP BY key`` over the ``(key, value)`` tables ``fn(item)`` of every item: a table ``key,
        values`` (values sorted, keys sorted) of the keys having at least ``min_size`` values.

        Default: ``fn`` runs here, item by item, each table is spilled to a Parquet file, and DuckDB
        (multi-threaded) groups the files — out of core, so the tables together may exceed memory.
        Not through :meth:`map`: for dedup ``fn`` only reads a file, and starting worker processes
        costs more than it saves (a re-run of dedup_minhash on 30k documents with cached signatures
        took 2.5× as long with two local workers when this went through map).
        ``partitions`` is a hint for distributed executors (Ray shuffles by key hash instead).
        """
        import duckdb
        import pyarrow.parquet as pq

        items = list(items)
        if not items:
            return no_groups()
        with tempfile.TemporaryDirectory(prefix="khlang-group-") as tmp:
            files = []
            for n, item in enumerate(items):
                files.append(str(Path(tmp) / f"{n:06d}.parquet"))
                pq.write_table(fn(item), files[-1])
            listing = "[" + ", ".join("'" + f.replace("'", "''") + "'" for f in files) + "]"
            con = duckdb.connect()
            try:
                return con.sql(GROUP_SQL.format(source=f"read_parquet({listing})", min_size=int(min_size))).to_arrow_table()
            finally:
                con.close()

    def close(self) -> None:
        """Free what the executor started (the Ray executor shuts down its private Ray instance)."""


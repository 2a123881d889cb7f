"""The corpus store: a folder of zstd Parquet shards plus a DuckDB catalog.

Layout of a corpus folder::

    catalog.duckdb                  views over the shards + the runs table (open it with duckdb)
    docs/part-<run>-<shard>.parquet     kept documents            (DOCS_SCHEMA)
    dropped/part-<run>-<shard>.parquet  dropped documents + why   (DROPPED_SCHEMA)
    dropped/<stage>-<run>.parquet       drops made by corpus-level stages (dedup)
    dedup/clusters-<stage>-<run>.parquet  duplicate clusters found by dedup (view ``dup_clusters``)
    dedup/minhash-<params>/             MinHash signature files, one per docs shard (a cache)
    _runs/<run>/plan.json           the shard plan of a run (what each shard reads)
    _runs/<run>/done/<shard>.json   marker + stats of a finished shard (written last, atomically)

Catalog objects:

* ``all_docs`` – every document row written by a shard of a finished shard.
* ``dropped`` – every dropped document: ``id, stage, reason, detail, duplicate_of, source_uri,
  source_kind, text, run_id, shard``. ``text`` is kept so nothing is ever lost.
* ``documents`` – ``all_docs`` minus anything a corpus-level stage dropped: *the corpus*.
* ``runs`` – one row per run: config, versions, timings and counts per stage.

Views list files explicitly (absolute paths) and are rebuilt whenever the corpus is opened, so a
moved corpus folder keeps working and half-written shards are never visible.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Iterable, Iterator

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

from .document import Document

DOCS_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("source_uri", pa.string()),
        ("source_kind", pa.string()),
        ("title", pa.string()),
        ("date", pa.string()),
        ("url", pa.string()),
        ("licence", pa.string()),
        ("lang", pa.string()),
        ("n_chars", pa.int64()),
        ("meta", pa.string()),  # JSON object: other metadata
        ("annotations", pa.string()),  # JSON object: stage name → what the stage found
        ("run_id", pa.string()),
        ("shard", pa.int32()),
    ]
)

DROPPED_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("stage", pa.string()),
        ("reason", pa.string()),
        ("detail", pa.string()),
        ("duplicate_of", pa.string()),
        ("source_uri", pa.string()),
        ("source_kind", pa.string()),
        ("text", pa.string()),
        ("run_id", pa.string()),
        ("shard", pa.int32()),
    ]
)

RUNS_DDL = """
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY,
    name VARCHAR,
    fingerprint VARCHAR,
    status VARCHAR,            -- running | done | interrupted | failed
    executor VARCHAR,
    workers INTEGER,
    started_at TIMESTAMP,
    finished_at TIMESTAMP,
    seconds DOUBLE,
    shards INTEGER,
    docs_in BIGINT,
    docs_out BIGINT,
    docs_dropped BIGINT,
    config JSON,               -- the pipeline, as run
    versions JSON,             -- khlang, python and library versions
    stages JSON                -- per stage: docs_in, docs_out, dropped by reason, seconds
)
"""

_PART = re.compile(r"part-(?P<run>[^/]+)-(?P<shard>\d+)\.parquet$")
COMPRESSION = "zstd"


def write_parquet_atomic(table: pa.Table, path: Path) -> None:
    """Write ``table`` to ``path`` through a temp file + rename, so readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    pq.write_table(table, tmp, compression=COMPRESSION)
    os.replace(tmp, path)


def write_json_atomic(data: Any, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
    os.replace(tmp, path)


def docs_table(docs: Iterable[Document], run_id: str, shard: int) -> pa.Table:
    rows = []
    for d in docs:
        row = d.to_row()
        row["run_id"], row["shard"] = run_id, shard
        rows.append(row)
    return pa.Table.from_pylist(rows, schema=DOCS_SCHEMA)


def dropped_table(docs: Iterable[Document], run_id: str, shard: int | None) -> pa.Table:
    rows = [
        {
            "id": d.id,
            "stage": d.drop.stage,
            "reason": d.drop.reason,
            "detail": d.drop.detail,
            "duplicate_of": d.drop.duplicate_of,
            "source_uri": d.source_uri,
            "source_kind": d.source_kind,
            "text": d.text,
            "run_id": run_id,
            "shard": shard,
        }
        for d in docs
        if d.drop is not None
    ]
    return pa.Table.from_pylist(rows, schema=DROPPED_SCHEMA)


class Corpus:
    """An open corpus folder. ``Corpus(path)`` opens (or creates) it and refreshes the catalog.

    ``corpus.sql("SELECT …")`` runs DuckDB SQL over the catalog; ``corpus.con`` is the raw
    DuckDB connection for anything else.
    """

    def __init__(self, path: str | Path, create: bool = False, read_only: bool = False) -> None:
        self.path = Path(path).resolve()
        if not (self.path / "catalog.duckdb").exists():
            if not create:
                raise FileNotFoundError(f"{path} is not a khlang corpus (no catalog.duckdb)")
            self.path.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(self.path / "catalog.duckdb"), read_only=read_only)
        if not read_only:
            self.con.execute(RUNS_DDL)
            self.refresh()

    # -- layout ---------------------------------------------------------------------------------
    @property
    def docs_dir(self) -> Path:
        return self.path / "docs"

    @property
    def dropped_dir(self) -> Path:
        return self.path / "dropped"

    def run_dir(self, run_id: str) -> Path:
        return self.path / "_runs" / run_id

    def done_marker(self, run_id: str, shard: int) -> Path:
        return self.run_dir(run_id) / "done" / f"{shard:05d}.json"

    def shard_paths(self, run_id: str, shard: int) -> tuple[Path, Path]:
        name = f"part-{run_id}-{shard:05d}.parquet"
        return self.docs_dir / name, self.dropped_dir / name

    # -- catalog --------------------------------------------------------------------------------
    def cluster_files(self) -> list[Path]:
        """The dedup stages' cluster files behind the ``dup_clusters`` view (none until dedup ran)."""
        return sorted((self.path / "dedup").glob("clusters-*.parquet"))

    def _finished(self, directory: Path) -> list[str]:
        """Shard files in ``directory`` whose shard has a done marker (others are in flight)."""
        files = []
        for f in sorted(directory.glob("*.parquet")) if directory.exists() else []:
            m = _PART.search(f.name)
            if m and not self.done_marker(m["run"], int(m["shard"])).exists():
                continue
            files.append(str(f))
        return files

    def refresh(self) -> None:
        """Rebuild the views from the shard files that are complete."""
        con = self.con
        for name, schema, directory in (
            ("all_docs", DOCS_SCHEMA, self.docs_dir),
            ("dropped", DROPPED_SCHEMA, self.dropped_dir),
        ):
            files = self._finished(directory)
            if files:
                listing = ", ".join("'" + f.replace("'", "''") + "'" for f in files)
                con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet([{listing}])")
            else:  # an empty, correctly typed view
                cols = ", ".join(f"CAST(NULL AS {_duck_type(t)}) AS {n}" for n, t in zip(schema.names, schema.types))
                con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {cols} WHERE false")
        con.execute(
            "CREATE OR REPLACE VIEW documents AS SELECT * FROM all_docs "
            "WHERE id NOT IN (SELECT id FROM dropped WHERE shard IS NULL)"
        )
        # Duplicate clusters found by the dedup stages (khlang.dedup): id, cluster_id, cluster_size,
        # kept, stage, run_id.
        clusters = self.cluster_files()
        if clusters:
            listing = ", ".join("'" + str(f).replace("'", "''") + "'" for f in clusters)
            con.execute(f"CREATE OR REPLACE VIEW dup_clusters AS SELECT * FROM read_parquet([{listing}], union_by_name = true)")
        else:
            con.execute(
                "CREATE OR REPLACE VIEW dup_clusters AS SELECT CAST(NULL AS VARCHAR) AS id, CAST(NULL AS VARCHAR) AS "
                "cluster_id, CAST(NULL AS BIGINT) AS cluster_size, CAST(NULL AS BOOLEAN) AS kept, CAST(NULL AS VARCHAR) "
                "AS stage, CAST(NULL AS VARCHAR) AS run_id WHERE false"
            )

    def sql(self, query: str, params: list | None = None) -> duckdb.DuckDBPyRelation:
        """A lazy DuckDB relation (print it, or ``.fetchall()`` / ``.arrow()`` it)."""
        return self.con.sql(query, params=params)

    def rows(self, query: str, params: list | None = None) -> list[dict[str, Any]]:
        """The result of ``query`` as a list of dicts."""
        cur = self.con.execute(query, params or [])
        cols = [c[0] for c in cur.description]
        return [dict(zip(cols, r)) for r in cur.fetchall()]

    def scalar(self, query: str, params: list | None = None) -> Any:
        """The first column of the first row of ``query`` (None when there is no row)."""
        rows = self.con.execute(query, params or []).fetchall()  # fetchall: DuckDB 2 forbids half-read results
        return rows[0][0] if rows else None

    # -- reading --------------------------------------------------------------------------------
    def iter_documents(self, where: str = "", batch_size: int = 1000) -> Iterator[Document]:
        """Documents of the corpus as :class:`Document` objects, streamed in batches."""
        query = "SELECT * FROM documents" + (f" WHERE {where}" if where else "") + " ORDER BY id"
        # A cursor of its own, so a half-read stream never blocks the catalog connection.
        reader = self.con.cursor().sql(query).to_arrow_reader(batch_size)
        for batch in reader:
            for row in batch.to_pylist():
                yield Document.from_row(row)

    def get(self, doc_id: str) -> dict[str, Any] | None:
        """A document's row, or its ``dropped`` row (with ``status`` saying which), or None."""
        for table, status in (("all_docs", "kept"), ("dropped", "dropped")):
            rows = self.rows(f"SELECT * FROM {table} WHERE id = ?", [doc_id])
            if rows:
                out = rows[-1]
                later = self.rows(
                    "SELECT stage, reason, detail, duplicate_of FROM dropped WHERE id = ? AND shard IS NULL", [doc_id]
                )
                if status == "kept" and later:
                    status, out["drops"] = "dropped", later
                out["status"] = status
                return out
        return None

    def runs(self) -> list[dict[str, Any]]:
        return self.rows("SELECT * FROM runs ORDER BY started_at")

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> "Corpus":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def open_corpus(path: str | Path, read_only: bool = False) -> Corpus:
    """Open an existing corpus folder."""
    return Corpus(path, read_only=read_only)


def _duck_type(t: pa.DataType) -> str:
    return {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.int32(): "INTEGER"}[t]


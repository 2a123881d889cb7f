"""The corpus store: a folder of zstd Parquet shards plus a DuckDB catalog.

Layout of a corpus folder::

    catalog.duckdb                  views over the shards + the runs table (open it with duckdb)
    docs/part-<run>-<shard>.parquet     kept documents            (DOCS_SCHEMA)
    dropped/part-<run>-<shard>.parquet  dropped documents + why   (DROPPED_SCHEMA)
    dropped/<stage>-<run>.parquet       drops made by corpus-level stages (dedup)
    dedup/clusters-<stage>-<run>.parquet  duplicate clusters found by dedup (view ``dup_clusters``)
    dedup/minhash-<params>/             MinHash signature files, one per docs shard (a cache)
    dropped/append-<run>.parquet    copies a run superseded: an id read twice, or replaced
    dropped/revised-<stage>-<run>.parquet  old versions of documents a corpus stage rewrote
    docs/<stage>-<run>.parquet      their new versions (negative shard; dedup_paragraph)
    _runs/<run>/plan.json           the shard plan of a run (what each shard reads)
    _runs/<run>/known_ids.parquet   ids the corpus held when an ``--on-existing skip`` run began
    _runs/<run>/done/<shard>.json   marker + stats of a finished shard (written last, atomically)

Catalog objects:

* ``all_docs`` – every document row written by a shard of a finished shard.
* ``dropped`` – every dropped document: ``id, stage, reason, detail, duplicate_of, source_uri,
  source_kind, text, run_id, shard``. ``text`` is kept so nothing is ever lost.
* ``documents`` – ``all_docs`` minus anything a corpus-level stage dropped and minus the copies a
  later copy of the same id superseded (stage ``append``): *the corpus*, one row per id.
* ``runs`` – one row per run: config, versions, timings and counts per stage.

:class:`Corpus` is the one owner of the run record: :meth:`Corpus.begin_run`,
:meth:`CorpusFolder.write_shard` (what a shard worker on any node calls), :meth:`Corpus.finish_run`
and :meth:`Corpus.fail_run`; the runner and ``khlang import`` both go through them.

**One row per id.** A document id names one document of the corpus. When a run reads an id the
corpus already holds, ``on_existing`` decides: ``skip`` (default) keeps the earlier copy — the new
one is dropped before any stage runs (stage ``read``, reason ``already_present``); ``replace``
keeps the new copy and drops the earlier one (stage ``append``, reason ``replaced``). An id read
twice within one run keeps its first copy. So a run never removes an earlier document except by
an explained drop, and never drops a document as a duplicate of itself.

Views list files explicitly (absolute paths) and are rebuilt whenever the corpus is opened, so a
moved corpus folder keeps working and half-written shards are never visible.

(Over 400 lines on purpose: this module is the single owner of the corpus folder — its files,
views, run record and one-row-per-id rule; split, those would again be written in several places.)
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import shutil
from importlib import metadata
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

ON_EXISTING = ("skip", "replace")
_PART = re.compile(r"part-(?P<run>[^/]+)-(?P<shard>\d+)\.parquet$")
COMPRESSION = "zstd"


def versions() -> dict[str, str]:
    """Versions recorded with every run, so a corpus says what made it."""
    out = {"python": platform.python_version()}
    for pkg in ("khlang", "pyarrow", "duckdb", "trafilatura", "pythainlp", "fastwarc"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            pass
    return out


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


SUPERSEDE_STAGE = "append"  #: stage name of the drops that keep one copy per id (see module doc)


class CorpusFolder:
    """The files of a corpus folder without its catalog: what a shard worker on any node needs
    (the DuckDB catalog is the driver's alone)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path).resolve()

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

    def known_ids_file(self, run_id: str) -> Path:
        return self.run_dir(run_id) / "known_ids.parquet"

    def write_shard(self, run_id: str, shard: int, docs: pa.Table | Iterable[Document],
                    dropped: pa.Table | Iterable[Document], stats: dict[str, Any]) -> None:
        """Write one finished shard: kept and dropped documents atomically, then its done marker
        (with ``stats``) last, so the catalog shows the shard whole or not at all."""
        if not isinstance(docs, pa.Table):
            docs = docs_table(docs, run_id, shard)
        if not isinstance(dropped, pa.Table):
            dropped = dropped_table(dropped, run_id, shard)
        docs_path, dropped_path = self.shard_paths(run_id, shard)
        write_parquet_atomic(docs, docs_path)
        write_parquet_atomic(dropped, dropped_path)
        write_json_atomic(stats, self.done_marker(run_id, shard))

    def known_ids(self, run_id: str, ids: list[str]) -> dict[str, str]:
        """Which of ``ids`` the corpus already held when run ``run_id`` began (id → a run holding
        it); empty unless the run skips existing ids (see :meth:`Corpus.begin_run`)."""
        path = self.known_ids_file(run_id)
        if not ids or not path.exists():
            return {}
        con = duckdb.connect()
        try:
            con.register("wanted", pa.table({"id": pa.array(ids, pa.string())}))
            rows = con.execute(
                "SELECT k.id, k.run_id FROM read_parquet(?) k SEMI JOIN wanted USING (id)", [str(path)]
            ).fetchall()
        finally:
            con.close()
        return dict(rows)


class Corpus(CorpusFolder):
    """An open corpus folder. ``Corpus(path)`` opens (or creates) it and refreshes the catalog.

    ``corpus.sql("SELECT …")`` runs DuckDB SQL over the catalog; ``corpus.con`` is the raw
    DuckDB connection for anything else.
    """

    def __init__(self, path: str | Path, create: bool = False, read_only: bool = False) -> None:
        super().__init__(path)
        if not (self.path / "catalog.duckdb").exists():
            if not create:
                raise FileNotFoundError(f"{path} is not a khlang corpus (no catalog.duckdb)")
            self.path.mkdir(parents=True, exist_ok=True)
        self.con = duckdb.connect(str(self.path / "catalog.duckdb"), read_only=read_only)
        if not read_only:
            self.con.execute(RUNS_DDL)
            self.refresh()

    # -- the run record ---------------------------------------------------------------------------
    def begin_run(self, run_id: str, *, name: str, fingerprint: str, executor: str, workers: int | None,
                  shards: int, config: dict[str, Any], on_existing: str = "skip") -> None:
        """Record a new run as ``running``, with its config (plus ``on_existing``, which a resumed
        run reuses) and the library versions that make it."""
        if on_existing not in ON_EXISTING:
            raise ValueError(f"on_existing must be one of {', '.join(ON_EXISTING)}, not {on_existing!r}")
        self.con.execute(
            "INSERT INTO runs (run_id, name, fingerprint, status, executor, workers, started_at, shards, config, "
            "versions) VALUES (?, ?, ?, 'running', ?, ?, ?, ?, ?, ?)",
            [run_id, name, fingerprint, executor, workers, dt.datetime.now(), shards,
             json.dumps({**config, "on_existing": on_existing}, ensure_ascii=False), json.dumps(versions())],
        )

    def snapshot_ids(self, run_id: str) -> None:
        """Write the ids the corpus holds now (kept or dropped) for run ``run_id``'s shard workers,
        which drop new copies of them before any stage runs (``on_existing="skip"``; see
        :meth:`CorpusFolder.known_ids`). Nothing is written for an empty corpus."""
        ids = "SELECT id, run_id FROM all_docs UNION ALL SELECT id, run_id FROM dropped"
        if not self.scalar(f"SELECT count(*) FROM ({ids})"):
            return
        path = self.known_ids_file(run_id)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
        self.con.execute(
            f"COPY (SELECT id, min(run_id) AS run_id FROM ({ids}) GROUP BY id ORDER BY id) TO {quote(tmp)} "
            "(FORMAT parquet, COMPRESSION zstd)"
        ).fetchall()
        os.replace(tmp, path)

    def resume_run(self, run_id: str) -> str:
        """Mark an unfinished run ``running`` again; return its ``on_existing`` policy."""
        self.con.execute("UPDATE runs SET status = 'running' WHERE run_id = ?", [run_id])
        config = json.loads(self.scalar("SELECT config FROM runs WHERE run_id = ?", [run_id]) or "{}")
        return config.get("on_existing", "skip")

    def resolve_ids(self, run_id: str, on_existing: str = "skip") -> dict[str, int]:
        """Keep one copy of every id that run ``run_id`` read: the earliest (``skip``; an id read
        twice in this run keeps its first shard's copy) or this run's (``replace``). Losing
        copies go to ``dropped/append-<run>.parquet`` (stage ``append``, with the losing copy's
        run and shard) and leave ``documents``. Idempotent, so a resumed run redoes it.
        Returns the drops by reason."""
        path = self.dropped_dir / f"{SUPERSEDE_STAGE}-{run_id}.parquet"
        path.unlink(missing_ok=True)
        self.refresh()
        replace = on_existing == "replace"
        superseded = self._superseded_files()
        live = "SELECT id, run_id, shard FROM all_docs"
        if superseded:
            live += f" ANTI JOIN (SELECT id, run_id, shard FROM read_parquet({superseded})) s USING (id, run_id, shard)"
        mine = "SELECT id FROM live WHERE run_id = $run"
        if replace:  # a copy this run dropped still replaces: the update says "drop it"
            mine += " UNION SELECT id FROM dropped WHERE run_id = $run AND shard IS NOT NULL"
        contested = "count(*) > 1" + (" OR bool_or(run_id <> $run)" if replace else "")
        mine_first, others_first = ("0", "1") if replace else ("1", "0")
        # Only ids with more than one live copy (few, usually none) are ranked; texts are joined
        # to the losing copies at the end.
        query = f"""
            WITH live AS ({live}),
            contested AS (SELECT id FROM live SEMI JOIN ({mine}) m USING (id) GROUP BY id HAVING {contested}),
            ranked AS (
                SELECT l.id, l.run_id, l.shard, row_number() OVER w AS rank,
                       first_value(l.run_id) OVER w AS win_run, first_value(l.shard) OVER w AS win_shard
                FROM live l SEMI JOIN contested USING (id) LEFT JOIN runs r USING (run_id)
                WINDOW w AS (PARTITION BY l.id ORDER BY CASE WHEN l.run_id = $run THEN {mine_first}
                             ELSE {others_first} END, r.started_at NULLS LAST, l.run_id, l.shard)),
            losers AS (SELECT * FROM ranked WHERE rank > 1 OR ({'true' if replace else 'false'} AND run_id <> $run))
            SELECT x.id, '{SUPERSEDE_STAGE}' AS stage,
                   CASE WHEN x.run_id = $run THEN 'already_present' ELSE 'replaced' END AS reason,
                   CASE WHEN x.run_id <> $run THEN 'replaced by the copy read in run ' || $run
                        WHEN x.win_run = $run THEN 'id read twice in this run: the copy of shard ' || x.win_shard || ' is kept'
                        ELSE 'id already in the corpus (run ' || x.win_run || ')' END AS detail,
                   CAST(NULL AS VARCHAR) AS duplicate_of, a.source_uri, a.source_kind, a.text, x.run_id, x.shard
            FROM losers x JOIN all_docs a USING (id, run_id, shard)
            ORDER BY x.run_id, x.shard, x.id
        """
        drops = self.con.sql(query, params={"run": run_id}).to_arrow_table()
        if drops.num_rows:
            write_parquet_atomic(drops.cast(DROPPED_SCHEMA), path)
            self.refresh()
        counts: dict[str, int] = {}
        for reason in drops.column("reason").to_pylist():
            counts[reason] = counts.get(reason, 0) + 1
        return counts

    def finish_run(self, run_id: str, *, seconds: float, docs_in: int, stages: dict[str, Any]) -> tuple[int, int]:
        """Record a finished run. Its ``docs_out`` is what the catalog holds of it now (its rows
        in ``documents``) and ``docs_dropped = docs_in - docs_out``: neither can be negative, and
        drops this run made of earlier runs' copies are in ``stages``, not in its counts."""
        self.refresh()
        docs_out = int(self.scalar("SELECT count(*) FROM documents WHERE run_id = ?", [run_id]))
        docs_dropped = max(docs_in - docs_out, 0)
        self.con.execute(
            "UPDATE runs SET status = 'done', finished_at = ?, seconds = coalesce(seconds, 0) + ?, "
            "docs_in = ?, docs_out = ?, docs_dropped = ?, stages = ? WHERE run_id = ?",
            [dt.datetime.now(), seconds, docs_in, docs_out, docs_dropped, json.dumps(stages), run_id],
        )
        return docs_out, docs_dropped

    def fail_run(self, run_id: str, *, seconds: float = 0.0, status: str = "failed", discard: bool = False) -> None:
        """Record that a run stopped (``interrupted`` or ``failed``). ``discard=True`` also removes
        its shards and run folder (an import leaves nothing half-done behind)."""
        if discard:
            for path in [*self.docs_dir.glob(f"part-{run_id}-*"), *self.dropped_dir.glob(f"part-{run_id}-*")]:
                path.unlink()
            shutil.rmtree(self.run_dir(run_id), ignore_errors=True)
        self.con.execute(
            "UPDATE runs SET status = ?, seconds = coalesce(seconds, 0) + ? WHERE run_id = ?",
            [status, seconds, run_id],
        )
        self.refresh()

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
                listing = ", ".join(quote(f) for f in files)
                con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT * FROM read_parquet([{listing}])")
            else:  # an empty, correctly typed view
                cols = ", ".join(f"CAST(NULL AS {_duck_type(t)}) AS {n}" for n, t in zip(schema.names, schema.types))
                con.execute(f"CREATE OR REPLACE VIEW {name} AS SELECT {cols} WHERE false")
        con.execute(f"CREATE OR REPLACE VIEW documents AS {self._documents_sql()}")
        # Duplicate clusters found by the dedup stages (khlang.dedup): id, cluster_id, cluster_size,
        # kept, stage, run_id.
        clusters = self.cluster_files()
        if clusters:
            listing = ", ".join(quote(f) for f in clusters)
            con.execute(f"CREATE OR REPLACE VIEW dup_clusters AS SELECT * FROM read_parquet([{listing}], union_by_name = true)")
        else:
            con.execute(
                "CREATE OR REPLACE VIEW dup_clusters AS SELECT CAST(NULL AS VARCHAR) AS id, CAST(NULL AS VARCHAR) AS "
                "cluster_id, CAST(NULL AS BIGINT) AS cluster_size, CAST(NULL AS BOOLEAN) AS kept, CAST(NULL AS VARCHAR) "
                "AS stage, CAST(NULL AS VARCHAR) AS run_id WHERE false"
            )

    def _superseded_files(self) -> str:
        """A DuckDB list of the ``dropped/append-<run>.parquet`` files ('' when there is none)."""
        # revised-*: old versions of documents a corpus stage rewrote (dedup_paragraph)
        files = sorted([*self.dropped_dir.glob(f"{SUPERSEDE_STAGE}-*.parquet"), *self.dropped_dir.glob("revised-*.parquet")])
        return "[" + ", ".join(quote(f) for f in files) + "]" if files else ""

    def _documents_sql(self) -> str:
        """The ``documents`` view: ``all_docs`` minus corpus-level drops (shard null, by id) minus
        the copies superseded by a later copy of their id (``dropped/append-*.parquet``). Each
        clause is there only when the corpus needs it, so a corpus that never superseded a copy
        pays nothing for it."""
        files = self._superseded_files()
        if not files:
            return "SELECT * FROM all_docs WHERE id NOT IN (SELECT id FROM dropped WHERE shard IS NULL)"
        sql = (f"SELECT a.* FROM all_docs a ANTI JOIN (SELECT id, run_id, shard FROM read_parquet({files})) s "
               "USING (id, run_id, shard) ")
        replaced = self.con.execute(f"SELECT count(*) FROM read_parquet({files}) WHERE reason = 'replaced'").fetchall()[0][0]
        if not replaced:
            return sql + "WHERE a.id NOT IN (SELECT id FROM dropped WHERE shard IS NULL)"
        # A copy brought by --on-existing replace is judged afresh: a corpus-level drop hides the
        # copies of its id that existed when its run ran, not later ones; a drop made outside a
        # run (the dedup command) hides every copy.
        return (
            "WITH latest AS (SELECT d.id, max(coalesce(r.started_at, TIMESTAMP 'infinity')) AS t "
            "FROM dropped d LEFT JOIN runs r USING (run_id) WHERE d.shard IS NULL GROUP BY d.id) "
            + sql
            + "LEFT JOIN latest l USING (id) "
            "WHERE l.t IS NULL OR l.t < (SELECT started_at FROM runs r WHERE r.run_id = a.run_id)"
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
        """A document's row, or its ``dropped`` row (with ``status`` saying which), or None.

        The live copy of an id comes first; a copy that a corpus-level stage or a later copy
        dropped comes with ``drops`` (stage, reason, detail, duplicate_of)."""
        rows = self.rows("SELECT * FROM documents WHERE id = ?", [doc_id])
        if rows:
            return {**rows[0], "status": "kept"}
        rows = self.rows("SELECT * FROM all_docs WHERE id = ? ORDER BY run_id, shard", [doc_id])
        if rows:
            drops = self.rows(
                "SELECT stage, reason, detail, duplicate_of FROM dropped WHERE id = ? "
                f"AND (shard IS NULL OR stage = '{SUPERSEDE_STAGE}')", [doc_id]
            )
            return {**rows[-1], "status": "dropped", "drops": drops}
        rows = self.rows("SELECT * FROM dropped WHERE id = ? ORDER BY run_id, shard", [doc_id])
        return {**rows[-1], "status": "dropped"} if rows else None

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


def quote(path: str | Path) -> str:
    """A SQL string literal of a path (for ``read_parquet`` and ``COPY … TO``)."""
    return "'" + str(path).replace("'", "''") + "'"


def _duck_type(t: pa.DataType) -> str:
    return {pa.string(): "VARCHAR", pa.int64(): "BIGINT", pa.int32(): "INTEGER"}[t]


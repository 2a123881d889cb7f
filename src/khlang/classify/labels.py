"""Labelled examples from where people put labels: an annotation project (its database, or the
file its export endpoint wrote), or any table with a text and a label column.

An annotation project gives one example per document: its gold label when a reviewer set one,
else the label most of its annotators chose (ties and skipped documents are left out). A
document's label is its classification label, or its rating (as text, ``"0"`` … ``"5"``) when
the project rates instead.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any, Iterable


def _answer_label(row: dict[str, Any]) -> str | None:
    labels = row.get("labels") or []
    if isinstance(labels, str):
        labels = json.loads(labels) if labels.startswith("[") else [labels]
    if labels:
        return ",".join(sorted(str(x) for x in labels))
    return None if row.get("rating") is None else str(row["rating"])


def from_rows(rows: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Examples from an annotation project's rows (one per document and annotator, plus gold rows)."""
    docs: dict[str, dict[str, Any]] = {}
    for r in rows:
        d = docs.setdefault(str(r["doc_id"]), {"id": str(r["doc_id"]), "text": r["text"], "lang": r.get("lang"),
                                               "votes": Counter(), "gold": None})
        label = _answer_label(r)
        if label is None or r.get("status") == "skipped":
            continue
        if r.get("status") == "gold":
            d["gold"] = label
        else:
            d["votes"][label] += 1
    out = []
    for d in docs.values():
        label = d["gold"]
        if label is None and d["votes"]:
            top = d["votes"].most_common(2)
            label = top[0][0] if len(top) == 1 or top[0][1] > top[1][1] else None
        if label is not None:
            out.append({"id": d["id"], "text": d["text"], "lang": d["lang"], "label": label})
    return out


def from_project(db_url: str, project: str) -> list[dict[str, Any]]:
    """Examples of the annotation project named ``project`` in the database at ``db_url``."""
    from sqlalchemy import select

    from ..annotate.db import Database, Project
    from ..annotate.formats import project_rows

    if "://" not in db_url and not Path(db_url).is_file():
        raise FileNotFoundError(2, "No such file", db_url)
    database = Database(db_url)
    try:
        with database.session() as db:
            found = db.scalar(select(Project).where(Project.name == project))
            if found is None:
                names = sorted(db.scalars(select(Project.name)))
                raise ValueError(f"no annotation project {project!r} in {db_url} (projects: {names})")
            return from_rows(project_rows(db, found))
    finally:
        database.engine.dispose()


def from_corpus(corpus_path: str | Path, sql: str) -> list[dict[str, Any]]:
    """Examples from a query over a corpus catalog returning ``text`` and ``label`` (and ``lang``),
    e.g. the gold labels written back by the annotation server::

        SELECT d.text, d.lang, g.labels->>0 AS label FROM documents d JOIN gold_labels g USING (id)
    """
    import duckdb

    from ..store import Corpus

    with Corpus(corpus_path, read_only=True) as corpus:
        try:
            rel = corpus.con.execute(sql)
        except duckdb.Error as exc:
            raise ValueError(f"label query failed: {str(exc).splitlines()[0]}") from None
        cols = [d[0] for d in rel.description]
        if not {"text", "label"} <= set(cols):
            raise ValueError(f"the label query must return columns text and label (got {cols})")
        rows = [dict(zip(cols, r)) for r in rel.fetchall()]
    return [{"id": str(r.get("id", n)), "text": r["text"], "label": str(r["label"]), "lang": r.get("lang")}
            for n, r in enumerate(rows) if r["label"] not in (None, "") and r["text"]]


def _read_table(path: Path) -> list[dict[str, Any]]:
    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path).to_pylist()
    if path.suffix in (".csv", ".tsv"):
        import csv

        with path.open(encoding="utf-8", newline="") as f:
            return list(csv.DictReader(f, delimiter="\t" if path.suffix == ".tsv" else ","))
    rows = []
    with path.open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if line.strip():
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError as exc:
                    raise ValueError(f"{path}:{n}: not a JSON line ({exc.msg})") from None
    return rows


def from_file(path: str | Path, text_col: str = "text", label_col: str = "label",
              lang_col: str = "lang") -> list[dict[str, Any]]:
    """Examples from a JSONL / CSV / TSV / Parquet file: an annotation export (rows with ``doc_id``,
    ``status``, ``labels``/``rating``) or any table with ``text_col`` and ``label_col``."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(2, "No such file", str(path))
    rows = _read_table(path)
    if rows and "doc_id" in rows[0] and "status" in rows[0] and label_col not in rows[0]:
        return from_rows(rows)
    out = []
    for n, r in enumerate(rows, 1):
        if text_col not in r or label_col not in r:
            raise ValueError(f"{path}: row {n} has no {text_col!r} or {label_col!r} column (has {sorted(r)})")
        if r[label_col] in (None, ""):
            continue
        out.append({"id": str(r.get("id", n)), "text": str(r[text_col]), "label": str(r[label_col]),
                    "lang": r.get(lang_col) or None})
    return out

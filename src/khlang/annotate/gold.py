"""Write a project's gold labels back into a corpus folder.

Two additive places, neither touched by ``Corpus.refresh()``:

* ``annotations/gold-<project id>-<name>.parquet`` in the corpus folder (one row per adjudicated document);
* table ``gold_labels`` in ``catalog.duckdb`` (the rows of every project, replaced per project),
  so ``SELECT * FROM documents JOIN gold_labels USING (id)`` works in ``khlang sql``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pyarrow as pa
from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import Doc, Gold, Project, User

GOLD_SCHEMA = pa.schema([("id", pa.string()), ("project", pa.string()), ("labels", pa.string()),
                         ("rating", pa.int64()), ("comment", pa.string()), ("spans", pa.string()),
                         ("reviewer", pa.string()), ("updated_at", pa.string())])


def gold_rows(db: Session, project: Project) -> list[dict]:
    q = (select(Gold, Doc.doc_id, User.username).join(Doc, Doc.id == Gold.document_id)
         .join(User, User.id == Gold.reviewer_id).where(Gold.project_id == project.id).order_by(Doc.position))
    return [{"id": doc_id, "project": project.name, "labels": json.dumps(g.labels, ensure_ascii=False),
             "rating": g.rating, "comment": g.comment, "spans": json.dumps(g.spans, ensure_ascii=False),
             "reviewer": user, "updated_at": g.updated_at.isoformat()} for g, doc_id, user in db.execute(q).all()]


def gold_file_name(project: Project) -> str:
    """``gold-<id>-<readable name>.parquet``: the project id keeps names that slug alike ("gold a/b",
    "gold a b") apart; the slug only helps a person browsing the folder."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", project.name).strip("-.")[:60]
    return f"gold-{project.id}-{slug}.parquet" if slug else f"gold-{project.id}.parquet"


def write_gold(db: Session, project: Project, corpus_path: str | Path) -> Path:
    """Write the gold labels of ``project`` into the corpus; returns the Parquet path."""
    from ..store import Corpus, write_parquet_atomic

    table = pa.Table.from_pylist(gold_rows(db, project), schema=GOLD_SCHEMA)
    with Corpus(corpus_path) as corpus:
        path = corpus.path / "annotations" / gold_file_name(project)
        write_parquet_atomic(table, path)
        con = corpus.con
        con.execute("CREATE TABLE IF NOT EXISTS gold_labels (id VARCHAR, project VARCHAR, labels JSON, rating BIGINT, "
                    "comment VARCHAR, spans JSON, reviewer VARCHAR, updated_at VARCHAR)")
        con.execute("DELETE FROM gold_labels WHERE project = ?", [project.name])
        con.register("_gold_new", table)
        con.execute("INSERT INTO gold_labels SELECT * FROM _gold_new")
        con.unregister("_gold_new")
    return path

"""Glue between the routes and the model: lookups that answer 404, and JSON-ready views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import HTTPException
from sqlalchemy import select
from sqlalchemy.orm import Session

from .agreement import project_agreement
from .db import Annotation, Doc, Gold, Project, User
from .projects import (answer_dict, conflicts as _conflicts, create_project, next_document, previous_document,
                       progress, sample_corpus, save_answer, set_gold)
from .schema import DEFAULT_SPAN_LABELS, make_schema

__all__ = ["answer_dict", "next_document", "previous_document", "save_answer", "set_gold"]


def all_projects(db: Session) -> list[Project]:
    return list(db.scalars(select(Project).order_by(Project.id)))


def get_project(db: Session, pid: int) -> Project:
    project = db.get(Project, pid)
    if project is None:
        raise HTTPException(404, "no such project")
    return project


def get_doc(db: Session, project: Project, did: int) -> Doc:
    doc = db.get(Doc, did)
    if doc is None or doc.project_id != project.id:
        raise HTTPException(404, "no such document in this project")
    return doc


def project_info(db: Session, p: Project) -> dict[str, Any]:
    return {"id": p.id, "name": p.name, "description": p.description, "schema": p.schema, "overlap": p.overlap,
            "source": p.source, "progress": progress(db, p)}


def doc_info(doc: Doc | None) -> dict[str, Any] | None:
    if doc is None:
        return None
    return {"id": doc.id, "doc_id": doc.doc_id, "text": doc.text, "lang": doc.lang, "meta": doc.meta}


def my_answer(db: Session, doc: Doc, user: User) -> dict | None:
    return answer_dict(db.scalar(select(Annotation).where(Annotation.document_id == doc.id,
                                                          Annotation.user_id == user.id)))


def all_answers(db: Session, doc: Doc) -> dict[str, dict]:
    rows = db.execute(select(Annotation, User.username).join(User, User.id == Annotation.user_id)
                      .where(Annotation.document_id == doc.id).order_by(User.username)).all()
    return {u: answer_dict(a) for a, u in rows}


def gold_answer(db: Session, doc: Doc) -> dict | None:
    return answer_dict(db.get(Gold, doc.id))


def agreement(db: Session, project: Project) -> dict[str, Any]:
    rows = db.execute(select(Annotation, User.username).join(User, User.id == Annotation.user_id)
                      .where(Annotation.project_id == project.id, Annotation.status == "done")).all()
    return project_agreement([(a.document_id, u, answer_dict(a)) for a, u in rows], project.schema)


def conflicts(db: Session, project: Project) -> list[dict]:
    out = []
    for c in _conflicts(db, project):
        doc = db.get(Doc, c["document_id"])
        spans = {(s["start"], s["end"], s["label"]) for a in c["answers"].values() for s in a["spans"]}
        union = [{"start": s, "end": e, "label": lab} for s, e, lab in sorted(spans)]
        out.append({**c, "document": doc_info(doc), "gold": gold_answer(db, doc), "span_union": union})
    return out


def pick_corpus(corpora: list[Path], which: Any) -> Path:
    """A corpus the server was started with, by index or path (never an arbitrary path)."""
    if which is None or which == "":
        if len(corpora) == 1:
            return corpora[0]
        raise ValueError("say which corpus (index or path)")
    for i, path in enumerate(corpora):
        if str(which) in (str(i), str(path)) or Path(str(which)).resolve() == path:
            return path
    raise ValueError(f"corpus {which!r} is not one the server was started with")


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value or []]


def create_from_request(db: Session, corpora: list[Path], body: dict[str, Any]) -> Project:
    """Create a project from an API/form body: ``name``, ``schema`` (or its parts), ``overlap`` and
    either ``documents`` (a list of {id, text, lang}) or ``corpus`` + ``query``."""
    s = body.get("schema") or {}
    schema = make_schema(
        classification=s.get("classification", "single"), labels=_list(s.get("labels")),
        rating=s.get("rating"), comment=s.get("comment", True),
        span_labels=_list(s["span_labels"]) if "span_labels" in s else DEFAULT_SPAN_LABELS)
    source: dict[str, Any] = {}
    if body.get("documents") is not None:
        docs = list(body["documents"])
    else:
        corpus = pick_corpus(corpora, body.get("corpus"))
        q = body.get("query") or {}
        num = lambda k, f: None if q.get(k) in (None, "") else f(q[k])  # noqa: E731
        query = {"langs": _list(q.get("langs")), "min_quality": num("min_quality", float),
                 "max_quality": num("max_quality", float), "n": num("n", int), "seed": num("seed", int) or 0,
                 "stratify": bool(q.get("stratify"))}
        docs = sample_corpus(corpus, **query)
        source = {"corpus": str(corpus), "query": query}
    if not docs:
        raise ValueError("the query matched no documents")
    return create_project(db, body.get("name"), schema, docs, int(body.get("overlap") or 1),
                          str(body.get("description") or ""), source)

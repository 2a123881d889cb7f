"""Glue between the routes and the model: lookups that answer 404, and JSON-ready views."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import HTTPException
from sqlalchemy import Integer, and_, bindparam, delete, exists, or_, select
from sqlalchemy.orm import Session

from .agreement import project_agreement
from .auth import role_at_least
from .db import Annotation, Doc, Gold, Member, Project, User
from .projects import (REVIEW_DECISIONS, annotator_progress, answer_dict, returned_to, review_answer, to_review, conflicts as _conflicts, create_project, next_document, previous_document,
                       progress, sample_corpus, save_answer, set_gold)
from .schema import DEFAULT_SPAN_LABELS, make_schema

__all__ = ["to_review", "REVIEW_DECISIONS", "annotator_progress", "answer_dict", "returned_to", "review_answer", "next_document", "previous_document", "save_answer", "set_gold"]


_UID = bindparam("uid", type_=Integer)
#: projects an annotator may see: the open ones (no members) and those they are a member of
_ANNOTATOR_SEES = and_(Project.archived.is_(False),
                       or_(~exists().where(Member.project_id == Project.id),
                           exists().where(Member.project_id == Project.id, Member.user_id == _UID)))
# built once (the next-task and save routes look a project up on every request)
_PROJECT = select(Project).where(Project.id == bindparam("pid", type_=Integer))
_PROJECT_FOR_ANNOTATOR = _PROJECT.where(_ANNOTATOR_SEES)
_PROJECT_DOC = (select(Project, Doc).join(Doc, Doc.project_id == Project.id)
                .where(Project.id == bindparam("pid", type_=Integer), Doc.id == bindparam("did", type_=Integer)))
_PROJECT_DOC_FOR_ANNOTATOR = _PROJECT_DOC.where(_ANNOTATOR_SEES)


def _sees_all(user: User | None) -> bool:
    """Reviewers and admins see every project (``None``: the server itself)."""
    return user is None or role_at_least(user.role, "reviewer")


def all_projects(db: Session, user: User | None = None) -> list[Project]:
    stmt = select(Project).order_by(Project.id)
    if not _sees_all(user):
        stmt = stmt.where(_ANNOTATOR_SEES)
    return list(db.scalars(stmt, {"uid": user.id if user else None}))


def get_project(db: Session, pid: int, user: User | None = None) -> Project:
    """The project, or 404 — also for an annotator who is not one of its members (not 403: the
    project's existence is nobody else's business)."""
    project = db.scalar(_PROJECT if _sees_all(user) else _PROJECT_FOR_ANNOTATOR,
                        {"pid": pid, "uid": user.id if user else None})
    if project is None:
        raise HTTPException(404, "no such project")
    return project


def members(db: Session, project: Project) -> list[str]:
    return list(db.scalars(select(User.username).join(Member, Member.user_id == User.id)
                           .where(Member.project_id == project.id).order_by(User.username)))


def set_members(db: Session, project: Project, usernames: Any) -> list[str]:
    """Replace the project's members (an empty list opens it to every annotator)."""
    if not isinstance(usernames, list) or not all(isinstance(u, str) for u in usernames):
        raise ValueError("members must be a list of usernames")
    users = {u.username: u for u in db.scalars(select(User).where(User.username.in_(usernames)))}
    missing = sorted(set(usernames) - set(users))
    if missing:
        raise ValueError(f"no such user: {', '.join(missing[:5])}")
    db.execute(delete(Member).where(Member.project_id == project.id))
    db.add_all(Member(project_id=project.id, user_id=u.id) for u in users.values())
    db.flush()
    return members(db, project)


def get_doc(db: Session, project: Project, did: int) -> Doc:
    doc = db.get(Doc, did)
    if doc is None or doc.project_id != project.id:
        raise HTTPException(404, "no such document in this project")
    return doc


def get_project_doc(db: Session, pid: int, did: int, user: User | None = None) -> tuple[Project, Doc]:
    """:func:`get_project` and :func:`get_doc` in one statement (a save is one of them), with the
    same answers when either is missing."""
    row = db.execute(_PROJECT_DOC if _sees_all(user) else _PROJECT_DOC_FOR_ANNOTATOR,
                     {"pid": pid, "did": did, "uid": user.id if user else None}).first()
    if row is None:
        project = get_project(db, pid, user)
        return project, get_doc(db, project, did)
    return row[0], row[1]


def project_info(db: Session, p: Project, user: User | None = None) -> dict[str, Any]:
    """A project as JSON; its source (the server's corpus path and query) only for admins."""
    info = {"id": p.id, "name": p.name, "description": p.description, "schema": p.schema, "overlap": p.overlap,
            "archived": p.archived, "progress": progress(db, p)}
    if user is None or role_at_least(user.role, "admin"):
        info["source"] = p.source
        info["members"] = members(db, p)
    return info


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


MAX_OVERLAP = 50  # annotators per document


def _list(value: Any) -> list[str]:
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return [str(v) for v in value or []]


def create_from_request(db: Session, corpora: list[Path], body: dict[str, Any]) -> Project:
    """Create a project from an API/form body: ``name``, ``schema`` (or its parts), ``overlap`` and
    either ``documents`` (a list of {id, text, lang}) or ``corpus`` + ``query``."""
    s = body.get("schema") or {}
    if not isinstance(s, dict):
        raise ValueError("schema must be an object")
    schema = make_schema(
        classification=s.get("classification", "single"), labels=_list(s.get("labels")),
        rating=s.get("rating"), comment=s.get("comment", True),
        span_labels=_list(s["span_labels"]) if "span_labels" in s else DEFAULT_SPAN_LABELS)
    source: dict[str, Any] = {}
    overlap = body.get("overlap")
    overlap = 1 if overlap in (None, "") else overlap
    try:
        overlap = int(overlap)
    except (TypeError, ValueError):
        raise ValueError("overlap must be a whole number") from None
    if not 1 <= overlap <= MAX_OVERLAP:
        raise ValueError(f"overlap must be between 1 and {MAX_OVERLAP}")
    if body.get("documents") is not None:
        docs = body["documents"]
        if not isinstance(docs, list) or not all(isinstance(d, dict) for d in docs):
            raise ValueError("documents must be a list of objects with an id and a text")
    else:
        corpus = pick_corpus(corpora, body.get("corpus"))
        q = body.get("query") or {}
        if not isinstance(q, dict):
            raise ValueError("query must be an object")

        def num(k, f):
            if q.get(k) in (None, ""):
                return None
            try:
                return f(q[k])
            except (TypeError, ValueError, OverflowError):
                raise ValueError(f"query {k} must be a number") from None
        query = {"langs": _list(q.get("langs")), "min_quality": num("min_quality", float),
                 "max_quality": num("max_quality", float), "n": num("n", int), "seed": num("seed", int) or 0,
                 "stratify": bool(q.get("stratify"))}
        docs = sample_corpus(corpus, **query)
        source = {"corpus": str(corpus), "query": query}
    if not docs:
        raise ValueError("the query matched no documents")
    project = create_project(db, body.get("name"), schema, docs, overlap, str(body.get("description") or ""), source)
    if body.get("members"):
        set_members(db, project, body["members"])
    return project


SEARCH_STATUSES = ("unanswered", "done", "skipped", "gold", "conflict")


def search(db: Session, project: Project, q: str = "", label: str = "", user: str = "", status: str = "",
           limit: int = 50, offset: int = 0) -> dict[str, Any]:
    """Documents of a project by text (case-insensitive substring), label (a class or span label in
    any answer), annotator and status; newest position first is not needed: project order."""
    if status and status not in SEARCH_STATUSES:
        raise ValueError(f"status must be one of {', '.join(SEARCH_STATUSES)}")
    stmt = select(Doc).where(Doc.project_id == project.id).order_by(Doc.position)
    if q:
        stmt = stmt.where(Doc.text.icontains(q, autoescape=True))
    docs = list(db.scalars(stmt))
    answers: dict[int, list[tuple[str, Annotation]]] = {}
    for ann, username in db.execute(select(Annotation, User.username).join(User, User.id == Annotation.user_id)
                                    .where(Annotation.project_id == project.id)):
        answers.setdefault(ann.document_id, []).append((username, ann))
    gold = set(db.scalars(select(Gold.document_id).where(Gold.project_id == project.id)))
    conflicted = {c["document_id"] for c in _conflicts(db, project)} if status == "conflict" else set()

    def keep(doc: Doc) -> bool:
        mine = answers.get(doc.id, [])
        if user and not any(u == user for u, _ in mine):
            return False
        if label and not any(label in a.labels or any(s["label"] == label for s in a.spans)
                             for u, a in mine if not user or u == user):
            return False
        return {"": True, "unanswered": not any(a.status == "done" for _, a in mine),
                "done": any(a.status == "done" for _, a in mine), "skipped": any(a.status == "skipped" for _, a in mine),
                "gold": doc.id in gold, "conflict": doc.id in conflicted}[status]

    found = [d for d in docs if keep(d)]
    page = found[offset:offset + limit]
    return {"total": len(found), "documents": [
        {"id": d.id, "doc_id": d.doc_id, "lang": d.lang, "snippet": d.text[:200], "gold": d.id in gold,
         "answers": {u: {"status": a.status, "labels": a.labels, "spans": len(a.spans)} for u, a in answers.get(d.id, [])}}
        for d in page]}

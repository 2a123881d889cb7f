"""The JSON API under /api: everything the pages do, for scripts (API token) and the browser
(session cookie + X-CSRF-Token header). (Over 400 lines: one short handler per route, the
logic lives in services.py and projects.py.) The routes an annotator calls in a loop answer with a
``JSONResponse`` of plain JSON values, which skips FastAPI's validation and re-encoding of the
returned dict."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import services
from . import auth
from .auth import TOKEN_ID_LEN, create_token, create_user, revoke_all, token_id, update_user
from .db import ROLES, ApiToken, User
from .deps import Caller, get_db, need
from .formats import FORMATS, MEDIA, export_project, import_project
from .projects import OverlapFull, ProjectArchived

router = APIRouter(prefix="/api")


def _bad(exc: Exception) -> HTTPException:
    return HTTPException(422, str(exc))


# -- the annotation loop: first, because routes are matched in order and these carry most requests
@router.get("/projects/{pid}/next")
def peek_task(pid: int, c: Caller = Depends(need()), db: Session = Depends(get_db)) -> JSONResponse:
    """The document ``POST …/next`` would hand out (the caller's reserved one first); reserves nothing."""
    p = services.get_project(db, pid, c.user)
    return JSONResponse({"document": services.doc_info(services.next_document(db, p, c.user, reserve=False)),
                         "answer": None})


@router.post("/projects/{pid}/next")
def next_task(pid: int, c: Caller = Depends(need()), db: Session = Depends(get_db)) -> JSONResponse:
    """Hand out the caller's next document and reserve a place in it (a state change, hence POST)."""
    p = services.get_project(db, pid, c.user)
    doc = services.doc_info(services.next_document(db, p, c.user))
    db.commit()
    return JSONResponse({"document": doc, "answer": None})


@router.post("/projects/{pid}/documents/{did}/annotation")
def annotate(pid: int, did: int, body: dict = Body(...), c: Caller = Depends(need()),
             db: Session = Depends(get_db)) -> JSONResponse:
    p, doc = services.get_project_doc(db, pid, did, c.user)
    try:
        saved = services.save_answer(db, p, doc, c.user, body, "done")
    except (OverlapFull, ProjectArchived) as exc:
        raise HTTPException(409, str(exc)) from exc
    except ValueError as exc:
        raise _bad(exc) from exc
    db.commit()
    return JSONResponse(saved)


@router.post("/projects/{pid}/documents/{did}/skip")
def skip(pid: int, did: int, c: Caller = Depends(need()), db: Session = Depends(get_db)) -> JSONResponse:
    p, doc = services.get_project_doc(db, pid, did, c.user)
    try:
        saved = services.save_answer(db, p, doc, c.user, {}, "skipped")
    except ProjectArchived as exc:
        raise HTTPException(409, str(exc)) from exc
    db.commit()
    return JSONResponse(saved)


# -- the rest
@router.get("/me")
def me(c: Caller = Depends(need())) -> dict:
    return {"id": c.user.id, "username": c.user.username, "role": c.user.role, "csrf_token": c.csrf}


@router.get("/openapi.json", include_in_schema=False)
def openapi(request: Request, c: Caller = Depends(need())) -> dict:
    """The OpenAPI description of this API, for logged-in users and API tokens only."""
    return request.app.openapi()


@router.post("/tokens")
def new_token(body: dict = Body(default={}), c: Caller = Depends(need()), db: Session = Depends(get_db)) -> dict:
    token = create_token(db, db.get(User, c.user.id), str(body.get("name", ""))[:200])
    db.commit()
    return {"token": token, "id": token_id(token)}


@router.get("/tokens")
def list_tokens(c: Caller = Depends(need()), db: Session = Depends(get_db)) -> list[dict]:
    """The caller's own API tokens: id (a prefix of the stored hash), name, created_at; never the token."""
    rows = db.scalars(select(ApiToken).where(ApiToken.user_id == c.user.id).order_by(ApiToken.created_at))
    return [{"id": r.token_hash[:TOKEN_ID_LEN], "name": r.name, "created_at": r.created_at.isoformat()} for r in rows]


@router.delete("/tokens/{tid}")
def revoke_token(tid: str, c: Caller = Depends(need()), db: Session = Depends(get_db)) -> Response:
    """Revoke one of the caller's own tokens (another user's token id is simply not found)."""
    if len(tid) != TOKEN_ID_LEN:
        raise HTTPException(404, "no such token")
    row = db.scalar(select(ApiToken).where(ApiToken.user_id == c.user.id, ApiToken.token_hash.startswith(tid, autoescape=True)))
    if row is None:
        raise HTTPException(404, "no such token")
    auth.revoke_token(db, row)
    db.commit()
    return Response(status_code=204)


def _user_dict(u: User) -> dict:
    return {"id": u.id, "username": u.username, "role": u.role, "disabled": u.disabled}


@router.get("/users")
def list_users(c: Caller = Depends(need("admin")), db: Session = Depends(get_db)) -> list[dict]:
    return [_user_dict(u) for u in db.scalars(select(User).order_by(User.id))]


@router.post("/users", status_code=201)
def add_user(body: dict = Body(...), c: Caller = Depends(need("admin")), db: Session = Depends(get_db)) -> dict:
    try:
        user = create_user(db, body.get("username"), body.get("password") or "", body.get("role", "annotator"))
    except ValueError as exc:
        raise _bad(exc) from exc
    db.commit()
    return _user_dict(user)


def _other_user(db: Session, uid: int) -> User:
    user = db.get(User, uid)
    if user is None:
        raise HTTPException(404, "no such user")
    return user


@router.post("/users/{uid}")
def change_user(uid: int, body: dict = Body(...), c: Caller = Depends(need("admin")), db: Session = Depends(get_db)) -> dict:
    """New password, role or ``disabled`` flag; every change revokes the user's sessions and tokens."""
    user = _other_user(db, uid)
    if body.get("disabled") and user.id == c.user.id:
        raise HTTPException(422, "an admin cannot disable themselves")
    try:
        update_user(db, user, body.get("password"), body.get("role"), body.get("disabled"))
    except ValueError as exc:
        raise _bad(exc) from exc
    db.commit()
    return _user_dict(user)


@router.delete("/users/{uid}")
def delete_user(uid: int, c: Caller = Depends(need("admin")), db: Session = Depends(get_db)) -> Response:
    """Disable the user for good: no login, no session, no token; their answers stay (annotations,
    agreement and gold refer to them), so this is a soft delete."""
    user = _other_user(db, uid)
    if user.id == c.user.id:
        raise HTTPException(422, "an admin cannot delete themselves")
    update_user(db, user, disabled=True)
    db.commit()
    return Response(status_code=204)


@router.delete("/users/{uid}/tokens")
def revoke_user_tokens(uid: int, c: Caller = Depends(need("admin")), db: Session = Depends(get_db)) -> Response:
    """Revoke every API token and session of another user (an admin's response to a leaked token)."""
    revoke_all(db, _other_user(db, uid))
    db.commit()
    return Response(status_code=204)


@router.get("/corpora")
def corpora(request: Request, c: Caller = Depends(need("admin"))) -> list[dict]:
    return [{"index": i, "path": str(p)} for i, p in enumerate(request.app.state.corpora)]


@router.get("/projects")
def projects(c: Caller = Depends(need()), db: Session = Depends(get_db)) -> list[dict]:
    return [services.project_info(db, p, c.user) for p in services.all_projects(db, c.user)]


@router.post("/projects", status_code=201)
def new_project(request: Request, body: dict = Body(...), c: Caller = Depends(need("admin")),
                db: Session = Depends(get_db)) -> dict:
    try:
        project = services.create_from_request(db, request.app.state.corpora, body)
    except (ValueError, KeyError, TypeError) as exc:
        raise _bad(exc) from exc
    db.commit()
    return services.project_info(db, project, c.user)


@router.get("/projects/{pid}")
def project(pid: int, c: Caller = Depends(need()), db: Session = Depends(get_db)) -> dict:
    return services.project_info(db, services.get_project(db, pid, c.user), c.user)


@router.post("/projects/{pid}/archive")
def archive(pid: int, body: dict = Body(default={}), c: Caller = Depends(need("admin")),
            db: Session = Depends(get_db)) -> dict:
    """Archive (``{"archived": true}``, the default) or restore a project: archived, it hands out no
    task, takes no answer and is hidden from annotators; its data stays for review and export."""
    p = services.get_project(db, pid, c.user)
    p.archived = bool(body.get("archived", True))
    db.commit()
    return services.project_info(db, p, c.user)


@router.delete("/projects/{pid}")
def delete_project(pid: int, c: Caller = Depends(need("admin")), db: Session = Depends(get_db)) -> Response:
    """Delete a project with its documents, answers, gold labels and suggestions (only an archived
    one, so that a deletion is always the second of two deliberate steps)."""
    p = services.get_project(db, pid, c.user)
    if not p.archived:
        raise HTTPException(409, "archive the project before deleting it")
    db.delete(p)
    db.commit()
    return Response(status_code=204)


@router.get("/projects/{pid}/members")
def project_members(pid: int, c: Caller = Depends(need("admin")), db: Session = Depends(get_db)) -> list[str]:
    return services.members(db, services.get_project(db, pid, c.user))


@router.post("/projects/{pid}/members")
def set_project_members(pid: int, body: dict = Body(...), c: Caller = Depends(need("admin")),
                        db: Session = Depends(get_db)) -> list[str]:
    """Replace who may annotate the project (``{"members": [usernames]}``; [] opens it to all)."""
    try:
        names = services.set_members(db, services.get_project(db, pid, c.user), body.get("members"))
    except ValueError as exc:
        raise _bad(exc) from exc
    db.commit()
    return names


@router.get("/projects/{pid}/previous")
def previous_task(pid: int, before: int | None = None, c: Caller = Depends(need()), db: Session = Depends(get_db)) -> dict:
    p = services.get_project(db, pid, c.user)
    doc = services.previous_document(db, p, c.user, services.get_doc(db, p, before) if before else None)
    return {"document": services.doc_info(doc), "answer": services.my_answer(db, doc, c.user) if doc else None}


@router.get("/projects/{pid}/documents/{did}")
def document(pid: int, did: int, c: Caller = Depends(need()), db: Session = Depends(get_db)) -> dict:
    from .suggestions import for_document

    p = services.get_project(db, pid, c.user)
    doc = services.get_doc(db, p, did)
    return {"document": services.doc_info(doc), "answer": services.my_answer(db, doc, c.user),
            "suggestions": for_document(db, doc)}


@router.get("/projects/{pid}/guidelines")
def guidelines(pid: int, c: Caller = Depends(need()), db: Session = Depends(get_db)) -> dict:
    """The current guidelines (Markdown and rendered HTML) and, for reviewers, every earlier version."""
    from .guidelines import history, render

    p = services.get_project(db, pid, c.user)
    out = {"version": p.guidelines_version, "markdown": p.guidelines, "html": str(render(p.guidelines))}
    if c.user.role in ("reviewer", "admin"):
        out["history"] = history(db, p)
    return out


@router.post("/projects/{pid}/guidelines")
def set_guidelines(pid: int, body: dict = Body(...), c: Caller = Depends(need("admin")),
                   db: Session = Depends(get_db)) -> dict:
    """A new version of the guidelines: ``{"markdown": "…"}``."""
    from .guidelines import set_guidelines as store

    p = services.get_project(db, pid, c.user)
    try:
        version = store(db, p, body.get("markdown"), c.user)
    except ValueError as exc:
        raise _bad(exc) from exc
    db.commit()
    return {"version": version}


@router.post("/projects/{pid}/suggestions")
def add_suggestions(pid: int, body: Any = Body(...), c: Caller = Depends(need("admin")),
                    db: Session = Depends(get_db)) -> dict:
    """Store suggestions ``[{doc_id, labels, rating, spans, source}]`` (e.g. a model's predictions)."""
    from .suggestions import add

    p = services.get_project(db, pid, c.user)
    try:
        n = add(db, p, body)
    except ValueError as exc:
        db.rollback()
        raise _bad(exc) from exc
    db.commit()
    return {"suggestions": n}


@router.get("/projects/{pid}/documents/{did}/annotations")
def doc_annotations(pid: int, did: int, c: Caller = Depends(need("reviewer")), db: Session = Depends(get_db)) -> dict:
    p = services.get_project(db, pid, c.user)
    doc = services.get_doc(db, p, did)
    return {"document": services.doc_info(doc), "answers": services.all_answers(db, doc),
            "gold": services.gold_answer(db, doc)}


@router.post("/projects/{pid}/documents/{did}/gold")
def gold(pid: int, did: int, body: dict = Body(...), c: Caller = Depends(need("reviewer")), db: Session = Depends(get_db)) -> dict:
    p = services.get_project(db, pid, c.user)
    try:
        g = services.set_gold(db, p, services.get_doc(db, p, did), c.user, body)
    except ValueError as exc:
        raise _bad(exc) from exc
    db.commit()
    return services.answer_dict(g)


@router.post("/projects/{pid}/documents/{did}/review")
def review(pid: int, did: int, body: dict = Body(...), c: Caller = Depends(need("reviewer")),
           db: Session = Depends(get_db)) -> dict:
    """Accept, reject or send back one annotator's answer (``{"user", "decision", "comment"}``); a
    sent-back document is the annotator's next task, shown with the comment."""
    p = services.get_project(db, pid, c.user)
    doc = services.get_doc(db, p, did)
    try:
        ann = services.review_answer(db, doc, str(body.get("user") or ""), str(body.get("decision") or ""),
                                     body.get("comment") or "")
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from exc
    except ValueError as exc:
        raise _bad(exc) from exc
    db.commit()
    return services.answer_dict(ann)


@router.get("/projects/{pid}/returned")
def returned(pid: int, c: Caller = Depends(need()), db: Session = Depends(get_db)) -> list[dict]:
    """The caller's answers a reviewer sent back, with the comments."""
    return services.returned_to(db, services.get_project(db, pid, c.user), c.user)


@router.get("/projects/{pid}/documents")
def search_documents(pid: int, q: str = "", label: str = "", user: str = "", status: str = "",
                     limit: int = Query(50, ge=1, le=500), offset: int = Query(0, ge=0),
                     c: Caller = Depends(need("reviewer")), db: Session = Depends(get_db)) -> dict:
    """Find documents by text, label, annotator and status (unanswered, done, skipped, gold, conflict)."""
    try:
        return services.search(db, services.get_project(db, pid, c.user), q, label, user, status, limit, offset)
    except ValueError as exc:
        raise _bad(exc) from exc


@router.get("/projects/{pid}/progress")
def project_progress(pid: int, c: Caller = Depends(need("reviewer")), db: Session = Depends(get_db)) -> dict:
    """The project's totals and, per annotator, answers, skips, open reservations, median seconds
    per task and answers per hour."""
    p = services.get_project(db, pid, c.user)
    return {"project": services.progress(db, p), "annotators": services.annotator_progress(db, p)}


@router.get("/projects/{pid}/agreement")
def agreement(pid: int, c: Caller = Depends(need("reviewer")), db: Session = Depends(get_db)) -> dict[str, Any]:
    return services.agreement(db, services.get_project(db, pid, c.user))


@router.get("/projects/{pid}/conflicts")
def conflicts(pid: int, c: Caller = Depends(need("reviewer")), db: Session = Depends(get_db)) -> list[dict]:
    return services.conflicts(db, services.get_project(db, pid, c.user))


@router.get("/projects/{pid}/export")
def export(pid: int, format: str = "jsonl", users: str | None = None, c: Caller = Depends(need("reviewer")),
           db: Session = Depends(get_db)) -> Response:
    """``users`` (``labelstudio``): a JSON object ``{khlang user: Label Studio e-mail}``."""
    p = services.get_project(db, pid, c.user)
    if format not in FORMATS:
        raise HTTPException(422, f"format must be one of {', '.join(FORMATS)}")
    emails = _users_param(users)
    media, ext = MEDIA[format]
    return Response(export_project(db, p, format, emails), media_type=media,
                    headers={"Content-Disposition": f'attachment; filename="project-{p.id}-{format}.{ext}"'})


@router.get("/projects/{pid}/config")
def config(pid: int, format: str = "labelstudio", c: Caller = Depends(need("reviewer")),
           db: Session = Depends(get_db)) -> Response:
    """The project's labelling config for another tool (``format=labelstudio``: Label Studio XML)."""
    from .lsconfig import labelstudio_config

    p = services.get_project(db, pid, c.user)
    if format != "labelstudio":
        raise HTTPException(422, "format must be labelstudio")
    return Response(labelstudio_config(p.schema), media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="project-{p.id}-labelstudio.xml"'})


@router.post("/projects/{pid}/import")
async def import_(pid: int, request: Request, format: str = "jsonl", users: str | None = None,
                  c: Caller = Depends(need("admin")), db: Session = Depends(get_db)) -> dict:
    """``users`` (``labelstudio``): a JSON object ``{Label Studio user id or e-mail: khlang user}``;
    doccano lines name no annotator and are stored as the caller's."""
    body = await request.body()  # read on the loop; the database work runs in the thread pool
    return await run_in_threadpool(_import, db, pid, format, body, _users_param(users), c)


def _users_param(users: str | None) -> dict[str, str] | None:
    if users is None:
        return None
    try:
        mapping = json.loads(users)
    except json.JSONDecodeError:
        mapping = None
    if not isinstance(mapping, dict) or not all(isinstance(v, str) for v in mapping.values()):
        raise HTTPException(422, "users must be a JSON object of names")
    return mapping


def _import(db: Session, pid: int, format: str, body: bytes, users: dict | None, c: Caller) -> dict:
    p = services.get_project(db, pid, c.user)
    try:
        counts = import_project(db, p, format, body, users, default_user=c.user.username)
    except ValueError as exc:
        db.rollback()
        raise _bad(exc) from exc
    db.commit()
    return counts


@router.post("/projects/{pid}/gold/write")
def write_gold(pid: int, request: Request, body: dict = Body(default={}), c: Caller = Depends(need("admin")),
               db: Session = Depends(get_db)) -> dict:
    from .gold import write_gold as write

    p = services.get_project(db, pid, c.user)
    try:
        corpus = services.pick_corpus(request.app.state.corpora, body.get("corpus", p.source.get("corpus")))
    except ValueError as exc:
        raise _bad(exc) from exc
    return {"path": str(write(db, p, corpus))}


@router.get("/roles")
def roles(c: Caller = Depends(need())) -> list[str]:
    return list(ROLES)



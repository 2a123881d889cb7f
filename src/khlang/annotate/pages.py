"""Server-rendered pages (Jinja2, autoescaped). Forms post back here with a ``csrf_token`` field;
the annotation page talks to the JSON API from ``static/annotate.js``."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates
from starlette.concurrency import run_in_threadpool
from sqlalchemy import select
from sqlalchemy.orm import Session

from . import services
from .auth import authenticate, close_session, create_user, open_session
from .db import ROLES, User
from .deps import COOKIE, Caller, get_db, page
from .suggestions import for_document

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter()
LOGIN_CSRF = "khlang_login_csrf"


def render(request: Request, name: str, caller: Caller | None, status: int = 200, **context) -> HTMLResponse:
    return templates.TemplateResponse(request, name, {"me": caller.user if caller else None,
                                                      "csrf": caller.csrf if caller else "", **context},
                                      status_code=status)


def _secure(request: Request) -> bool:
    setting = request.app.state.secure_cookies
    return request.url.scheme == "https" if setting is None else setting


def back(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, error: str = "") -> HTMLResponse:
    token = secrets.token_urlsafe(24)
    resp = render(request, "login.html", None, login_csrf=token, error=error)
    resp.set_cookie(LOGIN_CSRF, token, httponly=True, samesite="strict", secure=_secure(request))
    return resp


@router.post("/login")
def login(request: Request, username: str = Form(...), password: str = Form(...), csrf_token: str = Form(""),
          db: Session = Depends(get_db)):
    expected = request.cookies.get(LOGIN_CSRF, "")
    if not expected or not hmac.compare_digest(expected, csrf_token):
        raise HTTPException(403, "missing or wrong CSRF token")
    throttle = request.app.state.throttle
    keys = [f"user:{username.strip().lower()}", f"addr:{request.client.host if request.client else '-'}"]
    wait = throttle.retry_after(keys)
    if wait > 0:
        resp = render(request, "login.html", None, status=429, login_csrf=expected,
                      error="too many failed logins: try again later")
        resp.headers["Retry-After"] = str(int(wait) + 1)
        return resp
    user = authenticate(db, username, password)
    if user is None:
        throttle.failed(keys)
        return render(request, "login.html", None, status=401, login_csrf=expected, error="wrong username or password")
    throttle.succeeded(keys[:1])
    token, _csrf = open_session(db, user)
    db.commit()
    resp = back("/")
    resp.set_cookie(COOKIE, token, httponly=True, samesite="lax", secure=_secure(request), max_age=12 * 3600)
    resp.delete_cookie(LOGIN_CSRF)
    return resp


@router.post("/logout")
def logout(request: Request, c: Caller = Depends(page()), db: Session = Depends(get_db)):
    close_session(db, request.cookies.get(COOKIE))
    db.commit()
    resp = back("/login")
    resp.delete_cookie(COOKIE)
    return resp


@router.get("/", response_class=HTMLResponse)
def home(request: Request, c: Caller = Depends(page()), db: Session = Depends(get_db)):
    return render(request, "index.html", c, projects=[services.project_info(db, p, c.user) for p in services.all_projects(db, c.user)])


@router.get("/users", response_class=HTMLResponse)
def users(request: Request, c: Caller = Depends(page("admin")), db: Session = Depends(get_db), error: str = ""):
    return render(request, "users.html", c, users=list(db.scalars(select(User).order_by(User.id))), roles=ROLES,
                  error=error)


@router.post("/users")
def add_user(request: Request, username: str = Form(...), password: str = Form(...), role: str = Form("annotator"),
             c: Caller = Depends(page("admin")), db: Session = Depends(get_db)):
    try:
        create_user(db, username, password, role)
    except ValueError as exc:
        return render(request, "users.html", c, status=422, users=list(db.scalars(select(User).order_by(User.id))),
                      roles=ROLES, error=str(exc))
    db.commit()
    return back("/users")


@router.get("/projects/new", response_class=HTMLResponse)
def new_project_form(request: Request, c: Caller = Depends(page("admin"))):
    return render(request, "project_new.html", c, corpora=request.app.state.corpora, error="", form={})


@router.post("/projects/new")
async def new_project(request: Request, c: Caller = Depends(page("admin")), db: Session = Depends(get_db)):
    form = dict(await request.form())
    rating = None
    if form.get("rating_min") or form.get("rating_max"):
        rating = {"min": form.get("rating_min"), "max": form.get("rating_max")}  # make_schema checks them
    body = {"name": form.get("name"), "description": form.get("description"), "overlap": form.get("overlap") or 1,
            "corpus": form.get("corpus"),
            "schema": {"classification": form.get("classification") or None, "labels": form.get("labels", ""),
                       "rating": rating, "comment": True, "span_labels": form.get("span_labels", "")},
            "query": {k: form.get(k) for k in ("langs", "min_quality", "max_quality", "n", "seed", "stratify")}}
    try:
        project = await run_in_threadpool(_create, db, request.app.state.corpora, body)
    except (ValueError, KeyError, TypeError) as exc:
        return render(request, "project_new.html", c, status=422, corpora=request.app.state.corpora,
                      error=str(exc), form=form)
    return back(f"/#project-{project.id}")


def _create(db: Session, corpora: list[Path], body: dict):
    try:
        project = services.create_from_request(db, corpora, body)
    except Exception:
        db.rollback()
        raise
    db.commit()
    return project


@router.get("/projects/{pid}/annotate", response_class=HTMLResponse)
def annotate(request: Request, pid: int, doc: int | None = None, c: Caller = Depends(page()),
             db: Session = Depends(get_db)):
    project = services.get_project(db, pid, c.user)
    if doc:
        document = services.get_doc(db, project, doc)
    else:
        with request.app.state.db.session() as writer:  # a short write: the reservation of the task
            document = services.next_document(writer, services.get_project(writer, pid, c.user), c.user)
            writer.commit()
    previous = services.previous_document(db, project, c.user, document)
    task = {"project": {"id": project.id, "schema": project.schema},
            "document": services.doc_info(document),
            "answer": services.my_answer(db, document, c.user) if document else None,
            "suggestions": for_document(db, document) if document else [],
            "previous": f"/projects/{pid}/annotate?doc={previous.id}" if previous else None,
            "next": f"/projects/{pid}/annotate"}
    from .guidelines import render as markdown

    return render(request, "annotate.html", c, project=project, document=document, task=task,
                  guidelines=markdown(project.guidelines) if project.guidelines else None,
                  progress=services.progress(db, project))


@router.get("/projects/{pid}/review", response_class=HTMLResponse)
def review(request: Request, pid: int, c: Caller = Depends(page("reviewer")), db: Session = Depends(get_db)):
    project = services.get_project(db, pid, c.user)
    return render(request, "review.html", c, project=project, conflicts=services.conflicts(db, project),
                  pending=services.to_review(db, project))


@router.post("/projects/{pid}/review/{did}/answer")
def review_answer(pid: int, did: int, user: str = Form(...), decision: str = Form(...), comment: str = Form(""),
                  c: Caller = Depends(page("reviewer")), db: Session = Depends(get_db)):
    """Accept, reject or send back one answer from the review page."""
    project = services.get_project(db, pid, c.user)
    try:
        services.review_answer(db, services.get_doc(db, project, did), user, decision, comment)
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from exc
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    db.commit()
    return back(f"/projects/{pid}/review")


@router.post("/projects/{pid}/review/{did}")
async def adjudicate(request: Request, pid: int, did: int, c: Caller = Depends(page("reviewer")),
                     db: Session = Depends(get_db)):
    form = await request.form()
    return await run_in_threadpool(_adjudicate, db, pid, did, c, form)


def _adjudicate(db: Session, pid: int, did: int, c: Caller, form):
    project = services.get_project(db, pid, c.user)
    doc = services.get_doc(db, project, did)
    spans = []
    for value in form.getlist("span"):
        start, _, rest = str(value).partition(":")
        end, _, label = rest.partition(":")
        if not (start.isdigit() and end.isdigit() and label):
            raise HTTPException(422, "a span is start:end:label with whole-number offsets")
        spans.append({"start": int(start), "end": int(end), "label": label})
    answer = {"labels": [str(v) for v in form.getlist("label")], "rating": form.get("rating") or None,
              "comment": str(form.get("comment") or ""), "spans": spans}
    try:
        services.set_gold(db, project, doc, c.user, answer)
    except ValueError as exc:
        raise HTTPException(422, str(exc)) from exc
    db.commit()
    return back(f"/projects/{pid}/review#doc-{did}")


@router.get("/projects/{pid}/agreement", response_class=HTMLResponse)
def agreement(request: Request, pid: int, c: Caller = Depends(page("reviewer")), db: Session = Depends(get_db)):
    project = services.get_project(db, pid, c.user)
    return render(request, "agreement.html", c, project=project, stats=services.agreement(db, project),
                  annotators=services.annotator_progress(db, project))

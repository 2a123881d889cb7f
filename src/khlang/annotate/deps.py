"""Request dependencies: the database session, the current user, role checks and CSRF checks.

Every route declares the least role it needs with ``Depends(need("reviewer"))`` (or ``page(…)`` for
HTML pages, which redirect to the login form instead of answering 401).

Nothing here touches the database on the event loop: the session and the credential lookup are
plain ``def`` dependencies, which FastAPI runs in its thread pool; only the CSRF check, which may
have to read a form body, is ``async`` (and never queries the database)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import Iterator

from fastapi import Depends, HTTPException, Request
from sqlalchemy.orm import Session

from .auth import role_at_least, session_user, token_user
from .db import User

COOKIE = "khlang_session"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class LoginRequired(Exception):
    """Raised by page dependencies; answered with a redirect to /login."""


@dataclass
class Caller:
    user: User
    csrf: str | None  # None for API-token callers


def get_db(request: Request) -> Iterator[Session]:
    """The route's session: a reader for GET/HEAD (never waits for a writer), a writer for the
    methods that change state (on SQLite it queues for the write lock when its first statement runs
    and holds it until the route commits, so write routes commit as soon as they can)."""
    database = request.app.state.db
    db = (database.session if request.method in UNSAFE else database.reader)()
    try:
        yield db
    finally:
        db.close()


def _lookup(request: Request) -> Caller | None:
    """The caller named by the API token or the session cookie. Blocking, so a plain ``def`` (thread
    pool); a short reader session of its own, so that a write request takes SQLite's write lock only
    in its route body, after its body has arrived, never while a client is still uploading."""
    with request.app.state.db.reader() as db:
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer "):
            user = token_user(db, auth[7:].strip(), request.app.state.settings.token_days)
            return Caller(user, None) if user else None
        found = session_user(db, request.cookies.get(COOKIE))
        return Caller(*found) if found else None


async def _check_csrf(request: Request, caller: Caller) -> None:
    if caller.csrf is None or request.method not in UNSAFE:
        return
    sent = request.headers.get("x-csrf-token")
    if sent is None and "form" in request.headers.get("content-type", ""):
        sent = (await request.form()).get("csrf_token")
    if not sent or not hmac.compare_digest(str(sent), caller.csrf):
        raise HTTPException(403, "missing or wrong CSRF token")


def need(role: str = "annotator"):
    """API dependency: 401 without credentials, 403 with a role below ``role`` or a bad CSRF token."""

    async def dep(request: Request, caller: Caller | None = Depends(_lookup)) -> Caller:
        if caller is None:
            raise HTTPException(401, "log in or send an API token", headers={"WWW-Authenticate": "Bearer"})
        await _check_csrf(request, caller)
        if not role_at_least(caller.user.role, role):
            raise HTTPException(403, f"needs the {role} role")
        return caller

    return dep


def page(role: str = "annotator"):
    """Page dependency: like :func:`need` but an anonymous visitor is sent to the login form."""

    async def dep(request: Request, caller: Caller | None = Depends(_lookup)) -> Caller:
        if caller is None:
            raise LoginRequired()
        await _check_csrf(request, caller)
        if not role_at_least(caller.user.role, role):
            raise HTTPException(403, f"needs the {role} role")
        return caller

    return dep

"""Request dependencies: the database session, the current user, role checks and CSRF checks.

Every route declares the least role it needs with ``Depends(need("reviewer"))`` (or ``page(…)`` for
HTML pages, which redirect to the login form instead of answering 401).

Nothing here touches the database on the event loop, yet a request to a hot route crosses into the
thread pool only once, for its route body: the caller usually comes from the per-process credential
cache (:mod:`.credentials`; a miss is looked up in the thread pool), the session is created without
any I/O and closed on the loop when the route committed (which returned its connection), in the
thread pool otherwise (closing rolls back: a database round trip)."""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from typing import AsyncIterator

from anyio import CancelScope
from fastapi import HTTPException, Request
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from .auth import credential_key, role_at_least, session_user, token_user
from .credentials import Known
from .db import User

COOKIE = "khlang_session"
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}


class LoginRequired(Exception):
    """Raised by page dependencies; answered with a redirect to /login."""


@dataclass
class Caller:
    user: User
    csrf: str | None  # None for API-token callers


async def get_db(request: Request) -> AsyncIterator[Session]:
    """The route's session: a reader for GET/HEAD (never waits for a writer), a writer for the
    methods that change state (on SQLite it queues for the write lock when its first statement runs
    and holds it until the route commits, so write routes commit as soon as they can). Making one
    touches no database; closing one that still holds a connection does (a rollback), so that
    happens in the thread pool, shielded from a client that hung up."""
    database = request.app.state.db
    db = (database.session if request.method in UNSAFE else database.reader)()
    try:
        yield db
    finally:
        if db.in_transaction():
            with CancelScope(shield=True):
                await run_in_threadpool(db.close)
        else:
            db.close()


async def _lookup(request: Request) -> Caller | None:
    """The caller named by the API token or the session cookie: from the credential cache, or
    looked up in the thread pool with a short reader session of its own (so that a write request
    takes SQLite's write lock only in its route body, never while a client is still uploading)."""
    auth = request.headers.get("authorization", "")
    if auth[:7].lower() == "bearer ":
        kind, secret = "token", auth[7:].strip()
    else:
        kind, secret = "session", request.cookies.get(COOKIE)
    if not secret:
        return None
    database, settings, key = request.app.state.db, request.app.state.settings, credential_key(kind, secret)
    cache = database.credentials if settings.auth_cache_s > 0 else None
    known = cache.get(key, settings.auth_cache_s) if cache else None
    if known is None:
        generation = database.credentials.generation
        known = await run_in_threadpool(_load, database, kind, secret, settings.token_days)
        if known is None:
            return None
        if cache:
            cache.put(key, known, generation)
    return Caller(known.user(), known.csrf)


def _load(database, kind: str, secret: str, token_days: float) -> Known | None:
    with database.reader() as db:
        return token_user(db, secret, token_days) if kind == "token" else session_user(db, secret)


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

    async def dep(request: Request) -> Caller:
        caller = await _lookup(request)  # called, not a sub-dependency: one node less to solve per request
        if caller is None:
            raise HTTPException(401, "log in or send an API token", headers={"WWW-Authenticate": "Bearer"})
        await _check_csrf(request, caller)
        if not role_at_least(caller.user.role, role):
            raise HTTPException(403, f"needs the {role} role")
        return caller

    return dep


def page(role: str = "annotator"):
    """Page dependency: like :func:`need` but an anonymous visitor is sent to the login form."""

    async def dep(request: Request) -> Caller:
        caller = await _lookup(request)
        if caller is None:
            raise LoginRequired()
        await _check_csrf(request, caller)
        if not role_at_least(caller.user.role, role):
            raise HTTPException(403, f"needs the {role} role")
        return caller

    return dep

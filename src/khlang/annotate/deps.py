"""Request dependencies: the database session, the current user, role checks and CSRF checks.

Every route declares the least role it needs with ``Depends(need("reviewer"))`` (or ``page(…)`` for
HTML pages, which redirect to the login form instead of answering 401)."""

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
    db = request.app.state.db.session()
    try:
        yield db
    finally:
        db.close()


async def _caller(request: Request, db: Session) -> Caller | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        user = token_user(db, auth[7:].strip())
        return Caller(user, None) if user else None
    found = session_user(db, request.cookies.get(COOKIE))
    if not found:
        return None
    caller = Caller(*found)
    if request.method in UNSAFE:
        sent = request.headers.get("x-csrf-token")
        if sent is None and "form" in request.headers.get("content-type", ""):
            sent = (await request.form()).get("csrf_token")
        if not sent or not hmac.compare_digest(str(sent), caller.csrf):
            raise HTTPException(403, "missing or wrong CSRF token")
    return caller


def need(role: str = "annotator"):
    """API dependency: 401 without credentials, 403 with a role below ``role`` or a bad CSRF token."""

    async def dep(request: Request, db: Session = Depends(get_db)) -> Caller:
        caller = await _caller(request, db)
        if caller is None:
            raise HTTPException(401, "log in or send an API token", headers={"WWW-Authenticate": "Bearer"})
        if not role_at_least(caller.user.role, role):
            raise HTTPException(403, f"needs the {role} role")
        return caller

    return dep


def page(role: str = "annotator"):
    """Page dependency: like :func:`need` but an anonymous visitor is sent to the login form."""

    async def dep(request: Request, db: Session = Depends(get_db)) -> Caller:
        caller = await _caller(request, db)
        if caller is None:
            raise LoginRequired()
        if not role_at_least(caller.user.role, role):
            raise HTTPException(403, f"needs the {role} role")
        return caller

    return dep

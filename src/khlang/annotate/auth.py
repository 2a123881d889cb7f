"""Passwords (scrypt from hashlib), browser sessions with CSRF tokens, API tokens and roles.

Only hashes of passwords, session ids and API tokens are stored. A browser session is a random
id in an HttpOnly, SameSite=Lax cookie (Secure when served over HTTPS or with
``--secure-cookies``); every state-changing request made with it must echo the session's CSRF
token (form field ``csrf_token`` or header ``X-CSRF-Token``). Requests with an API token
(``Authorization: Bearer …``) carry no ambient credential, so they need no CSRF token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from datetime import timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from .db import ROLES, ApiToken, LoginSession, User, now

SESSION_HOURS = 12
_N, _R, _P = 2**14, 8, 1


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    return f"scrypt${_N}${_R}${_P}${base64.b64encode(salt).decode()}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        kind, n, r, p, salt, digest = stored.split("$")
    except ValueError:
        return False
    if kind != "scrypt":
        return False
    got = hashlib.scrypt(password.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p),
                         dklen=len(base64.b64decode(digest)))
    return hmac.compare_digest(got, base64.b64decode(digest))


def sha256(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def role_at_least(role: str, needed: str) -> bool:
    return ROLES.index(role) >= ROLES.index(needed)


def create_user(db: Session, username: str, password: str | None, role: str = "annotator") -> User:
    """Create a user (``password=None``: one that cannot log in, e.g. imported annotators)."""
    username = (username or "").strip()
    if not username or len(username) > 200:
        raise ValueError("username must be 1-200 characters")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if password is not None and len(password) < 8:
        raise ValueError("password must have at least 8 characters")
    if db.scalar(select(User).where(User.username == username)):
        raise ValueError(f"user {username!r} exists")
    user = User(username=username, role=role,
                password_hash=hash_password(password) if password is not None else "!")
    db.add(user)
    db.flush()
    return user


def update_user(db: Session, user: User, password: str | None = None, role: str | None = None) -> User:
    """Set a new password and/or role; the user's sessions end so the change takes effect now."""
    if role is not None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        user.role = role
    if password is not None:
        if len(password) < 8:
            raise ValueError("password must have at least 8 characters")
        user.password_hash = hash_password(password)
    db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.flush()
    return user


def authenticate(db: Session, username: str, password: str) -> User | None:
    user = db.scalar(select(User).where(User.username == username))
    if user is None:
        verify_password(password, hash_password("timing-equaliser"))
        return None
    return user if verify_password(password, user.password_hash) else None


def open_session(db: Session, user: User) -> tuple[str, str]:
    """Start a browser session: (cookie value, csrf token)."""
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    db.execute(delete(LoginSession).where(LoginSession.expires_at < now()))
    db.add(LoginSession(token_hash=sha256(token), user_id=user.id, csrf=csrf,
                        expires_at=now() + timedelta(hours=SESSION_HOURS)))
    return token, csrf


def session_user(db: Session, token: str | None) -> tuple[User, str] | None:
    """The user and CSRF token of a live session cookie, or None."""
    if not token:
        return None
    row = db.get(LoginSession, sha256(token))
    if row is None:
        return None
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=now().tzinfo)
    if expires < now():
        return None
    user = db.get(User, row.user_id)
    return (user, row.csrf) if user else None


def close_session(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(LoginSession).where(LoginSession.token_hash == sha256(token)))


#: Characters of a token's stored SHA-256 that name it in lists and revocation (the token itself
#: is shown once, at creation, and never stored).
TOKEN_ID_LEN = 16


def token_id(token: str) -> str:
    return sha256(token)[:TOKEN_ID_LEN]


def create_token(db: Session, user: User, name: str = "") -> str:
    token = "khl_" + secrets.token_urlsafe(32)
    db.add(ApiToken(token_hash=sha256(token), user_id=user.id, name=name))
    return token


def token_user(db: Session, token: str) -> User | None:
    row = db.get(ApiToken, sha256(token))
    return db.get(User, row.user_id) if row else None

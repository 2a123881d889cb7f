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

from .credentials import Known, forget_on_commit
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


#: a few of the passwords tried first by every guessing tool (the policy below rejects the rest of the
#: weak ones by shape: too short, blank, one repeated character, digits only, the username)
COMMON_PASSWORDS = {"password", "password1", "password12", "password123", "passw0rd", "12345678", "123456789",
                    "1234567890", "qwertyuiop", "qwerty123", "1q2w3e4r5t", "iloveyou", "letmein123", "admin123",
                    "administrator", "welcome123", "changeme", "abcdefghij", "0987654321", "11111111"}
MIN_PASSWORD = 10


def check_password(password: str, username: str = "") -> None:
    """Refuse weak passwords with one line saying why (ValueError)."""
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        raise ValueError(f"password must have at least {MIN_PASSWORD} characters")
    if not password.strip() or len(set(password)) < 4:
        raise ValueError("password must not be blank or a few repeated characters")
    if password.isdigit() or password.lower() in COMMON_PASSWORDS:
        raise ValueError("password is too easy to guess")
    if username and username.strip().lower() in password.lower():
        raise ValueError("password must not contain the username")


def create_user(db: Session, username: str, password: str | None, role: str = "annotator") -> User:
    """Create a user (``password=None``: one that cannot log in, e.g. imported annotators)."""
    username = (username or "").strip() if isinstance(username, str) else ""
    if not username or len(username) > 200:
        raise ValueError("username must be 1-200 characters")
    if role not in ROLES:
        raise ValueError(f"role must be one of {', '.join(ROLES)}")
    if password is not None:
        check_password(password, username)
    if db.scalar(select(User).where(User.username == username)):
        raise ValueError(f"user {username!r} exists")
    user = User(username=username, role=role,
                password_hash=hash_password(password) if password is not None else "!")
    db.add(user)
    db.flush()
    return user


def update_user(db: Session, user: User, password: str | None = None, role: str | None = None,
                disabled: bool | None = None) -> User:
    """Set a new password, role and/or disabled flag. Every change ends the user's sessions and
    revokes their API tokens, so it takes effect now (a reset password locks out whoever held
    the old one, whatever credential they kept)."""
    if role is not None:
        if role not in ROLES:
            raise ValueError(f"role must be one of {', '.join(ROLES)}")
        user.role = role
    if password is not None:
        check_password(password, user.username)
        user.password_hash = hash_password(password)
    if disabled is not None:
        user.disabled = bool(disabled)
    revoke_all(db, user)
    db.flush()
    return user


def revoke_all(db: Session, user: User) -> None:
    """End every browser session and API token of ``user``."""
    db.execute(delete(LoginSession).where(LoginSession.user_id == user.id))
    db.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
    forget_on_commit(db, users={user.id})


def authenticate(db: Session, username: str, password: str) -> User | None:
    user = db.scalar(select(User).where(User.username == username))
    if user is None or user.disabled:
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


def _aware(t):
    return t if t.tzinfo else t.replace(tzinfo=now().tzinfo)


def session_user(db: Session, token: str | None) -> Known | None:
    """The user and CSRF token of a live session cookie, or None."""
    if not token:
        return None
    row = db.execute(select(LoginSession.expires_at, LoginSession.csrf, User.id, User.username, User.role, User.disabled)
                     .join(User, User.id == LoginSession.user_id).where(LoginSession.token_hash == sha256(token))).first()
    if row is None or row.disabled or _aware(row.expires_at) < now():
        return None
    return Known(row.id, row.username, row.role, row.csrf, _aware(row.expires_at))


def close_session(db: Session, token: str | None) -> None:
    if token:
        db.execute(delete(LoginSession).where(LoginSession.token_hash == sha256(token)))
        forget_on_commit(db, keys={credential_key("session", token)})


def credential_key(kind: str, secret: str) -> str:
    """The key of a credential in :class:`.credentials.Credentials` (``kind``: token or session)."""
    return f"{kind}:{sha256(secret)}"


#: Characters of a token's stored SHA-256 that name it in lists and revocation (the token itself
#: is shown once, at creation, and never stored).
TOKEN_ID_LEN = 16


def token_id(token: str) -> str:
    return sha256(token)[:TOKEN_ID_LEN]


def create_token(db: Session, user: User, name: str = "") -> str:
    token = "khl_" + secrets.token_urlsafe(32)
    db.add(ApiToken(token_hash=sha256(token), user_id=user.id, name=name))
    return token


def revoke_token(db: Session, row: ApiToken) -> None:
    db.delete(row)
    forget_on_commit(db, keys={f"token:{row.token_hash}"})


def token_user(db: Session, token: str, max_days: float = 90.0) -> Known | None:
    """The live user of an API token; None for an unknown token, one older than ``max_days``, or a
    disabled user's."""
    row = db.execute(select(ApiToken.created_at, User.id, User.username, User.role, User.disabled)
                     .join(User, User.id == ApiToken.user_id).where(ApiToken.token_hash == sha256(token))).first()
    if row is None:
        return None
    valid_until = _aware(row.created_at) + timedelta(days=max_days)
    if valid_until < now() or row.disabled:
        return None
    return Known(row.id, row.username, row.role, None, valid_until)

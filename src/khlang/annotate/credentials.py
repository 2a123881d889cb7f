"""Who an API token or session cookie belongs to, remembered for a few seconds by each server
process, so that a busy annotator's requests skip the credential query (a session of its own, a
database round trip and a hop into the thread pool per request).

Revocation still takes effect at once in the process that revokes: every revocation in
:mod:`.auth` (a token revoked, logout, a password, role or disabled change, all of a user's
credentials revoked) marks its session with :func:`forget_on_commit`, and the cache drops those
entries when that session commits. Another process — the other ``khlang serve --workers``, or the
CLI — learns of it when the entry expires, at most ``auth_cache_s`` seconds later (a field of
:class:`.settings.Settings`, default 5; 0 turns the cache off). A lookup that began before a
revocation committed never stores what it read (a generation counter), so a revoked credential
cannot come back into the cache.

Only what a request needs is kept: the user's id, name and role, and the session's CSRF token;
unknown or expired credentials are never remembered."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session, make_transient_to_detached

from .db import User

MAX_ENTRIES = 50_000  # a bound on memory; over it the cache starts afresh


@dataclass(frozen=True)
class Known:
    """A live credential: its user, the session's CSRF token (None for an API token) and when it
    stops being valid by itself (token age limit, session expiry)."""

    user_id: int
    username: str
    role: str
    csrf: str | None
    valid_until: datetime

    def user(self) -> User:
        """A detached ``User`` like the one a session would have loaded (a fresh object per request,
        so no request can change another's)."""
        user = User(id=self.user_id, username=self.username, role=self.role, disabled=False)
        make_transient_to_detached(user)
        return user


class Credentials:
    """The per-process cache: credential key (``token:<sha256>`` or ``session:<sha256>``) → Known."""

    def __init__(self) -> None:
        self._entries: dict[str, tuple[float, Known]] = {}
        self._generation = 0
        self._lock = threading.Lock()

    @property
    def generation(self) -> int:
        """Read before a lookup and passed to :meth:`put`: a revocation in between voids the put."""
        return self._generation

    def get(self, key: str, ttl: float) -> Known | None:
        """The credential if it was looked up less than ``ttl`` seconds ago and is still valid."""
        hit = self._entries.get(key)
        if hit is None:
            return None
        stored, known = hit
        if time.monotonic() - stored >= ttl or known.valid_until <= datetime.now(known.valid_until.tzinfo):
            self._entries.pop(key, None)
            return None
        return known

    def put(self, key: str, known: Known, generation: int) -> None:
        with self._lock:
            if generation != self._generation:
                return
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = (time.monotonic(), known)

    def forget(self, keys: set[str] = frozenset(), users: set[int] = frozenset()) -> None:
        with self._lock:
            self._generation += 1
            for key in keys:
                self._entries.pop(key, None)
            if users:
                for key in [k for k, (_, known) in self._entries.items() if known.user_id in users]:
                    del self._entries[key]


_PENDING = "khlang_forget"  # Session.info key: what this session revoked, forgotten at its commit


def forget_on_commit(db: Session, keys: set[str] = frozenset(), users: set[int] = frozenset()) -> None:
    """Mark credentials this session revokes; :meth:`Credentials.forget` runs when it commits."""
    pending = db.info.setdefault(_PENDING, (set(), set()))
    pending[0].update(keys)
    pending[1].update(users)


def forget_committed(credentials: Credentials):
    """The ``after_commit`` listener :class:`.db.Database` puts on its sessions."""

    def listener(db: Session) -> None:
        pending = db.info.pop(_PENDING, None)
        if pending:
            credentials.forget(*pending)

    return listener

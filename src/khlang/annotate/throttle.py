"""Login throttling: after ``max_failures`` wrong passwords for one username, or from one client
address, within ``window_s`` seconds, that username / address is answered 429 for ``backoff_s``
seconds (even with the right password, so a guesser learns nothing from the answer).

Kept in memory by the server process: a restart forgets it, which is fine for slowing guessing
down by orders of magnitude (scrypt already costs each guess ~50 ms)."""

from __future__ import annotations

import threading
import time
from collections import deque

MAX_KEYS = 100_000  # bound on the memory an attacker cycling usernames or addresses can make us use


class LoginThrottle:
    def __init__(self, max_failures: int = 10, window_s: float = 300.0, backoff_s: float = 300.0) -> None:
        self.max_failures, self.window_s, self.backoff_s = max_failures, window_s, backoff_s
        self._failures: dict[str, deque[float]] = {}
        self._blocked_until: dict[str, float] = {}
        self._lock = threading.Lock()

    def retry_after(self, keys: list[str]) -> float:
        """Seconds until any of ``keys`` may try again (0: not blocked)."""
        t = time.monotonic()
        with self._lock:
            return max([self._blocked_until.get(k, 0.0) - t for k in keys] + [0.0])

    def failed(self, keys: list[str]) -> None:
        t = time.monotonic()
        with self._lock:
            if len(self._failures) > MAX_KEYS:
                self._prune(t)
            for k in keys:
                q = self._failures.setdefault(k, deque())
                q.append(t)
                while q and q[0] < t - self.window_s:
                    q.popleft()
                if len(q) >= self.max_failures:
                    self._blocked_until[k] = t + self.backoff_s
                    q.clear()

    def succeeded(self, keys: list[str]) -> None:
        with self._lock:
            for k in keys:
                self._failures.pop(k, None)

    def _prune(self, t: float) -> None:
        for k in [k for k, q in self._failures.items() if not q or q[-1] < t - self.window_s]:
            del self._failures[k]
        for k in [k for k, until in self._blocked_until.items() if until < t]:
            del self._blocked_until[k]
        if len(self._failures) > MAX_KEYS:  # still full of live entries: forget the oldest half
            for k in sorted(self._failures, key=lambda k: self._failures[k][-1])[: len(self._failures) // 2]:
                del self._failures[k]

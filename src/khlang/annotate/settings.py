"""The server's tunable limits in one place: API-token lifetime, login throttling, request-body
sizes. Each has a default, an environment variable, and a keyword of ``create_app(settings=…)``."""

from __future__ import annotations

import os
from dataclasses import dataclass, fields

MB = 1024 * 1024


@dataclass(frozen=True)
class Settings:
    token_days: float = 90.0  # an API token stops working this long after it was created
    #: seconds a server process remembers who a token or session cookie belongs to (0: ask the
    #: database every request); a revocation made in another process takes effect after at most this
    auth_cache_s: float = 5.0
    login_max_failures: int = 10  # wrong passwords per username, and per client address, in a window …
    login_window_s: float = 300.0  # … this long,
    login_backoff_s: float = 300.0  # … are answered 429 for this long
    #: request-body limits in bytes by route kind (413 beyond them; streamed bodies are counted as
    #: they arrive, so an oversized upload is cut off without being held in memory)
    body_json: int = 1 * MB  # answers, gold labels, users, tokens, and everything else
    body_project: int = 64 * MB  # a new project with its documents inline
    body_import: int = 100 * MB  # an annotation import
    body_form: int = 1 * MB  # HTML forms

    @classmethod
    def from_env(cls, **overrides) -> "Settings":
        """Defaults, then ``KHLANG_<NAME>`` environment variables (e.g. ``KHLANG_BODY_IMPORT``),
        then ``overrides``."""
        values = {}
        for f in fields(cls):
            env = os.environ.get(f"KHLANG_{f.name.upper()}")
            if env is not None:
                try:
                    values[f.name] = type(f.default)(env)
                except ValueError as exc:
                    raise ValueError(f"KHLANG_{f.name.upper()} must be a number") from exc
        values.update(overrides)
        return cls(**values)

"""The FastAPI application: pages, JSON API, static files, security headers."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from .auth import create_user
from .db import Database, User
from .deps import LoginRequired
from .limits import BodyLimit
from .settings import Settings
from .throttle import LoginThrottle

log = logging.getLogger("khlang.annotate")
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def create_app(db: Database | str = "khlang-annotate.db", corpora: list[str | Path] = (),
               secure_cookies: bool | None = None, admin: tuple[str, str] | None = None,
               settings: Settings | None = None) -> FastAPI:
    """The annotation app over ``db``; ``corpora`` are the corpus folders projects may sample;
    ``admin`` = (username, password) creates a first admin when no admin exists yet; ``settings``
    (default: :meth:`Settings.from_env`) holds token lifetime, login throttling and body limits."""
    from . import api, pages

    database = db if isinstance(db, Database) else Database(db)
    if admin is None and os.environ.get("KHLANG_ADMIN_USER") and os.environ.get("KHLANG_ADMIN_PASSWORD"):
        admin = (os.environ["KHLANG_ADMIN_USER"], os.environ["KHLANG_ADMIN_PASSWORD"])
    if admin:
        ensure_admin(database, *admin)
    # no OpenTelemetry: nothing here exports it, and checking for it costs every request
    app = FastAPI(title="khlang annotate", docs_url=None, openapi_url=None, redoc_url=None,
                  telemetry={"tracing": False, "metrics": False, "logs": False})
    # no public schema/Swagger page (it would load scripts from a CDN); /api/openapi.json needs a login
    app.state.db = database
    app.state.settings = settings = settings or Settings.from_env()
    app.state.throttle = LoginThrottle(settings.login_max_failures, settings.login_window_s, settings.login_backoff_s)
    app.state.corpora = [Path(c).resolve() for c in corpora]
    app.state.secure_cookies = secure_cookies
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")), name="static")
    app.include_router(api.router)
    app.add_middleware(BodyLimit, settings=settings)
    app.include_router(pages.router)

    @app.exception_handler(LoginRequired)
    async def _login(request: Request, exc: LoginRequired):
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(HTTPException)
    async def _http(request: Request, exc: HTTPException):
        if request.url.path.startswith("/api") or "text/html" not in request.headers.get("accept", ""):
            return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
        return pages.render(request, "error.html", None, status=exc.status_code, status_code=exc.status_code,
                            detail=exc.detail)

    @app.exception_handler(OperationalError)
    async def _busy(request: Request, exc: OperationalError):
        log.warning("database error on %s %s: %s", request.method, request.url.path, exc.orig)
        return JSONResponse({"detail": "the database is busy: try again"}, status_code=503,
                            headers={"Retry-After": "2"})

    @app.exception_handler(Exception)
    async def _crash(request: Request, exc: Exception):
        # the traceback goes to the server log (Starlette re-raises after this answer); the client
        # gets no Python text, and the keep-alive connection stays usable
        return JSONResponse({"detail": "internal server error"}, status_code=500)

    app.add_middleware(SecurityHeaders)  # added last: outermost, so every answer has them
    return app


class SecurityHeaders:
    """Adds the security headers to every HTTP answer that does not set them itself. Pure ASGI:
    ``@app.middleware("http")`` would run each request through an extra task and stream, about a
    sixth of the server's CPU time per API request."""

    HEADERS = [(b"content-security-policy", CSP.encode()), (b"x-content-type-options", b"nosniff"),
               (b"referrer-policy", b"same-origin"), (b"x-frame-options", b"DENY")]

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                have = {name.lower() for name, _ in headers}
                message = {**message, "headers": headers + [h for h in self.HEADERS if h[0] not in have]}
            await send(message)

        return await self.app(scope, receive, send_with_headers)


def ensure_admin(database: Database, username: str, password: str) -> None:
    with database.session() as db:
        if db.scalar(select(User).where(User.username == username)) is None:
            create_user(db, username, password, "admin")
            db.commit()


def default_workers() -> int:
    """Server processes by default: two where there are two cores or more. One Python process
    serves a request at a time (the GIL); a second uses a second core."""
    return min(2, os.cpu_count() or 1)


def serve(corpora: list[str | Path] = (), db: str = "khlang-annotate.db", host: str = "127.0.0.1", port: int = 8000,
          admin: tuple[str, str] | None = None, secure_cookies: bool | None = None, workers: int | None = None,
          access_log: bool = False) -> None:
    """Run the server (uvicorn) until interrupted, in ``workers`` processes (default
    :func:`default_workers`) sharing the port. On SIGTERM/SIGINT it stops accepting, lets the
    requests in flight finish for up to ``STOP_SECONDS`` and exits (requests run in the thread
    pool, so the event loop is free to see the signal even under load).

    Each process has its own memory: login throttling counts failures per process (a guesser
    spread over N processes gets up to N × the allowed failures before all of them answer 429),
    and a credential revoked through one process is forgotten by the others within
    ``auth_cache_s`` (see :mod:`.credentials`). The tables and the first admin are made here,
    once, before the processes start. ``access_log`` logs a line per request (off by default: it
    costs about a twentieth of the server's time per API request; errors are logged either way)."""
    import uvicorn

    workers = default_workers() if workers is None else workers
    if workers < 1:
        raise ValueError("--workers must be at least 1")
    if workers == 1:
        uvicorn.run(create_app(db, corpora, secure_cookies, admin), host=host, port=port, log_level="info",
                    access_log=access_log, timeout_graceful_shutdown=STOP_SECONDS)
        return
    database = Database(db)  # creates or upgrades the tables before any worker opens them
    if admin:
        ensure_admin(database, *admin)
    database.engine.dispose()
    os.environ[_CONFIG_ENV] = json.dumps({"db": database.url, "corpora": [str(c) for c in corpora],
                                          "secure_cookies": secure_cookies})
    uvicorn.run(f"{__name__}:app_from_env", factory=True, workers=workers, host=host, port=port, log_level="info",
                access_log=access_log, timeout_graceful_shutdown=STOP_SECONDS)


_CONFIG_ENV = "KHLANG_SERVE_CONFIG"  # how serve() hands its settings to the worker processes it starts


def app_from_env() -> FastAPI:
    """The app of one worker process started by :func:`serve` (uvicorn imports it by name)."""
    config = json.loads(os.environ[_CONFIG_ENV])
    return create_app(config["db"], config["corpora"], config["secure_cookies"])


STOP_SECONDS = 5

"""Request-body limits per route (pure ASGI middleware): a declared ``Content-Length`` over the
limit is answered 413 before anything is read; a body without one (chunked) is counted as it
arrives and cut off with 413 at the limit, so an oversized upload never sits in memory whole."""

from __future__ import annotations

import json

from fastapi import HTTPException

from .settings import Settings


def limit_for(settings: Settings, method: str, path: str, content_type: str) -> int:
    if method == "POST" and path.startswith("/api/projects/") and path.endswith("/import"):
        return settings.body_import
    if method == "POST" and path == "/api/projects":
        return settings.body_project
    if "form" in content_type:
        return settings.body_form
    return settings.body_json


def _too_large(limit: int) -> HTTPException:
    return HTTPException(413, f"request body over this route's limit of {limit} bytes")


class BodyLimit:
    def __init__(self, app, settings: Settings) -> None:
        self.app, self.settings = app, settings

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = dict(scope.get("headers") or [])
        limit = limit_for(self.settings, scope["method"], scope["path"], headers.get(b"content-type", b"").decode("latin-1"))
        declared = headers.get(b"content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > limit):
            body = json.dumps({"detail": _too_large(limit).detail}).encode()
            await send({"type": "http.response.start", "status": 413,
                        "headers": [(b"content-type", b"application/json"), (b"connection", b"close"),
                                    (b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})
            return None
        seen = 0

        async def counted():
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:  # raised inside the route's body read: answered by the app's handler
                    raise _too_large(limit)
            return message

        return await self.app(scope, counted, send)

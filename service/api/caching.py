"""Caching of authenticated answers, decided in one place that every API answer passes.

An answer to a bearer token is that caller's view of the record — redacted for them, possibly
holding bids or personal data — so no shared cache may keep it, and every cache must key it by
the credentials: `Vary: Authorization` always, and `Cache-Control: private, no-store` unless the
handler knowingly allowed the caller's own cache to keep it (a settled past state without
secrets: `private, max-age=…, immutable`). A handler can never make an API answer public.

Only the open data under `/api/open/` (what is published to the market; nothing there reads a
token) is public: its successful answers say `public` with validators (set by its handlers), and
its refusals are revalidated every time, so a need published a moment later is seen at once.
"""

from __future__ import annotations

from flask import Flask, Response, request

from service.api.authentication import API_PREFIX

NO_STORE = "private, no-store"
OPEN_DATA_PREFIX = "/api/open/"
REVALIDATE = "public, no-cache"


def keep_private(response: Response) -> Response:
    path = request.path
    if path.startswith(OPEN_DATA_PREFIX):
        if response.status_code not in (200, 304) or "Cache-Control" not in response.headers:
            response.headers["Cache-Control"] = REVALIDATE
        return response
    if not path.startswith(API_PREFIX):
        return response
    if "Vary" not in response.headers:
        response.headers["Vary"] = "Authorization"  # as vary.add, without parsing a header set
    else:
        response.vary.add("Authorization")
    allowed = response.headers.get("Cache-Control")
    if allowed is None or not allowed.startswith("private") or "public" in allowed:
        response.headers["Cache-Control"] = NO_STORE
    return response


def register_caching(app: Flask) -> None:
    app.after_request(keep_private)

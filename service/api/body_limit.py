"""Refusing oversized bodies that come without a Content-Length (chunked transfer).

Werkzeug enforces MAX_CONTENT_LENGTH on a declared length, but silently truncates a chunked body
at the limit, which could turn a too-large body into a shorter, still valid one.
"""

from __future__ import annotations

import io

from flask import Flask, current_app, request
from werkzeug.exceptions import RequestEntityTooLarge


def buffer_chunked_body() -> None:
    if request.content_length is not None:
        return
    if "chunked" not in request.headers.get("Transfer-Encoding", "").lower():
        return
    limit = int(current_app.config["MAX_CONTENT_LENGTH"])
    body = request.environ["wsgi.input"].read(limit + 1)
    if len(body) > limit:
        raise RequestEntityTooLarge(f"the body exceeds {limit} bytes")
    request.environ["wsgi.input"] = io.BytesIO(body)
    request.environ["CONTENT_LENGTH"] = str(len(body))
    request.environ.pop("HTTP_TRANSFER_ENCODING", None)
    request.environ["wsgi.input_terminated"] = False


def register_body_limit(app: Flask) -> None:
    app.before_request(buffer_chunked_body)

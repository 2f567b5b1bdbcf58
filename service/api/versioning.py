"""Optimistic concurrency over HTTP: If-Match in, ETag and log position out."""

from __future__ import annotations

import re

from flask import Response, request
from werkzeug.exceptions import PreconditionRequired

from service.application import CommandResult

_STRONG_VERSION = re.compile(r'^"(\d{1,9})"$')


class IfMatchRequired(PreconditionRequired):
    description = 'send If-Match: "<version>" with the version you last read (ETag)'


IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string", "pattern": '^"[0-9]{1,9}"$', "example": '"3"'},
    "description": 'The version you last read (its ETag), e.g. "3"; `*` is refused',
}


def expected_version() -> int:
    header = request.headers.get("If-Match")
    if header is None:
        raise IfMatchRequired()
    match = _STRONG_VERSION.match(header.strip())
    if match is None:
        # "*" would mean "whatever is there": exactly the lost update we refuse.
        raise IfMatchRequired(description='If-Match must name one version, like "7" (not *)')
    return int(match.group(1))


def etag_for(version: int) -> str:
    return f'"{version}"'


def command_response(result: CommandResult, *, status: int = 200) -> tuple[dict, int, dict]:
    body = {
        "id": result.aggregate_id,
        "version": result.version,
        "position": result.position,
        **({"created": result.created} if result.created else {}),
    }
    headers = {"ETag": etag_for(result.version), "Innoledger-Position": str(result.position)}
    return body, status, headers


def with_etag(response: Response, version: int, *, immutable: bool = False) -> Response:
    response.headers["ETag"] = etag_for(version)
    if immutable:
        response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response

"""Optimistic concurrency over HTTP: If-Match in, ETag and log position out."""

from __future__ import annotations

import re

from flask import Response, request
from werkzeug.exceptions import PreconditionRequired

from service.application import CommandResult
from service.use_cases.reads import Shown

# A settled past state never changes; only the caller's own (private) cache may keep it.
IMMUTABLE = "private, max-age=31536000, immutable"

# The version, optionally followed by the redaction tag of the representation it was read in
# (`"9-b"`: version 9 without the bids); either names version 9.
_STRONG_VERSION = re.compile(r'^"(\d{1,9})(?:-[a-z]{1,8})?"$')


class IfMatchRequired(PreconditionRequired):
    description = 'send If-Match: "<version>" with the version you last read (ETag)'


IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string", "pattern": '^"[0-9]{1,9}(-[a-z]{1,8})?"$', "example": '"3"'},
    "description": 'The version you last read (its ETag), e.g. "3" or "3-b"; `*` is refused',
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


def with_etag(response: Response, shown: Shown) -> Response:
    """ETag of the representation; a settled past state without secrets may be kept by the
    caller's own cache (every other authenticated answer is `no-store`, see `caching`)."""
    response.headers["ETag"] = shown.etag
    if shown.immutable and not shown.holds_secrets:
        response.headers["Cache-Control"] = IMMUTABLE
    return response

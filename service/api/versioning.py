"""Optimistic concurrency over HTTP: If-Match in, ETag and log position out."""

from __future__ import annotations

import re
from collections.abc import Callable

from flask import Response, request
from werkzeug.exceptions import PreconditionRequired

from service.api.conditional import matches, not_modified, object_etag
from service.api.context import current_principal
from service.application import CommandResult
from service.use_cases.reads import Shown

# A settled past state never changes; only the caller's own (private) cache may keep it.
IMMUTABLE = "private, max-age=31536000, immutable"

# The version, optionally followed by what names the representation it was read in (`"9-b"`:
# version 9 without the bids; `"9-b1f0c…"`: that, as one caller was shown it); all name version 9.
_STRONG_VERSION = re.compile(r'^"(\d{1,9})(?:-[a-z0-9]{1,24})?"$')


class IfMatchRequired(PreconditionRequired):
    description = 'send If-Match: "<version>" with the version you last read (ETag)'


IF_MATCH = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string", "pattern": '^"[0-9]{1,9}(-[a-z0-9]{1,24})?"$', "example": '"3"'},
    "description": 'The version you last read (its ETag, or just the version), e.g.'
    ' "3-b41c0e9a1f7" or "3"; `*` is refused',
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


def validator(shown: Shown, *parts: str) -> str:
    """The ETag of the representation this caller is given: the version and redaction
    (`Shown.etag`) and who is asking (see `service.api.conditional`); `parts` names what else
    the answer was made of."""
    return object_etag(shown.version, shown.redaction.tag, current_principal(), *parts)


def _cache_control(shown: Shown) -> str | None:
    """A settled past state without secrets may be kept by the caller's own cache (every
    other authenticated answer is `no-store`, see `caching`)."""
    return IMMUTABLE if shown.immutable and not shown.holds_secrets else None


def unchanged(shown: Shown, *parts: str) -> Response | None:
    """304 when the caller's If-None-Match names what they would be given now, else None:
    decided before the representation is built."""
    etag = validator(shown, *parts)
    if not matches(etag):
        return None
    return not_modified(etag, cache_control=_cache_control(shown))


def object_answer(shown: Shown, build: Callable[[], Response], *parts: str) -> Response:
    """The answer of a single-object read (now, or at a version or moment): 304 when the
    caller's If-None-Match names the representation they would be given, decided from the
    version, the redaction, the caller and `parts` (whatever else the answer is made of, e.g.
    the party directory entries shown) before anything is built; else `build()` with its
    ETag. Every object read answers through here."""
    return unchanged(shown, *parts) or with_etag(build(), shown, *parts)


def with_etag(response: Response, shown: Shown, *parts: str) -> Response:
    response.headers["ETag"] = validator(shown, *parts)
    cache_control = _cache_control(shown)
    if cache_control is not None:
        response.headers["Cache-Control"] = cache_control
    return response

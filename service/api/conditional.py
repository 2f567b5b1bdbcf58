"""Conditional reads: `If-None-Match` answered with 304 from what the server already knows.

A validator (ETag) names one caller's representation, never another's: it is derived from
what the answer was made of — the view's position (or the object's version and redaction) —
and from the caller's visibility, the user with their municipality and live roles. The same
ETag sent by another caller, another municipality or a caller whose roles changed never
validates, so a 304 can only confirm a copy this caller was (or would be) given.

A 304 keeps what the 200 would say about caching: the ETag, `Vary: Authorization` and the
`Cache-Control` decided in `service.api.caching` (usually `private, no-store`: a client may
still revalidate a copy it keeps for itself, e.g. in memory, but no cache may store it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping

from flask import Response, current_app, request
from werkzeug.http import unquote_etag

from service.principal import Principal

# The query parameter that only says how long to wait (read-your-writes): the answer itself
# depends on the position the view reached, which the validator names.
WAIT_PARAMETER = "position"


def caller_key(principal: Principal) -> str:
    """A short digest of who is asking and what they may see: user, municipality, live roles."""
    who = "\x1f".join(
        (principal.user_id, principal.municipality or "", ",".join(sorted(principal.roles)))
    )
    return hashlib.sha256(who.encode()).hexdigest()[:10]


def object_etag(version: int, redaction_tag: str, principal: Principal, *parts: str) -> str:
    """Strong ETag of one object as one caller is shown it: `"<version>-<redaction><caller>"`.

    The version leads and is followed by `-`, so If-Match (and every client that reads the
    version as the text before the first `-`) takes the version back. `parts` names anything
    else the representation was made of (e.g. the party directory entries shown)."""
    digest = caller_key(principal)
    if parts:
        digest = hashlib.sha256("\x1f".join((digest, *parts)).encode()).hexdigest()[:10]
    return f'"{version}-{redaction_tag}{digest}"'


RequestIdentity = tuple[str, tuple[tuple[str, str], ...], str]


def request_identity(principal: Principal) -> RequestIdentity:
    """What a page's answer depends on besides the positions of its views: the path, the query
    (without the wait for a position) and the caller (`caller_key`)."""
    req = request._get_current_object()  # type: ignore[attr-defined]
    query = tuple(
        sorted((key, value) for key, value in req.args.items(multi=True) if key != WAIT_PARAMETER)
    )
    return req.path, query, caller_key(principal)


def view_etag(
    positions: Mapping[str, int],
    principal: Principal,
    *parts: str,
    identity: RequestIdentity | None = None,
) -> str:
    """Weak ETag of a page of views: the request (`request_identity`, if not given) and the
    positions of the views read; `parts` names anything else the answer was made of (the format
    asked for, the day, a directory's state...)."""
    path, query, caller = identity or request_identity(principal)
    made_of = repr((path, list(query), caller, sorted(positions.items()), *parts))
    digest = hashlib.sha256(made_of.encode()).hexdigest()[:20]
    return f'W/"{max(positions.values(), default=0)}-{digest}"'


def matches(etag: str) -> bool:
    """Whether the request's If-None-Match names this representation (weak comparison, as
    RFC 9110 asks for If-None-Match)."""
    condition = request.if_none_match
    if not condition:
        return False
    value, _weak = unquote_etag(etag)
    return value is not None and condition.contains_weak(value)


def not_modified(
    etag: str, *, cache_control: str | None = None, headers: Iterable[tuple[str, str]] = ()
) -> Response:
    """304 with the headers the 200 would have carried for caching (no body)."""
    response = current_app.response_class(status=304)
    del response.headers["Content-Type"]
    response.headers["ETag"] = etag
    if cache_control is not None:
        response.headers["Cache-Control"] = cache_control
    for name, value in headers:
        response.headers[name] = value
    return response


def conditional_response(etag: str, build: Callable[[], Response]) -> Response:
    """304 when If-None-Match names `etag`, else `build()` carrying it: decided before the
    answer is built."""
    if matches(etag):
        return not_modified(etag)
    response = build()
    response.headers["ETag"] = etag
    return response

"""Every error is an RFC 9457 problem: application/problem+json, never a traceback.

Werkzeug's own headers (Allow on 405, WWW-Authenticate on 401, Retry-After) are kept: a custom
handler would otherwise drop them.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Flask, Response, g, json, request
from marshmallow import Schema, fields
from werkzeug.exceptions import HTTPException

from domain.errors import (
    AuthorityMissing,
    DomainError,
    InvalidValue,
    NotParticipant,
    OutOfOrder,
    RuleViolation,
    WrongState,
)
from service.api.next_steps import next_steps
from service.errors import (
    AlreadyExists,
    ApplicationError,
    ConcurrentUpdate,
    Forbidden,
    NotFound,
    VersionMismatch,
)

# Problem types resolve to pages the service serves itself (problem_pages.py), in Swedish and
# English with the rule's legal ground.
PROBLEM_PAGES_PATH = "/problems/"
PROBLEM_MEDIA_TYPE = "application/problem+json"
KEPT_HEADERS = ("Allow", "WWW-Authenticate", "Retry-After")

log = logging.getLogger("innoledger.api")


class ProblemSchema(Schema):
    """RFC 9457 problem details, with `errors` per field for invalid input."""

    type = fields.String(metadata={"description": "URI naming the kind of problem"})
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String()
    instance = fields.String()
    rule = fields.String(metadata={"description": "The business rule that refused, if any"})
    errors = fields.Dict(
        keys=fields.String(),
        metadata={"description": "Per field: what is wrong with it"},
    )
    request_id = fields.String()
    current_version = fields.Integer()
    next_steps = fields.List(
        fields.Dict(),
        metadata={
            "description": "For a refusal that depends on the state: the steps that lead to a "
            "state that allows the command, each `{to, operation}`"
        },
    )
    dates = fields.Dict(
        keys=fields.String(),
        values=fields.String(),
        metadata={"description": "Valid-time order refusals: each step named with its date"},
    )


def problem(
    status: int,
    title: str,
    *,
    detail: str | None = None,
    kind: str | None = None,
    headers: dict[str, str] | None = None,
    **extra: Any,
) -> Response:
    body: dict[str, Any] = {
        "type": problem_type_uri(extra.get("rule"), kind or title.lower().replace(" ", "-")),
        "title": title,
        "status": status,
    }
    if detail:
        body["detail"] = detail
    try:
        body["instance"] = request.path
        body["request_id"] = g.get("request_id")
    except RuntimeError:  # outside a request
        pass
    body.update({k: v for k, v in extra.items() if v is not None})
    response = Response(
        json.dumps(body, ensure_ascii=False), status=status, mimetype=PROBLEM_MEDIA_TYPE
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def problem_type_uri(rule: str | None, kind: str) -> str:
    """The page explaining the most specific known reason: the rule if it has one, else the kind."""
    from service.api.problem_types import PROBLEM_TYPES, slug_of

    slug = slug_of(kind)
    if rule and slug_of(rule) in PROBLEM_TYPES:
        slug = slug_of(rule)
    try:
        root = request.url_root.rstrip("/")
    except RuntimeError:  # outside a request: a reference relative to the service
        root = ""
    return f"{root}{PROBLEM_PAGES_PATH}{slug}"


def _field_errors(messages: Any) -> dict[str, Any]:
    """webargs nests messages by location ({"json": {...}}); clients want them by field."""
    if not isinstance(messages, dict):
        return {"_": messages}
    flat: dict[str, Any] = {}
    for location, errors in messages.items():
        if isinstance(errors, dict) and location in ("json", "query", "headers", "path", "form"):
            flat.update(errors)
        else:
            flat[location] = errors
    return flat


def handle_http_exception(error: HTTPException) -> Response:
    status = error.code or 500
    headers = {}
    original = error.get_response()
    for name in KEPT_HEADERS:
        if name in original.headers:
            headers[name] = original.headers[name]
    data = getattr(error, "data", None) or {}
    if "headers" in data and isinstance(data["headers"], dict):
        headers.update(data["headers"])
    errors = data.get("errors") or data.get("messages")
    if status == 422 or (errors and status == 400):
        return problem(
            422 if status == 422 else 400,
            "Invalid input" if status == 422 else "Bad request",
            detail="; ".join(_describe(_field_errors(errors))) if errors else error.description,
            kind="invalid-input",
            headers=headers,
            errors=_field_errors(errors) if errors else None,
        )
    if status >= 500:
        log.error("server error", exc_info=error)
    return problem(
        status,
        error.name,
        detail=data.get("message") or error.description,
        kind=error.name.lower().replace(" ", "-"),
        headers=headers,
    )


def _describe(errors: dict[str, Any]) -> list[str]:
    lines = []
    for field, messages in errors.items():
        if isinstance(messages, list):
            text = " ".join(str(m) for m in messages)
        elif isinstance(messages, dict):
            text = "; ".join(_describe(messages))
        else:
            text = str(messages)
        lines.append(f"{field}: {text}")
    return lines


def handle_domain_error(error: DomainError) -> Response:
    if isinstance(error, InvalidValue):
        field = error.field or "_"
        return problem(
            422,
            "Invalid input",
            detail=error.message,
            kind="invalid-input",
            rule=error.rule,
            errors={field: [error.message]},
        )
    if isinstance(error, (AuthorityMissing, NotParticipant)):
        return problem(
            403, "No authority", detail=error.message, kind="no-authority", rule=error.rule
        )
    if isinstance(error, WrongState):
        steps = next_steps(error)
        detail = error.message
        if steps:
            detail += "; get there with " + " or ".join(step["operation"] for step in steps)
        return problem(
            409, "Rule violation", detail=detail, kind="rule", rule=error.rule, next_steps=steps
        )
    if isinstance(error, RuleViolation):
        return problem(
            409,
            "Rule violation",
            detail=error.message,
            # Steps out of order share one page unless their rule has its own.
            kind="valid-time-order" if isinstance(error, OutOfOrder) else "rule",
            rule=error.rule,
            dates=error.details or None,
        )
    return problem(409, "Refused", detail=error.message, kind="rule", rule=error.rule)


def handle_application_error(error: ApplicationError) -> Response:
    if isinstance(error, NotFound):
        return problem(404, "Not Found", detail=error.message, kind="not-found")
    if isinstance(error, Forbidden):
        return problem(403, "Forbidden", detail=error.message, kind="forbidden", rule=error.rule)
    if isinstance(error, VersionMismatch):
        return problem(
            412,
            "Precondition Failed",
            detail=error.message,
            kind="version-mismatch",
            rule=error.rule,
            current_version=error.current_version,
        )
    if isinstance(error, (ConcurrentUpdate, AlreadyExists)):
        return problem(409, "Conflict", detail=error.message, kind="conflict", rule=error.rule)
    return problem(400, "Bad request", detail=error.message)


def handle_unexpected(error: Exception) -> Response:
    from service.api.availability import is_database_unavailable, note_database_unavailable

    if is_database_unavailable(error):
        log.warning("database unavailable: %s", error)
        note_database_unavailable()
        return problem(
            503,
            "Service Unavailable",
            detail="the database is not reachable; try again shortly",
            kind="database-unavailable",
            headers={"Retry-After": "2"},
        )
    log.exception("unhandled error")
    return problem(500, "Internal Server Error", detail="an unexpected error; it has been logged")


def handle_invalid_query(error: Exception) -> Response:
    field = getattr(error, "field", None) or "_"
    return problem(
        422, "Invalid input", detail=str(error), kind="invalid-input", errors={field: [str(error)]}
    )


def handle_not_in_view(error: Exception) -> Response:
    return problem(404, "Not Found", detail=str(error) or "not in this view", kind="not-found")


def register_problem_handlers(app: Flask) -> None:
    from projections.queries import InvalidQuery, NotInView

    app.register_error_handler(InvalidQuery, handle_invalid_query)
    app.register_error_handler(NotInView, handle_not_in_view)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(ApplicationError, handle_application_error)
    app.register_error_handler(Exception, handle_unexpected)

"""Safe retries: the `Idempotency-Key` header (IETF draft-ietf-httpapi-idempotency-key-header).

A client whose command lost its answer cannot tell whether it was stored; creations have no
`If-Match` to make a retry harmless. With `Idempotency-Key: "<unique key>"` on a command:

- the first request runs and its answer (status, body, ETag, position) is kept under the key;
- the same key with the same request (method, path, query, If-Match and body) answers the kept
  answer again, with `Idempotent-Replayed: true`, and writes nothing;
- the same key with another request is refused with 422 (`/problems/idempotency-key-reused`);
- while the first request with the key is still running, a second one answers 409
  (`/problems/idempotency-key-in-use`) with `Retry-After`.

Keys belong to the caller (municipality and user): two callers never see each other's answers.
They are kept in the store's own database (SQLite or PostgreSQL), so every worker and every host
sees them, for `KEY_LIFETIME` — far longer than any client retries. An answer of 5xx is not kept:
the command did not complete, and a retry runs it again. Token issuance refuses the header: its
secret is shown once and must never be stored.

Known limit: a process killed after the command was saved but before its answer was kept leaves
the key "in progress"; a retry answers 409 until `IN_PROGRESS_TIMEOUT` has passed, then runs
again.
"""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, Response, g, request

from eventstore.schema import ensure_tables
from service.api.context import services
from service.api.problems import problem

HEADER = "Idempotency-Key"
KEY_LIFETIME = timedelta(hours=24)
# Longer than a request may run (gunicorn's timeout is 30 s): after it, a key left "in progress"
# by a killed process is taken over by the next retry.
IN_PROGRESS_TIMEOUT = timedelta(seconds=60)
COMMAND_METHODS = {"POST", "PUT", "PATCH", "DELETE"}
API_PREFIX = "/api/v1/"
# The answer carries a secret shown once: it must never be stored.
REFUSING_ENDPOINTS = {"tokens.IssueToken"}
KEPT_HEADERS = ("Content-Type", "ETag", "Location", "Innoledger-Position")
# An sf-string (RFC 8941) as the draft asks, or a bare token for convenience.
_KEY = re.compile(r'^"([\x20-\x21\x23-\x5b\x5d-\x7e]{1,255})"$|^([A-Za-z0-9._~:+/=-]{1,255})$')

TABLES = [
    """CREATE TABLE IF NOT EXISTS idempotency_keys (
        scope TEXT NOT NULL,
        idem_key TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        status INTEGER,
        response_headers TEXT,
        response_body TEXT,
        started_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        PRIMARY KEY (scope, idem_key)
    )""",
    "CREATE INDEX IF NOT EXISTS idempotency_keys_by_expiry ON idempotency_keys (expires_at)",
]


def _now() -> datetime:
    return datetime.now(UTC)


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for part in (
        request.method,
        request.path,
        request.query_string.decode("latin-1"),
        request.headers.get("If-Match", ""),
    ):
        digest.update(part.encode("utf-8", "surrogateescape") + b"\x00")
    digest.update(request.get_data(cache=True))
    return digest.hexdigest()


def _scope() -> str:
    principal = g.principal
    return f"{principal.municipality or '*platform*'}/{principal.user_id}"


def begin_idempotent_request() -> Response | None:
    header = request.headers.get(HEADER)
    if (
        header is None
        or request.method not in COMMAND_METHODS
        or not request.path.startswith(API_PREFIX)
        or g.get("principal") is None
    ):
        return None
    match = _KEY.match(header.strip())
    if match is None:
        return problem(
            400,
            "Bad request",
            detail=f'{HEADER} must be a quoted string of 1 to 255 printable characters, '
            'e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324"',
            kind="bad-request",
        )
    if request.endpoint in REFUSING_ENDPOINTS:
        return problem(
            400,
            "Bad request",
            detail=f"{HEADER} is not accepted here: a token's secret is shown once and never "
            "stored; if the answer was lost, revoke the token and issue another",
            kind="bad-request",
        )
    key = match.group(1) or match.group(2)
    scope, fingerprint, now = _scope(), _fingerprint(), _now()
    store = services().sql
    with store.transaction() as cursor:
        cursor.execute("DELETE FROM idempotency_keys WHERE expires_at < ?", (now.isoformat(),))
        cursor.execute(
            "DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ? AND status IS NULL"
            " AND started_at < ?",
            (scope, key, (now - IN_PROGRESS_TIMEOUT).isoformat()),
        )
        cursor.execute(
            "INSERT INTO idempotency_keys (scope, idem_key, fingerprint, started_at, expires_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (scope, key, fingerprint, now.isoformat(), (now + KEY_LIFETIME).isoformat()),
        )
        if cursor.rowcount == 1:
            g.idempotency_key = (scope, key)
            return None
        row = cursor.execute(
            "SELECT fingerprint, status, response_headers, response_body FROM idempotency_keys"
            " WHERE scope = ? AND idem_key = ?",
            (scope, key),
        ).fetchone()
    if row is None:  # expired and removed by another request in between: run it
        return problem(
            409,
            "Request in progress",
            detail=f"a request with this {HEADER} changed state meanwhile; retry",
            kind="idempotency-key-in-use",
            headers={"Retry-After": "1"},
        )
    if row["fingerprint"] != fingerprint:
        return problem(
            422,
            "Idempotency-Key reused",
            detail=f"this {HEADER} was used for a different request; use a new key for a new "
            "request",
            kind="idempotency-key-reused",
        )
    if row["status"] is None:
        return problem(
            409,
            "Request in progress",
            detail=f"a request with this {HEADER} is still running; retry shortly",
            kind="idempotency-key-in-use",
            headers={"Retry-After": "1"},
        )
    headers: dict[str, Any] = json.loads(row["response_headers"])
    replay = Response(row["response_body"], status=int(row["status"]))
    for name, value in headers.items():
        replay.headers[name] = value
    replay.headers["Idempotent-Replayed"] = "true"
    return replay


def finish_idempotent_request(response: Response) -> Response:
    held = g.pop("idempotency_key", None)
    if held is None:
        return response
    scope, key = held
    store = services().sql
    with store.transaction() as cursor:
        if response.status_code >= 500:
            cursor.execute(
                "DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ?", (scope, key)
            )
        else:
            headers = response.headers
            kept = {name: headers[name] for name in KEPT_HEADERS if name in headers}
            cursor.execute(
                "UPDATE idempotency_keys SET status = ?, response_headers = ?, response_body = ?"
                " WHERE scope = ? AND idem_key = ?",
                (
                    response.status_code,
                    json.dumps(kept),
                    response.get_data(as_text=True),
                    scope,
                    key,
                ),
            )
    return response


def abandon_idempotent_request(error: BaseException | None) -> None:
    """An exception no handler answered: the key is freed, so a retry runs the command."""
    held = g.pop("idempotency_key", None)
    if held is None:
        return
    try:
        with services().sql.transaction() as cursor:
            cursor.execute(
                "DELETE FROM idempotency_keys WHERE scope = ? AND idem_key = ?", held
            )
    except Exception:  # the database may be what failed; the key then expires by itself
        pass


def register_idempotency(app: Flask) -> None:
    ensure_tables(app.extensions["innoledger"].sql, TABLES)
    app.before_request(begin_idempotent_request)
    app.after_request(finish_idempotent_request)
    app.teardown_request(abandon_idempotent_request)

"""What changed on an object since the version someone was looking at: the core's history,
with its redactions, told as readable differences."""

from __future__ import annotations

from typing import Any

from service.audit.history import encode_cursor, history
from service.errors import ApplicationError
from service.principal import Principal

# Paths of the object's public state the history reports but nobody needs to read.
BOOKKEEPING = ("/version", "/modified_on", "/created_on")


def readable(ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """RFC 6902 operations as (what, how, value) lines."""
    lines = []
    for op in ops:
        path = op.get("path", "")
        if path in BOOKKEEPING:
            continue
        what = path.strip("/").replace("/", " › ") or "–"
        lines.append({"what": what, "op": op.get("op"), "value": op.get("value")})
    return lines


def changes_since(
    app: Any, principal: Principal, kind: str, object_id: str, seen_version: int
) -> list[dict[str, Any]] | None:
    """Each change after `seen_version`: who made it, when, and what it changed; None when
    this person may not read the object's history."""
    try:
        page = history(app, principal, kind, object_id, cursor=encode_cursor(seen_version))
    except ApplicationError:
        return None
    return [
        {
            "version": entry.version,
            "event_type": entry.event_type,
            "recorded_at": entry.recorded_at,
            "actor": entry.actor,
            "lines": readable(entry.changes),
        }
        for entry in page.entries
    ]

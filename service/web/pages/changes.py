"""What changed on an object, version by version: the core's history, with its redactions, told
as readable differences — each changed field by its name in the chosen language, with what it
held before and what it holds after."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonpatch
from flask_babel import lazy_gettext as _l

from service.audit.history import MAX_LIMIT, HistoryEntry, encode_cursor, history
from service.errors import ApplicationError
from service.principal import Principal

# Paths of the object's public state the history reports but nobody needs to read.
BOOKKEEPING = ("/version", "/modified_on", "/created_on")
# The fields of needs, procurements and municipalities by the names people know them by.
FIELD_NAMES = {
    "title": _l("Title"),
    "status": _l("State"),
    "problem_statement": _l("Problem statement"),
    "description": _l("Description"),
    "innovation_area_id": _l("Innovation area"),
    "affected_end_users": _l("Affected end users"),
    "competences": _l("Competences"),
    "swot": _l("SWOT"),
    "workshops": _l("Workshops"),
    "scores": _l("Scores"),
    "scorings": _l("Scorings"),
    "visibility": _l("Visibility"),
    "co_owners": _l("Co-owners"),
    "decisions": _l("Decisions"),
    "rationale": _l("Rationale"),
    "participants": _l("Participants"),
    "need_ids": _l("Needs"),
    "estimated_value_sek": _l("Estimated value"),
    "above_threshold": _l("Above the EU threshold"),
    "case_number": _l("Case number (diarienummer)"),
    "cpv_code": _l("CPV code"),
    "screening": _l("Innovation screening"),
    "procedure": _l("Procedure"),
    "notice_id": _l("Notice"),
    "tender_deadline": _l("Tender deadline"),
    "market_dialogue": _l("Market dialogue"),
    "bids": _l("Bids"),
    "evaluation_started_at": _l("Evaluation started"),
    "award": _l("Award (tilldelningsbeslut)"),
    "contract": _l("Contract"),
    "reviews": _l("Reviews (överprövning)"),
    "milestones": _l("Milestones"),
    "follow_ups": _l("Follow-ups"),
    "lessons": _l("Lessons"),
    "outcome": _l("Outcome"),
    "termination_reason": _l("Terminated early"),
    "name": _l("Name"),
    "members": _l("Members"),
    "innovation_areas": _l("Innovation areas"),
    "delegation_orders": _l("Delegation order"),
    "suspended": _l("Suspended"),
}
LONGEST_VALUE = 300


def _tokens(path: str) -> list[str]:
    return [part.replace("~1", "/").replace("~0", "~") for part in path.split("/")[1:]]


def _held(document: Any, path: str | None) -> Any:
    """What `path` holds in `document`; None where it holds nothing."""
    if path is None:
        return None
    try:
        return jsonpatch.JsonPointer(path).resolve(document)
    except (jsonpatch.JsonPointerException, TypeError):
        return None


def apply(document: Any, op: dict[str, Any]) -> tuple[Any, Any, Any]:
    """Applies one RFC 6902 operation; the document after it, what the path held before and
    what it holds after."""
    before = _held(document, op.get("path"))
    moved = _held(document, op.get("from")) if op.get("op") in ("move", "copy") else None
    document = jsonpatch.apply_patch(document, [op])
    after = None if op.get("op") == "remove" else _held(document, op.get("path"))
    return document, before, after if moved is None else moved


def field_name(path: str) -> str:
    """/swot/2/text -> "SWOT › 3 › text": known fields by name, list items counted from 1."""
    parts = []
    for token in _tokens(path):
        if token.isdigit():
            parts.append(str(int(token) + 1))
        else:
            known = FIELD_NAMES.get(token)
            parts.append(str(known) if known is not None else token.replace("_", " "))
    return " › ".join(parts) or "–"


def _words(value: Any) -> str:
    """A value as text: objects as "name: value" pairs (their ids left out), lists by commas."""
    if isinstance(value, bool):
        return str(_l("Yes") if value else _l("No"))
    if isinstance(value, dict):
        return "; ".join(
            f"{field_name('/' + str(key))}: {_words(item)}"
            for key, item in value.items()
            if key != "id" and item not in (None, [], {})
        )
    if isinstance(value, list):
        return ", ".join(_words(item) for item in value) or "–"
    return "–" if value is None else str(value)


def shown_value(value: Any) -> str | None:
    if value is None:
        return None
    text = _words(value)
    return text if len(text) <= LONGEST_VALUE else text[: LONGEST_VALUE - 1] + "…"


def _value_names() -> dict[str, dict[str, Any]]:
    """Coded values of a field by their names (states, procedures), where the pages have them."""
    from service.web.pages.needs import NEED_STATES
    from service.web.pages.procurements import PROCEDURES, PROCUREMENT_STATES

    return {"/status": {**NEED_STATES, **PROCUREMENT_STATES}, "/procedure": PROCEDURES}


def _named(path: str, value: Any, names: dict[str, dict[str, Any]]) -> Any:
    known = names.get(path, {}).get(value) if isinstance(value, str) else None
    return value if known is None else str(known)


def readable(ops: list[dict[str, Any]], document: Any) -> tuple[Any, list[dict[str, Any]]]:
    """The operations applied to `document` (the state before them), as lines of what changed
    from what to what; the state after them."""
    lines = []
    names = _value_names()
    for op in ops:
        path = op.get("path", "")
        try:
            document, before, after = apply(document, op)
        except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException):
            before, after = None, op.get("value")  # told as the history tells it
        if path in BOOKKEEPING:
            continue
        lines.append(
            {
                "what": field_name(path),
                "op": op.get("op"),
                "before": shown_value(_named(path, before, names)),
                "value": shown_value(_named(path, after, names)),
            }
        )
    return document, lines


def _every_entry(
    app: Any, principal: Principal, kind: str, object_id: str
) -> Iterator[HistoryEntry]:
    cursor: str | None = encode_cursor(0)
    while cursor is not None:
        page = history(app, principal, kind, object_id, cursor=cursor, limit=MAX_LIMIT)
        yield from page.entries
        cursor = page.next_cursor


def differences(
    app: Any, principal: Principal, kind: str, object_id: str, *, after_version: int = 0
) -> list[dict[str, Any]]:
    """Each change after `after_version`, oldest first: who made it, when, and what it changed
    from what to what (the earlier versions are read to know what the fields held)."""
    document: Any = {}
    changes = []
    for entry in _every_entry(app, principal, kind, object_id):
        document, lines = readable(entry.changes, document)
        if entry.version <= after_version:
            continue
        changes.append(
            {
                "version": entry.version,
                "event_type": entry.event_type,
                "recorded_at": entry.recorded_at,
                "actor": entry.actor,
                "decision": entry.decision,
                "redacted": entry.redacted,
                "lines": lines,
            }
        )
    return changes


def changes_since(
    app: Any, principal: Principal, kind: str, object_id: str, seen_version: int
) -> list[dict[str, Any]] | None:
    """Each change after `seen_version`; None when this person may not read the history."""
    try:
        return differences(app, principal, kind, object_id, after_version=seen_version)
    except ApplicationError:
        return None

"""The public state of an aggregate as JSON-safe data: what history diffs and as-of answers show.

"Public" means the aggregate's own attributes without a leading underscore (the library keeps
its bookkeeping — id, version, timestamps, pending events — in underscored ones).  Values are
made JSON-safe the way the API speaks: RFC 3339 timestamps, ISO dates, money as a string with
two decimals, UUIDs as strings.  Converting yields fresh containers, so a state taken before an
event is applied cannot change when the aggregate mutates its lists in place.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.procurement_values import StateValue

TWO_PLACES = Decimal("0.01")


def json_safe(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, str, float)):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value.quantize(TWO_PLACES))
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [json_safe(v) for v in value]
    if isinstance(value, StateValue):
        return json_safe(value.as_state())
    return str(value)


def public_state(aggregate: Any) -> dict[str, Any]:
    """The aggregate's public attributes, JSON-safe (see the module docstring)."""
    return {k: json_safe(v) for k, v in vars(aggregate).items() if not k.startswith("_")}


def aggregate_type(aggregate: Any) -> str:
    return type(aggregate).__name__


def state_document(aggregate: Any) -> dict[str, Any]:
    """The aggregate as of its version: identity and envelope, then its public state."""
    return {
        "id": str(aggregate.id),
        "type": aggregate_type(aggregate),
        "version": aggregate.version,
        "created_on": json_safe(aggregate.created_on),
        "modified_on": json_safe(aggregate.modified_on),
        "state": public_state(aggregate),
    }

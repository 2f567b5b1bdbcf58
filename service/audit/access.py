"""Reaching an aggregate for an audit read: by kind and id, through the tenant-scoped accessors,
so another tenant's private object answers "not found" here exactly as it does elsewhere."""

from __future__ import annotations

from typing import Any

from domain.procurement import Procurement
from service.access_policy import can_read_history, can_see_bids
from service.errors import Forbidden, NotFound
from service.principal import Principal

KINDS = ("need", "procurement", "municipality")
BIDS_SECRET = "secret until the award decision"


def require_auditor(principal: Principal) -> None:
    if not can_read_history(principal):
        raise Forbidden("your roles do not include reading history and past states")


def load_current(app: Any, principal: Principal, kind: str, object_id: str) -> Any:
    """The current aggregate, if this principal may see it (visibility is judged on the
    current state, as everywhere else)."""
    if kind not in KINDS:
        raise NotFound(f"no {kind} {object_id}")
    loader = {"need": app.need, "procurement": app.procurement, "municipality": app.municipality}
    return loader[kind](principal, object_id)


def hides_bids(principal: Principal, current: Any) -> bool:
    """Bids stay secret (OSL 19:3) to whoever may not see them on the current procurement,
    in history and past states too."""
    return isinstance(current, Procurement) and not can_see_bids(principal, current)


def redact_state(state: dict[str, Any]) -> dict[str, Any]:
    if "bids" in state:
        state = dict(state)
        state["bids"] = None
    return state

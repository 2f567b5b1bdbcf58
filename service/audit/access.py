"""Reaching an aggregate for an audit read: by kind and id, through the tenant-scoped accessors,
so another tenant's private object answers "not found" here exactly as it does elsewhere."""

from __future__ import annotations

from typing import Any

from service.access_policy import can_read_history, sees_own_objects_in_full
from service.errors import Forbidden, NotFound
from service.principal import Principal
from service.redaction import NOT_VISIBLE, SHOWN_IN_FULL, Redaction, redaction_for

KINDS = ("need", "procurement", "municipality", "project")


def require_auditor(principal: Principal) -> None:
    if not can_read_history(principal):
        raise Forbidden("your roles do not include reading history and past states")


def load_current(app: Any, principal: Principal, kind: str, object_id: str) -> Any:
    """The current aggregate, if this principal may see it (visibility is judged on the
    current state, as everywhere else)."""
    if kind not in KINDS:
        raise NotFound(f"no {kind} {object_id}")
    loader = {"need": app.need, "procurement": app.procurement, "municipality": app.municipality,
              "project": app.project}  # fmt: skip
    return loader[kind](principal, object_id)


class Redactions:
    """The redaction of each object a bulk read (event stream, decision log) touches, judged on
    the object's current state by the one policy (`service.redaction`), once per object."""

    def __init__(self, app: Any, principal: Principal):
        self.app = app
        self.principal = principal
        self._seen: dict[str, Redaction] = {}

    def of(self, aggregate_type: str, aggregate_id: str, tenant: str | None) -> Redaction:
        if sees_own_objects_in_full(self.principal, tenant):
            return SHOWN_IN_FULL
        kind = aggregate_type.lower()
        # A municipality's id is derived from its slug, which is its events' tenant.
        object_id = tenant if kind == "municipality" else aggregate_id
        if kind not in KINDS or object_id is None:
            return NOT_VISIBLE
        key = f"{kind}:{object_id}"
        if key not in self._seen:
            try:
                current = load_current(self.app, self.principal, kind, object_id)
            except NotFound:
                self._seen[key] = NOT_VISIBLE
            else:
                self._seen[key] = redaction_for(self.principal, current)
        return self._seen[key]

    def of_topic(self, topic: str, aggregate_id: str, tenant: str | None) -> Redaction:
        """By a stored event's topic (`innoledger:Procurement.BidReceived`)."""
        aggregate_type = topic.partition(":")[2].partition(".")[0]
        return self.of(aggregate_type, aggregate_id, tenant)

"""The decision log as a caller may read it: auditors only, their own municipality's decisions
(a platform auditor's: all), each decision shown as the object it concerns is shown to them.

The log is a read model (`projections.views.decision_log`); this is where the access rules and
the one redaction policy (`service.redaction`) are applied to it, so the log never tells an
auditor more of an object than its history or current state does.
"""

from __future__ import annotations

from typing import Any

from eventstore.sql import SqlStore
from projections import queries
from projections.queries import Page
from service.audit.access import Redactions
from service.errors import Forbidden
from service.principal import Principal


def require_decision_log_reader(principal: Principal) -> None:
    if not principal.has_role("auditor"):
        raise Forbidden("the decision log is for auditors")


def decisions(app: Any, store: SqlStore, principal: Principal, **filters: Any) -> Page:
    """One page of the log (filters as `projections.queries.list_decisions`)."""
    require_decision_log_reader(principal)
    page = queries.list_decisions(store, scope=principal.municipality, **filters)
    return Page(as_shown_to(app, principal, page.rows), page.next_cursor, page.position)


def as_shown_to(app: Any, principal: Principal, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of the log as `principal` is shown the objects they concern (for readers that
    checked their own access, e.g. a report to the municipality's board)."""
    redactions = Redactions(app, principal)
    return [_shown(row, redactions) for row in rows]


def _shown(row: dict[str, Any], redactions: Redactions) -> dict[str, Any]:
    redaction = redactions.of(row["aggregate_type"], row["aggregate_id"], row["tenant"])
    if not redaction.withholds_anything:
        return row
    details, _ = redaction.event_data(row["event_type"], row.get("details") or {})
    shown = {**row, "details": details}
    if redaction.hides_actor_of(row["event_type"]):
        shown.update(decided_by=None, roles=None, request_id=None)
    if redaction.withholds_event(row["event_type"]):
        shown.update(rationale=None, authority=None, value_sek=None)
    return shown

"""Decision log: every decision of every aggregate, for auditors.

One row per decision event: who took it (user id, roles, municipality), on which aggregate, what
type, when it was decided (valid time, `decided_at`) and when it was recorded here (transaction
time, the event's timestamp), why (rationale) and under which authority (delegation rule or
board minutes), with the rest of the event's own fields as `details`.

Access is a query concern (projections.queries.list_decisions): a tenant auditor sees the
decisions on their municipality's aggregates and the decisions their municipality took.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import ClassVar

from eventstore.sql import Cursor
from projections.base import ProjectedEvent
from projections.db import Table
from projections.rows import write_rows
from projections.topics import (
    DECISION_TOPICS,
    MUNICIPALITY_ROLE_GRANTED,
    MUNICIPALITY_ROLE_REVOKED,
)
from projections.values import micros, sek, to_json
from projections.views.common import View

COLUMNS = (
    "position", "aggregate_type", "aggregate_id", "aggregate_version", "event_type", "tenant",
    "decision_type", "decided_by", "actor_roles", "municipality", "decided_at", "recorded_at",
    "rationale", "authority", "value_sek", "details", "request_id",
)  # fmt: skip
DECISIONS = Table(
    "decision_log",
    "position BIGINT PRIMARY KEY,"
    " aggregate_type TEXT NOT NULL,"
    " aggregate_id TEXT NOT NULL,"
    " aggregate_version BIGINT NOT NULL,"
    " event_type TEXT NOT NULL,"
    " tenant TEXT NOT NULL,"
    " decision_type TEXT NOT NULL,"
    " decided_by TEXT NOT NULL,"
    " actor_roles TEXT NOT NULL,"
    " municipality TEXT NOT NULL,"
    " decided_at BIGINT NOT NULL,"
    " recorded_at BIGINT NOT NULL,"
    " rationale TEXT NOT NULL,"
    " authority TEXT NOT NULL,"
    " value_sek TEXT,"
    " details TEXT NOT NULL,"
    " request_id TEXT",
    (
        ("municipality", "municipality, position"),
        ("tenant", "tenant, position"),
        ("type", "decision_type, position"),
        ("decided", "decided_at"),
        ("recorded", "recorded_at"),
        ("aggregate", "aggregate_id, position"),
    ),
)


class DecisionLog(View):
    name = "decision_log"
    tables: ClassVar[tuple[Table, ...]] = (DECISIONS,)
    topics: ClassVar[tuple[str, ...]] = (
        *DECISION_TOPICS,
        MUNICIPALITY_ROLE_GRANTED,
        MUNICIPALITY_ROLE_REVOKED,
    )

    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        rows = [row for row in map(decision_row, events) if row is not None]
        write_rows(cursor, DECISIONS.base + suffix, COLUMNS, rows)


# Grants and revocations of roles are decisions of the municipality's admins (separation of
# duties is audited here): taken when recorded, under the admin's own role.
ROLE_DECISIONS = {MUNICIPALITY_ROLE_GRANTED: "grant_role", MUNICIPALITY_ROLE_REVOKED: "revoke_role"}


def role_decision_row(event: ProjectedEvent, decision_type: str) -> tuple[object, ...]:
    roles = list(event.audit.get("actor_roles") or [])
    return (
        event.position,
        event.aggregate_type,
        event.aggregate_id,
        event.originator_version,
        event.event_type,
        event.audit.get("tenant", ""),
        decision_type,
        event.audit.get("actor") or "",
        to_json(roles),
        event.audit.get("actor_municipality") or "",
        micros(event.recorded_at),
        micros(event.recorded_at),
        "",
        to_json({"kind": "role", "roles": roles}),
        None,
        to_json({"user_id": event.data.get("user_id"), "role": event.data.get("role")}),
        event.audit.get("request_id"),
    )


def decision_row(event: ProjectedEvent) -> tuple[object, ...] | None:
    if event.topic in ROLE_DECISIONS:
        return role_decision_row(event, ROLE_DECISIONS[event.topic])
    decision = event.data.get("decision")
    if not isinstance(decision, dict):
        return None
    details = {key: value for key, value in event.data.items() if key != "decision"}
    value = decision.get("value_sek")
    return (
        event.position,
        event.aggregate_type,
        event.aggregate_id,
        event.originator_version,
        event.event_type,
        event.audit.get("tenant", ""),
        decision["type"],
        decision["decided_by"],
        to_json(event.audit.get("actor_roles") or []),
        decision["municipality"],
        micros(decision["decided_at"]),
        micros(event.recorded_at),
        decision["rationale"],
        to_json(decision["authority"]),
        None if value is None else sek(Decimal(value)),
        to_json(details),
        event.audit.get("request_id"),
    )

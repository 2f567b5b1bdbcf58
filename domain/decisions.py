"""The decision record every decision event carries: what, why, under which authority, when.

`decided_at` is valid time (when the decision was taken, e.g. the board meeting); the event's own
timestamp is transaction time (when it was recorded here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from domain.errors import InvalidValue
from domain.values.dates import parse_date
from domain.values.text import required_text

NEED_DECISIONS = ("prioritise", "park", "reopen", "reject", "decide_to_procure", "mark_realised")
PROCUREMENT_DECISIONS = (
    "screen",
    "choose_procedure",
    "publish",
    "award",
    "cancel",
    "sign_contract",
    "close",
    "terminate_early",
)
PARTICIPATION_DECISIONS = ("join", "decline", "withdraw")
# A municipality's own policy decisions (usually the board's).
MUNICIPALITY_DECISIONS = ("adopt_innovation_target", "adopt_delegation_order")
# A joint development project: the coordinator establishes it; each invited municipality joins,
# declines or withdraws for itself; each links (and unlinks) its own needs and procurements.
PROJECT_DECISIONS = (
    "establish_project", "join_project", "decline_project", "withdraw_from_project",
    "link_to_project", "unlink_from_project",
)  # fmt: skip
# A need opened to the market (suppliers, data portals), distinct from sharing it with the
# network: the owner's decision, and the owner's to withdraw.
MARKET_DECISIONS = ("publish_to_market", "withdraw_from_market")
DECISION_TYPES = (
    NEED_DECISIONS
    + PROCUREMENT_DECISIONS
    + PARTICIPATION_DECISIONS
    + MUNICIPALITY_DECISIONS
    + PROJECT_DECISIONS
    + MARKET_DECISIONS
)
# Decisions only the board or council takes (kommunallagen 6 kap. 37 §: the board delegates, so
# its delegation order is never itself delegated); the rest may be delegated by that order.
BOARD_ONLY_DECISIONS = ("adopt_delegation_order",)
DELEGABLE_DECISION_TYPES = tuple(t for t in DECISION_TYPES if t not in BOARD_ONLY_DECISIONS)

AUTHORITY_DELEGATION = "delegation"
AUTHORITY_BOARD = "board"


@dataclass(frozen=True)
class AuthorityClaim:
    """What the decider says backs the decision, before it has been checked."""

    kind: str
    rule_id: str | None = None
    body: str | None = None
    meeting_date: date | None = None
    minutes_reference: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> AuthorityClaim:
        if not isinstance(data, dict):
            raise InvalidValue("authority: must be an object with a kind", field="authority")
        kind = data.get("kind")
        if kind not in (AUTHORITY_DELEGATION, AUTHORITY_BOARD):
            raise InvalidValue(
                "authority.kind: must be 'delegation' or 'board'", field="authority.kind"
            )
        if kind == AUTHORITY_BOARD:
            return cls(
                kind=kind,
                body=required_text(data.get("body"), field="authority.body", max_length=200),
                meeting_date=_meeting_date(data.get("meeting_date")),
                minutes_reference=required_text(
                    data.get("minutes_reference"),
                    field="authority.minutes_reference",
                    max_length=200,
                ),
            )
        rule_id = data.get("rule_id")
        return cls(
            kind=kind,
            rule_id=None
            if rule_id in (None, "")
            else required_text(rule_id, field="authority.rule_id", max_length=64),
        )


def _meeting_date(value: object) -> date:
    if value in (None, ""):
        raise InvalidValue(
            "authority.meeting_date: the date of the board's meeting (YYYY-MM-DD)",
            field="authority.meeting_date",
        )
    return parse_date(value, field="authority.meeting_date")


@dataclass(frozen=True)
class DecisionRecord:
    """A checked decision, ready to be stored on the decided aggregate's event."""

    type: str
    rationale: str
    authority: dict[str, Any]
    decided_at: datetime
    decided_by: str
    municipality: str
    value_sek: Decimal | None = None

    def as_event_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "type": self.type,
            "rationale": self.rationale,
            "authority": dict(self.authority),
            "decided_at": self.decided_at,
            "decided_by": self.decided_by,
            "municipality": self.municipality,
        }
        if self.value_sek is not None:
            data["value_sek"] = self.value_sek
        return data

    def require_type(self, expected: str) -> None:
        if self.type != expected:
            raise InvalidValue(
                f"decision of type {self.type!r} cannot be used as a {expected!r} decision",
                field="type",
            )

"""The lifecycles of needs and procurements: the status each stored event leaves them in.

Defined once, as pure functions of (status before, the event's topic and data): the aggregates'
@event methods set their status only through them, and the read models fold the same stored
events through the same functions. A view's status can therefore not drift from the aggregate's
by a hand-written copy of these rules (a mirror that was wrong alike would not be caught by
comparing a view with its own rebuild).

Every event topic of Need and Procurement is classified here: it sets a status, depends on its
data (a court's ruling), or keeps the status. A new event type fails the tests until its author
says which.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from domain import topics

# Need states (the aggregate's names for them).
IDENTIFIED = "identified"
PRIORITISED = "prioritised"
PARKED = "parked"
REJECTED = "rejected"
PROCUREMENT_DECIDED = "procurement_decided"
IN_PROCUREMENT = "in_procurement"
REALISED = "realised"

# Procurement states.
PLANNING = "planning"
TENDERING = "tendering"
EVALUATION = "evaluation"
AWARDED = "awarded"
CONTRACTED = "contracted"
IMPLEMENTING = "implementing"
CLOSED = "closed"
CANCELLED = "cancelled"

# Procedures that need no published notice: the lead goes straight from planning to award.
WITHOUT_NOTICE = ("direct_award", "negotiated_without_notice", "call_off")

# What the court decides (review and appeal rulings). Rulings stored before redo and correct
# were told apart say "upheld", which voided the award and had the evaluation redone: a
# correction.
DISMISSED = "dismissed"
REDO = "redo"
CORRECT = "correct"
LEGACY_UPHELD = "upheld"

NEED_STATUS_AFTER: Mapping[str, str] = {
    topics.NEED_IDENTIFIED: IDENTIFIED,
    topics.NEED_PRIORITISED: PRIORITISED,
    topics.NEED_PARKED: PARKED,
    topics.NEED_REOPENED: IDENTIFIED,
    topics.NEED_REJECTED: REJECTED,
    topics.NEED_PROCUREMENT_DECIDED: PROCUREMENT_DECIDED,
    topics.NEED_ATTACHED: IN_PROCUREMENT,
    topics.NEED_RELEASED: PROCUREMENT_DECIDED,
    topics.NEED_REALISED: REALISED,
}
NEED_KEEPS_STATUS = frozenset(
    {
        topics.NEED_EDITED,
        topics.NEED_SWOT_ITEM_ADDED,
        topics.NEED_SWOT_ITEM_REMOVED,
        topics.NEED_WORKSHOP_RECORDED,
        topics.NEED_SHARED,
        topics.NEED_UNSHARED,
        topics.NEED_CO_OWNER_JOINED,
        topics.NEED_PUBLISHED_TO_MARKET,
        topics.NEED_WITHDRAWN_FROM_MARKET,
    }
)

PROCUREMENT_STATUS_AFTER: Mapping[str, str] = {
    topics.PROCUREMENT_STARTED: PLANNING,
    topics.PROCUREMENT_PUBLISHED: TENDERING,
    topics.PROCUREMENT_EVALUATION_STARTED: EVALUATION,
    topics.PROCUREMENT_AWARDED: AWARDED,
    topics.PROCUREMENT_CONTRACT_SIGNED: CONTRACTED,
    topics.PROCUREMENT_MILESTONE: IMPLEMENTING,
    topics.PROCUREMENT_CLOSED: CLOSED,
    topics.PROCUREMENT_TERMINATED_EARLY: CLOSED,
    topics.PROCUREMENT_CANCELLED: CANCELLED,
}
# A ruling may send the procurement back to an earlier step: where, its data says.
PROCUREMENT_RULINGS = frozenset({topics.PROCUREMENT_REVIEW_RULED, topics.PROCUREMENT_APPEAL_RULED})
PROCUREMENT_KEEPS_STATUS = frozenset(
    {
        topics.PROCUREMENT_EDITED,
        topics.PROCUREMENT_DECIDED,
        topics.PROCUREMENT_PARTICIPANT_INVITED,
        topics.PROCUREMENT_PARTICIPATION_DECIDED,
        topics.PROCUREMENT_SCREENED,
        topics.PROCUREMENT_PROCEDURE_CHOSEN,
        topics.PROCUREMENT_MARKET_DIALOGUE,
        topics.PROCUREMENT_BID_RECEIVED,
        topics.PROCUREMENT_REVIEW_FILED,
        topics.PROCUREMENT_INTERIM_ORDER_ISSUED,
        topics.PROCUREMENT_INTERIM_ORDER_LIFTED,
        topics.PROCUREMENT_REVIEW_APPEALED,
        topics.PROCUREMENT_FOLLOWED_UP,
        topics.PROCUREMENT_LESSON,
    }
)
# Every lifecycle event of each: what a read model that shows the status subscribes to.
NEED_STATUS_TOPICS = tuple(NEED_STATUS_AFTER)
PROCUREMENT_STATUS_TOPICS = (*PROCUREMENT_STATUS_AFTER, *sorted(PROCUREMENT_RULINGS))


class StoredEvent(Protocol):
    """What the lifecycle reads of an event: its topic, and its data (read only for the events
    whose effect depends on it, so a reader that decodes lazily pays only for those)."""

    @property
    def topic(self) -> str: ...

    @property
    def data(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class Happened:
    """An event as an aggregate's @event method knows it: its topic and its fields."""

    topic: str
    data: Mapping[str, Any] = field(default_factory=dict)


class UnknownTopic(LookupError):
    """An event the lifecycle does not classify: a new event type must say what it does."""


def need_status_after(status: str | None, event: StoredEvent) -> str:
    """The need's status after `event`; `status` is None before its first event."""
    if event.topic in NEED_STATUS_AFTER:
        return NEED_STATUS_AFTER[event.topic]
    if event.topic in NEED_KEEPS_STATUS and status is not None:
        return status
    raise UnknownTopic(f"the need's lifecycle does not know {event.topic} (from {status})")


def procurement_status_after(
    status: str | None, event: StoredEvent, *, procedure: str | None
) -> str:
    """The procurement's status after `event`; `status` is None before its first event and
    `procedure` is the one chosen before it (rulings of old depend on it)."""
    if event.topic in PROCUREMENT_STATUS_AFTER:
        return PROCUREMENT_STATUS_AFTER[event.topic]
    if status is None:
        raise UnknownTopic(f"a procurement starts with {topics.PROCUREMENT_STARTED}")
    if event.topic in PROCUREMENT_RULINGS:
        return ruling_sends_back_to(status, event, procedure=procedure) or status
    if event.topic in PROCUREMENT_KEEPS_STATUS:
        return status
    raise UnknownTopic(f"the procurement's lifecycle does not know {event.topic}")


def step_after_ruling(status: str, outcome: str, *, procedure: str | None) -> str | None:
    """Where a court's ruling sends a procurement back to (None: it stays where it is).

    Redo starts again from planning (a new notice, new bids); a correction of an award has the
    evaluation redone, or for a procurement without a notice the award decided again; a
    correction before an award is made where the procurement stands. A dismissal, or any ruling
    once the contract is signed, moves nothing.
    """
    if outcome == DISMISSED or status not in (TENDERING, EVALUATION, AWARDED):
        return None
    if outcome == REDO:
        return PLANNING
    if status == AWARDED:
        return PLANNING if procedure in WITHOUT_NOTICE else EVALUATION
    return None


def ruling_sends_back_to(status: str, event: StoredEvent, *, procedure: str | None) -> str | None:
    """The step a stored ruling sends the procurement back to: the one recorded on it when it
    was ruled, or for a ruling of old ("upheld"), the one a correction sends it to."""
    if event.topic not in PROCUREMENT_RULINGS:
        return None
    data = event.data
    if data.get("outcome") == LEGACY_UPHELD:
        return step_after_ruling(status, CORRECT, procedure=procedure)
    sends_back_to: str | None = data.get("sends_back_to")
    return sends_back_to

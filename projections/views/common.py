"""What the views have in common: the table plumbing of a Projection, and lifecycle rules
that more than one view mirrors from the aggregates."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from domain.procurement import WITHOUT_NOTICE
from eventstore.sql import Cursor
from projections.base import ProjectedEvent
from projections.db import Table
from projections.topics import (
    PROCUREMENT_APPEAL_RULED,
    PROCUREMENT_PARTICIPANT_INVITED,
    PROCUREMENT_REVIEW_RULED,
    PROCUREMENT_STATUS_AFTER,
)


class View(ABC):
    """A Projection made of `tables`; subclasses set `name`, `topics`, `tables` and `apply`."""

    name: str
    topics: ClassVar[tuple[str, ...]]
    tables: ClassVar[tuple[Table, ...]]

    def table_names(self) -> Sequence[str]:
        return [table.base for table in self.tables]

    def create_tables(self, cursor: Cursor, suffix: str = "") -> None:
        for table in self.tables:
            table.create(cursor, suffix)

    @abstractmethod
    def apply(self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = "") -> None:
        """Applies a batch in log order to the tables named `<base><suffix>`."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


def procurement_status_after(event: ProjectedEvent, status: str, procedure: str | None) -> str:
    """The procurement's status after `event`, as Procurement's own handlers set it."""
    if event.topic in (PROCUREMENT_REVIEW_RULED, PROCUREMENT_APPEAL_RULED):
        sends_back_to = ruling_sends_back_to(event, status, procedure)
        return status if sends_back_to is None else sends_back_to
    return PROCUREMENT_STATUS_AFTER.get(event.topic, status)


def ruling_sends_back_to(event: ProjectedEvent, status: str, procedure: str | None) -> str | None:
    """The step a court's ruling sends the procurement back to, as the ruling recorded it.

    Rulings recorded before redo and correct were told apart say "upheld": on an award, that
    voided it and the evaluation was redone (rättelse).
    """
    if event.data.get("outcome") == "upheld":
        if status == "awarded":
            return "planning" if procedure in WITHOUT_NOTICE else "evaluation"
        return None
    sends_back_to: str | None = event.data.get("sends_back_to")
    return sends_back_to


def participants_after(
    participants: list[dict[str, Any]], event: ProjectedEvent
) -> list[dict[str, Any]]:
    """The participant list after an invitation or a participation decision."""
    data = event.data
    if event.topic == PROCUREMENT_PARTICIPANT_INVITED:
        # A re-invitation (after a decline or withdrawal) replaces the earlier entry.
        kept = [p for p in participants if p["municipality"] != data["municipality"]]
        invited = {"municipality": data["municipality"], "role": data["role"], "status": "invited"}
        return [*kept, invited]
    decision = data["decision"]
    status = {"join": "joined", "decline": "declined", "withdraw": "withdrawn"}[decision["type"]]
    return [
        {**p, "status": status} if p["municipality"] == decision["municipality"] else p
        for p in participants
    ]

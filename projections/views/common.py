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
    if event.topic == PROCUREMENT_REVIEW_RULED:
        # An upheld review of an award voids it: the evaluation is redone (rättelse).
        if event.data["outcome"] == "upheld" and status == "awarded":
            return "planning" if procedure in WITHOUT_NOTICE else "evaluation"
        return status
    return PROCUREMENT_STATUS_AFTER.get(event.topic, status)


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

"""What the views have in common: the table plumbing of a Projection, and the participant list
that more than one view keeps. (A status comes from the domain's lifecycle, domain/lifecycle.py.)"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from eventstore.sql import Cursor
from projections.base import ProjectedEvent
from projections.db import Table
from projections.topics import PROCUREMENT_PARTICIPANT_INVITED


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
    def apply(
        self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = ""
    ) -> bool | None:
        """Applies a batch in log order to the tables named `<base><suffix>`; False if it
        changed nothing the view's readers see (see `projections.base.Projection.apply`)."""

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name}>"


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

"""What a projection is: tables of its own, filled from the application's notification log.

The runner (projections.runner) feeds a projection batches of events in log order and writes the
projection's rows and its tracking position in one transaction, so every event is applied exactly
once. A projection never reads aggregates or another projection's tables while applying.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol
from uuid import UUID

from eventsourcing.persistence import Notification

from eventstore.sql import Cursor


@dataclass(frozen=True)
class ProjectedEvent:
    """One stored event as projections see it: decoded, with its log position and raw form."""

    position: int  # notification id in the application log (PostgreSQL's can have gaps)
    topic: str  # stable event topic, e.g. "innoledger:Procurement.Awarded"
    originator_id: UUID
    originator_version: int
    recorded_at: datetime  # transaction time: the event's timestamp
    audit: dict[str, Any]
    data: dict[str, Any]  # the event's own fields (decoded), without the envelope above
    notification: Notification  # the stored form, byte for byte, for hashing and export

    @property
    def aggregate_type(self) -> str:
        """The aggregate's class: "Need", "Procurement" or "Municipality"."""
        return self.topic.split(":", 1)[1].split(".", 1)[0]

    @property
    def event_type(self) -> str:
        """E.g. "Awarded"."""
        return self.topic.rsplit(".", 1)[1]

    @property
    def aggregate_id(self) -> str:
        """The originator id as text, as the views key their rows."""
        return str(self.originator_id)


class Projection(Protocol):
    """A read model. `name` is stable: it keys the tracking row and prefixes the tables."""

    name: str

    def table_names(self) -> Sequence[str]:
        """Base names of the tables this projection owns (rebuild swaps all of them)."""
        ...

    def create_tables(self, cursor: Cursor, suffix: str = "") -> None:
        """Creates the tables (and indexes) named `<base><suffix>` if they do not exist."""
        ...

    def apply(
        self, cursor: Cursor, events: Sequence[ProjectedEvent], suffix: str = ""
    ) -> bool | None:
        """Applies a batch in log order to the tables named `<base><suffix>`. False if it
        changed nothing the view's readers see (it only moved rows no query reads), so pages
        read before it are still the view's pages (projections.tracking); None or True
        otherwise."""
        ...


class SelectsTopics(Protocol):
    """Optional: a projection that reads only some topics says which.

    The runner then selects only those from the log and still moves the tracking position over
    the events in between, so the position means "the log up to here" either way. A projection
    without `topics` (the ledger) is fed every event.
    """

    topics: Sequence[str]

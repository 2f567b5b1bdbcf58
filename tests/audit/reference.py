"""Reference answers computed the slow, obvious way: replay every event of the aggregate from
version 1, never touching snapshots or the code under test (other than the definition of the
public state)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from service.audit.state import public_state


def replayed(app: Any, aggregate_id: UUID | str) -> dict[int, tuple[dict[str, Any], datetime]]:
    """version -> (public state after it, its recorded timestamp)."""
    aggregate = None
    states: dict[int, tuple[dict[str, Any], datetime]] = {}
    for stored in app.recorder.select_events(UUID(str(aggregate_id))):
        event = app.mapper.to_domain_event(stored)
        aggregate = event.mutate(aggregate)
        states[stored.originator_version] = (public_state(aggregate), event.timestamp)
    return states


def expected_version_at(states: dict[int, tuple[Any, datetime]], moment: datetime) -> int | None:
    """The last version recorded at or before `moment`, by scanning every version."""
    found = None
    for version in sorted(states):
        if states[version][1] <= moment:
            found = version
    return found

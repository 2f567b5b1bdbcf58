"""The column that says whether a municipality changed since the process remembered one of its
people (a token's or a browser session's holder): shared by the two caches."""

from __future__ import annotations

from typing import Any

from domain.municipality import municipality_id
from eventstore.eventlog import EventLog


class MunicipalityVersion:
    """A municipality's version in the event store (every role granted or revoked moves it), as
    a scalar column with its one parameter."""

    def __init__(self, events: EventLog):
        self._events = events
        self._originators: dict[str, Any] = {}
        self.column = (
            "version",
            f"(SELECT MAX(originator_version) FROM {events.table} WHERE originator_id = ?)",
        )

    def param(self, municipality: str) -> Any:
        originator = self._originators.get(municipality)
        if originator is None:
            originator = self._events.id_param(municipality_id(municipality))
            self._originators[municipality] = originator  # one per municipality
        return originator

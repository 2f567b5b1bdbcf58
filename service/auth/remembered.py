"""What the process remembers of a request's holder (a token's or a browser session's), and
the column that says whether a municipality changed since: shared by the two caches."""

from __future__ import annotations

import threading
from typing import Any, Generic, TypeVar

from domain.municipality import municipality_id
from eventstore.eventlog import EventLog

V = TypeVar("V")


class BoundedMemory(Generic[V]):
    """A thread-safe map of up to `max_entries` entries; past it the oldest half goes."""

    def __init__(self, max_entries: int):
        self._max_entries = max_entries
        self._entries: dict[str, V] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> V | None:
        return self._entries.get(key)

    def put(self, key: str, value: V) -> None:
        with self._lock:
            if len(self._entries) >= self._max_entries:
                for old in list(self._entries)[: self._max_entries // 2]:
                    self._entries.pop(old, None)
            self._entries[key] = value

    def forget(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)


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

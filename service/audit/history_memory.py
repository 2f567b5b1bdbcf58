"""What a history page computes once for each event, kept by the process to answer again.

An entry's JSON Patch costs a replay of the page's events and a diff of the states around each;
the result never changes: events are immutable, and what a caller is shown of them depends only
on the redaction they get (`Redaction.tag`). So each event's computed part is kept per
(aggregate, version, redaction), and a page whose every event is known is answered without
reading or replaying the events. What can change after an event was recorded — the ledger's
leaf index, the people directory's names — is never kept: the page reads it each time.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from service.bounded_memory import BoundedMemory

# About a kilobyte each: a few tens of megabytes per process at most.
MAX_ENTRIES = 20_000


@dataclass(frozen=True)
class ComputedEntry:
    """One event as a history page shows it, before the parts read anew for every page. Its
    dicts and lists are shared between answers and must not be changed."""

    version: int
    position: int
    topic: str
    recorded_at: datetime
    audit: dict[str, Any]
    decision: dict[str, Any] | None  # JSON-safe, before redaction
    payload: dict[str, Any]  # the event's own fields, JSON-safe, before redaction
    changes: list[dict[str, Any]]  # between the states this redaction shows


class HistoryMemory:
    """Computed history entries of one application's aggregates, per redaction."""

    def __init__(self, max_entries: int = MAX_ENTRIES):
        self._entries: BoundedMemory[ComputedEntry] = BoundedMemory(max_entries)

    @classmethod
    def of(cls, app: Any) -> HistoryMemory:
        """The memory of an application, one per application object (and so per process)."""
        memory = _MEMORIES.get(app)
        if memory is None:
            memory = _MEMORIES[app] = cls()
        return memory

    def recall(
        self, aggregate_id: Any, versions: range, redaction_tag: str
    ) -> list[ComputedEntry] | None:
        """The entries of `versions`, or None unless every one of them is known."""
        found = []
        for version in versions:
            entry = self._entries.get(_key(aggregate_id, version, redaction_tag))
            if entry is None:
                return None
            found.append(entry)
        return found

    def keep(self, aggregate_id: Any, entries: Sequence[ComputedEntry], redaction_tag: str) -> None:
        for entry in entries:
            self._entries.put(_key(aggregate_id, entry.version, redaction_tag), entry)


def _key(aggregate_id: Any, version: int, redaction_tag: str) -> str:
    return f"{aggregate_id}/{version}/{redaction_tag}"


_MEMORIES: WeakKeyDictionary[Any, HistoryMemory] = WeakKeyDictionary()

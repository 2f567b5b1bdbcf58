"""A bounded, thread-safe map for what a process keeps to answer again without asking the store:
the holders of tokens and browser sessions, the computed parts of history pages."""

from __future__ import annotations

import threading
from typing import Generic, TypeVar

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

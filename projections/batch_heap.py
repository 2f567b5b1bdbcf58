"""Garbage collection paced for work done in batches (a rebuild's pass over the whole log).

A batch holds its thousand events, their decoded state and the rows they touch until it is
applied. At the collector's default pace (a young collection every 700 new objects) most of
them are still alive when one runs, so they are promoted, and the oldest generation fills
with objects that die a moment later: a full collection then comes every few batches and
walks every object the process holds (52 of them in a rebuild of one view over 1 M events,
freeing 30 objects in all, and about a third of its time). Collected every
`YOUNG_OBJECTS_PER_COLLECTION` new objects instead, a batch's objects are gone before the
collector looks at them; cycles are still collected, a little later.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# A few batches' worth of objects: what the collector may leave uncollected meanwhile is
# bounded by it, so memory stays constant whatever the size of the log.
YOUNG_OBJECTS_PER_COLLECTION = 20_000

_lock = threading.Lock()
_paced = 0
_before: tuple[int, ...] = ()


@contextmanager
def collected_per_batches() -> Iterator[None]:
    """The young generation collected every `YOUNG_OBJECTS_PER_COLLECTION` objects while the
    block runs (the process-wide thresholds are restored when the last such block ends)."""
    global _paced, _before
    with _lock:
        if _paced == 0:
            _before = gc.get_threshold()
            young = max(_before[0], YOUNG_OBJECTS_PER_COLLECTION)
            gc.set_threshold(young, *_before[1:])
        _paced += 1
    try:
        yield
    finally:
        with _lock:
            _paced -= 1
            if _paced == 0:
                gc.set_threshold(*_before)

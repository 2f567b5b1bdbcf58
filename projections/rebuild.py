"""Rebuilding a view from position 0 while the old tables keep answering, then swapping.

1. New tables `<base>__rb<random>` and their own tracking row are filled from the start of the
   log, batch by batch, each batch in its own transaction (so a rebuild killed midway leaves only
   those tables behind, and the next rebuild drops them).
2. The swap is one transaction: it locks the live tracking row (holding back the live runner),
   applies what the log gained since the last batch to the new tables, drops the old tables,
   renames the new ones to the base names and sets the live tracking row to the new position.
   Both databases rename tables transactionally, so readers see either the old view at its
   position or the new one at its position, never a mix.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from eventsourcing.application import Application

from projections import tracking
from projections.base import Projection
from projections.db import POSTGRES, dialect, table_exists
from projections.lease import lease_for
from projections.log import head_on, select_on
from projections.runner import BatchApplied, ProjectionRunner, decode, head_position
from service.storage.sql import Cursor, SqlStore


class RebuildInProgress(RuntimeError):
    """Another process is rebuilding this view right now."""


@dataclass(frozen=True)
class RebuildProgress:
    name: str
    phase: str  # "cleaning", "building", "swapping", "done"
    position: int
    head: int
    events: int  # events applied to the new tables so far
    seconds: float


@dataclass(frozen=True)
class RebuildResult:
    name: str
    position: int
    events: int
    seconds: float


def rebuild(
    app: Application[Any],
    projection: Projection,
    *,
    store: SqlStore | None = None,
    batch_size: int = 1000,
    progress: Callable[[RebuildProgress], None] | None = None,
    before_swap: Callable[[], None] | None = None,
) -> RebuildResult:
    """Rebuilds `projection` into new tables and swaps them in; see the module docstring.

    `before_swap` runs just before the swap transaction (tests use it to write events that
    the swap must pick up).
    """
    store = store or SqlStore(app.recorder)
    started = time.monotonic()
    applied = 0
    name = projection.name

    def report(phase: str, position: int, head: int) -> None:
        if progress is not None:
            progress(RebuildProgress(name, phase, position, head, applied,
                                     time.monotonic() - started))

    lease = lease_for(app.recorder, store.schema, f"rebuild:{name}")
    if not lease.try_acquire():
        raise RebuildInProgress(f"{name} is being rebuilt by another process")
    try:
        report("cleaning", 0, head_position(app.recorder))
        _drop_abandoned(store, projection)
        suffix = f"{tracking.REBUILD_MARK}{secrets.token_hex(4)}"

        def counted(batch: BatchApplied) -> None:
            nonlocal applied
            applied += batch.events
            report("building", batch.position, batch.head)

        runner = ProjectionRunner(app, projection, store=store, batch_size=batch_size,
                                  suffix=suffix, on_batch=counted)
        position = runner.catch_up()
        # More passes while they close the gap, so the swap (which holds back the view's
        # appliers, and on SQLite every writer) has few events left to apply. A pass that
        # does not close it means writes outpace the rebuild: chasing would never end.
        gap = head_position(app.recorder) - position
        while gap > batch_size:
            position = runner.catch_up()
            gap, previous = head_position(app.recorder) - position, gap
            if gap >= previous:
                break
        if before_swap is not None:
            before_swap()
        report("swapping", position, head_position(app.recorder))
        position, late = _swap(app, store, projection, suffix, runner.name, batch_size)
        applied += late
        report("done", position, position)
        return RebuildResult(name, position, applied, time.monotonic() - started)
    finally:
        lease.release()


def _swap(
    app: Application[Any],
    store: SqlStore,
    projection: Projection,
    suffix: str,
    rebuild_name: str,
    batch_size: int,
) -> tuple[int, int]:
    name = projection.name
    late = 0
    with store.transaction() as cursor:
        tracking.ensure_row(cursor, name)
        tracking.lock_row(cursor, name)
        position = tracking.read_position(cursor, rebuild_name) or 0
        head = head_on(cursor, app.recorder)
        topics = tuple(getattr(projection, "topics", None) or ())
        while position < head:
            notifications = select_on(cursor, app.recorder, after=position, upto=head,
                                      limit=batch_size, topics=topics)
            if notifications:
                projection.apply(cursor, [decode(app.mapper, n) for n in notifications], suffix)
                late += len(notifications)
            position = notifications[-1].id if len(notifications) == batch_size else head
        _replace_tables(cursor, projection, suffix)
        tracking.set_position(cursor, name, position, f"rebuild{suffix}")
        tracking.delete_row(cursor, rebuild_name)
    return position, late


def _replace_tables(cursor: Cursor, projection: Projection, suffix: str) -> None:
    bases = list(projection.table_names())
    if dialect(cursor) == POSTGRES:
        # Take every table in the same order readers meet them, up front, so a reader holding
        # one cannot wait on us for another while we wait on it.
        existing = [base for base in bases if table_exists(cursor, base)]
        if existing:
            cursor.execute(f"LOCK TABLE {', '.join(existing)} IN ACCESS EXCLUSIVE MODE")
    for base in bases:
        cursor.execute(f"DROP TABLE IF EXISTS {base}")
        cursor.execute(f"ALTER TABLE {base}{suffix} RENAME TO {base}")


def _drop_abandoned(store: SqlStore, projection: Projection) -> None:
    """Drops the tables and tracking rows of earlier rebuilds of this view that never swapped."""
    prefix = projection.name + tracking.REBUILD_MARK
    with store.transaction() as cursor:
        if not table_exists(cursor, tracking.TRACKING.base):
            return
        for row in tracking.read_all(cursor):
            if row.name.startswith(prefix):
                suffix = row.name[len(projection.name):]
                for base in projection.table_names():
                    cursor.execute(f"DROP TABLE IF EXISTS {base}{suffix}")
                tracking.delete_row(cursor, row.name)

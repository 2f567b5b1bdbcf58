"""Follows the log for several projections in one thread (`innoledger projections run`).

A runner per projection (projections.runner) reads the log's head, selects its batch and commits
it on its own, so every save woke every view's thread to do all three: most of what the runners'
process spent, and at a moderate rate (a save or two per batch) several times as much per event
as at the highest. A group reads the head and each batch once and applies the batch to every
projection it concerns in one transaction, in which each projection's tracking row still moves by
compare-and-set before its rows are written: exactly once, whoever else applies.

Per projection the group holds a lease, as a runner does, so a standby group or runner takes over
the projections whose leases it gets. A projection whose part fails is retried on its own, in a
transaction of its own; if that fails too, it stays behind (retried later, with a growing pause)
while the others go on.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from eventsourcing.application import Application

from eventstore.log import select_stored
from eventstore.log_head import LogHead
from eventstore.sql import SqlStore
from projections.base import ProjectedEvent, Projection
from projections.lease import Lease, LeaseLost
from projections.news import news_for
from projections.runner import (
    PENDING_POLL_MAX_S,
    POSTGRES_FOLLOW_INTERVAL_S,
    PositionMoved,
    ProjectionRunner,
    decode_rows,
    events_table,
)

log = logging.getLogger(__name__)


def retry_pause_s(failures: int) -> float:
    return min(30.0, 0.5 * 2 ** min(failures, 6))


@dataclass(eq=False)
class _Member:
    runner: ProjectionRunner
    topics: frozenset[str] | None  # None: every event
    lease: Lease | None = None
    held: bool = False
    next_try_at: float = 0.0  # monotonic: when to try for the lease again
    failures: int = 0
    resume_at: float = 0.0  # monotonic: after a failure, when to try again

    def wants(self, event: ProjectedEvent) -> bool:
        return self.topics is None or event.topic in self.topics


@dataclass
class _Part:
    """One projection's share of a batch: its tracking row from `expected` to `new`."""

    member: _Member
    expected: int
    new: int
    events: Sequence[ProjectedEvent] = field(default_factory=tuple)


class RunnerGroup:
    def __init__(
        self,
        app: Application[Any],
        projections: Sequence[Projection],
        *,
        store: SqlStore | None = None,
        batch_size: int = 500,
        poll_min_s: float = 0.005,
        poll_max_s: float | None = None,
        lease_retry_s: float = 0.5,
    ):
        if not projections:
            raise ValueError("projections: at least one")
        self.app = app
        self.recorder = app.recorder
        # Its commits need not be flushed one by one: it re-applies what a power loss undid
        # (see SqlStore).
        self.store = store or SqlStore(self.recorder, flush_each_commit=False)
        self.members = [
            _Member(
                ProjectionRunner(app, projection, store=self.store, batch_size=batch_size),
                frozenset(getattr(projection, "topics", None) or ()) or None,
            )
            for projection in projections
        ]
        self.name = "+".join(member.runner.name for member in self.members)
        self.batch_size = batch_size
        wanted = [member.topics for member in self.members]
        # The topics any member reads, or every topic if one member reads them all.
        self.topics: tuple[str, ...] = (
            () if any(t is None for t in wanted) else tuple(sorted(set().union(*wanted)))  # type: ignore[arg-type]
        )
        self.log_head = LogHead(self.store, events_table(self.recorder))
        self.poll_min_s = poll_min_s
        self.poll_max_s = poll_max_s or (1.0 if self.store.is_postgres else 0.1)
        self.follow_interval_s = POSTGRES_FOLLOW_INTERVAL_S if self.store.is_postgres else 0.0
        self.lease_retry_s = lease_retry_s
        self.last_head = 0
        self._read_to = 0  # how far the last step read

    # Following

    def run_forever(self, stop: threading.Event) -> None:
        """Follows the log for every projection whose lease it gets until `stop` is set."""
        news = news_for(self.recorder, stop)
        failures = 0
        pause = self.poll_min_s
        try:
            while not stop.is_set():
                try:
                    self._take_leases()
                    if not any(member.held for member in self.members):
                        stop.wait(self._bounded(self.lease_retry_s))
                        continue
                    self._check_leases()
                    moved = self._step()
                    failures = 0
                    if moved:
                        pause = self.poll_min_s
                        if self._read_to < self.last_head:
                            continue  # more to read already
                        if self.follow_interval_s:
                            stop.wait(self._bounded(self.follow_interval_s))
                        if not news.announces:
                            continue
                    if self.log_head.pending():
                        # A save in flight holds the safe head back: look again soon (it may
                        # end by a rollback, which sends no news).
                        stop.wait(self._bounded(pause))
                        pause = min(PENDING_POLL_MAX_S, pause * 2)
                    elif news.wait(
                        self._bounded(self.poll_max_s if news.announces else pause)
                    ):
                        pause = self.poll_min_s
                    else:
                        pause = min(self.poll_max_s, pause * 2)
                except Exception:
                    failures += 1
                    log.exception("%s: following the log failed; retrying", self.name)
                    for member in self.members:
                        member.runner.forget()
                    news.close()
                    stop.wait(retry_pause_s(failures))
        finally:
            news.close()
            self._let_go()

    def _bounded(self, longest: float) -> float:
        """`longest`, or less if a member's advance kept back or its next try for its lease
        falls due earlier."""
        now = time.monotonic()
        wait = longest
        for member in self.members:
            if member.held:
                wait = member.runner.empty_advance_wait_s(wait)
            else:
                wait = min(wait, max(0.0, member.next_try_at - now))
        return wait

    # Leases

    def _take_leases(self) -> None:
        now = time.monotonic()
        for member in self.members:
            if member.held or now < member.next_try_at:
                continue
            if member.lease is None:
                member.lease = member.runner.lease(listen=False)
            try:
                member.held = member.lease.try_acquire()
            except Exception:  # the database may be down or restarting: keep trying
                log.warning("%s: could not try the lease; retrying", member.runner.name,
                            exc_info=True)
                member.lease.release()
                member.lease = None
            if member.held:
                try:
                    member.runner.setup()
                except Exception:
                    self._drop(member)  # its tables first, on the next try
                    raise
                member.runner.forget()  # whoever held it before may have moved on
                log.info("%s: following the log as %s", member.runner.name,
                         member.runner.holder)
            else:
                member.next_try_at = now + self.lease_retry_s

    def _check_leases(self) -> None:
        for member in self.members:
            if not member.held or member.lease is None:
                continue
            try:
                member.lease.check()
            except LeaseLost as exc:
                log.warning("%s: lost the lease (%s); waiting to take it again",
                            member.runner.name, exc)
                self._drop(member)

    def _drop(self, member: _Member) -> None:
        member.held = False
        member.runner.forget()
        member.next_try_at = time.monotonic() + self.lease_retry_s
        if member.lease is not None:
            member.lease.release()
            member.lease = None

    def _let_go(self) -> None:
        for member in self.members:
            if member.held:
                try:
                    member.runner.commit_empty_advance()
                except Exception:
                    # Best effort: what is lost moved no rows and is read again.
                    log.warning("%s: could not commit the last advance on stopping",
                                member.runner.name, exc_info=True)
            if member.lease is not None:
                member.lease.release()
                member.lease = None
            member.held = False

    # Applying

    def _step(self) -> bool:
        """Reads one batch for the members that follow now and commits their shares of it,
        with the advances kept back that fell due; whether the group read further."""
        now = time.monotonic()
        active = [m for m in self.members if m.held and now >= m.resume_at]
        if not active:
            return False
        target = self.log_head.safe()
        self.last_head = target
        start = min(member.runner.reached() for member in active)
        new = start
        parts: list[_Part] = []
        if start < target:
            rows = select_stored(self.store, self.recorder, after=start, upto=target,
                                 limit=self.batch_size, topics=self.topics)
            # A short read means nothing else up to `target` concerns any member.
            new = rows[-1][0] if len(rows) == self.batch_size else target
            events = decode_rows(self.app.mapper, self.recorder, rows)
            for member in active:
                reached = member.runner.reached()
                if reached >= new:
                    continue
                mine = [e for e in events if e.position > reached and member.wants(e)]
                if mine:
                    # From the stored position, so another applier's move is still detected.
                    parts.append(_Part(member, member.runner.stored_position(), new, mine))
                else:
                    member.runner.pass_over(new)
        for member in active:
            due = member.runner.empty_advance()
            if due is not None and all(part.member is not member for part in parts):
                parts.append(_Part(member, member.runner.stored_position(), due))
        self._commit(parts)
        self._read_to = new
        return new != start

    def _commit(self, parts: Sequence[_Part]) -> None:
        if not parts:
            return
        try:
            with self.store.transaction() as cursor:
                for part in parts:
                    part.member.runner.apply_within(cursor, part.expected, part.new, part.events)
        except Exception as exc:
            if len(parts) > 1:
                log.info("%s: a batch applied together failed (%s); applying each on its own",
                         self.name, exc)
            for part in parts:
                self._commit_alone(part)
            return
        for part in parts:
            part.member.runner.applied(part.expected, part.new, len(part.events))
            part.member.failures = 0

    def _commit_alone(self, part: _Part) -> None:
        member = part.member
        runner = member.runner
        try:
            with self.store.transaction() as cursor:
                runner.apply_within(cursor, part.expected, part.new, part.events)
        except PositionMoved:
            log.info("%s: another applier moved the position; re-reading it", runner.name)
            runner.forget()
            return
        except Exception:
            runner.forget()
            member.failures += 1
            pause = retry_pause_s(member.failures)
            member.resume_at = time.monotonic() + pause
            log.exception("%s: applying failed; the others go on, it again in %.1f s",
                          runner.name, pause)
            return
        runner.applied(part.expected, part.new, len(part.events))
        member.failures = 0

"""The ledger and the audit index as projections of the shared runner: applied exactly once
whoever applies them, rebuilt without losing a signed tree head, and never made to skip."""

from __future__ import annotations

import pytest

from projections.base import ProjectedEvent
from projections.rebuild import rebuild
from projections.runner import ProjectionRunner, decode
from service.audit.events_stream import AuditIndexProjection, EventStream
from service.innoledger import Innoledger
from service.ledger.ledger import Ledger
from service.ledger.projection import LedgerConflict, LedgerProjection
from service.ledger.verify import verify
from tests.audit.scenario import Scenario
from tests.builders import PLATFORM_AUDITOR


def test_the_runner_keeps_the_ledger_and_a_rebuild_keeps_every_tree_head(
    app: Innoledger, scenario: Scenario, ledger: Ledger
) -> None:
    events = ledger.log.count()
    # An explicit catch-up gets ahead of the runner; the runner then finds those events
    # applied already and goes on after them.
    ledger.catch_up(batch_size=20)
    runner = ProjectionRunner(app, LedgerProjection.for_app(app), batch_size=7)
    runner.catch_up()
    assert ledger.tree_size() == events
    heads = ledger.tree_heads()
    root = ledger.root_hash()
    report = verify(ledger, deep=True)
    assert report.ok, report.findings

    rebuild(app, LedgerProjection.for_app(app), batch_size=11)
    assert ledger.root_hash() == root
    assert ledger.tree_size() == events
    # The earlier commitments are all still there (a rebuild adds heads, never drops one).
    kept = {(h.tree_size, h.root_hash) for h in ledger.tree_heads()}
    assert {(h.tree_size, h.root_hash) for h in heads} <= kept
    report = verify(ledger, deep=True)
    assert report.ok, report.findings


def test_the_ledger_refuses_a_batch_that_skips_an_event(
    app: Innoledger, scenario: Scenario
) -> None:
    projection = LedgerProjection.for_app(app)
    notifications = app.recorder.select_notifications(1, 10)
    events: list[ProjectedEvent] = [decode(app.mapper, n) for n in notifications]
    ledger = Ledger.of(app)
    ledger.ensure_tables()
    with pytest.raises(LedgerConflict, match="refusing to skip"), ledger.store.transaction() as c:
        projection.apply(c, [*events[:3], *events[4:]])
    with pytest.raises(LedgerConflict, match="out of log order"), ledger.store.transaction() as c:
        projection.apply(c, [events[1], events[0]])
    assert ledger.tree_size() == 0
    with ledger.store.transaction() as c:
        projection.apply(c, events[:5])
        projection.apply(c, events[:7])  # the first five again: applied already, not repeated
    assert ledger.tree_size() == 7


def test_the_runner_keeps_the_audit_index(app: Innoledger, scenario: Scenario) -> None:
    ProjectionRunner(app, AuditIndexProjection(), batch_size=13).catch_up()
    stream = EventStream(app)
    total = app.recorder.max_notification_id()
    assert stream.indexed_upto() == total
    page = stream.page(scenario.skurup.auditor, limit=1000)
    assert page.events and not page.more
    assert all(
        "skurup" in (e.audit.get("tenant"), e.audit.get("actor_municipality")) for e in page.events
    )
    everything = stream.page(PLATFORM_AUDITOR, limit=1000)
    assert len(everything.events) == total

"""The raw event stream: platform auditors read the whole log, a tenant auditor its own
municipality's events — the same answers whether the audit index has caught up or not."""

from __future__ import annotations

import base64

import pytest

from domain.errors import InvalidValue
from service.audit.events_stream import EventStream, events_after
from service.errors import Forbidden
from service.innoledger import Innoledger
from service.ledger.ledger import Ledger
from tests.audit.conftest import EventsTable
from tests.audit.scenario import Scenario
from tests.builders import PLATFORM_AUDITOR


def read_all(stream: EventStream, principal: object, limit: int, **options: object) -> list:
    events = []
    after = 0
    while True:
        page = stream.page(principal, after=after, limit=limit, **options)  # type: ignore[arg-type]
        events.extend(page.events)
        assert page.next_after >= after
        after = page.next_after
        if not page.more:
            return events


def concerns(event: object, municipality: str) -> bool:
    audit = event.audit  # type: ignore[attr-defined]
    return municipality in (audit.get("tenant"), audit.get("actor_municipality"))


@pytest.mark.parametrize("indexed", [True, False], ids=["indexed", "unindexed"])
def test_stream_by_auditor(
    app: Innoledger,
    scenario: Scenario,
    ledger: Ledger,
    events_table: EventsTable,
    indexed: bool,
) -> None:
    ledger.catch_up()
    stream = EventStream(app)
    if indexed:
        stream.catch_up(batch_size=17)
    rows = events_table.rows()
    everything = read_all(stream, PLATFORM_AUDITOR, limit=7)
    assert [e.position for e in everything] == [r["position"] for r in rows]
    assert [base64.b64decode(e.state) for e in everything] == [r["state"] for r in rows]
    assert [e.leaf_index for e in everything] == list(range(len(rows)))
    for municipality, auditor in (
        ("ystad", scenario.ystad.auditor),
        ("skurup", scenario.skurup.auditor),
    ):
        expected = [e.position for e in everything if concerns(e, municipality)]
        assert expected
        own = read_all(stream, auditor, limit=5)
        assert [e.position for e in own] == expected
        # The platform auditor may ask for one municipality too.
        filtered = read_all(stream, PLATFORM_AUDITOR, limit=50, municipality=municipality)
        assert [e.position for e in filtered] == expected
    first = everything[0].to_json()
    assert first["type"] == "Registered" and first["audit"]["tenant"] == "ystad"


def test_stream_refusals(app: Innoledger, scenario: Scenario) -> None:
    with pytest.raises(Forbidden):
        events_after(app, scenario.ystad.officer)
    with pytest.raises(Forbidden):
        events_after(app, scenario.ystad.auditor, municipality="skurup")
    with pytest.raises(InvalidValue):
        events_after(app, PLATFORM_AUDITOR, limit=0)
    with pytest.raises(InvalidValue):
        events_after(app, PLATFORM_AUDITOR, after=-1)
    page = events_after(app, PLATFORM_AUDITOR, after=10_000)
    assert page.events == [] and not page.more

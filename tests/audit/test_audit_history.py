"""History of needs, procurements and municipalities: every event, in order, with its position,
leaf index, actor, decision and a JSON Patch that rebuilds every past state."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import jsonpatch
import pytest

from domain.errors import InvalidValue
from domain.municipality import municipality_id
from eventstore.sql import SqlStore
from service.audit.history import HistoryEntry, HistoryReader, decode_cursor, history
from service.audit.people import PeopleDirectory
from service.errors import Forbidden, NotFound
from service.innoledger import Innoledger
from service.ledger.ledger import Ledger
from tests.audit.conftest import EventsTable
from tests.audit.reference import replayed
from tests.audit.scenario import (
    PARKED_AT,
    REOPENED_AT,
    REPRIORITISED_AT,
    Scenario,
)
from tests.builders import (
    BID_AT,
    PLATFORM_AUDITOR,
    PUBLISH_AT,
    SUPPLIER_A,
    TENDER_DEADLINE,
    analysed_need,
    decided_need,
    decision,
)


def all_entries(
    app: Innoledger, principal: Any, kind: str, object_id: str, **options: Any
) -> list[HistoryEntry]:
    reader = HistoryReader(app)
    entries: list[HistoryEntry] = []
    cursor = None
    while True:
        page = reader.page(principal, kind, object_id, cursor=cursor, **options)
        entries.extend(page.entries)
        cursor = page.next_cursor
        if cursor is None:
            return entries


@pytest.mark.parametrize("limit", [1, 4, 50])
def test_history_of_every_state_rebuilds_each_version(
    app: Innoledger, scenario: Scenario, ledger: Ledger, events_table: EventsTable, limit: int
) -> None:
    ledger.catch_up(batch_size=7)
    positions = {
        (row["originator_id"], row["originator_version"]): row["position"]
        for row in events_table.rows()
    }
    auditor = scenario.ystad.auditor
    for kind, object_id in (
        ("need", scenario.need_id),
        ("procurement", scenario.procurement_id),
        ("procurement", scenario.cancelled_procurement_id),
        ("need", scenario.rejected_need_id),
        ("municipality", "ystad"),
    ):
        aggregate_id = municipality_id("ystad") if kind == "municipality" else uuid.UUID(object_id)
        expected = replayed(app, aggregate_id)
        entries = all_entries(app, auditor, kind, object_id, limit=limit)
        assert [e.version for e in entries] == sorted(expected)
        document: dict[str, Any] = {}
        previous_position = 0
        for entry in entries:
            state, recorded_at = expected[entry.version]
            document = jsonpatch.apply_patch(document, entry.changes)
            assert document == state, (kind, entry.version)
            assert entry.recorded_at == recorded_at
            assert entry.position == positions[(aggregate_id, entry.version)]
            assert entry.position > previous_position
            previous_position = entry.position
            assert entry.leaf_index == ledger.leaf_index_of(entry.position)
            assert entry.leaf_index is not None
            assert entry.topic.endswith("." + entry.event_type)
            assert entry.actor["user_id"]
            assert entry.actor["tenant"] == "ystad"
            assert entry.to_json()["type"] == entry.event_type


def test_every_state_of_the_scenario_appears_in_history(
    app: Innoledger, scenario: Scenario
) -> None:
    for kind, object_id, version, status in scenario.states:
        entries = all_entries(app, PLATFORM_AUDITOR, kind, object_id)
        document: dict[str, Any] = {}
        for entry in entries:
            document = jsonpatch.apply_patch(document, entry.changes)
            if entry.version == version:
                assert document["status"] == status
                break
        else:
            pytest.fail(f"version {version} of {kind} {object_id} not in its history")


def test_history_entries_carry_decision_and_actor(app: Innoledger, scenario: Scenario) -> None:
    entries = all_entries(app, scenario.ystad.auditor, "need", scenario.need_id)
    by_type = [(e.event_type, e) for e in entries]
    identified = by_type[0][1]
    assert identified.event_type == "Identified"
    assert identified.decision is None
    assert identified.actor == {
        "user_id": "ystad-officer",
        "display_name": None,
        "municipality": "ystad",
        "roles": ["officer"],
        "request_id": "req-ystad-officer",
        "tenant": "ystad",
    }
    parked = next(e for t, e in by_type if t == "Parked")
    assert parked.decision is not None
    assert parked.decision["type"] == "park"
    assert parked.decision["decided_at"] == PARKED_AT.isoformat()
    assert parked.decision["decided_by"] == "ystad-decision-maker"
    assert parked.decision["authority"]["kind"] == "delegation"
    assert parked.actor["roles"] == ["decision_maker"]
    assert {"op": "replace", "path": "/status", "value": "parked"} in parked.changes
    # Decisions are also events of their own type; facts carry their data.
    attached = next(e for t, e in by_type if t == "AttachedToProcurement")
    assert attached.decision is None
    assert attached.data == {"procurement_id": scenario.cancelled_procurement_id}


def test_history_filters_by_decided_at(app: Innoledger, scenario: Scenario) -> None:
    entries = all_entries(
        app,
        scenario.ystad.auditor,
        "need",
        scenario.need_id,
        limit=1,
        decided_from=PARKED_AT,
        decided_to=REPRIORITISED_AT,
    )
    assert [e.event_type for e in entries] == ["Parked", "Reopened", "Prioritised"]
    assert [e.decision["decided_at"] for e in entries if e.decision] == [
        PARKED_AT.isoformat(),
        REOPENED_AT.isoformat(),
        REPRIORITISED_AT.isoformat(),
    ]
    # The patch of a filtered entry is still from the version just before it.
    reopened = entries[1]
    assert {"op": "replace", "path": "/status", "value": "identified"} in reopened.changes
    nothing = all_entries(
        app,
        scenario.ystad.auditor,
        "need",
        scenario.need_id,
        decided_from=datetime(2030, 1, 1, tzinfo=UTC),
    )
    assert nothing == []


def test_history_refusals(app: Innoledger, scenario: Scenario) -> None:
    with pytest.raises(Forbidden):
        history(app, scenario.ystad.viewer, "need", scenario.need_id)
    # Another municipality's private need is absent, not forbidden.
    with pytest.raises(NotFound):
        history(app, scenario.skurup.auditor, "need", scenario.need_id)
    with pytest.raises(NotFound):
        history(app, scenario.ystad.auditor, "need", str(uuid.uuid4()))
    with pytest.raises(NotFound):
        history(app, scenario.ystad.auditor, "bids", scenario.need_id)
    with pytest.raises(InvalidValue):
        history(app, scenario.ystad.auditor, "need", scenario.need_id, cursor="not-a-cursor")
    with pytest.raises(InvalidValue):
        history(app, scenario.ystad.auditor, "need", scenario.need_id, limit=0)
    with pytest.raises(InvalidValue):
        decode_cursor("aDE6LTE")  # "h1:-1"


def _published_with_a_bid(app: Innoledger, ystad: Any) -> str:
    """A procurement of Ystad's, published, with one bid and no award yet."""
    need_id, _ = decided_need(app, ystad, title="Rena och torra golv")
    result = app.start_procurement(
        ystad.officer,
        title="Torra golv",
        description="Golv som torkar snabbt.",
        estimated_value_sek="900000",
        need_ids=[need_id],
    )
    pid = result.aggregate_id
    version = app.decide_on_procurement(
        ystad.decision_maker,
        pid,
        decision=decision("screen", PUBLISH_AT, innovation=False),
        expected_version=result.version,
    ).version
    version = app.decide_on_procurement(
        ystad.decision_maker,
        pid,
        decision=decision("choose_procedure", PUBLISH_AT, procedure="open"),
        expected_version=version,
    ).version
    version = app.decide_on_procurement(
        ystad.decision_maker,
        pid,
        decision=decision(
            "publish", PUBLISH_AT, notice_id="TED-2018/S-777", tender_deadline=TENDER_DEADLINE
        ),
        expected_version=version,
    ).version
    app.record_bid(
        ystad.officer,
        pid,
        tenderer_org_number=SUPPLIER_A["org_number"],
        tenderer_name=SUPPLIER_A["name"],
        received_at=BID_AT,
        expected_version=version,
    )
    return pid


def test_bids_stay_secret_in_history_before_the_award(app: Innoledger, scenario: Scenario) -> None:
    ystad = scenario.ystad
    pid = _published_with_a_bid(app, ystad)
    own = all_entries(app, ystad.auditor, "procurement", pid)
    bid = own[-1]
    assert bid.event_type == "BidReceived" and not bid.redacted
    assert bid.data["tenderer_name"] == SUPPLIER_A["name"]
    assert any(op["path"].startswith("/bids") for op in bid.changes)
    # Skurup's auditor sees the published procurement, but not who tendered.
    other = all_entries(app, scenario.skurup.auditor, "procurement", pid)
    secret = other[-1]
    assert secret.redacted
    assert SUPPLIER_A["name"] not in str(secret.to_json())
    assert all(SUPPLIER_A["name"] not in str(e.to_json()) for e in other)


def test_a_page_read_again_is_the_page_computed_anew(
    app: Innoledger, scenario: Scenario, ledger: Ledger
) -> None:
    """Pages are answered from what the process computed of each event before; whoever reads,
    in whatever order and page size, they are what a reader computing everything anew gives,
    with the leaf indexes the ledger has appended since."""
    pid = _published_with_a_bid(app, scenario.ystad)
    objects = (
        ("need", scenario.need_id),
        ("procurement", scenario.procurement_id),
        ("procurement", pid),
        ("municipality", "ystad"),
    )
    readers = (scenario.skurup.auditor, scenario.ystad.auditor, PLATFORM_AUDITOR)
    for round_ in ("before the ledger", "after the ledger"):
        if round_ == "after the ledger":
            ledger.catch_up(batch_size=50)
        for limit in (3, 50, 4):
            for principal in readers:
                for kind, object_id in objects:
                    anew = HistoryReader(app, remember=False)
                    try:
                        expected = _pages(anew, principal, kind, object_id, limit)
                    except NotFound:
                        with pytest.raises(NotFound):
                            _pages(HistoryReader(app), principal, kind, object_id, limit)
                        continue
                    for _ in range(2):
                        got = _pages(HistoryReader(app), principal, kind, object_id, limit)
                        assert got == expected, (round_, limit, principal.user_id, kind)


def test_a_remembered_page_shows_no_caller_what_another_was_shown(
    app: Innoledger, scenario: Scenario
) -> None:
    pid = _published_with_a_bid(app, scenario.ystad)
    # Skurup's auditor first: the bid is withheld from them...
    other = all_entries(app, scenario.skurup.auditor, "procurement", pid)
    assert other[-1].redacted
    # ...and Ystad's own auditor, reading the same page after them, is shown it.
    own = all_entries(app, scenario.ystad.auditor, "procurement", pid)
    assert not own[-1].redacted
    assert own[-1].data["tenderer_name"] == SUPPLIER_A["name"]
    assert any(op["path"].startswith("/bids") for op in own[-1].changes)
    # And the other way round on the next read.
    again = all_entries(app, scenario.skurup.auditor, "procurement", pid)
    assert all(SUPPLIER_A["name"] not in str(e.to_json()) for e in again)


def test_a_remembered_page_shows_events_recorded_since(app: Innoledger, scenario: Scenario) -> None:
    auditor = scenario.ystad.auditor
    need_id, version = analysed_need(app, scenario.ystad, title="Ny historia")
    first = HistoryReader(app).page(auditor, "need", need_id, limit=50)
    assert first.next_cursor is None
    app.edit_need(
        scenario.ystad.officer, need_id, changes={"title": "Ändrad"}, expected_version=version
    )
    again = HistoryReader(app).page(auditor, "need", need_id, limit=50)
    assert [e.version for e in again.entries] == [e.version for e in first.entries] + [version + 1]
    assert again.entries[-1].changes == [{"op": "replace", "path": "/title", "value": "Ändrad"}]
    short = HistoryReader(app).page(auditor, "need", need_id, limit=len(first.entries))
    assert short.next_cursor is not None


def _pages(
    reader: HistoryReader, principal: Any, kind: str, object_id: str, limit: int
) -> list[dict[str, Any]]:
    pages, cursor = [], None
    while True:
        page = reader.page(principal, kind, object_id, cursor=cursor, limit=limit)
        pages.append(page.to_json())
        cursor = page.next_cursor
        if cursor is None:
            return pages


def test_history_names_people_from_the_directory(app: Innoledger, scenario: Scenario) -> None:
    people = PeopleDirectory(SqlStore(app.recorder))
    people.upsert(
        "ystad-officer", municipality="ystad", display_name="Åsa Öberg", email="asa.oberg@ystad.se"
    )
    # Another municipality's entry for the same id never names Ystad's actor.
    people.upsert("ystad-decision-maker", municipality="skurup", display_name="Fel Namn")
    entries = all_entries(app, scenario.ystad.auditor, "need", scenario.need_id)
    names = {e.actor["user_id"]: e.actor["display_name"] for e in entries}
    assert names["ystad-officer"] == "Åsa Öberg"
    assert names["ystad-decision-maker"] is None

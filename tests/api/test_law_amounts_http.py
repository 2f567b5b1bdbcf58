"""The law's amounts over HTTP: read by anyone, entered by a platform admin as an audited act,
checked by the decisions dated after them (each decision's event keeps the amounts it was
checked against), shown as they stood (`as_of`), and their age in /readyz."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from tests.api.conftest import Tenant, World, assert_problem, decision

# The record is judged on 2 December 2026 (the clock runs from there), so the answer does not
# depend on the day the test runs.
JUDGED_ON = datetime(2026, 12, 2, 9, 0, tzinfo=UTC)
SEK_2026 = {
    "series": "eu_threshold_sub_central_goods_services",
    "effective_from": "2026-01-01",
    "amount": "2300000",
    "source": "Test: the Commission's SEK equivalent as a test would enter it",
}


@pytest.fixture
def world(make_app: Callable[..., Flask]) -> World:
    offset = (JUDGED_ON - datetime.now(UTC)).total_seconds()
    return World(make_app(clock_offset_s=offset))


def eu_sek(body: dict) -> list[dict]:
    [series] = [s for s in body["series"] if s["series"] == SEK_2026["series"]]
    return series["entries"]


def test_the_record_opens_with_the_seed_and_says_the_2026_amount_in_sek_is_missing(
    world: World, ystad: Tenant
) -> None:
    body = ystad.viewer.read("law/amounts")
    assert (body["version"], body["on_record"]) == (0, False)
    assert [e["effective_from"] for e in eu_sek(body)][-1] == "2024-01-01"
    [eur] = next(s for s in body["series"] if s["currency"] == "EUR")["entries"]
    assert (eur["effective_from"], eur["amount"]) == ("2026-01-01", "216000.00")
    assert "2025/2152" in eur["source"]
    [warning] = body["warnings"]
    assert warning["series"] == SEK_2026["series"] and warning["due"] == "2026-01-01"
    ready = world.app.test_client().get("/readyz")
    assert ready.status_code == 200 and ready.get_json()["status"] == "ok"
    assert [w["series"] for w in ready.get_json()["warnings"]] == [SEK_2026["series"]]


def test_a_platform_admin_enters_an_amount_and_later_decisions_are_checked_against_it(
    world: World, ystad: Tenant
) -> None:
    # Chosen before the new amount is on record: checked against 2024's threshold.
    before = world.procurement(ystad, value="2350000.00")
    path = f"procurements/{before}/decisions"
    ystad.dm.ok(
        "POST", path, 200, json=decision("screen", "2026-02-27T09:00:00+01:00", innovation=False)
    )
    ystad.dm.ok(
        "POST",
        path,
        200,
        json=decision("choose_procedure", "2026-03-02T09:00:00+01:00", procedure="open"),
    )
    opened = ystad.viewer.read("law/amounts")
    assert (opened["version"], opened["on_record"]) == (1, True)  # opened by that decision

    # The record's clock runs from JUDGED_ON (see the fixture): a moment on it before the entry.
    offset = world.app.extensions["innoledger"].settings.clock_offset_s
    before_entry = (datetime.now(UTC) + timedelta(seconds=offset)).isoformat()
    entered = world.platform.ok("POST", "law/amounts", 201, json=SEK_2026)
    after_entry = ystad.viewer.read("law/amounts")
    assert after_entry["version"] == entered["version"] == 2
    newest = eu_sek(after_entry)[-1]
    assert (newest["effective_from"], newest["amount"]) == ("2026-01-01", "2300000.00")
    assert (newest["entered_by"], newest["seeded"]) == ("root", False)  # the platform admin
    assert after_entry["warnings"] == []
    assert world.app.test_client().get("/readyz").get_json()["warnings"] == []

    later = world.procurement(ystad, value="2350000.00")
    path = f"procurements/{later}/decisions"
    ystad.dm.ok(
        "POST", path, 200, json=decision("screen", "2026-02-27T09:00:00+01:00", innovation=False)
    )
    ystad.dm.ok(
        "POST",
        path,
        200,
        json=decision("choose_procedure", "2026-03-02T09:00:00+01:00", procedure="open"),
    )

    # The same value on the same decision date: below the threshold on record then, above
    # the one on record now; each record keeps the amounts it was checked against.
    assert ystad.viewer.read(f"procurements/{before}")["above_threshold"] is False
    assert ystad.viewer.read(f"procurements/{later}")["above_threshold"] is True
    for procurement, threshold in ((before, "2389585.00"), (later, "2300000.00")):
        history = ystad.auditor.read(f"procurements/{procurement}/history", query={"limit": 50})
        [chosen] = [e for e in history["entries"] if e["type"] == "ProcedureChosen"]
        assert chosen["data"]["law_amounts"]["eu_threshold"]["amount_sek"] == threshold

    # At version 1, and as of a moment before the entry, the record shows what the earlier
    # decision was checked against.
    for query in ({"version": 1}, {"as_of": before_entry}):
        as_of = ystad.viewer.read("law/amounts", query=query)
        assert as_of["version"] == 1, query
        assert [e["effective_from"] for e in eu_sek(as_of)][-1] == "2024-01-01"


def test_entering_an_amount_is_refused_by_its_rules(world: World, ystad: Tenant) -> None:
    for client in (ystad.admin, ystad.officer, ystad.dm, ystad.auditor):
        assert_problem(client.post("law/amounts", json=SEK_2026), 403)
    for field, value in (
        ("effective_from", "2026-02-01"),
        ("effective_from", "2028-01-01"),
        ("amount", "0"),
        ("amount", "1e6"),
        ("series", "coffee"),
    ):
        assert_problem(
            world.platform.post("law/amounts", json={**SEK_2026, field: value}), 422, field=field
        )
    refused = world.platform.post("law/amounts", json={**SEK_2026, "effective_from": "2024-01-01"})
    assert_problem(refused, 409, rule="amount_on_record")
    # Nothing written by any refusal.
    assert ystad.viewer.read("law/amounts")["version"] == 0

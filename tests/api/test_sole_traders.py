"""A sole trader (enskild näringsidkare) tenders, wins and signs under their personnummer: the
number and their name are kept only in the erasable party directory, never in an event, and
erasure removes them from every answer and from the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.values.org_number import InvalidOrganisationNumber, luhn_check_digit
from domain.values.personal_identity import PersonalIdentityNumber, parse_party_number
from service.settings import Settings
from tests.api.conftest import (
    BID_AT,
    EVALUATION_AT,
    NOTIFIED_AT,
    SIGN_AT,
    SIGN_ON,
    SUPPLIER_A,
    World,
    assert_problem,
    decision,
)

FIRST_NINE = "811218987"  # born 1981-12-18: computed for the test, not a real person's
DIGITS = FIRST_NINE + str(luhn_check_digit(FIRST_NINE))
PERSONNUMMER = f"{DIGITS[:6]}-{DIGITS[6:]}"
NAME = "Anna Svenssons Golvslipning"
AWARD_AT = "2018-12-20T08:00:00+01:00"


@pytest.fixture
def store_app(make_app: Callable[..., Flask], store_settings: Settings) -> Flask:
    return make_app(store_settings)


@pytest.fixture
def store_world(store_app: Flask) -> World:
    return World(store_app)


def stored_events(app: Flask) -> Iterator[tuple[bytes, str]]:
    """Every stored event: its bytes and its decoded attributes as text."""
    innoledger = app.extensions["innoledger"].innoledger
    start = 1
    while True:
        batch = innoledger.recorder.select_notifications(start=start, limit=10)
        if not batch:
            return
        for notification in batch:
            event = innoledger.mapper.to_domain_event(notification)
            yield notification.state, repr(vars(event))
        start = batch[-1].id + 1


def assert_no_personal_data_in_events(app: Flask) -> None:
    count = 0
    for state, decoded in stored_events(app):
        count += 1
        for secret in (DIGITS, DIGITS[:6], NAME):
            assert secret.encode() not in state and secret not in decoded, decoded
    assert count > 0


def sole_trader_contract(world: World) -> tuple[Any, str, str]:
    """A procurement of Ystad won by a sole trader: (tenant, procurement path, party id)."""
    ystad = world.tenant("ystad")
    procurement_id = world.procurement(ystad, "tendering")
    path = f"procurements/{procurement_id}"
    bid = {"tenderer_org_number": PERSONNUMMER, "tenderer_name": NAME, "received_at": BID_AT}
    ystad.officer.ok("POST", f"{path}/bids", 201, json=bid)
    ystad.officer.ok(
        "POST",
        f"{path}/bids",
        201,
        json={
            "tenderer_org_number": SUPPLIER_A["org_number"],
            "tenderer_name": SUPPLIER_A["name"],
            "received_at": BID_AT,
        },
    )
    assert_problem(ystad.officer.post(f"{path}/bids", json=bid), 409, rule="duplicate_bid")
    ystad.officer.ok("POST", f"{path}/evaluation", 201, json={"at": EVALUATION_AT})
    ystad.dm.ok(
        "POST",
        f"{path}/decisions",
        200,
        json=decision(
            "award",
            AWARD_AT,
            suppliers=[{"org_number": PERSONNUMMER, "name": NAME}],
            evaluation_summary="Bäst pris och kvalitet.",
            notification_sent_at=NOTIFIED_AT,
            sent_electronically=True,
        ),
    )
    ystad.dm.ok(
        "POST",
        f"{path}/decisions",
        200,
        json=decision(
            "sign_contract",
            SIGN_AT,
            supplier_org_number=DIGITS,  # the undashed form names the same person
            contract_value_sek="1450000.00",
            signed_on=SIGN_ON,
        ),
    )
    procurement = ystad.officer.read(path)
    party_id = procurement["contract"]["supplier_party_id"]
    assert party_id
    return ystad, path, party_id


def test_a_sole_trader_tenders_wins_and_signs_without_their_number_in_any_event(
    world: World, app: Flask
) -> None:
    ystad, path, party_id = sole_trader_contract(world)
    procurement = ystad.officer.read(path)
    person_bid = next(b for b in procurement["bids"] if b.get("tenderer_party_id"))
    assert person_bid["tenderer_party_id"] == party_id
    assert (person_bid["tenderer_org_number"], person_bid["tenderer_name"]) == (PERSONNUMMER, NAME)
    company_bid = next(b for b in procurement["bids"] if not b.get("tenderer_party_id"))
    assert company_bid["tenderer_org_number"] == SUPPLIER_A["org_number"]
    assert procurement["award"]["suppliers"] == [
        {"org_number": PERSONNUMMER, "name": NAME, "party_id": party_id}
    ]
    assert procurement["contract"]["supplier_org_number"] == PERSONNUMMER
    assert_no_personal_data_in_events(app)
    # Histories, the audit event stream and OCDS are built from events: no number there either.
    for read in (
        f"{path}/history",
        f"{path}/ocds/releases",
        f"{path}/ocds/record",
        "audit/events",
    ):
        text = ystad.auditor.get(read).get_data(as_text=True)
        assert DIGITS[:6] not in text and NAME not in text, read
    record = ystad.auditor.read(f"{path}/ocds/record")
    assert f"innoledger-party-{party_id}" in str(record)
    entry = ystad.auditor.read(f"parties/{party_id}")
    assert (entry["identity_number"], entry["name"], entry["erased"]) == (PERSONNUMMER, NAME, False)


def test_only_the_recording_municipality_reads_the_entry(world: World) -> None:
    ystad, _, party_id = sole_trader_contract(world)
    skurup = world.tenant("skurup")
    for caller in (skurup.admin, skurup.auditor, skurup.officer):
        assert_problem(caller.get(f"parties/{party_id}"), 404)
        assert_problem(caller.delete(f"parties/{party_id}", if_match=None), 404)
    assert_problem(ystad.officer.delete(f"parties/{party_id}", if_match=None), 404)
    assert world.platform_auditor.read(f"parties/{party_id}")["name"] == NAME


def test_erasure_removes_the_number_from_every_answer_and_the_database(
    store_world: World, store_app: Flask, store_settings: Settings
) -> None:
    ystad, path, party_id = sole_trader_contract(store_world)
    response = ystad.admin.delete(f"parties/{party_id}", if_match=None)
    assert response.status_code == 204, response.get_data(as_text=True)
    entry = ystad.auditor.read(f"parties/{party_id}")
    assert (entry["identity_number"], entry["name"], entry["erased"]) == (None, None, True)
    procurement = ystad.officer.read(path)
    assert procurement["contract"]["supplier_party_id"] == party_id
    assert procurement["contract"]["supplier_org_number"] is None
    for read in (path, f"{path}/history", f"{path}/ocds/record", "audit/events"):
        text = ystad.auditor.get(read).get_data(as_text=True)
        assert DIGITS[:6] not in text and NAME not in text, read
    # The record itself is unchanged and still verifies: erasure rewrote no event.
    assert ystad.officer.read(path)["status"] == "contracted"
    assert_no_personal_data_in_events(store_app)
    if store_settings.database == "sqlite":
        for file in store_settings.var_dir.glob("*.sqlite3*"):
            data = file.read_bytes()
            assert DIGITS.encode() not in data and NAME.encode() not in data, file.name
    else:
        from service.audit.parties import PARTIES, PartyDirectory

        directory = PartyDirectory.of(store_app.extensions["innoledger"].innoledger)
        with directory.store.reading() as cursor:
            rows = cursor.execute(
                f"SELECT count(*) AS n FROM {PARTIES} WHERE identity_number IS NOT NULL"
                " OR name IS NOT NULL"
            ).fetchone()
            assert int(rows["n"]) == 0
    # Erasure is idempotent, and a later bid from the same person gets a new entry.
    assert ystad.admin.delete(f"parties/{party_id}", if_match=None).status_code == 204


def test_a_personnummer_is_refused_where_an_organisation_is_required(world: World) -> None:
    """A municipality is an organisation: a personnummer there is refused without echoing it."""
    response = world.platform.post(
        "municipalities",
        json={
            "slug": "soloville",
            "name": "Solo",
            "organisation_number": PERSONNUMMER,
            "county": "Skåne",
        },
    )
    problem = assert_problem(response, 422, field="organisation_number")
    assert DIGITS[:6] not in response.get_data(as_text=True)
    assert "personal identity number" in problem["detail"]


def test_a_number_that_is_neither_is_refused_naming_the_field(world: World) -> None:
    ystad = world.tenant("ystad")
    procurement_id = world.procurement(ystad, "tendering")
    first_nine = "811318987"  # month 13: no date, and a third digit below 2: no organisation
    bad = first_nine + str(luhn_check_digit(first_nine))
    response = ystad.officer.post(
        f"procurements/{procurement_id}/bids",
        json={"tenderer_org_number": bad, "tenderer_name": NAME, "received_at": BID_AT},
    )
    assert_problem(response, 422, field="tenderer_org_number")


@st.composite
def ten_digit_numbers(draw: st.DrawFn) -> str:
    """Ten digits with a valid check digit: organisations, persons, samordningsnummer and
    numbers that are neither, in every form a client may send them."""
    first_nine = draw(st.text(alphabet="0123456789", min_size=9, max_size=9))
    digits = first_nine + str(luhn_check_digit(first_nine))
    form = draw(st.sampled_from(["dashed", "plain"]))
    return f"{digits[:6]}-{digits[6:]}" if form == "dashed" else digits


@pytest.fixture(scope="module")
def tendering_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[World, str]]:
    from service.api import create_app

    app = create_app(
        Settings(database="sqlite", var_dir=tmp_path_factory.mktemp("var"), testing=True)
    )
    try:
        world = World(app)
        ystad = world.tenant("ystad")
        yield world, world.procurement(ystad, "tendering")
    finally:
        app.extensions["innoledger"].close()


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(number=ten_digit_numbers())
def test_a_bid_agrees_with_the_domain_on_who_tendered(
    tendering_world: tuple[World, str], number: str
) -> None:
    """Accepted exactly when the domain reads an organisation or a person; a person's digits
    never reach an event, whatever the number."""
    world, procurement_id = tendering_world
    ystad = world.tenants["ystad"]
    response = ystad.officer.post(
        f"procurements/{procurement_id}/bids",
        json={"tenderer_org_number": number, "tenderer_name": NAME, "received_at": BID_AT},
    )
    try:
        parsed = parse_party_number(number)
    except InvalidOrganisationNumber:
        assert_problem(response, 422, field="tenderer_org_number")
        return
    if response.status_code == 409:  # the same tenderer drawn twice
        assert_problem(response, 409, rule="duplicate_bid")
    else:
        assert response.status_code == 201, response.get_data(as_text=True)
    if isinstance(parsed, PersonalIdentityNumber):
        for state, decoded in stored_events(world.app):
            assert parsed.digits[:6] + "-" + parsed.digits[6:] not in decoded
            assert parsed.digits.encode() not in state

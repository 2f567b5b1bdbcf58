"""The people directory: names for user ids, and erasure that shows in history without changing
any stored event or the ledger."""

from __future__ import annotations

import pytest

from domain.errors import InvalidValue, RuleViolation
from eventstore.sql import SqlStore
from service.audit.history import HistoryReader
from service.audit.people import ERASED, PeopleDirectory
from service.innoledger import Innoledger
from service.ledger.ledger import Ledger
from service.ledger.verify import verify
from tests.audit.conftest import EventsTable
from tests.audit.scenario import Scenario


def actor_names(app: Innoledger, scenario: Scenario) -> dict[str, str | None]:
    page = HistoryReader(app).page(scenario.ystad.auditor, "need", scenario.need_id, limit=500)
    return {e.actor["user_id"]: e.actor["display_name"] for e in page.entries}


def test_erasure_shows_in_history_and_changes_no_stored_event(
    app: Innoledger, scenario: Scenario, ledger: Ledger, events_table: EventsTable
) -> None:
    people = PeopleDirectory(SqlStore(app.recorder))
    people.upsert(
        "ystad-officer", municipality="ystad", display_name="Åsa Öberg", email="asa.oberg@ystad.se"
    )
    people.upsert("ystad-decision-maker", municipality="ystad", display_name="Per Persson")
    ledger.catch_up()
    before_rows = events_table.rows()
    before_root = ledger.root_hash()
    assert actor_names(app, scenario) == {
        "ystad-officer": "Åsa Öberg",
        "ystad-decision-maker": "Per Persson",
    }
    assert not any(b"\xc3\x85sa" in row["state"] for row in before_rows)  # names never in events

    erased = people.erase("ystad-officer", municipality="ystad")
    assert erased.erased and erased.display_name is None and erased.email is None
    assert erased.erased_at is not None
    assert people.erase("ystad-officer", municipality="ystad").erased_at == erased.erased_at

    assert actor_names(app, scenario) == {
        "ystad-officer": ERASED,
        "ystad-decision-maker": "Per Persson",
    }
    assert events_table.rows() == before_rows
    assert ledger.root_hash() == before_root
    assert verify(ledger).ok
    # An erased person is not given a name again.
    with pytest.raises(RuleViolation):
        people.upsert("ystad-officer", municipality="ystad", display_name="Åsa Öberg")


def test_directory_records_and_corrects(app: Innoledger) -> None:
    people = PeopleDirectory(SqlStore(app.recorder))
    assert people.get("nobody") is None
    first = people.upsert("u1", display_name="  Anna  ", email="anna@skurup.se")
    assert (first.display_name, first.email, first.erased) == ("Anna", "anna@skurup.se", False)
    second = people.upsert("u1", display_name="Anna Svensson")
    assert second.display_name == "Anna Svensson" and second.email is None
    assert people.display_names([(None, "u1"), (None, "u2")]) == {
        "/u1": "Anna Svensson",
        "/u2": None,
    }
    tombstone = people.erase("u2")  # never known: the id is closed all the same
    assert tombstone.erased and people.display_names([(None, "u2")]) == {"/u2": ERASED}
    assert second.to_json()["erased"] is False
    for bad in ({"display_name": ""}, {"display_name": "x" * 201}, {"email": "not-mail"}):
        with pytest.raises(InvalidValue):
            people.upsert("u3", **{"display_name": "Namn", **bad})


def test_each_municipality_keeps_its_own_entry_of_a_person(app: Innoledger) -> None:
    """A person working for two municipalities has an entry in each; erasing one leaves the
    other, and neither municipality's entry names the person in the other's record."""
    people = PeopleDirectory(SqlStore(app.recorder))
    people.upsert("shared", municipality="ystad", display_name="Eva i Ystad")
    people.upsert("shared", municipality="skurup", display_name="Eva i Skurup")
    people.erase("shared", municipality="skurup")
    names = people.display_names([("ystad", "shared"), ("skurup", "shared"), ("burlov", "shared")])
    assert names == {"ystad/shared": "Eva i Ystad", "skurup/shared": ERASED, "burlov/shared": None}

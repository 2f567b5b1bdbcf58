"""The law's amounts as an audited record: the seed imported once, new amounts entered by their
rules and never changed, the table decisions are checked against, and the age warning."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from importlib import resources

import pytest

from domain.audit import Actor, acting_as
from domain.clock import clock_in_use, fixed_clock
from domain.errors import InvalidValue, RuleViolation
from domain.law_amounts import (
    EU_THRESHOLD_EUR_KEY,
    LawAmounts,
    seed_entries,
    seed_record,
    stale_series,
)
from domain.rules.thresholds import (
    DIRECT_AWARD_LIMIT_KEY,
    EU_THRESHOLD_KEY,
    law_table,
)

ADMIN = Actor("platform-admin", None, ("platform_admin",))
TODAY = datetime(2026, 12, 2, 10, 0, tzinfo=UTC)
SEED = seed_entries(
    json.loads((resources.files("domain") / "data" / "procurement_law.json").read_text("utf-8"))
)


@pytest.fixture
def record() -> LawAmounts:
    with acting_as(ADMIN), clock_in_use(fixed_clock(TODAY)):
        opened = LawAmounts.open(SEED, entered_by="seed")
    opened.collect_events()
    return opened


def enter(record: LawAmounts, **overrides: object) -> None:
    entry: dict[str, object] = {
        "series": EU_THRESHOLD_KEY,
        "effective_from": date(2026, 1, 1),
        "amount": "2300000",
        "source": "Kommissionens meddelande (test)",
    }
    entry.update(overrides)
    with acting_as(ADMIN), clock_in_use(fixed_clock(TODAY)):
        record.enter_amount(**entry, entered_by="platform-admin")  # type: ignore[arg-type]


def test_the_seed_is_the_bundled_file_in_one_event_and_a_second_import_adds_nothing(record):
    assert record.version == 1
    assert [e["effective_from"] for e in record.entries[EU_THRESHOLD_KEY]] == [
        date(2018, 1, 1),
        date(2020, 1, 1),
        date(2022, 1, 1),
        date(2024, 1, 1),
    ]
    assert all(e["seeded"] and e["entered_by"] == "seed" for e in record.entries[EU_THRESHOLD_KEY])
    with acting_as(ADMIN), clock_in_use(fixed_clock(TODAY)):
        assert record.seed(SEED, entered_by="seed") == 0
    assert record.collect_events() == []
    # What a record opened with the seed holds is what reads show before it is opened.
    assert seed_record(SEED, entered_by="seed") == record.entries


def test_the_eu_threshold_from_2026_is_on_record_in_euro_with_its_regulation(record):
    [eur] = record.entries[EU_THRESHOLD_EUR_KEY]
    assert (eur["effective_from"], eur["amount"], eur["currency"]) == (
        date(2026, 1, 1),
        Decimal("216000"),
        "EUR",
    )
    assert "2025/2152" in eur["source"]


def test_a_table_older_than_two_years_says_so_and_names_what_is_known(record):
    [warning] = record.stale_series(date(2026, 12, 2))
    assert warning["series"] == EU_THRESHOLD_KEY
    assert warning["newest_effective_from"] == "2024-01-01"
    assert "216000" in warning["message"] and "2025/2152" in warning["message"]
    # Exactly two years is not yet "more than two years".
    assert record.stale_series(date(2026, 1, 1)) == []
    # The direct-award limit is a fixed amount of the law: it does not age.
    assert all(w["series"] != DIRECT_AWARD_LIMIT_KEY for w in record.stale_series(date(2040, 1, 2)))


def test_an_entered_amount_is_checked_from_its_date_and_ends_the_warning(record):
    enter(record)
    table = record.law_table(law_table())
    assert table.eu_threshold_on(date(2025, 12, 31)) == Decimal("2389585")
    assert table.eu_threshold_on(date(2026, 3, 1)) == Decimal("2300000")
    assert table.direct_award_limit_on(date(2026, 3, 1)) == Decimal("700000")
    [event] = record.collect_events()
    assert event.entered_by == "platform-admin" and event.audit["actor"] == "platform-admin"
    assert record.entries[EU_THRESHOLD_KEY][-1]["seeded"] is False
    assert stale_series(record.entries, date(2026, 12, 2)) == []


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"series": "coffee_limit"}, "series"),
        ({"effective_from": date(2026, 2, 1)}, "effective_from"),  # EU thresholds: 1 January
        ({"effective_from": date(2028, 1, 1)}, "effective_from"),  # more than a year ahead
        ({"effective_from": "2026-01-01T00:00:00+01:00"}, "effective_from"),
        ({"amount": "0"}, "amount"),
        ({"amount": "-5"}, "amount"),
        ({"amount": "1e6"}, "amount"),
        ({"amount": 2300000.5}, "amount"),
        ({"source": "  "}, "source"),
    ],
)
def test_an_amount_is_refused_by_its_rules(record, overrides, field):
    with pytest.raises(InvalidValue) as refusal:
        enter(record, **overrides)
    assert refusal.value.field == field
    assert record.collect_events() == []


def test_the_direct_award_limit_may_change_on_any_day_the_law_says(record):
    enter(record, series=DIRECT_AWARD_LIMIT_KEY, effective_from=date(2026, 7, 1), amount="800000")
    assert record.law_table(law_table()).direct_award_limit_on(date(2026, 7, 1)) == 800000


def test_an_amount_on_record_never_changes(record):
    with pytest.raises(RuleViolation) as refusal:
        enter(record, effective_from=date(2024, 1, 1), amount="1")
    assert refusal.value.rule == "amount_on_record"
    assert record.law_table(law_table()).eu_threshold_on(date(2024, 6, 1)) == Decimal("2389585")


def test_the_seed_opens_the_record_whatever_the_clock_says():
    """The bundled file is the law as published: a store whose clock stands years before its
    newest amount still opens the record (and decides), while an amount a person enters keeps
    to at most a year ahead of that clock."""
    early = datetime(2021, 6, 30, 21, 30, tzinfo=UTC)
    with acting_as(ADMIN), clock_in_use(fixed_clock(early)):
        opened = LawAmounts.open(SEED, entered_by="seed")
        assert seed_record(SEED, entered_by="seed") == opened.entries
        assert opened.seed(SEED, entered_by="seed") == 0
        with pytest.raises(InvalidValue) as refused:
            opened.enter_amount(
                series=EU_THRESHOLD_KEY, effective_from=date(2023, 1, 1), amount="2300000",
                source="Kommissionens meddelande (test)", entered_by="platform-admin",
            )
    assert refused.value.rule == "dated_in_future"
    assert date(2024, 1, 1) in [e["effective_from"] for e in opened.entries[EU_THRESHOLD_KEY]]

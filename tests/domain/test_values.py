"""The money, date and date-time values every entry point reads with (domain.values)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidValue
from domain.values.dates import CalendarDate, parse_date
from domain.values.money import MAX_SEK, Money, parse_sek
from domain.values.timestamps import (
    EARLIEST_MOMENT,
    LATEST_MOMENT,
    STOCKHOLM,
    parse_timestamp,
    stockholm_date,
)

# Money


@pytest.mark.parametrize(
    ("text", "amount"),
    [("0", "0.00"), ("700000", "700000.00"), ("1500000.5", "1500000.50"), ("0.01", "0.01"),
     ("007", "7.00"), ("1000000000000", "1000000000000.00")],
)  # fmt: skip
def test_money_reads_digits_with_at_most_two_decimals(text: str, amount: str) -> None:
    assert Money.parse(text, field="value_sek").amount == Decimal(amount)
    assert str(Money.parse(text, field="value_sek")) == amount


@pytest.mark.parametrize(
    "text",
    ["-0", "-1", "+1", "1e3", "1E3", "NaN", "nan", "Infinity", "-Infinity", "sNaN", "1.005",
     "0.001", " 1", "1 ", "1 000", "1,5", "1.", ".5", "", "١٠٠", "1000000000000.01", "0x10"],
)  # fmt: skip
def test_money_refuses_what_is_not_plain_sek_naming_the_field(text: str) -> None:
    with pytest.raises(InvalidValue) as refusal:
        Money.parse(text, field="contract_value_sek")
    assert refusal.value.field == "contract_value_sek"
    assert refusal.value.message.startswith("contract_value_sek: ")


@pytest.mark.parametrize("number", [1000, 0, 1.5, 1e3, float("nan"), True])
def test_money_refuses_a_json_number_saying_why(number: object) -> None:
    with pytest.raises(InvalidValue, match="JSON number is not accepted"):
        Money.parse(number, field="estimated_value_sek")


def test_money_says_too_many_decimals_plainly() -> None:
    with pytest.raises(InvalidValue, match="more than two decimals"):
        Money.parse("10.505", field="value_sek")


@pytest.mark.parametrize("amount", [Decimal("-0"), Decimal("-1"), Decimal("NaN"), Decimal("Inf"),
                                    Decimal("0.001")])  # fmt: skip
def test_money_checks_a_python_decimal_by_the_same_rules(amount: Decimal) -> None:
    with pytest.raises(InvalidValue):
        Money.parse(amount, field="value_sek")


_MONEY = re.compile(r"[0-9]{1,13}(\.[0-9]{1,2})?")


@given(st.one_of(st.text(max_size=20), st.from_regex(r"\A-?[0-9]{0,14}(\.[0-9]{0,3})?\Z")))
def test_money_accepts_exactly_the_documented_form(text: str) -> None:
    expected = _MONEY.fullmatch(text) is not None and Decimal(text) <= MAX_SEK
    try:
        amount = parse_sek(text, field="value_sek")
    except InvalidValue:
        assert not expected
    else:
        assert expected
        assert amount == Decimal(text)
        assert amount.as_tuple().exponent == -2


# Calendar dates


def test_a_date_is_read_from_its_rfc_3339_text() -> None:
    assert parse_date("2025-04-18", field="ruled_on") == date(2025, 4, 18)
    assert str(CalendarDate.parse(date(1, 1, 1), field="d")) == "0001-01-01"


@pytest.mark.parametrize(
    "value",
    ["2025-04-18T10:00:00+02:00", "2025-04-18T10:00:00Z", "2025-04-18 10:00",
     datetime(2025, 4, 18, 10, tzinfo=UTC), datetime(2025, 4, 18)],
)  # fmt: skip
def test_a_date_given_a_date_time_is_refused_naming_the_field(value: object) -> None:
    with pytest.raises(InvalidValue, match=r"not a date-time|date alone") as refusal:
        parse_date(value, field="signed_on")
    assert refusal.value.field == "signed_on"


@pytest.mark.parametrize(
    "value",
    [
        "2025-02-29",
        "2024-13-01",
        "0000-01-01",
        "2025-4-18",
        "18/04/2025",
        "",
        20250418,
        None,
        "２０２５-04-18",
    ],
)
def test_what_is_not_a_calendar_day_is_refused(value: object) -> None:
    with pytest.raises(InvalidValue) as refusal:
        parse_date(value, field="held_on")
    assert refusal.value.field == "held_on"


@given(st.dates())
def test_every_calendar_day_reads_back_from_its_text(day: date) -> None:
    assert parse_date(day.isoformat(), field="d") == day


# Date-times


def test_a_date_time_is_held_in_utc() -> None:
    moment = parse_timestamp("2026-03-14T10:00:00+01:00", field="decided_at")
    assert moment == datetime(2026, 3, 14, 9, tzinfo=UTC)
    assert moment.utcoffset() == timedelta(0)
    assert parse_timestamp("2026-03-14t10:00:00.123456789z", field="x") == datetime(
        2026, 3, 14, 10, 0, 0, 123456, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "text",
    ["9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59Z",
     "0001-01-01T23:59:59+00:00", "0001-01-02T10:00:00+10:01"],
)  # fmt: skip
def test_moments_at_the_ends_of_the_calendar_are_refused_not_crashed_on(text: str) -> None:
    with pytest.raises(InvalidValue, match="outside the moments") as refusal:
        parse_timestamp(text, field="as_of")
    assert refusal.value.field == "as_of"


@pytest.mark.parametrize(
    "text",
    ["2026-03-14T10:00:00", "2026-03-14", "2026-03-14T10:00+01:00", "2026-03-14T10:00:60Z",
     "2026-02-29T10:00:00Z", "2026-03-14T24:00:00Z", "2026-03-14T10:00:00+24:00",
     "2026-03-14T10:00:00+01:60", "2026-03-14 10:00:00+01:00", "2026-03-14T10:00:00 01:00", ""],
)  # fmt: skip
def test_what_is_not_an_rfc_3339_moment_is_refused(text: str) -> None:
    with pytest.raises(InvalidValue) as refusal:
        parse_timestamp(text, field="decided_at")
    assert refusal.value.field == "decided_at"


def test_naive_and_non_datetime_python_values_are_refused() -> None:
    for value in (datetime(2026, 3, 14, 10), date(2026, 3, 14), 1700000000, None):
        with pytest.raises(InvalidValue):
            parse_timestamp(value, field="at")


def test_a_plus_that_arrived_as_a_space_is_read_as_plus_only_when_asked() -> None:
    text = "2026-01-01T10:00:00 01:00"
    assert parse_timestamp(text, field="as_of", plus_as_space=True) == datetime(
        2026, 1, 1, 9, tzinfo=UTC
    )
    assert parse_timestamp("2026-01-01T10:00:00.5 01:00", field="as_of", plus_as_space=True)
    with pytest.raises(InvalidValue, match=r"no UTC offset|is not") as in_a_body:
        parse_timestamp(text, field="as_of")
    assert "%2B" not in in_a_body.value.message  # a JSON body has no URL encoding to blame
    with pytest.raises(InvalidValue, match="%2B"):
        parse_timestamp("2026-01-01 10:00:00 1:00", field="as_of", plus_as_space=True)


offsets = st.integers(min_value=-(24 * 60 - 1), max_value=24 * 60 - 1).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)


def _rfc3339(local: datetime) -> str:
    return local.isoformat()


@given(st.datetimes(timezones=offsets))
def test_every_aware_moment_is_accepted_exactly_inside_the_documented_range(
    local: datetime,
) -> None:
    """Whole range of dates and offsets: accepted inside, refused outside, never a crash."""
    naive_utc_floor = EARLIEST_MOMENT.replace(tzinfo=None)
    offset = local.utcoffset()
    assert offset is not None
    naive = local.replace(tzinfo=None)
    inside = naive_utc_floor + offset <= naive <= LATEST_MOMENT.replace(tzinfo=None) + offset
    for value in (local, _rfc3339(local)):
        try:
            moment = parse_timestamp(value, field="as_of")
        except InvalidValue as refusal:
            assert not inside, refusal.message
            assert refusal.field == "as_of"
        else:
            assert inside
            assert moment == local
            assert moment.tzinfo is UTC
            # Inside the range every conversion the service makes stays defined.
            assert stockholm_date(moment) == moment.astimezone(STOCKHOLM).date()
            for minutes in (-(24 * 60 - 1), 24 * 60 - 1):
                moment.astimezone(timezone(timedelta(minutes=minutes))).date()

"""Avtalsspärr end dates.

Each case spells out the calendar it relies on. Day 0 is the day the award notice is sent;
the nominal last day is day 10 (electronic) or day 15 (other means); if that day is a
Saturday, Sunday, public holiday, midsommarafton, julafton or nyårsafton, the last day moves
to the next day that is none of these (lagen 1930:173). Signing is allowed from the day after.
"""

from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.rules.standstill import (
    earliest_signing_day,
    is_swedish_non_working_day,
    standstill_last_day,
)
from domain.rules.thresholds import LawTable, NoRuleInForce, law_table

ELECTRONIC = True
OTHER_MEANS = False


@pytest.mark.parametrize(
    ("notified_on", "electronic", "last_day"),
    [
        # Plain weekday: Tue 2024-09-03 + 10 = Fri 2024-09-13, a working day.
        (date(2024, 9, 3), ELECTRONIC, date(2024, 9, 13)),
        # Upphandlingsmyndigheten's own example: sent Mon 2019-04-01, runs to Thu 2019-04-11.
        (date(2019, 4, 1), ELECTRONIC, date(2019, 4, 11)),
        # Plain weekday, other means: Mon 2024-09-02 + 15 = Tue 2024-09-17.
        (date(2024, 9, 2), OTHER_MEANS, date(2024, 9, 17)),
        # Saturday: Wed 2024-09-04 + 10 = Sat 09-14; Sun 09-15 → Mon 2024-09-16.
        (date(2024, 9, 4), ELECTRONIC, date(2024, 9, 16)),
        # Sunday: Thu 2024-09-05 + 10 = Sun 09-15 → Mon 2024-09-16.
        (date(2024, 9, 5), ELECTRONIC, date(2024, 9, 16)),
        # The year-end case: Thu 2018-12-20 + 10 = Sun 2018-12-30; Mon 12-31 is nyårsafton;
        # Tue 2019-01-01 is nyårsdagen → Wed 2019-01-02.
        (date(2018, 12, 20), ELECTRONIC, date(2019, 1, 2)),
        # Nyårsafton on a weekday: Sat 2024-12-21 + 10 = Tue 12-31 nyårsafton;
        # Wed 2025-01-01 nyårsdagen → Thu 2025-01-02.
        (date(2024, 12, 21), ELECTRONIC, date(2025, 1, 2)),
        # Julafton, other means: Mon 2024-12-09 + 15 = Tue 12-24 julafton; Wed 12-25 juldagen;
        # Thu 12-26 annandag jul → Fri 2024-12-27.
        (date(2024, 12, 9), OTHER_MEANS, date(2024, 12, 27)),
        # ... whereas the same notice sent electronically ends before Christmas: Thu 12-19.
        (date(2024, 12, 9), ELECTRONIC, date(2024, 12, 19)),
        # Longest run of non-working days: Sun 2025-12-14 + 10 = Wed 12-24 julafton; Thu 25
        # juldagen; Fri 26 annandag jul; Sat 27; Sun 28 → Mon 2025-12-29.
        (date(2025, 12, 14), ELECTRONIC, date(2025, 12, 29)),
        # Trettondedag jul: Fri 2024-12-27 + 10 = Mon 2025-01-06 → Tue 2025-01-07.
        (date(2024, 12, 27), ELECTRONIC, date(2025, 1, 7)),
        # Easter 2024: Tue 03-19 + 10 = Fri 03-29 långfredagen; Sat 03-30; Sun 03-31
        # påskdagen; Mon 04-01 annandag påsk → Tue 2024-04-02.
        (date(2024, 3, 19), ELECTRONIC, date(2024, 4, 2)),
        # Annandag påsk as the nominal last day: Fri 2024-03-22 + 10 = Mon 04-01 → Tue 04-02.
        (date(2024, 3, 22), ELECTRONIC, date(2024, 4, 2)),
        # Upphandlingsmyndigheten's Easter example: sent skärtorsdagen Thu 2019-04-18;
        # the Easter holidays fall inside the period and do not matter; day 10 is
        # Sun 04-28 → Mon 2019-04-29.
        (date(2019, 4, 18), ELECTRONIC, date(2019, 4, 29)),
        # Första maj: Sun 2024-04-21 + 10 = Wed 05-01 → Thu 2024-05-02.
        (date(2024, 4, 21), ELECTRONIC, date(2024, 5, 2)),
        # Kristi himmelsfärdsdag: Mon 2024-04-29 + 10 = Thu 05-09 → Fri 2024-05-10, which is
        # a klämdag (bridge day) but a working day in law.
        (date(2024, 4, 29), ELECTRONIC, date(2024, 5, 10)),
        # Nationaldagen: Mon 2024-05-27 + 10 = Thu 06-06 → Fri 2024-06-07.
        (date(2024, 5, 27), ELECTRONIC, date(2024, 6, 7)),
        # Nationaldagen, other means: Wed 2024-05-22 + 15 = Thu 06-06 → Fri 2024-06-07.
        (date(2024, 5, 22), OTHER_MEANS, date(2024, 6, 7)),
        # Midsommar: Tue 2024-06-11 + 10 = Fri 06-21 midsommarafton; Sat 06-22
        # midsommardagen; Sun 06-23 → Mon 2024-06-24.
        (date(2024, 6, 11), ELECTRONIC, date(2024, 6, 24)),
        # Sent on a holiday (nationaldagen Thu 2024-06-06) is still day 0:
        # + 15 = Fri 06-21 midsommarafton → Mon 2024-06-24.
        (date(2024, 6, 6), OTHER_MEANS, date(2024, 6, 24)),
    ],
)
def test_standstill_last_day_and_signing_day(
    notified_on: date, electronic: bool, last_day: date
) -> None:
    assert standstill_last_day(notified_on, electronic) == last_day
    assert earliest_signing_day(notified_on, electronic) == last_day + timedelta(days=1)


def test_year_end_case_signing_day() -> None:
    # 2018-12-20 electronically: last day Wed 2019-01-02, so signing from Thu 2019-01-03.
    assert earliest_signing_day(date(2018, 12, 20), electronic=True) == date(2019, 1, 3)


def test_signing_day_may_itself_be_a_weekend_day() -> None:
    # Only the last day of the period moves; Fri 2024-09-13 is the last day, so the contract
    # may be signed on Sat 2024-09-14.
    assert earliest_signing_day(date(2024, 9, 3), electronic=True) == date(2024, 9, 14)


def test_period_in_force_on_the_sending_day_applies() -> None:
    # A hypothetical change to 5/8 days from 2030-01-01 must not shorten a period that began
    # under the 10-day rule: Mon 2029-12-31 + 10 = Thu 2030-01-10. (Had the new rule applied,
    # the result would have been Sat 2030-01-05 → Mon 2030-01-07.)
    table = LawTable.from_mapping(
        {
            "direct_award_limit": [
                {"effective_from": "2024-01-01", "amount_sek": "700000", "source": "t"}
            ],
            "eu_threshold_sub_central_goods_services": [
                {"effective_from": "2024-01-01", "amount_sek": "2389585", "source": "t"}
            ],
            "standstill_days": [
                {
                    "effective_from": "2017-01-01",
                    "standstill_days_electronic": 10,
                    "standstill_days_other": 15,
                    "source": "t",
                },
                {
                    "effective_from": "2030-01-01",
                    "standstill_days_electronic": 5,
                    "standstill_days_other": 8,
                    "source": "t",
                },
            ],
            "extended_standstill_days": [
                {"effective_from": "2017-01-01", "days_after_ruling": 10, "source": "t"}
            ],
        }
    )
    assert standstill_last_day(date(2029, 12, 31), True, law=table) == date(2030, 1, 10)
    # Tue 2030-01-01 + 5 = Sun 2030-01-06 (also trettondedag jul) → Mon 2030-01-07.
    assert standstill_last_day(date(2030, 1, 1), True, law=table) == date(2030, 1, 7)


def test_notice_before_the_table_starts_is_refused() -> None:
    with pytest.raises(NoRuleInForce, match="standstill"):
        standstill_last_day(date(2016, 12, 30), electronic=True)


def test_a_datetime_is_refused() -> None:
    with pytest.raises(TypeError, match="calendar date"):
        standstill_last_day(datetime(2024, 9, 3, 23, 30), electronic=True)
    with pytest.raises(TypeError, match="calendar date"):
        is_swedish_non_working_day(datetime(2024, 9, 3, 23, 30))


# --- the non-working-day calendar ------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2024, 9, 14), "Saturday"),
        (date(2024, 9, 15), "Sunday"),
        (date(2024, 1, 1), "nyårsdagen"),
        (date(2024, 1, 6), "trettondedag jul (a Saturday that year)"),
        (date(2025, 1, 6), "trettondedag jul on a Monday"),
        (date(2024, 3, 29), "långfredagen"),
        (date(2024, 4, 1), "annandag påsk"),
        (date(2024, 5, 1), "första maj"),
        (date(2024, 5, 9), "Kristi himmelsfärdsdag"),
        (date(2024, 6, 6), "nationaldagen"),
        (date(2024, 6, 21), "midsommarafton"),
        (date(2024, 12, 24), "julafton on a Tuesday"),
        (date(2024, 12, 25), "juldagen"),
        (date(2024, 12, 26), "annandag jul"),
        (date(2024, 12, 31), "nyårsafton on a Tuesday"),
        (date(2004, 5, 31), "annandag pingst, a public holiday until 2004"),
    ],
)
def test_non_working_days(day: date, why: str) -> None:
    assert is_swedish_non_working_day(day), why


@pytest.mark.parametrize(
    ("day", "why"),
    [
        (date(2024, 9, 13), "an ordinary Friday"),
        (date(2024, 5, 10), "klämdag after Kristi himmelsfärd"),
        (date(2024, 1, 5), "trettondagsafton (only a half day by custom)"),
        (date(2024, 3, 28), "skärtorsdagen"),
        (date(2024, 4, 30), "valborgsmässoafton"),
        (date(2024, 6, 20), "the day before midsommarafton"),
        (date(2024, 12, 23), "the day before julafton"),
        (date(2019, 6, 10), "annandag pingst stopped being a holiday in 2005"),
    ],
)
def test_working_days(day: date, why: str) -> None:
    assert not is_swedish_non_working_day(day), why


@pytest.mark.parametrize("year", range(1990, 2101))
def test_midsommarafton_is_the_friday_between_19_and_25_june(year: int) -> None:
    fridays = [date(year, 6, d) for d in range(19, 26) if date(year, 6, d).weekday() == 4]
    assert len(fridays) == 1
    midsommarafton = fridays[0]
    assert is_swedish_non_working_day(midsommarafton)
    # The Thursday before is an ordinary working day unless it is nationaldagen or
    # Kristi himmelsfärdsdag, which never fall on 18–24 June; so it must be working.
    assert not is_swedish_non_working_day(midsommarafton - timedelta(days=1))


@pytest.mark.parametrize("year", range(1990, 2101))
def test_julafton_and_nyarsafton_are_non_working_every_year(year: int) -> None:
    assert is_swedish_non_working_day(date(year, 12, 24))
    assert is_swedish_non_working_day(date(year, 12, 31))


# --- properties over any notification date ---------------------------------------------------


@given(
    notified_on=st.dates(min_value=date(2017, 1, 1), max_value=date(2100, 12, 31)),
    electronic=st.booleans(),
)
def test_last_day_is_the_first_working_day_from_the_nominal_end(
    notified_on: date, electronic: bool
) -> None:
    period = law_table().standstill_days_on(notified_on, electronic=electronic)
    nominal_end = notified_on + timedelta(days=period)

    last_day = standstill_last_day(notified_on, electronic)

    assert not is_swedish_non_working_day(last_day)
    assert last_day >= nominal_end
    skipped = [nominal_end + timedelta(days=n) for n in range((last_day - nominal_end).days)]
    assert all(is_swedish_non_working_day(day) for day in skipped)
    # The longest run of non-working days is five (julafton on a Wednesday through Sunday).
    assert (last_day - nominal_end).days <= 5
    assert earliest_signing_day(notified_on, electronic) == last_day + timedelta(days=1)

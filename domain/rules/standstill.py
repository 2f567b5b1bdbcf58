"""Standstill (avtalsspärr) after an award notice, counted the way Swedish law counts days.

LOU 20 kap. 1 §: no contract may be signed until the standstill period has passed since the
award notice was sent. Lagen (1930:173) om beräkning av lagstadgad tid: when the last day of a
statutory period falls on a Saturday, Sunday, public holiday (allmän helgdag), midsommarafton,
julafton or nyårsafton, the period ends on the next day that is none of these.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import lru_cache

import holidays

from domain.rules.thresholds import LawTable, law_table, require_calendar_date

_SATURDAY = 5
_SUNDAY = 6
_JUNE = 6
_DECEMBER = 12
_FRIDAY = 4


def _midsommarafton(year: int) -> date:
    """The eve of midsommardagen, which lag (1989:253) puts on the Saturday 20–26 June."""
    june_19 = date(year, _JUNE, 19)
    return june_19 + timedelta(days=(_FRIDAY - june_19.weekday()) % 7)


@lru_cache(maxsize=64)
def _non_working_dates_in(year: int) -> frozenset[date]:
    # Only the package's default (public holiday) category is used and the three eves are added
    # here: lagen 1930:173 names exactly these eves, and not every `holidays` release the
    # project allows has them (they appear only in a newer, optional category). Weekends are
    # handled in is_swedish_non_working_day, so it does not matter whether this release lists
    # Sundays as "Söndag" holidays or not.
    public_holidays = holidays.country_holidays("SE", years=year)
    eves = {
        _midsommarafton(year),
        date(year, _DECEMBER, 24),  # julafton
        date(year, _DECEMBER, 31),  # nyårsafton
    }
    return frozenset(public_holidays.keys()) | eves


def is_swedish_non_working_day(day: date) -> bool:
    """True for the days on which a statutory period cannot end under lagen 1930:173.

    Saturdays, Sundays, Swedish public holidays, midsommarafton, julafton and nyårsafton.
    Bridge days (klämdagar) and half days such as trettondagsafton are working days here.
    """
    require_calendar_date(day)
    if day.weekday() in (_SATURDAY, _SUNDAY):
        return True
    return day in _non_working_dates_in(day.year)


def _first_working_day_from(day: date) -> date:
    while is_swedish_non_working_day(day):
        day += timedelta(days=1)
    return day


def standstill_last_day(
    notified_on: date, electronic: bool, *, law: LawTable | None = None
) -> date:
    """The last day of the avtalsspärr for an award notice sent on ``notified_on``.

    The sending day is day 0, so with a 10-day period a notice sent on the 1st runs to the
    11th. The period length is the one in force on the sending day; ``law`` defaults to the
    packaged table.
    """
    require_calendar_date(notified_on)
    table = law if law is not None else law_table()
    period_days = table.standstill_days_on(notified_on, electronic=electronic)
    return _first_working_day_from(notified_on + timedelta(days=period_days))


def earliest_signing_day(
    notified_on: date, electronic: bool, *, law: LawTable | None = None
) -> date:
    """The first day the contract may be signed: the day after the last standstill day.

    Only the end of the period moves past non-working days; signing itself may then happen on
    any calendar day, a weekend included.
    """
    return standstill_last_day(notified_on, electronic, law=law) + timedelta(days=1)


def extended_standstill_last_day(ruled_on: date, *, law: LawTable | None = None) -> date:
    """Förlängd avtalsspärr (LOU 20 kap. 10 §): the last day of the bar after a ruling.

    A review application that reached the administrative court during the standstill bars the
    contract until the period (ten days in the table) has passed from the court's ruling. The
    ruling day is day 0, and the end moves past non-working days as any statutory period does:
    a ruling on Tue 2025-04-08 gives day 10 on Good Friday 2025-04-18, so the bar lasts to Tue
    2025-04-22 (Easter Monday in between).
    """
    require_calendar_date(ruled_on)
    table = law if law is not None else law_table()
    period_days = table.extended_standstill_days_on(ruled_on)
    return _first_working_day_from(ruled_on + timedelta(days=period_days))


def earliest_signing_day_after_ruling(ruled_on: date, *, law: LawTable | None = None) -> date:
    """The first day the contract may be signed once the extended standstill has run."""
    return extended_standstill_last_day(ruled_on, law=law) + timedelta(days=1)

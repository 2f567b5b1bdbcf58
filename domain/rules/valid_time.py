"""Valid time that stays consistent: nothing dated after its recording, steps in order.

Recording later what happened earlier is normal (transaction time after valid time), but a fact
or decision can never be dated in the future of the moment it is recorded, and within one
lifecycle a step cannot be dated before the step it rests on. Dates are Europe/Stockholm
calendar dates; a date-time compared with a date is compared by its Stockholm date.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from domain import clock
from domain.errors import InvalidValue, OutOfOrder
from domain.values.dates import parse_date
from domain.values.timestamps import stockholm_date


def not_after_today(value: object, *, field: str) -> date:
    """A calendar date (the one date value) not later than today in Stockholm at the moment
    of recording."""
    day = parse_date(value, field=field)
    today = clock.today()
    if day > today:
        raise InvalidValue(
            f"{field}: {day.isoformat()} lies in the future of its recording ({today.isoformat()})",
            field=field,
            rule="dated_in_future",
        )
    return day


def _as_day(moment: date | datetime) -> date:
    return stockholm_date(moment) if isinstance(moment, datetime) else moment


def _text(moment: date | datetime) -> str:
    return moment.isoformat()


def require_not_before(
    later_step: str,
    later: date | datetime,
    earlier_step: str,
    earlier: date | datetime | None,
    *,
    rule: str,
) -> None:
    """Refuses `later_step` dated before `earlier_step`, naming the rule and both dates.

    Two date-times are compared as instants; otherwise both are compared as calendar dates.
    """
    if earlier is None:
        return
    if isinstance(later, datetime) and isinstance(earlier, datetime):
        out_of_order = later < earlier
    else:
        out_of_order = _as_day(later) < _as_day(earlier)
    if out_of_order:
        if earlier_step == later_step:
            earlier_step = f"the previous {earlier_step.removeprefix('the ')}"
        raise OutOfOrder(
            f"{later_step} ({_text(later)}) cannot be dated before {earlier_step}"
            f" ({_text(earlier)})",
            rule=rule,
            details={later_step: _text(later), earlier_step: _text(earlier)},
        )


# Across aggregates: a procurement rests on the decisions to procure (anskaffningsbeslut) of the
# needs it addresses, which are the needs' own records. The use case brings the dates together.
PROCUREMENT_BEFORE_NEED_DECISION = "procurement_before_need_decision"


def require_after_decisions_to_procure(
    step: str, decided_at: datetime, decisions_to_procure: Iterable[datetime | None]
) -> None:
    """Refuses a procurement's step (or a municipality's joining it, or registering it) dated
    before the latest decision to procure of the needs it rests on, naming both dates."""
    latest = max((d for d in decisions_to_procure if d is not None), default=None)
    require_not_before(
        step,
        decided_at,
        "the needs' decision to procure",
        latest,
        rule=PROCUREMENT_BEFORE_NEED_DECISION,
    )

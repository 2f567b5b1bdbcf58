"""Reading posted forms into the values the use cases take. A value that cannot be read is
refused as the core refuses one (InvalidValue naming the field), so the page shows both kinds
of refusal the same way: next to the field."""

from __future__ import annotations

import re
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from flask import request
from flask_babel import gettext as _

from domain.errors import InvalidValue
from domain.values.dates import parse_date

STOCKHOLM = ZoneInfo("Europe/Stockholm")


class UnreadableValue(InvalidValue):
    """A form value the page could not read; its message is already in the chosen language."""


def text(name: str) -> str:
    return request.form.get(name, "").strip()


def optional_text(name: str) -> str | None:
    return text(name) or None


def text_list(name: str) -> list[str]:
    """One item per line or comma."""
    return [item.strip() for item in re.split(r"[\n,]", request.form.get(name, "")) if item.strip()]


def integer(name: str) -> int:
    raw = text(name)
    try:
        return int(raw)
    except ValueError:
        raise UnreadableValue(_("Enter a whole number."), field=name) from None


def version() -> int:
    """The version of the object the form was shown with: a change saved by someone else
    since then is a conflict, not something to overwrite."""
    return integer("version")


# Dates and times are typed as text (the pages' fields are plain text fields with the format
# as a hint, read alike by every browser, locale and screen reader): the ISO form, also
# without dashes or with one-digit months and days; times also as Swedish "13.30" or "1330".
DATE_TYPED = re.compile(r"^(\d{4})-?(\d{1,2})-?(\d{1,2})$")
DATE_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})$")
TIME_TYPED = re.compile(r"^(\d{1,2})[:.]?(\d{2})$")


def iso_date(raw: str) -> str:
    """A typed date as YYYY-MM-DD (unchanged when it is no date: the parser refuses it)."""
    raw = raw.strip()
    found = DATE_COMPACT.match(raw) or DATE_TYPED.match(raw)
    if found is None:
        return raw
    year, month, day_ = found.groups()
    return f"{year}-{int(month):02d}-{int(day_):02d}"


def iso_time(raw: str) -> str:
    """A typed time as HH:MM (unchanged when it is no time)."""
    found = TIME_TYPED.match(raw.strip())
    if found is None:
        return raw.strip()
    hours, minutes = found.groups()
    return f"{int(hours):02d}:{minutes}"


def parse_day(raw: str, *, field: str) -> date:
    """The domain's one date value (as every entry point reads dates), refused in words."""
    try:
        return parse_date(iso_date(raw), field=field)
    except InvalidValue:
        raise UnreadableValue(_("Enter a date as YYYY-MM-DD."), field=field) from None


def parse_time(raw: str, *, field: str) -> time:
    try:
        return time.fromisoformat(iso_time(raw))
    except ValueError:
        raise UnreadableValue(_("Enter a time as HH:MM."), field=field) from None


def day(name: str) -> date:
    return parse_day(text(name), field=name)


def moment(name: str) -> datetime:
    """A date field and its `_time` companion, as a moment in Swedish time."""
    on = day(name)
    at = parse_time(request.form.get(f"{name}_time", "").strip() or "00:00", field=f"{name}_time")
    return datetime.combine(on, at, tzinfo=STOCKHOLM)


def checkbox(name: str) -> bool:
    return request.form.get(name) in ("on", "true", "1", "yes")


def choice(name: str, allowed: tuple[str, ...] | list[str]) -> str:
    value = text(name)
    if value not in allowed:
        raise UnreadableValue(_("Choose one of the options."), field=name)
    return value


def now_fields() -> dict[str, Any]:
    now = datetime.now(STOCKHOLM)
    return {"today": now.date().isoformat(), "now_time": now.strftime("%H:%M")}

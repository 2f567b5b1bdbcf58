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


def day(name: str) -> date:
    """The domain's one date value (as every entry point reads dates), refused in words."""
    try:
        return parse_date(text(name), field=name)
    except InvalidValue:
        raise UnreadableValue(_("Enter a date as YYYY-MM-DD."), field=name) from None


def moment(name: str) -> datetime:
    """A date field and its `_time` companion, as a moment in Swedish time."""
    on = day(name)
    raw = request.form.get(f"{name}_time", "").strip() or "00:00"
    try:
        at = time.fromisoformat(raw)
    except ValueError:
        raise UnreadableValue(_("Enter a time as HH:MM."), field=f"{name}_time") from None
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

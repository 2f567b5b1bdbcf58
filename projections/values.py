"""Conversions between event values and the column values both databases store alike."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from uuid import UUID

from domain.values.timestamps import STOCKHOLM

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_CENT = Decimal("0.01")


def micros(moment: datetime) -> int:
    """Microseconds since the epoch: exact, and ordered the same on SQLite and PostgreSQL."""
    return (moment - EPOCH) // _MICROSECOND


def from_micros(value: int) -> datetime:
    return EPOCH + timedelta(microseconds=value)


def rfc3339(value: int | None) -> str | None:
    return None if value is None else from_micros(value).isoformat(timespec="microseconds")


def stockholm_year(moment: datetime) -> int:
    return moment.astimezone(STOCKHOLM).year


def sek(amount: Decimal | str | int) -> str:
    """SEK as the API writes it: a string with two decimals."""
    return str(Decimal(amount).quantize(_CENT))


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, UUID):
        return str(value)
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


# One encoder for every call: json.dumps would build a new one each time it gets options.
_ENCODER = json.JSONEncoder(
    sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=_json_default
)


def to_json(value: Any) -> str:
    """Canonical JSON (sorted keys, no spaces) so that equal states store equal text."""
    return _ENCODER.encode(value)


def from_json(text: str | None) -> Any:
    return None if text is None else json.loads(text)


def fold(text: str) -> str:
    """Case- and space-insensitive form of a text, for search and for matching names."""
    return " ".join(unicodedata.normalize("NFKC", text).casefold().split())


def like_escape(text: str) -> str:
    """Escapes LIKE wildcards for a pattern used with ESCAPE '!'."""
    return text.replace("!", "!!").replace("%", "!%").replace("_", "!_")

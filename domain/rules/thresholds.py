"""Swedish procurement (LOU) amounts and periods, read from a dated data file.

The law changes these values every few years, and a decision must be judged by the value in
force on the decision's date, not today's. So the values live in
``domain/data/procurement_law.json`` as dated histories that a non-programmer can extend, and
this module only answers "which entry was in force on day X".
"""

from __future__ import annotations

import bisect
import itertools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Any, Final, Generic, Protocol, TypeVar

from domain.errors import RuleViolation

_PACKAGE_WITH_DATA: Final = "domain"
_DATA_FILE_PARTS: Final = ("data", "procurement_law.json")

DIRECT_AWARD_LIMIT_KEY: Final = "direct_award_limit"
EU_THRESHOLD_KEY: Final = "eu_threshold_sub_central_goods_services"
STANDSTILL_KEY: Final = "standstill_days"
EXTENDED_STANDSTILL_KEY: Final = "extended_standstill_days"

# Spec §9: money is SEK with at most two decimals. Digits only, so "2 389 585" or "2,389,585"
# (which a person copying from a web page would naturally type) gets a clear refusal instead
# of being misread.
_AMOUNT_TEXT: Final = re.compile(r"[0-9]+(\.[0-9]{1,2})?")


class InvalidLawTable(ValueError):
    """The procurement law data file is malformed; the message names the offending entry."""


class NoRuleInForce(RuleViolation, LookupError):
    """The table has no entry in force on the requested day (it is before the first entry): a
    decision dated then cannot be checked against the law, so it is refused, not guessed at."""

    rule = "no_rule_in_force"


@dataclass(frozen=True, slots=True)
class AmountInForce:
    """One dated amount: in force from ``effective_from`` until the next entry's date."""

    effective_from: date
    amount_sek: Decimal
    source: str
    note: str | None = None


@dataclass(frozen=True, slots=True)
class StandstillPeriod:
    """Avtalsspärr lengths in calendar days, in force from ``effective_from``."""

    effective_from: date
    electronic_days: int
    other_days: int
    source: str
    note: str | None = None

    def days(self, *, electronic: bool) -> int:
        return self.electronic_days if electronic else self.other_days


@dataclass(frozen=True, slots=True)
class ExtendedStandstillPeriod:
    """Förlängd avtalsspärr: calendar days from the court's ruling, from ``effective_from``."""

    effective_from: date
    days_after_ruling: int
    source: str
    note: str | None = None


class _EffectiveDated(Protocol):
    @property
    def effective_from(self) -> date: ...


EntryT = TypeVar("EntryT", bound=_EffectiveDated)


def require_calendar_date(day: date) -> None:
    """Refuse a ``datetime`` where a legal calendar date is meant.

    ``datetime`` is a subclass of ``date``, so it would otherwise slip through; but legal days
    are Europe/Stockholm calendar dates (spec §9) and silently taking ``.date()`` of a UTC
    timestamp gives the wrong day for an hour or two around midnight.
    """
    if isinstance(day, datetime):
        raise TypeError(
            "Expected a calendar date (datetime.date) in Europe/Stockholm, got a datetime; "
            "convert it to the Stockholm calendar date first."
        )
    if not isinstance(day, date):
        raise TypeError(f"Expected a datetime.date, got {type(day).__name__}.")


class EffectiveDatedSeries(Generic[EntryT]):
    """A history of entries; each one applies from its date until the next entry's date."""

    def __init__(self, name: str, entries: Sequence[EntryT], *, location: str = "") -> None:
        """``name`` is how lookups describe the value; ``location`` is where a person editing
        the data file finds the list, used in validation errors (defaults to ``name``)."""
        where = location or name
        if not entries:
            raise InvalidLawTable(f"{where}: the list has no entries.")
        ordered = sorted(entries, key=lambda entry: entry.effective_from)
        for earlier, later in itertools.pairwise(ordered):
            if earlier.effective_from == later.effective_from:
                raise InvalidLawTable(
                    f"{where}: two entries take effect on {later.effective_from.isoformat()}; "
                    "keep only one entry per date."
                )
        self.name = name
        self._entries: tuple[EntryT, ...] = tuple(ordered)
        self._starts: tuple[date, ...] = tuple(entry.effective_from for entry in ordered)

    @property
    def entries(self) -> tuple[EntryT, ...]:
        """All entries, oldest first."""
        return self._entries

    def in_force_on(self, day: date) -> EntryT:
        require_calendar_date(day)
        index = bisect.bisect_right(self._starts, day) - 1
        if index < 0:
            raise NoRuleInForce(
                f"No {self.name} is in force on {day.isoformat()}: the table starts on "
                f"{self._starts[0].isoformat()}."
            )
        return self._entries[index]


class LawTable:
    """The procurement law values, each as a dated history."""

    def __init__(
        self,
        *,
        direct_award_limits: Sequence[AmountInForce],
        eu_thresholds: Sequence[AmountInForce],
        standstill_periods: Sequence[StandstillPeriod],
        extended_standstill_periods: Sequence[ExtendedStandstillPeriod],
        origin: str = "law table",
    ) -> None:
        self.direct_award_limits = EffectiveDatedSeries(
            "direct-award limit (direktupphandlingsgräns)",
            direct_award_limits,
            location=f"{origin}: {DIRECT_AWARD_LIMIT_KEY}",
        )
        self.eu_thresholds = EffectiveDatedSeries(
            "EU threshold for sub-central goods and services (tröskelvärde)",
            eu_thresholds,
            location=f"{origin}: {EU_THRESHOLD_KEY}",
        )
        self.standstill_periods = EffectiveDatedSeries(
            "standstill period (avtalsspärr)",
            standstill_periods,
            location=f"{origin}: {STANDSTILL_KEY}",
        )
        self.extended_standstill_periods = EffectiveDatedSeries(
            "extended standstill period (förlängd avtalsspärr)",
            extended_standstill_periods,
            location=f"{origin}: {EXTENDED_STANDSTILL_KEY}",
        )

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, origin: str = "law table") -> LawTable:
        """Build from decoded JSON; ``origin`` prefixes error messages (e.g. the file name)."""
        if not isinstance(data, Mapping):
            raise InvalidLawTable(f"{origin}: the top level must be a JSON object.")
        return cls(
            direct_award_limits=[
                _amount_entry(raw, f"{origin}: {DIRECT_AWARD_LIMIT_KEY} entry {number}")
                for number, raw in _numbered_entries(data, DIRECT_AWARD_LIMIT_KEY, origin)
            ],
            eu_thresholds=[
                _amount_entry(raw, f"{origin}: {EU_THRESHOLD_KEY} entry {number}")
                for number, raw in _numbered_entries(data, EU_THRESHOLD_KEY, origin)
            ],
            standstill_periods=[
                _standstill_entry(raw, f"{origin}: {STANDSTILL_KEY} entry {number}")
                for number, raw in _numbered_entries(data, STANDSTILL_KEY, origin)
            ],
            extended_standstill_periods=[
                _extended_standstill_entry(
                    raw, f"{origin}: {EXTENDED_STANDSTILL_KEY} entry {number}"
                )
                for number, raw in _numbered_entries(data, EXTENDED_STANDSTILL_KEY, origin)
            ],
            origin=origin,
        )

    @classmethod
    def from_json_text(cls, text: str, *, origin: str = "law table") -> LawTable:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise InvalidLawTable(f"{origin}: not valid JSON ({error}).") from error
        return cls.from_mapping(data, origin=origin)

    @classmethod
    def packaged(cls) -> LawTable:
        """Read the data file shipped inside the ``domain`` package."""
        resource = resources.files(_PACKAGE_WITH_DATA)
        for part in _DATA_FILE_PARTS:
            resource = resource / part
        return cls.from_json_text(
            resource.read_text(encoding="utf-8"), origin="/".join(_DATA_FILE_PARTS)
        )

    def direct_award_limit_entry_on(self, day: date) -> AmountInForce:
        return self.direct_award_limits.in_force_on(day)

    def direct_award_limit_on(self, day: date) -> Decimal:
        return self.direct_award_limit_entry_on(day).amount_sek

    def eu_threshold_entry_on(self, day: date) -> AmountInForce:
        return self.eu_thresholds.in_force_on(day)

    def eu_threshold_on(self, day: date) -> Decimal:
        return self.eu_threshold_entry_on(day).amount_sek

    def standstill_period_on(self, day: date) -> StandstillPeriod:
        return self.standstill_periods.in_force_on(day)

    def standstill_days_on(self, day: date, *, electronic: bool) -> int:
        return self.standstill_period_on(day).days(electronic=electronic)

    def extended_standstill_days_on(self, ruled_on: date) -> int:
        return self.extended_standstill_periods.in_force_on(ruled_on).days_after_ruling


def _numbered_entries(
    data: Mapping[str, Any], key: str, origin: str
) -> list[tuple[int, Mapping[str, Any]]]:
    raw_entries = data.get(key)
    if not isinstance(raw_entries, list):
        raise InvalidLawTable(f"{origin}: {key!r} must be a list of dated entries.")
    numbered: list[tuple[int, Mapping[str, Any]]] = []
    # Numbered from 1 in the order written, because that is how a person counts entries
    # when looking for the one an error message points at.
    for number, raw in enumerate(raw_entries, start=1):
        if not isinstance(raw, Mapping):
            raise InvalidLawTable(f"{origin}: {key} entry {number} must be a JSON object.")
        numbered.append((number, raw))
    return numbered


def _check_keys(
    raw: Mapping[str, Any], where: str, *, required: set[str], optional: set[str]
) -> None:
    missing = required - raw.keys()
    if missing:
        raise InvalidLawTable(f"{where}: missing {', '.join(sorted(missing))}.")
    # Refusing unknown keys catches misspellings such as "efective_from" that would
    # otherwise be ignored silently.
    unknown = raw.keys() - required - optional
    if unknown:
        allowed = ", ".join(sorted(required | optional))
        raise InvalidLawTable(
            f"{where}: unknown field(s) {', '.join(sorted(unknown))}; allowed: {allowed}."
        )


def _effective_from(raw: Mapping[str, Any], where: str) -> date:
    text = raw["effective_from"]
    if not isinstance(text, str):
        raise InvalidLawTable(f"{where}: effective_from must be a date in quotes, YYYY-MM-DD.")
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise InvalidLawTable(
            f"{where}: effective_from {text!r} is not a date written YYYY-MM-DD."
        ) from error


def _text(raw: Mapping[str, Any], field: str, where: str) -> str:
    value = raw[field]
    if not isinstance(value, str) or not value.strip():
        raise InvalidLawTable(f"{where}: {field} must be non-empty text.")
    return value


def _optional_note(raw: Mapping[str, Any], where: str) -> str | None:
    return _text(raw, "note", where) if "note" in raw else None


def _amount_entry(raw: Mapping[str, Any], where: str) -> AmountInForce:
    _check_keys(raw, where, required={"effective_from", "amount_sek", "source"}, optional={"note"})
    amount_text = raw["amount_sek"]
    # A JSON number would be decoded as a binary float and could lose öre; requiring text
    # keeps the amount exact from file to Decimal.
    if not isinstance(amount_text, str):
        raise InvalidLawTable(
            f'{where}: amount_sek must be written in quotes, e.g. "700000", '
            f"not as a bare number ({amount_text!r})."
        )
    if _AMOUNT_TEXT.fullmatch(amount_text) is None:
        raise InvalidLawTable(
            f"{where}: amount_sek {amount_text!r} must be digits only, optionally with up to "
            'two decimals after a point, e.g. "2389585" (no spaces or thousands separators).'
        )
    amount = Decimal(amount_text)
    if amount <= 0:
        raise InvalidLawTable(f"{where}: amount_sek must be greater than zero.")
    return AmountInForce(
        effective_from=_effective_from(raw, where),
        amount_sek=amount,
        source=_text(raw, "source", where),
        note=_optional_note(raw, where),
    )


def _day_count(raw: Mapping[str, Any], field: str, where: str) -> int:
    value = raw[field]
    # bool is a subclass of int in Python, so `true` would otherwise count as 1 day.
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidLawTable(f"{where}: {field} must be a whole number of days above zero.")
    return value


def _standstill_entry(raw: Mapping[str, Any], where: str) -> StandstillPeriod:
    _check_keys(
        raw,
        where,
        required={
            "effective_from",
            "standstill_days_electronic",
            "standstill_days_other",
            "source",
        },
        optional={"note"},
    )
    return StandstillPeriod(
        effective_from=_effective_from(raw, where),
        electronic_days=_day_count(raw, "standstill_days_electronic", where),
        other_days=_day_count(raw, "standstill_days_other", where),
        source=_text(raw, "source", where),
        note=_optional_note(raw, where),
    )


def _extended_standstill_entry(raw: Mapping[str, Any], where: str) -> ExtendedStandstillPeriod:
    _check_keys(
        raw,
        where,
        required={"effective_from", "days_after_ruling", "source"},
        optional={"note"},
    )
    return ExtendedStandstillPeriod(
        effective_from=_effective_from(raw, where),
        days_after_ruling=_day_count(raw, "days_after_ruling", where),
        source=_text(raw, "source", where),
        note=_optional_note(raw, where),
    )


@cache
def law_table() -> LawTable:
    """The packaged table, read and validated once per process."""
    return LawTable.packaged()


def direct_award_limit_on(day: date) -> Decimal:
    """Direktupphandlingsgräns (LOU, goods, services and works) in force on ``day``."""
    return law_table().direct_award_limit_on(day)


def eu_threshold_on(day: date) -> Decimal:
    """EU threshold for sub-central authorities' goods and services in force on ``day``."""
    return law_table().eu_threshold_on(day)


def standstill_days_on(day: date, *, electronic: bool) -> int:
    """Avtalsspärr length in calendar days for an award notice sent on ``day``."""
    return law_table().standstill_days_on(day, electronic=electronic)

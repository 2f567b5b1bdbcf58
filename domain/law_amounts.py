"""The law's amounts as an audited record: who entered which amount, from when, on what ground.

The direct-award limit and the EU thresholds change by law or by the Commission's regulation,
not by a code change. Each new amount is an event of this one aggregate (`LawAmounts`), with its
effective date, official source and the platform admin who entered it, so a rebuild and an
as-of read show exactly which amounts were on record when any decision was checked. The data
file bundled with the domain (`data/procurement_law.json`) is the initial seed, imported as
events once (`seed`); an entry never changes afterwards.

Amounts revised every second year (the EU thresholds, on 1 January of even years) say when their
newest entry is older than two years (`stale_series`), so a table that has not been kept up is
visible in the readiness probe and the log instead of silently checking decisions against an
outdated amount.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, Final

from eventsourcing.domain import event

from domain import clock
from domain.audit import AuditedAggregate
from domain.errors import InvalidValue, RuleViolation
from domain.rules.thresholds import (
    DIRECT_AWARD_LIMIT_KEY,
    EU_THRESHOLD_KEY,
    AmountInForce,
    LawTable,
)
from domain.values.dates import parse_date
from domain.values.money import parse_sek
from domain.values.text import required_text

LAW_AMOUNTS_ID: Final = uuid.UUID("3c8f1d7e-2b4a-5e6f-8a9b-0c1d2e3f4a5b")
# Not a municipality: a slug starts with a letter, so this tenant can never be one.
PLATFORM_TENANT: Final = "_platform"
EU_THRESHOLD_EUR_KEY: Final = "eu_threshold_sub_central_goods_services_eur"
# How far ahead an amount may be entered: amounts are published some weeks (the EU thresholds
# a month or two) before they take effect; a year is room enough and keeps typos such as 2062
# out of the record.
MAX_LEAD: Final = timedelta(days=366)
REVISION_AGE_YEARS: Final = 2


@dataclass(frozen=True)
class AmountSeries:
    key: str
    name: str
    currency: str
    # Revised every second year on 1 January (EU thresholds); None where the law itself moves.
    revised_biennially: bool
    checked_by_decisions: bool


SERIES: Final[Mapping[str, AmountSeries]] = {
    series.key: series
    for series in (
        AmountSeries(
            DIRECT_AWARD_LIMIT_KEY,
            "direct-award limit (direktupphandlingsgräns)",
            "SEK",
            revised_biennially=False,
            checked_by_decisions=True,
        ),
        AmountSeries(
            EU_THRESHOLD_KEY,
            "EU threshold for sub-central goods and services, in SEK (tröskelvärde)",
            "SEK",
            revised_biennially=True,
            checked_by_decisions=True,
        ),
        AmountSeries(
            EU_THRESHOLD_EUR_KEY,
            "EU threshold for sub-central goods and services, in EUR (Commission regulation)",
            "EUR",
            revised_biennially=True,
            checked_by_decisions=False,
        ),
    )
}


def _series(key: object) -> AmountSeries:
    if not isinstance(key, str) or key not in SERIES:
        raise InvalidValue(f"series: one of {', '.join(SERIES)}", field="series")
    return SERIES[key]


class LawAmounts(AuditedAggregate):
    """Every amount of the law on record, per series, in the order entered."""

    TOPIC = "innoledger:LawAmounts"
    TENANT_FIELD = "tenant_of_record"

    @staticmethod
    def create_id() -> uuid.UUID:
        return LAW_AMOUNTS_ID

    @classmethod
    def open(cls, seed: Iterable[Mapping[str, Any]], *, entered_by: str) -> LawAmounts:
        """The record, opened with the bundled seed's amounts (one event)."""
        return cls(
            tenant_of_record=PLATFORM_TENANT,
            seed=_distinct([_checked(**entry, shipped=True) for entry in seed], on_record={}),
            entered_by=entered_by,
        )

    @event("Created", topic="innoledger:LawAmounts.Opened")
    def __init__(self, tenant_of_record: str, seed: list[dict[str, Any]], entered_by: str) -> None:
        self.tenant_of_record = tenant_of_record
        self.entries: dict[str, list[dict[str, Any]]] = {key: [] for key in SERIES}
        for entry in seed:
            self._add(entry, entered_by=entered_by, seeded=True)

    @property
    def tenant(self) -> str:
        return self.tenant_of_record

    def enter_amount(
        self,
        *,
        series: object,
        effective_from: object,
        amount: object,
        source: object,
        note: object = None,
        entered_by: str,
    ) -> None:
        """Records a new amount. Nothing already entered changes: past decisions were checked
        against what was on record then, and their events say which amount that was."""
        entry = _checked(
            series=series, effective_from=effective_from, amount=amount, source=source, note=note
        )
        kind = SERIES[entry["series"]]
        if self._on_record(entry):
            raise RuleViolation(
                f"an amount of the {kind.name} in force from"
                f" {entry['effective_from'].isoformat()} is on record already; entries never"
                " change",
                rule="amount_on_record",
            )
        self._amount_entered(**entry, entered_by=entered_by)

    @event("AmountEntered", topic="innoledger:LawAmounts.AmountEntered")
    def _amount_entered(
        self,
        series: str,
        effective_from: date,
        amount: Decimal,
        currency: str,
        source: str,
        note: str | None,
        entered_by: str,
    ) -> None:
        self._add(
            {
                "series": series,
                "effective_from": effective_from,
                "amount": amount,
                "currency": currency,
                "source": source,
                "note": note,
            },
            entered_by=entered_by,
            seeded=False,
        )

    def seed(self, entries: Iterable[Mapping[str, Any]], *, entered_by: str) -> int:
        """Imports the seed entries whose series and date are not on record yet, in one event
        (importing the same file again records nothing); returns how many were new."""
        new = _distinct(
            [_checked(**entry, shipped=True) for entry in entries], on_record=self.entries
        )
        if new:
            self._seeded(entries=new, entered_by=entered_by)
        return len(new)

    @event("Seeded", topic="innoledger:LawAmounts.Seeded")
    def _seeded(self, entries: list[dict[str, Any]], entered_by: str) -> None:
        for entry in entries:
            self._add(entry, entered_by=entered_by, seeded=True)

    def _add(self, entry: Mapping[str, Any], *, entered_by: str, seeded: bool) -> None:
        series = self.entries.setdefault(str(entry["series"]), [])
        series.append(
            {
                "effective_from": entry["effective_from"],
                "amount": entry["amount"],
                "currency": entry["currency"],
                "source": entry["source"],
                "note": entry["note"],
                "entered_by": entered_by,
                "seeded": seeded,
            }
        )
        series.sort(key=lambda e: e["effective_from"])

    def _on_record(self, entry: Mapping[str, Any]) -> bool:
        return any(
            e["effective_from"] == entry["effective_from"]
            for e in self.entries.get(str(entry["series"]), [])
        )

    def law_table(self, periods: LawTable) -> LawTable:
        """The amounts on record, with the day counts (standstill periods) of `periods`."""
        return LawTable(
            direct_award_limits=self._in_force(DIRECT_AWARD_LIMIT_KEY),
            eu_thresholds=self._in_force(EU_THRESHOLD_KEY),
            standstill_periods=periods.standstill_periods.entries,
            extended_standstill_periods=periods.extended_standstill_periods.entries,
            origin="law amounts on record",
        )

    def _in_force(self, key: str) -> list[AmountInForce]:
        return [
            AmountInForce(
                effective_from=entry["effective_from"],
                amount_sek=entry["amount"],
                source=entry["source"],
                note=entry["note"],
            )
            for entry in self.entries.get(key, [])
        ]

    def stale_series(self, today: date) -> list[dict[str, Any]]:
        return stale_series(self.entries, today)


def seed_record(entries: Iterable[Mapping[str, Any]], *, entered_by: str) -> dict[str, Any]:
    """What the record holds once opened with `entries` (before it is opened, reads show it)."""
    by_series: dict[str, list[dict[str, Any]]] = {key: [] for key in SERIES}
    for entry in _distinct([_checked(**entry, shipped=True) for entry in entries], on_record={}):
        by_series[entry["series"]].append(
            {
                **{k: v for k, v in entry.items() if k != "series"},
                "entered_by": entered_by,
                "seeded": True,
            }
        )
    for series in by_series.values():
        series.sort(key=lambda e: e["effective_from"])
    return by_series


def stale_series(entries: Mapping[str, list[dict[str, Any]]], today: date) -> list[dict[str, Any]]:
    """The biennially revised amounts whose newest entry is more than two years old."""
    stale = []
    for kind in SERIES.values():
        series = entries.get(kind.key, [])
        if not kind.revised_biennially or not series:
            continue
        newest = series[-1]["effective_from"]
        due = newest.replace(year=newest.year + REVISION_AGE_YEARS)
        if today <= due:
            continue
        warning: dict[str, Any] = {
            "series": kind.key,
            "newest_effective_from": newest.isoformat(),
            "due": due.isoformat(),
            "message": f"the {kind.name} on record dates from {newest.isoformat()}, more than"
            f" two years ago; the amount in force from {due.isoformat()} is missing, so"
            " decisions are checked against the older one",
        }
        newer_elsewhere = [
            entry
            for other in SERIES.values()
            if other.key != kind.key and other.revised_biennially
            for entry in entries.get(other.key, [])
            if entry["effective_from"] > newest
        ]
        if newer_elsewhere:
            known = newer_elsewhere[-1]
            warning["message"] += (
                f" (on record in {known['currency']}: {known['amount']} from"
                f" {known['effective_from'].isoformat()}, {known['source']})"
            )
        stale.append(warning)
    return stale


def _checked(
    *,
    series: object,
    effective_from: object,
    amount: object,
    source: object,
    note: object = None,
    shipped: bool = False,
) -> dict[str, Any]:
    """One amount entry, validated by the rules every entry follows. An amount entered by a
    person may lie at most a year ahead; the bundled seed (`shipped`) is the law as published
    and is taken whatever the clock says, or a store whose clock stands before its newest
    amount could not open the record, and no decision checking an amount could be taken."""
    kind = _series(series)
    day = parse_date(effective_from, field="effective_from")
    if kind.revised_biennially and (day.month, day.day) != (1, 1):
        raise InvalidValue(
            f"effective_from: the {kind.name} is revised on 1 January; {day.isoformat()} is not",
            field="effective_from",
        )
    latest = clock.today() + MAX_LEAD
    if day > latest and not shipped:
        raise InvalidValue(
            f"effective_from: {day.isoformat()} is more than a year ahead; enter an amount once"
            f" it is decided and published (up to {latest.isoformat()})",
            field="effective_from",
            rule="dated_in_future",
        )
    value = parse_sek(amount, field="amount")
    if value <= 0:
        raise InvalidValue("amount: greater than zero", field="amount")
    return {
        "series": kind.key,
        "effective_from": day,
        "amount": value,
        "currency": kind.currency,
        "source": required_text(source, field="source", max_length=1000),
        "note": None if note is None else required_text(note, field="note", max_length=2000),
    }


def _distinct(
    entries: list[dict[str, Any]], *, on_record: Mapping[str, list[dict[str, Any]]]
) -> list[dict[str, Any]]:
    seen = {(key, e["effective_from"]) for key, series in on_record.items() for e in series}
    new = []
    for entry in entries:
        if (entry["series"], entry["effective_from"]) not in seen:
            seen.add((entry["series"], entry["effective_from"]))
            new.append(entry)
    return new


def seed_entries(data: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The amount entries of the bundled data file, as `enter_amount` takes them."""
    entries: list[dict[str, Any]] = []
    for key, kind in SERIES.items():
        amount_key = "amount_sek" if kind.currency == "SEK" else "amount_eur"
        for raw in data.get(key, []):
            entries.append(
                {
                    "series": key,
                    "effective_from": parse_date(raw["effective_from"], field="effective_from"),
                    "amount": raw[amount_key],
                    "source": raw["source"],
                    "note": raw.get("note"),
                }
            )
    return entries

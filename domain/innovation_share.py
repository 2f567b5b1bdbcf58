"""The innovation share (innovationsandel): what one procurement credits to whom, in which year.

The definition (docs/innovation-share.md says it for users):

* Every procurement a municipality registers counts, ordinary purchasing included; each is
  screened for innovation. One not screened yet counts as not innovation.
* **Started** in the Stockholm calendar year of its procurement decision (anskaffningsbeslut):
  the decision recorded with a registered procurement, else the latest of its needs' decisions
  to procure. A cancelled procurement was still started. Value: the estimated value.
* **Contracted** in the year of the day the contract was signed (a calendar date). Value: the
  contract value.
* **Joint procurements** count for the lead and for every participant that joined: one
  procurement each. The value is split: a participant that stated its own share of the value
  (a percentage) gets that share; the rest is split equally between the lead and the
  participants that stated none. So the municipalities' values add up to the procurement's.
* **The network** counts each procurement once, with its whole value.
* The share is innovation ÷ all, of counts and of values, per municipality and year.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal
from typing import Any

from domain.errors import InvalidValue

NETWORK = ""  # the key under which a procurement's network-wide credit is given
COUNTS = ("started_count", "started_innovation_count", "contracted_count",
          "contracted_innovation_count")  # fmt: skip
VALUES = ("started_value_sek", "started_innovation_value_sek", "contracted_value_sek",
          "contracted_innovation_value_sek")  # fmt: skip
METRICS = COUNTS + VALUES
_CENT = Decimal("0.01")
_HUNDRED = Decimal(100)

Credits = dict[tuple[str, int], dict[str, Any]]
# What a target share is set on: the share of procurements started or contracted in the year,
# counted or by value.
TARGET_MEASURES = ("started_count", "started_value", "contracted_count", "contracted_value")


def value_share_percent(value: object, *, field: str = "value_share_percent") -> Decimal:
    """A participant's own share of a joint procurement's value: above 0, at most 100."""
    try:
        share = Decimal(str(value)) if isinstance(value, (str, int, Decimal)) else None
    except ArithmeticError:
        share = None
    if (
        share is None
        or isinstance(value, bool)
        or not share.is_finite()
        or not Decimal(0) < share <= _HUNDRED
        or share != share.quantize(_CENT)
    ):
        raise InvalidValue(
            f"{field}: a percentage above 0 and at most 100, at most two decimals", field=field
        )
    return share.quantize(_CENT)


def target_year(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 2000 <= value <= 2100:
        raise InvalidValue("year: a year from 2000 to 2100", field="year")
    return value


def target_measure(value: object) -> str:
    if value not in TARGET_MEASURES:
        raise InvalidValue(f"measure: one of {', '.join(TARGET_MEASURES)}", field="measure")
    return str(value)


def target_percent(value: object) -> Decimal:
    """A target share in percent: from 0 to 100, at most two decimals."""
    if value in (0, "0", "0.0", "0.00"):
        return Decimal("0.00")
    return value_share_percent(value, field="target_percent")


@dataclass(frozen=True)
class ShareFacts:
    """What the share needs to know of one procurement."""

    lead: str
    started_year: int
    estimated_value_sek: Decimal
    innovation: bool
    contracted_year: int | None = None
    contract_value_sek: Decimal | None = None
    # Participants that joined, each with its own share of the value in percent, if stated.
    partners: tuple[tuple[str, Decimal | None], ...] = ()


def value_parts(value: Decimal, lead: str, partners: Iterable[tuple[str, Decimal | None]]
                ) -> dict[str, Decimal]:
    """`value` split between the lead and its partners in whole öre, adding up to `value`
    exactly: each part is its exact share rounded down, and the öre that leaves go one each to
    the parts that lost most by it (largest remainder). No part is negative, and none is an öre
    or more away from its exact share, even when the stated shares leave the lead nothing."""
    partners = list(partners)
    stated = {name: share for name, share in partners if share is not None}
    unstated = [name for name, share in partners if share is None]
    rest = max(_HUNDRED - sum(stated.values(), Decimal(0)), Decimal(0))
    each = rest / (len(unstated) + 1)
    members = [lead, *(name for name, _ in partners)]
    exact = {name: value * stated.get(name, each) / _HUNDRED for name in members}
    parts = {name: share.quantize(_CENT, rounding=ROUND_DOWN) for name, share in exact.items()}
    left = int((value - sum(parts.values(), Decimal(0))) / _CENT)
    # Ties go to the lead first, then the partners in their order: the same split every time.
    by_remainder = sorted(members, key=lambda name: -(exact[name] - parts[name]))
    for name in by_remainder[:left]:
        parts[name] += _CENT
    return parts


def credits(facts: ShareFacts) -> Credits:
    """What one procurement adds, keyed by (municipality, year) and (NETWORK, year)."""
    out: Credits = defaultdict(dict)
    members = [facts.lead, *(name for name, _ in facts.partners)]

    def credit(stage: str, year: int, value: Decimal) -> None:
        parts = value_parts(value, facts.lead, facts.partners)
        for name, amount in [*((m, parts[m]) for m in members), (NETWORK, value)]:
            row = out[(name, year)]
            row[f"{stage}_count"] = row.get(f"{stage}_count", 0) + 1
            row[f"{stage}_value_sek"] = row.get(f"{stage}_value_sek", Decimal(0)) + amount
            if facts.innovation:
                row[f"{stage}_innovation_count"] = row.get(f"{stage}_innovation_count", 0) + 1
                row[f"{stage}_innovation_value_sek"] = (
                    row.get(f"{stage}_innovation_value_sek", Decimal(0)) + amount
                )

    credit("started", facts.started_year, facts.estimated_value_sek)
    if facts.contracted_year is not None and facts.contract_value_sek is not None:
        credit("contracted", facts.contracted_year, facts.contract_value_sek)
    return dict(out)


def add_credits(total: Credits, part: Credits, sign: int = 1) -> None:
    for key, change in part.items():
        row = total.setdefault(key, {})
        for metric, amount in change.items():
            row[metric] = row.get(metric, 0) + sign * amount


def share_table(all_facts: Iterable[ShareFacts]) -> Credits:
    """The whole table computed from scratch: every procurement's credits added up."""
    total: Credits = {}
    for facts in all_facts:
        add_credits(total, credits(facts))
    return total

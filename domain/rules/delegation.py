"""Delegation order (delegationsordning): who may take which decision, up to which value.

A municipality adopts versions of its order with an effective date; a decision is checked against
the version in force on the Stockholm calendar date of its `decided_at`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from domain.decisions import BOARD_ONLY_DECISIONS, DELEGABLE_DECISION_TYPES
from domain.errors import AuthorityMissing, InvalidValue
from domain.values.money import parse_sek
from domain.values.text import required_text

DELEGABLE_ROLES = ("decision_maker", "officer", "tenant_admin")


@dataclass(frozen=True)
class DelegationRule:
    rule_id: str
    decision_type: str
    role: str
    max_value_sek: Decimal | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_id": self.rule_id,
            "decision_type": self.decision_type,
            "role": self.role,
            "max_value_sek": self.max_value_sek,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, index: int = 0) -> DelegationRule:
        where = f"rules[{index}]"
        if not isinstance(data, dict):
            raise InvalidValue(f"{where}: must be an object", field=where)
        decision_type = data.get("decision_type")
        if decision_type in BOARD_ONLY_DECISIONS:
            raise InvalidValue(
                f"{where}.decision_type: {decision_type!r} is the board's own decision and is"
                " never delegated",
                field=f"{where}.decision_type",
            )
        if decision_type not in DELEGABLE_DECISION_TYPES:
            raise InvalidValue(
                f"{where}.decision_type: unknown decision type {decision_type!r}",
                field=f"{where}.decision_type",
            )
        role = data.get("role")
        if role not in DELEGABLE_ROLES:
            raise InvalidValue(
                f"{where}.role: must be one of {', '.join(DELEGABLE_ROLES)}",
                field=f"{where}.role",
            )
        ceiling = data.get("max_value_sek")
        return cls(
            rule_id=required_text(data.get("rule_id"), field=f"{where}.rule_id", max_length=64),
            decision_type=decision_type,
            role=role,
            max_value_sek=None
            if ceiling is None
            else parse_sek(ceiling, field=f"{where}.max_value_sek"),
        )


def parse_rules(rules: object) -> list[DelegationRule]:
    if not isinstance(rules, (list, tuple)) or not rules:
        raise InvalidValue("rules: a delegation order needs at least one rule", field="rules")
    if len(rules) > 500:
        raise InvalidValue("rules: at most 500 rules", field="rules")
    parsed = [DelegationRule.from_dict(rule, index=i) for i, rule in enumerate(rules)]
    seen: set[str] = set()
    for rule in parsed:
        if rule.rule_id in seen:
            raise InvalidValue(f"rules: rule_id {rule.rule_id!r} appears twice", field="rules")
        seen.add(rule.rule_id)
    return parsed


def order_in_force(orders: list[dict[str, Any]], on: date) -> dict[str, Any] | None:
    """The adopted version with the latest effective date on or before `on`.

    Among versions with the same effective date, the one adopted last wins.
    """
    in_force = [order for order in orders if order["effective_from"] <= on]
    if not in_force:
        return None
    return max(in_force, key=lambda order: (order["effective_from"], order["version"]))


def find_authorising_rule(
    order: dict[str, Any] | None,
    *,
    on: date,
    decision_type: str,
    roles: tuple[str, ...],
    value_sek: Decimal | None,
    rule_id: str | None,
) -> DelegationRule:
    if order is None:
        raise AuthorityMissing(
            f"no delegation order is in force on {on.isoformat()}; record a board decision",
            rule="no_delegation_order",
        )
    rules = [DelegationRule.from_dict(rule) for rule in order["rules"]]
    candidates = [
        rule
        for rule in rules
        if rule.decision_type == decision_type
        and rule.role in roles
        and (rule_id is None or rule.rule_id == rule_id)
    ]
    if not candidates:
        named = f" rule {rule_id!r}" if rule_id else " no rule"
        raise AuthorityMissing(
            f"delegation order version {order['version']} gives{named} for a {decision_type!r}"
            f" decision to the roles {', '.join(sorted(roles)) or 'none'}",
            rule="not_delegated",
        )
    within = [
        rule
        for rule in candidates
        if value_sek is None or rule.max_value_sek is None or value_sek <= rule.max_value_sek
    ]
    if not within:
        highest = max(rule.max_value_sek or Decimal(0) for rule in candidates)
        raise AuthorityMissing(
            f"value {value_sek} SEK is above the delegated ceiling of {highest} SEK for"
            f" {decision_type!r}; a board decision is needed",
            rule="above_delegated_ceiling",
        )
    # Prefer the narrowest rule that covers the decision: it is the one the order intends.
    return min(within, key=lambda rule: (rule.max_value_sek is None, rule.max_value_sek or 0))

"""The lead's decisions on a procurement as typed commands: one frozen value per decision type.

The HTTP schema builds them after parsing the JSON body; other callers (pages, the demo, tests)
build them from a mapping of Python values with `procurement_decision`, which refuses an unknown
type, a missing field or a field the type does not have, naming it. The use case then dispatches
on the class: a decision's fields are typed where they are read, never looked up by name. What
the values may be (a known procedure, a date in order, ...) is still the aggregate's to check
when the command runs.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, ClassVar

from domain.errors import InvalidValue
from domain.values.money import parse_sek


@dataclass(frozen=True, kw_only=True)
class LeadDecision:
    """What every decision carries: rationale, the authority claimed, and when it was taken
    (valid time). `TYPE` is the decision type the delegation order names."""

    TYPE: ClassVar[str]
    rationale: str
    authority: Mapping[str, Any]
    decided_at: datetime

    @property
    def type(self) -> str:
        return self.TYPE

    def claim(self) -> dict[str, Any]:
        """The decision's common part, as the authorisation reads it."""
        return {
            "type": self.TYPE,
            "rationale": self.rationale,
            "authority": dict(self.authority),
            "decided_at": self.decided_at,
        }


@dataclass(frozen=True, kw_only=True)
class Screen(LeadDecision):
    TYPE: ClassVar[str] = "screen"
    innovation: bool
    kind: str | None = None


@dataclass(frozen=True, kw_only=True)
class ChooseProcedure(LeadDecision):
    TYPE: ClassVar[str] = "choose_procedure"
    procedure: str
    exemption_rationale: str | None = None
    framework_agreement: str | None = None


@dataclass(frozen=True, kw_only=True)
class Publish(LeadDecision):
    TYPE: ClassVar[str] = "publish"
    notice_id: str
    tender_deadline: datetime


@dataclass(frozen=True)
class NamedSupplier:
    """A supplier as the decision names it: by organisation number (or a sole trader's
    personnummer, which the application turns into a party directory reference) and name."""

    org_number: str | None
    name: str | None = None


@dataclass(frozen=True, kw_only=True)
class Award(LeadDecision):
    TYPE: ClassVar[str] = "award"
    suppliers: tuple[NamedSupplier, ...]
    evaluation_summary: str
    notification_sent_at: datetime
    sent_electronically: bool


@dataclass(frozen=True, kw_only=True)
class SignContract(LeadDecision):
    TYPE: ClassVar[str] = "sign_contract"
    supplier_org_number: str
    contract_value_sek: Decimal
    signed_on: date


@dataclass(frozen=True, kw_only=True)
class Cancel(LeadDecision):
    TYPE: ClassVar[str] = "cancel"


@dataclass(frozen=True, kw_only=True)
class Close(LeadDecision):
    TYPE: ClassVar[str] = "close"
    outcome: str


@dataclass(frozen=True, kw_only=True)
class TerminateEarly(LeadDecision):
    TYPE: ClassVar[str] = "terminate_early"
    reason: str


ProcurementDecision = (
    Screen | ChooseProcedure | Publish | Award | SignContract | Cancel | Close | TerminateEarly
)
COMMANDS: Mapping[str, type[ProcurementDecision]] = {
    command.TYPE: command
    for command in (
        Screen, ChooseProcedure, Publish, Award, SignContract, Cancel, Close, TerminateEarly
    )
}  # fmt: skip


def _suppliers(value: object) -> tuple[NamedSupplier, ...]:
    if not isinstance(value, (list, tuple)):
        raise InvalidValue("suppliers: a list of suppliers", field="suppliers")
    named = []
    for index, supplier in enumerate(value):
        if isinstance(supplier, NamedSupplier):
            named.append(supplier)
        elif isinstance(supplier, Mapping):
            unknown = set(supplier) - {"org_number", "name"}
            if unknown:
                field = f"suppliers[{index}].{sorted(unknown)[0]}"
                raise InvalidValue(f"{field}: a supplier has a number and a name", field=field)
            named.append(NamedSupplier(supplier.get("org_number"), supplier.get("name")))
        else:
            raise InvalidValue(f"suppliers[{index}]: an object", field="suppliers")
    return tuple(named)


# Fields whose value is turned into the command's type on the way in.
_CONVERT: Mapping[str, Callable[[Any], Any]] = {
    "suppliers": _suppliers,
    "contract_value_sek": lambda value: parse_sek(value, field="contract_value_sek"),
}


def procurement_decision(fields: Mapping[str, Any]) -> ProcurementDecision:
    """The typed command for a decision given as a mapping (`type` names which)."""
    kind = fields.get("type")
    command_class = COMMANDS.get(kind) if isinstance(kind, str) else None
    if command_class is None:
        raise InvalidValue(f"type: one of {', '.join(COMMANDS)}", field="type")
    own = {f.name: f for f in dataclasses.fields(command_class)}
    for name in fields:
        if name != "type" and name not in own:
            raise InvalidValue(f"{name}: not part of a {kind} decision", field=name)
    values: dict[str, Any] = {}
    for name, field in own.items():
        value = fields.get(name)
        if value is None:
            optional = field.default is not dataclasses.MISSING
            if not optional:
                raise InvalidValue(f"{name}: required", field=name)
            continue
        values[name] = _CONVERT[name](value) if name in _CONVERT else value
    return command_class(**values)

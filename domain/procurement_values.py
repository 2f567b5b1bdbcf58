"""Values a procurement's state holds: frozen, compared by value, typed where they are read.

They are built by the procurement's @event methods from the events' own fields (the stored
payloads are unchanged), and replace the dictionaries the state held before; a snapshot taken
before them is upcast (Procurement.upcast_v2_v3 for the contract, upcast_v3_v4 for the
participants, bids, award and reviews, upcast_v4_v5 for the screening, milestones and
follow-ups, upcast_v5_v6 for the market dialogue and the lessons). Each says which plain data
it stands for (`as_state`): the shape its dictionary had, which snapshots store and the API and
the audit's state documents show; `from_state` reads that shape back, including the keys older
states lack.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any, Protocol, Self, runtime_checkable

# A participant's answer to its invitation.
INVITED, JOINED, DECLINED, WITHDRAWN = "invited", "joined", "declined", "withdrawn"
TAKING_PART = (INVITED, JOINED)


@runtime_checkable
class StateValue(Protocol):
    """A value in an aggregate's state that says which plain data it stands for: what
    snapshots store, and what the representations and the audit's state documents show."""

    def as_state(self) -> dict[str, Any]: ...


# Leaves that are never state values, told apart at once (as lists and dictionaries are below):
# asking a runtime-checkable protocol costs a look at every attribute it names, and a
# representation asks it of every field.
_PLAIN_LEAVES = (str, int, float, Decimal, date, type(None))


def plain(value: Any) -> Any:
    """`value` with every state value in it replaced by the plain data it stands for (fresh
    lists and dictionaries; other leaves as they are)."""
    if isinstance(value, _PLAIN_LEAVES):
        return value
    if isinstance(value, list):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, StateValue):
        return value.as_state()
    return value


class Immutable:
    """A frozen value of immutable parts: copying it (the aggregate cache deep-copies whole
    aggregates) can hand out the value itself."""

    __slots__ = ()

    def __copy__(self) -> Any:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        return self


class FieldsAsState(Immutable):
    """A value whose state is its fields, by name and in field order; a key an older snapshot
    lacks takes the field's default."""

    __slots__ = ()

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Self:
        return cls(**{
            field.name: state[field.name]
            for field in dataclasses.fields(cls)  # type: ignore[arg-type]
            if field.name in state or field.default is dataclasses.MISSING
        })  # fmt: skip

    def as_state(self) -> dict[str, Any]:
        return {field.name: getattr(self, field.name) for field in dataclasses.fields(self)}  # type: ignore[arg-type]


def party_key(org_number: str | None, party_id: str | None) -> str:
    """One text naming a tenderer or supplier, whichever way it is held."""
    return org_number if org_number is not None else f"party:{party_id}"


@dataclass(frozen=True)
class Contract(Immutable):
    """The signed contract: with an organisation (its number) or a sole trader (the opaque id
    of their party directory entry, the number then None)."""

    supplier_org_number: str | None
    contract_value_sek: Decimal
    signed_on: date
    supplier_party_id: str | None = None

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Contract:
        """From the dictionary an older snapshot holds."""
        return cls(
            supplier_org_number=state.get("supplier_org_number"),
            contract_value_sek=state["contract_value_sek"],
            signed_on=state["signed_on"],
            supplier_party_id=state.get("supplier_party_id"),
        )

    def as_state(self) -> dict[str, Any]:
        """The dictionary a snapshot keeps (the shape older snapshots had)."""
        state: dict[str, Any] = {
            "supplier_org_number": self.supplier_org_number,
            "contract_value_sek": self.contract_value_sek,
            "signed_on": self.signed_on,
        }
        if self.supplier_party_id is not None:
            state["supplier_party_id"] = self.supplier_party_id
        return state


@dataclass(frozen=True)
class Participant(Immutable):
    """A municipality invited to a joint procurement, with its answer, and the share of the
    value it stated when it joined (None when it stated none)."""

    municipality: str
    role: str  # co_lead or participant
    status: str = INVITED
    value_share_percent: Decimal | None = None

    @property
    def takes_part(self) -> bool:
        return self.status in TAKING_PART

    @property
    def is_co_lead(self) -> bool:
        return self.role == "co_lead" and self.status == JOINED

    def answered(self, status: str, value_share_percent: Decimal | None = None) -> Participant:
        """After its decision to join, decline or withdraw (a stated share stays)."""
        share = self.value_share_percent if value_share_percent is None else value_share_percent
        return dataclasses.replace(self, status=status, value_share_percent=share)

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Participant:
        return cls(
            municipality=state["municipality"],
            role=state["role"],
            status=state["status"],
            value_share_percent=state.get("value_share_percent"),
        )

    def as_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "municipality": self.municipality, "role": self.role, "status": self.status
        }  # fmt: skip
        if self.value_share_percent is not None:  # stated when joining; absent otherwise
            state["value_share_percent"] = self.value_share_percent
        return state


@dataclass(frozen=True)
class Bid(Immutable):
    """A bid (anbud): from an organisation by number and name, or from a sole trader by the
    opaque id of their party directory entry (number and name then None)."""

    id: str
    tenderer_org_number: str | None
    tenderer_name: str | None
    received_at: datetime
    late: bool
    tenderer_party_id: str | None = None

    @property
    def tenderer(self) -> str:
        return party_key(self.tenderer_org_number, self.tenderer_party_id)

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Bid:
        return cls(
            id=state["id"],
            tenderer_org_number=state.get("tenderer_org_number"),
            tenderer_name=state.get("tenderer_name"),
            received_at=state["received_at"],
            late=state["late"],
            tenderer_party_id=state.get("tenderer_party_id"),
        )

    def as_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {
            "id": self.id,
            "tenderer_org_number": self.tenderer_org_number,
            "tenderer_name": self.tenderer_name,
            "received_at": self.received_at,
            "late": self.late,
        }
        if self.tenderer_party_id is not None:  # a sole trader; an organisation's bid as it was
            state["tenderer_party_id"] = self.tenderer_party_id
        return state


@dataclass(frozen=True)
class Supplier(Immutable):
    """An awarded supplier: an organisation, or a sole trader by their party directory entry."""

    org_number: str | None
    name: str | None
    party_id: str | None = None

    @property
    def key(self) -> str:
        return party_key(self.org_number, self.party_id)

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Supplier:
        return cls(
            org_number=state.get("org_number"),
            name=state.get("name"),
            party_id=state.get("party_id"),
        )

    def as_state(self) -> dict[str, Any]:
        state: dict[str, Any] = {"org_number": self.org_number, "name": self.name}
        if self.party_id is not None:  # an organisation's entry has no party id key
            state["party_id"] = self.party_id
        return state


@dataclass(frozen=True)
class Award(Immutable):
    """The award decision (tilldelningsbeslut) in force, with its standstill (avtalsspärr) and
    the extended standstill a dismissed review started, if one did."""

    suppliers: tuple[Supplier, ...]
    evaluation_summary: str
    notification_sent_at: datetime
    sent_electronically: bool
    standstill_last_day: date | None  # None without a standstill (direct award, call-off)
    earliest_signing_day: date
    decided_at: datetime
    extended_standstill_last_day: date | None = None
    extended_earliest_signing_day: date | None = None

    def extended(self, standstill_last_day: date | None, earliest_signing_day: date) -> Award:
        """Extended by a ruling (förlängd avtalsspärr): the latest extension holds."""
        current = self.extended_earliest_signing_day
        if current is not None and earliest_signing_day <= current:
            return self
        return dataclasses.replace(
            self,
            extended_standstill_last_day=standstill_last_day,
            extended_earliest_signing_day=earliest_signing_day,
        )

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Award:
        return cls(
            suppliers=tuple(Supplier.from_state(s) for s in state["suppliers"]),
            evaluation_summary=state["evaluation_summary"],
            notification_sent_at=state["notification_sent_at"],
            sent_electronically=state["sent_electronically"],
            standstill_last_day=state.get("standstill_last_day"),
            earliest_signing_day=state["earliest_signing_day"],
            decided_at=state["decided_at"],
            extended_standstill_last_day=state.get("extended_standstill_last_day"),
            extended_earliest_signing_day=state.get("extended_earliest_signing_day"),
        )

    def as_state(self) -> dict[str, Any]:
        return {
            "suppliers": [supplier.as_state() for supplier in self.suppliers],
            "evaluation_summary": self.evaluation_summary,
            "notification_sent_at": self.notification_sent_at,
            "sent_electronically": self.sent_electronically,
            "standstill_last_day": self.standstill_last_day,
            "earliest_signing_day": self.earliest_signing_day,
            "extended_standstill_last_day": self.extended_standstill_last_day,
            "extended_earliest_signing_day": self.extended_earliest_signing_day,
            "decided_at": self.decided_at,
        }


@dataclass(frozen=True)
class InterimOrder(FieldsAsState):
    """An interim order (interimistiskt beslut) forbidding signing, by the court where the case
    was pending: at first instance or on appeal."""

    instance: str  # first or appeal
    court: str
    ordered_on: date
    lifted_on: date | None = None


@dataclass(frozen=True)
class Ruling(FieldsAsState):
    """The administrative court's ruling, and the extended standstill a dismissal started when
    the application came in during the standstill."""

    ruled_on: date
    outcome: str  # dismissed, redo or correct
    summary: str
    extended_standstill_last_day: date | None = None
    earliest_signing_day: date | None = None


@dataclass(frozen=True)
class AppealRuling(FieldsAsState):
    """The court of appeal's ruling (kammarrättens dom)."""

    ruled_on: date
    outcome: str
    summary: str


@dataclass(frozen=True)
class Appeal(Immutable):
    """An appeal of the ruling (överklagande) to the court of appeal; `reference` is its case
    number there."""

    appealed_on: date
    court: str
    appellant: str
    reference: str
    ruling: AppealRuling | None = None

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Appeal:
        ruling = state.get("ruling")
        return cls(
            appealed_on=state["appealed_on"],
            court=state["court"],
            appellant=state["appellant"],
            reference=state["reference"],
            ruling=None if ruling is None else AppealRuling.from_state(ruling),
        )

    def as_state(self) -> dict[str, Any]:
        return {
            "appealed_on": self.appealed_on,
            "court": self.court,
            "appellant": self.appellant,
            "reference": self.reference,
            "ruling": None if self.ruling is None else self.ruling.as_state(),
        }


@dataclass(frozen=True)
class Review(Immutable):
    """A review (överprövning) at the administrative court: filed on a day by an applicant,
    `reference` being the court's case number (målnummer); its interim orders, its ruling and
    the appeal of that ruling, as far as they have come."""

    id: str
    filed_on: date
    court: str
    applicant: str
    reference: str
    interim_orders: tuple[InterimOrder, ...] = ()
    ruling: Ruling | None = None
    appeal: Appeal | None = None

    @property
    def pending(self) -> bool:
        """Not ruled on at first instance yet."""
        return self.ruling is None

    @property
    def interim_order_in_force(self) -> InterimOrder | None:
        """The interim order that still bars signing: not lifted, and the court that issued it
        has not ruled yet."""
        for order in self.interim_orders:
            if order.lifted_on is not None:
                continue
            if order.instance == "first" and self.ruling is None:
                return order
            appeal = self.appeal
            if order.instance == "appeal" and appeal is not None and appeal.ruling is None:
                return order
        return None

    def with_interim_order(self, order: InterimOrder) -> Review:
        return dataclasses.replace(self, interim_orders=(*self.interim_orders, order))

    def with_last_order_lifted(self, lifted_on: date) -> Review:
        *earlier, last = self.interim_orders
        lifted = dataclasses.replace(last, lifted_on=lifted_on)
        return dataclasses.replace(self, interim_orders=(*earlier, lifted))

    def ruled(self, ruling: Ruling) -> Review:
        return dataclasses.replace(self, ruling=ruling)

    def appealed(self, appeal: Appeal) -> Review:
        return dataclasses.replace(self, appeal=appeal)

    def appeal_ruled(self, ruling: AppealRuling) -> Review:
        assert self.appeal is not None
        return dataclasses.replace(self, appeal=dataclasses.replace(self.appeal, ruling=ruling))

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Review:
        ruling, appeal = state.get("ruling"), state.get("appeal")
        return cls(
            id=state["id"],
            filed_on=state["filed_on"],
            court=state["court"],
            applicant=state["applicant"],
            reference=state["reference"],
            interim_orders=tuple(
                InterimOrder.from_state(order) for order in state.get("interim_orders", [])
            ),
            ruling=None if ruling is None else Ruling.from_state(ruling),
            appeal=None if appeal is None else Appeal.from_state(appeal),
        )

    def as_state(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "filed_on": self.filed_on,
            "court": self.court,
            "applicant": self.applicant,
            "reference": self.reference,
            "interim_orders": [order.as_state() for order in self.interim_orders],
            "ruling": None if self.ruling is None else self.ruling.as_state(),
            "appeal": None if self.appeal is None else self.appeal.as_state(),
        }



@dataclass(frozen=True)
class Screening(Immutable):
    """The innovation screening (every procurement is assessed): whether it is an innovation
    procurement and of which kind, with the decision's rationale and time."""

    innovation: bool
    kind: str | None  # only for an innovation procurement
    rationale: str
    decided_at: datetime

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Screening:
        return cls(
            innovation=state["innovation"],
            kind=state.get("kind"),
            rationale=state["rationale"],
            decided_at=state["decided_at"],
        )

    def as_state(self) -> dict[str, Any]:
        return {
            "innovation": self.innovation,
            "kind": self.kind,
            "rationale": self.rationale,
            "decided_at": self.decided_at,
        }


@dataclass(frozen=True)
class Milestone(FieldsAsState):
    """A milestone of the implementation, reached on a day."""

    id: str
    title: str
    reached_on: date
    note: str | None = None


@dataclass(frozen=True)
class FollowUp(FieldsAsState):
    """A follow-up of the effect on one of the procurement's needs, by a municipality taking
    part (the lead for follow-ups recorded before others could)."""

    id: str
    need_id: str
    followed_up_on: date
    effect: str
    measurement: str
    municipality: str


@dataclass(frozen=True)
class MarketDialogue(FieldsAsState):
    """A market dialogue activity of the planning (an RFI, a meeting, an innovation sprint)."""

    id: str
    kind: str
    held_on: date
    supplier_count: int
    summary: str


@dataclass(frozen=True)
class Lesson(Immutable):
    """A lesson of a municipality taking part: by phase, what worked and what to change, with
    the tags the network searches by (lessons from before that structure have text alone)."""

    id: str
    text: str
    shareable: bool
    municipality: str
    phase: str | None = None
    what_worked: str | None = None
    what_to_change: str | None = None
    tags: tuple[str, ...] = ()

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> Lesson:
        return cls(
            id=state["id"],
            text=state["text"],
            shareable=state["shareable"],
            municipality=state["municipality"],
            phase=state.get("phase"),
            what_worked=state.get("what_worked"),
            what_to_change=state.get("what_to_change"),
            tags=tuple(state.get("tags") or ()),
        )

    def as_state(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "text": self.text,
            "shareable": self.shareable,
            "municipality": self.municipality,
            "phase": self.phase,
            "what_worked": self.what_worked,
            "what_to_change": self.what_to_change,
            "tags": list(self.tags),
        }

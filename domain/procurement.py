"""Procurement: the lifecycle of one (possibly joint) procurement under LOU, with its decisions."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.domain import event

from domain.audit import AuditedAggregate
from domain.decisions import PARTICIPATION_DECISIONS, DecisionRecord
from domain.errors import InvalidValue, NotParticipant, OutOfOrder, RuleViolation, WrongState
from domain.innovation_share import value_share_percent as value_share_percent_of
from domain.lifecycle import (
    AWARDED,
    CANCELLED,
    CLOSED,
    CONTRACTED,
    CORRECT,
    DISMISSED,
    EVALUATION,
    IMPLEMENTING,
    LEGACY_UPHELD,
    PLANNING,
    REDO,
    TENDERING,
    WITHOUT_NOTICE,
    Happened,
    procurement_status_after,
    ruling_sends_back_to,
    step_after_ruling,
)
from domain.procurement_values import (
    DECLINED,
    INVITED,
    JOINED,
    WITHDRAWN,
    Appeal,
    AppealRuling,
    Award,
    Bid,
    Contract,
    FollowUp,
    InterimOrder,
    Lesson,
    MarketDialogue,
    Milestone,
    Participant,
    Review,
    Ruling,
    Screening,
    Supplier,
    party_key,
)
from domain.rules.standstill import (
    earliest_signing_day,
    earliest_signing_day_after_ruling,
    extended_standstill_last_day,
    standstill_last_day,
)
from domain.rules.thresholds import LawTable, law_table
from domain.rules.valid_time import not_after_today, require_not_before
from domain.topics import (
    PROCUREMENT_APPEAL_RULED,
    PROCUREMENT_AWARDED,
    PROCUREMENT_CANCELLED,
    PROCUREMENT_CLOSED,
    PROCUREMENT_CONTRACT_SIGNED,
    PROCUREMENT_EVALUATION_STARTED,
    PROCUREMENT_MILESTONE,
    PROCUREMENT_PUBLISHED,
    PROCUREMENT_REVIEW_RULED,
    PROCUREMENT_STARTED,
    PROCUREMENT_TERMINATED_EARLY,
)
from domain.values.money import parse_sek
from domain.values.org_number import InvalidOrganisationNumber, OrganisationNumber
from domain.values.text import optional_text, required_text, text_list
from domain.values.timestamps import aware_utc, not_in_future, stockholm_date, utc_now

PROCUREMENT_STATES = (
    PLANNING, TENDERING, EVALUATION, AWARDED, CONTRACTED, IMPLEMENTING, CLOSED, CANCELLED
)  # fmt: skip
CANCELLABLE = (PLANNING, TENDERING, EVALUATION, AWARDED)

PROCEDURES = (
    "open",
    "restricted",
    "negotiated_with_notice",
    "negotiated_without_notice",
    "competitive_dialogue",
    "innovation_partnership",
    "direct_award",
    "pre_commercial",
    "call_off",
)
# No standstill (avtalsspärr) before signing: a direct award, and a call-off (avrop) from a
# framework agreement without renewed competition (LOU 20 kap. 1 §).
WITHOUT_STANDSTILL = ("direct_award", "call_off")
INNOVATION_KINDS = (
    "functional_requirements",
    "innovation_partnership",
    "pre_commercial_procurement",
    "market_dialogue",
    "other",
)
MARKET_DIALOGUE_KINDS = ("rfi", "meeting", "innovation_sprint", "other")
PARTICIPANT_ROLES = ("co_lead", "participant")
# What the court decides: the application is dismissed (the procurement may go on), the
# procurement is to be redone (from planning: a new notice, new bids), or to be corrected
# (rättelse: a new evaluation). Rulings stored before this distinction say "upheld", which meant
# the award was voided and the evaluation redone: a correction.
REVIEW_OUTCOMES = (DISMISSED, REDO, CORRECT)
# A finished contract is closed as completed or partially completed; one ended before it was
# finished is terminated early, by its own decision with a reason. Closings stored before that
# distinction may say "terminated".
CLOSE_OUTCOMES = ("completed", "partially_completed")
LEGACY_TERMINATED = "terminated"
TERMINATION_REASONS = (
    "breach_by_supplier",
    "supplier_insolvency",
    "need_ceased",
    "mutual_agreement",
    "other",
)
# The work model's phases a lesson is about (behovsidentifiering, upphandling, implementering,
# uppföljning).
LESSON_PHASES = ("needs_identification", "procurement", "implementation", "follow_up")
CPV_PATTERN = re.compile(r"^\d{8}-\d$")


def _org_number(value: object, *, field: str) -> str:
    try:
        return str(OrganisationNumber.parse(str(value)))
    except InvalidOrganisationNumber as exc:
        raise InvalidValue(f"{field}: {exc}", field=field) from None


def _party_id(value: object, *, field: str) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        raise InvalidValue(f"{field}: the id of a party directory entry", field=field) from None


def _party(
    org_number: object, name: object, party_id: object, *, field: str, name_field: str
) -> dict[str, str | None]:
    """An organisation by its number and name, or a sole trader by the opaque id of their entry
    in the erasable party directory: a person's number or name never enters an event."""
    if party_id is not None:
        if org_number not in (None, "") or name not in (None, ""):
            raise InvalidValue(
                f"{field}: a party directory entry stands alone, without number or name",
                field=field,
            )
        return {"org_number": None, "name": None, "party_id": _party_id(party_id, field=field)}
    # An organisation's entry keeps the shape it always had (no party id key).
    return {
        "org_number": _org_number(org_number, field=field),
        "name": required_text(name, field=name_field, max_length=200),
    }


def _cpv(value: object, *, field: str = "cpv_code") -> str | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str) or not CPV_PATTERN.match(value):
        raise InvalidValue(f"{field}: CPV code like 48000000-8", field=field)
    return value


def _cpv_codes(values: object) -> list[str]:
    """The main CPV code first, then the additional ones; each once."""
    if values is None:
        return []
    if not isinstance(values, (list, tuple)) or len(values) > 20:
        raise InvalidValue("cpv_codes: a list of at most 20 CPV codes", field="cpv_codes")
    codes = [_cpv(value, field=f"cpv_codes[{i}]") for i, value in enumerate(values)]
    if None in codes or len(set(codes)) != len(codes):
        raise InvalidValue("cpv_codes: each code once, none empty", field="cpv_codes")
    return [code for code in codes if code is not None]


class Procurement(AuditedAggregate):
    TOPIC = "innoledger:Procurement"
    TENANT_FIELD = "lead"
    # Version 2: reviews carry interim orders and an appeal, rulings and awards an extended
    # standstill (förlängd avtalsspärr), and an early termination its reason. Version 3: the
    # contract is a value (domain/procurement_values.py). Version 4: so are the participants,
    # bids, award and reviews; version 5: the screening, milestones and follow-ups; version 6:
    # the market dialogue and the lessons. Snapshots of earlier versions are upcast.
    class_version = 6

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        for review in state.get("reviews", []):
            review.setdefault("interim_orders", [])
            review.setdefault("appeal", None)
            ruling = review.get("ruling")
            if ruling is not None:
                ruling.setdefault("extended_standstill_last_day", None)
                ruling.setdefault("earliest_signing_day", None)
                if ruling.get("outcome") == LEGACY_UPHELD:
                    ruling["outcome"] = "correct"
        state.setdefault("termination_reason", None)
        state.setdefault("proposed_need_ids", {})
        award = state.get("award")
        if award is not None:
            award.setdefault("extended_standstill_last_day", None)
            award.setdefault("extended_earliest_signing_day", None)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        if isinstance(state.get("contract"), dict):
            state["contract"] = Contract.from_state(state["contract"])

    @staticmethod
    def upcast_v3_v4(state: dict[str, Any]) -> None:
        state["participants"] = [Participant.from_state(p) for p in state["participants"]]
        state["bids"] = [Bid.from_state(bid) for bid in state["bids"]]
        if state.get("award") is not None:
            state["award"] = Award.from_state(state["award"])
        state["reviews"] = [Review.from_state(review) for review in state["reviews"]]

    @staticmethod
    def upcast_v4_v5(state: dict[str, Any]) -> None:
        if state.get("screening") is not None:
            state["screening"] = Screening.from_state(state["screening"])
        state["milestones"] = [Milestone.from_state(m) for m in state["milestones"]]
        # Follow-ups recorded before other municipalities could record them are the lead's.
        state["follow_ups"] = [
            FollowUp.from_state({**f, "municipality": f.get("municipality") or state["lead"]})
            for f in state["follow_ups"]
        ]

    @staticmethod
    def upcast_v5_v6(state: dict[str, Any]) -> None:
        state["market_dialogue"] = [MarketDialogue.from_state(a) for a in state["market_dialogue"]]
        # Lessons recorded before they were structured are the lead's, as a replay makes them.
        lead = state["lead"]
        state["lessons"] = [
            Lesson.from_state({**lesson, "municipality": lesson.get("municipality") or lead})
            for lesson in state["lessons"]
        ]

    @classmethod
    def start(
        cls,
        *,
        lead: str,
        title: str,
        description: str,
        estimated_value_sek: object,
        need_ids: list[str],
        case_number: str | None = None,
        cpv_code: str | None = None,
        proposed_need_ids: dict[str, list[str]] | None = None,
    ) -> Procurement:
        """`need_ids` are the lead's own needs; `proposed_need_ids` (owner → needs) are other
        municipalities' needs the lead co-owns: each enters only when its owner joins."""
        proposed = {
            owner: [str(n) for n in ids] for owner, ids in (proposed_need_ids or {}).items()
        }
        every_need = [*need_ids, *(n for ids in proposed.values() for n in ids)]
        if not every_need:
            raise InvalidValue(
                "need_ids: a procurement addresses at least one need", field="need_ids"
            )
        if len(set(every_need)) != len(every_need):
            raise InvalidValue("need_ids: a need is named twice", field="need_ids")
        if lead in proposed:
            raise InvalidValue("need_ids: the lead's own needs are not proposed", field="need_ids")
        return cls(
            lead=lead,
            title=required_text(title, field="title", max_length=200),
            description=required_text(description, field="description", max_length=20000),
            estimated_value_sek=parse_sek(estimated_value_sek, field="estimated_value_sek"),
            need_ids=[str(need_id) for need_id in need_ids],
            case_number=optional_text(case_number, field="case_number", max_length=64),
            cpv_code=_cpv(cpv_code),
            proposed_need_ids=proposed,
        )

    @event("Created", topic="innoledger:Procurement.Started")
    def __init__(
        self,
        lead: str,
        title: str,
        description: str,
        estimated_value_sek: Decimal,
        need_ids: list[str],
        case_number: str | None,
        cpv_code: str | None,
        proposed_need_ids: dict[str, list[str]] | None = None,
    ) -> None:
        self.lead = lead
        self.title = title
        self.description = description
        self.estimated_value_sek = estimated_value_sek
        self.need_ids = list(need_ids)
        # Needs of other municipalities, by owner, waiting for their owner's own decision to
        # join (procurements started before this existed have none).
        self.proposed_need_ids: dict[str, list[str]] = {
            owner: list(ids) for owner, ids in (proposed_need_ids or {}).items()
        }
        self.case_number = case_number
        self.cpv_code = cpv_code
        self.participants: list[Participant] = []
        self.status = procurement_status_after(None, Happened(PROCUREMENT_STARTED), procedure=None)
        self.screening: Screening | None = None
        self.procedure: str | None = None
        self.exemption_rationale: str | None = None
        self.above_threshold: bool | None = None
        self.notice_id: str | None = None
        self.tender_deadline: datetime | None = None
        self.market_dialogue: list[MarketDialogue] = []
        self.bids: list[Bid] = []
        self.evaluation_started_at: datetime | None = None
        self.award: Award | None = None
        # Secrecy of bids ends with the first award decision, even if a review later voids it.
        self.bids_disclosed = False
        self.contract: Contract | None = None
        self.reviews: list[Review] = []
        self.milestones: list[Milestone] = []
        self.follow_ups: list[FollowUp] = []
        self.lessons: list[Lesson] = []
        self.outcome: str | None = None
        self.termination_reason: str | None = None
        self.cancelled_from: str | None = None
        self.decisions: list[dict[str, Any]] = []

    @property
    def tenant(self) -> str:
        return self.lead

    def _lifecycle(self, topic: str) -> None:
        """The status after the event being applied (domain/lifecycle.py, which the read
        models follow too)."""
        self.status = procurement_status_after(
            self.status, Happened(topic), procedure=self.procedure
        )

    @property
    def under_review(self) -> bool:
        """Signing is barred by a case in court: a review not yet ruled on, or an interim
        order (interimistiskt beslut) in force."""
        return any(review.pending for review in self.reviews) or any(
            review.interim_order_in_force is not None for review in self.reviews
        )

    @property
    def interim_orders_in_force(self) -> list[InterimOrder]:
        """The interim orders (interimistiska beslut) that bar signing now."""
        orders = (review.interim_order_in_force for review in self.reviews)
        return [order for order in orders if order is not None]

    @property
    def extended_standstill_last_day(self) -> date | None:
        """Last day of the förlängd avtalsspärr of the current award, if a review extended it."""
        return None if self.award is None else self.award.extended_standstill_last_day

    @property
    def signing_allowed_from(self) -> date | None:
        """The first day the contract may be signed as far as the calendar goes (standstill,
        extended standstill, rulings); a pending review or an interim order bars it besides."""
        if self.award is None:
            return None
        days = [self.award.earliest_signing_day, self.award.extended_earliest_signing_day]
        days += [review.ruling.ruled_on for review in self.reviews if review.ruling]
        days += [
            order.lifted_on
            for review in self.reviews
            for order in review.interim_orders
            if order.lifted_on is not None
        ]
        return max(day for day in days if day is not None)

    @property
    def has_signed_contract(self) -> bool:
        return self.contract is not None

    @property
    def is_published(self) -> bool:
        return self.notice_id is not None or self.award is not None

    @property
    def innovation(self) -> bool | None:
        return None if self.screening is None else self.screening.innovation

    def participant(self, municipality: str | None) -> Participant | None:
        for participant in self.participants:
            if participant.municipality == municipality:
                return participant
        return None

    def takes_part(self, municipality: str | None) -> bool:
        """Lead, or a participant that has not declined or withdrawn."""
        if municipality == self.lead:
            return True
        participant = self.participant(municipality)
        return participant is not None and participant.takes_part

    def has_joined(self, municipality: str | None) -> bool:
        """Lead, or a participant that joined (an invitation alone is no part in the work)."""
        if municipality == self.lead:
            return True
        participant = self.participant(municipality)
        return participant is not None and participant.status == JOINED

    def is_co_lead(self, municipality: str | None) -> bool:
        participant = self.participant(municipality)
        return participant is not None and participant.is_co_lead

    def _require_status(self, *allowed: str, action: str) -> None:
        if self.status not in allowed:
            raise WrongState(
                f"cannot {action} a procurement that is {self.status}"
                f" (allowed when {' or '.join(allowed)})",
                subject="procurement",
                allowed=allowed,
            )

    def _require_lead_decision(self, decision: DecisionRecord, expected: str) -> None:
        decision.require_type(expected)
        if decision.municipality != self.lead:
            raise NotParticipant(f"only {self.lead}, the lead, takes this decision")

    _STEP_NAMES = {
        "screen": "the screening",
        "choose_procedure": "the choice of procedure",
        "publish": "the publication",
        "award": "the award",
        "sign_contract": "the signature",
    }

    def _require_after(self, decision: DecisionRecord, step: str, *earlier: str) -> None:
        """The decision (`step`, e.g. "publication") is not dated before the latest decision of
        each earlier type (named by their short names: screen, procedure, publish, award)."""
        types = {"procedure": "choose_procedure"}
        for name in earlier:
            previous = self._last_decision(types.get(name, name))
            if previous is not None:
                require_not_before(
                    f"the {step}",
                    decision.decided_at,
                    self._STEP_NAMES[previous["type"]],
                    previous["decided_at"],
                    rule=f"{step}_before_{name}",
                )

    # Description

    def edit(self, *, law: LawTable | None = None, **changes: object) -> None:
        """`law`: the amounts on record (the bundled table when not given)."""
        cleaned: dict[str, Any] = {}
        for field, value in changes.items():
            if field in ("estimated_value_sek", "cpv_code"):
                self._require_status(PLANNING, action=f"change {field} of")
                cleaned[field] = (
                    parse_sek(value, field=field) if field == "estimated_value_sek" else _cpv(value)
                )
            elif field in ("title", "description", "case_number"):
                self._require_status(PLANNING, TENDERING, EVALUATION, action=f"change {field} of")
                if field == "case_number":
                    cleaned[field] = optional_text(value, field=field, max_length=64)
                else:
                    limit = 200 if field == "title" else 20000
                    cleaned[field] = required_text(value, field=field, max_length=limit)
            else:
                raise InvalidValue(f"{field}: cannot be edited", field=field)
        cleaned = {k: v for k, v in cleaned.items() if getattr(self, k) != v}
        if not cleaned:
            raise RuleViolation("the edit changes nothing", rule="no_change")
        if "estimated_value_sek" in cleaned and self.procedure is not None:
            cleaned["above_threshold"] = self._above_threshold_after_edit(
                cleaned["estimated_value_sek"], law
            )
        self._edited(changes=cleaned)

    def _above_threshold_after_edit(self, value: Decimal, law: LawTable | None) -> bool:
        """A new value is judged by the amounts in force when the procedure was chosen.

        The flag is stored on the event, not recomputed on replay, so a later update of the
        threshold table never rewrites what the record said.
        """
        chosen = [d for d in self.decisions if d["type"] == "choose_procedure"][-1]
        on = stockholm_date(chosen["decided_at"])
        table = law or law_table()
        if self.procedure == "direct_award":
            self._require_below_direct_award_limit(value, on, table)
        return value >= table.eu_threshold_on(on)

    @event("Edited", topic="innoledger:Procurement.Edited")
    def _edited(self, changes: dict[str, Any]) -> None:
        for field, value in changes.items():
            setattr(self, field, value)

    # Ordinary purchasing: any procurement registered in one step, needs optional

    @classmethod
    def register(
        cls,
        *,
        lead: str,
        title: str,
        description: str | None,
        estimated_value_sek: object,
        cpv_codes: object,
        need_ids: list[str],
        case_number: str | None,
        procurement_decision: DecisionRecord,
        register_reference: str | None = None,
        procurement_id: uuid.UUID | None = None,
        proposed_need_ids: dict[str, list[str]] | None = None,
    ) -> Procurement:
        """A procurement of the municipality's ordinary purchasing, with its procurement
        decision (anskaffningsbeslut) taken at `procurement_decision.decided_at`.

        The needs work is optional here: `need_ids` (the lead's own) may be empty; other
        municipalities' needs are proposed and enter when their owners join, as in `start`.
        Screening and procedure follow as the lead's own decisions (see the use case, which
        records them in the same save).
        """
        proposed = {
            owner: [str(n) for n in ids] for owner, ids in (proposed_need_ids or {}).items()
        }
        every_need = [*need_ids, *(n for ids in proposed.values() for n in ids)]
        if len(set(every_need)) != len(every_need):
            raise InvalidValue("need_ids: a need is named twice", field="need_ids")
        codes = _cpv_codes(cpv_codes)
        # Constructed as the library's call would, but with the given id when there is one.
        procurement: Procurement = cls._create(
            cls.Created,
            id=procurement_id or uuid.uuid4(),
            lead=lead,
            title=required_text(title, field="title", max_length=200),
            description=optional_text(description, field="description", max_length=20000),
            estimated_value_sek=parse_sek(estimated_value_sek, field="estimated_value_sek"),
            need_ids=[str(need_id) for need_id in need_ids],
            case_number=optional_text(case_number, field="case_number", max_length=64),
            cpv_code=codes[0] if codes else None,
            proposed_need_ids=proposed,
        )
        procurement.record_procurement_decision(
            procurement_decision,
            additional_cpv_codes=codes[1:],
            register_reference=register_reference,
        )
        return procurement

    def record_procurement_decision(
        self,
        decision: DecisionRecord,
        *,
        additional_cpv_codes: list[str] | None = None,
        register_reference: str | None = None,
    ) -> None:
        """The procurement decision (anskaffningsbeslut) of a procurement registered without a
        need's decision: its `decided_at` is the year the procurement counts as started in."""
        self._require_lead_decision(decision, "decide_to_procure")
        self._require_status(PLANNING, action="record the procurement decision of")
        if self.procurement_decision is not None:
            raise RuleViolation(
                "the procurement decision is recorded already", rule="already_decided"
            )
        self._procurement_decided(
            decision=decision.as_event_data(),
            additional_cpv_codes=list(additional_cpv_codes or []),
            register_reference=optional_text(
                register_reference, field="register_reference", max_length=100
            ),
        )

    @event("ProcurementDecided", topic="innoledger:Procurement.ProcurementDecided")
    def _procurement_decided(
        self,
        decision: dict[str, Any],
        additional_cpv_codes: list[str],
        register_reference: str | None,
    ) -> None:
        self.registered = {
            "decision": decision,
            "additional_cpv_codes": list(additional_cpv_codes),
            "register_reference": register_reference,
        }
        self.decisions.append(decision)

    @property
    def procurement_decision(self) -> dict[str, Any] | None:
        """The anskaffningsbeslut recorded on the procurement itself (registered ones only;
        a procurement started for needs has its decisions on the needs)."""
        registered = getattr(self, "registered", None)
        return None if registered is None else registered["decision"]

    @property
    def register_reference(self) -> str | None:
        registered = getattr(self, "registered", None)
        return None if registered is None else registered["register_reference"]

    @property
    def cpv_codes(self) -> list[str]:
        registered = getattr(self, "registered", None)
        extra = [] if registered is None else registered["additional_cpv_codes"]
        return ([self.cpv_code] if self.cpv_code else []) + list(extra)

    # Joint procurement

    def invite_participant(self, *, municipality: str, role: str) -> None:
        self._require_status(PLANNING, action="invite participants to")
        if role not in PARTICIPANT_ROLES:
            raise InvalidValue(f"role: one of {', '.join(PARTICIPANT_ROLES)}", field="role")
        if municipality == self.lead:
            raise RuleViolation("the lead takes part already", rule="is_lead")
        existing = self.participant(municipality)
        if existing is not None and existing.takes_part:
            raise RuleViolation(f"{municipality} is invited already", rule="already_invited")
        self._participant_invited(municipality=municipality, role=role)

    @event("ParticipantInvited", topic="innoledger:Procurement.ParticipantInvited")
    def _participant_invited(self, municipality: str, role: str) -> None:
        self.participants = [p for p in self.participants if p.municipality != municipality]
        self.participants.append(Participant(municipality=municipality, role=role))

    def needs_entering_with(self, decision: DecisionRecord) -> list[str]:
        """The participant's own needs a join brings into the procurement."""
        if decision.type != "join":
            return []
        return list(self.proposed_need_ids.get(decision.municipality, []))

    def needs_leaving_with(self, decision: DecisionRecord, owner_of: dict[str, str]) -> list[str]:
        """The participant's own needs a withdrawal takes out (`owner_of`: need → owner)."""
        if decision.type != "withdraw":
            return []
        return [n for n in self.need_ids if owner_of.get(n) == decision.municipality]

    def decide_participation(
        self,
        decision: DecisionRecord,
        *,
        value_share_percent: object = None,
        withdrawn_need_ids: list[str] | None = None,
    ) -> None:
        """Join, decline or withdraw: each participant decides for itself, never the lead.

        A municipality that joins may state its own share of the value (in percent), which is
        what the innovation share credits it with. Joining brings the participant's proposed
        needs in; declining drops the proposal; withdrawing takes its needs
        (`withdrawn_need_ids`) out again."""
        participant = self.participant(decision.municipality)
        if participant is None:
            raise NotParticipant(f"{decision.municipality} is not invited to this procurement")
        if decision.type in ("join", "decline"):
            if participant.status != INVITED:
                raise WrongState(f"{decision.municipality} has {participant.status} already")
            self._require_status(PLANNING, TENDERING, action=f"{decision.type}")
        elif decision.type == "withdraw":
            if participant.status != JOINED:
                raise WrongState("only a municipality that joined can withdraw")
            self._require_status(PLANNING, TENDERING, EVALUATION, action="withdraw from")
        else:
            raise InvalidValue("type: join, decline or withdraw", field="type")
        # A municipality's own participation decisions follow each other in valid time too:
        # it withdraws after it joined, and joins again (invited anew) after it withdrew.
        previous = next(
            (
                d for d in reversed(self.decisions)
                if d["type"] in PARTICIPATION_DECISIONS
                and d["municipality"] == decision.municipality
            ),
            None,
        )
        if previous is not None:
            require_not_before(
                f"the {decision.type} decision", decision.decided_at,
                f"{decision.municipality}'s {previous['type']} decision", previous["decided_at"],
                rule="participation_before_previous",
            )
        data = decision.as_event_data()
        if value_share_percent is not None:
            if decision.type != "join":
                raise InvalidValue(
                    "value_share_percent: only when joining", field="value_share_percent"
                )
            share = value_share_percent_of(value_share_percent)
            stated = sum(
                (p.value_share_percent or Decimal(0) for p in self.participants
                 if p.status == JOINED),
                Decimal(0),
            )
            if stated + share > 100:
                raise RuleViolation(
                    f"the joined participants' shares of the value would add up to"
                    f" {stated + share} %, above 100 %",
                    rule="value_shares_above_whole",
                )
            data["value_share_percent"] = share
        leaving = list(withdrawn_need_ids or [])
        if any(need_id not in self.need_ids for need_id in leaving):
            raise InvalidValue("need_ids: not in this procurement", field="need_ids")
        if leaving and len(leaving) == len(self.need_ids):
            raise RuleViolation(
                "the procurement would address no need; the lead cancels it instead",
                rule="last_need",
            )
        self._participation_decided(
            decision=data,
            entering_need_ids=self.needs_entering_with(decision),
            leaving_need_ids=leaving,
        )

    @event("ParticipationDecided", topic="innoledger:Procurement.ParticipationDecided")
    def _participation_decided(
        self,
        decision: dict[str, Any],
        entering_need_ids: list[str] | None = None,
        leaving_need_ids: list[str] | None = None,
    ) -> None:
        status = {"join": JOINED, "decline": DECLINED, "withdraw": WITHDRAWN}[decision["type"]]
        self.participants = [
            participant.answered(status, decision.get("value_share_percent"))
            if participant.municipality == decision["municipality"]
            else participant
            for participant in self.participants
        ]
        if decision["type"] in ("join", "decline"):
            self.proposed_need_ids.pop(decision["municipality"], None)
        self.need_ids.extend(entering_need_ids or [])
        gone = set(leaving_need_ids or [])
        self.need_ids = [n for n in self.need_ids if n not in gone]
        self.decisions.append(decision)

    def _require_after_participation(
        self, step: str, moment: datetime, kinds: tuple[str, ...], *, rule: str
    ) -> None:
        """Municipalities join or decline while the procurement is planned or tendered and
        withdraw until the award: the step that closes that door (opening the bids, the
        award, the cancellation) is not dated before the participation decisions taken while
        it was open."""
        chosen = [d for d in self.decisions if d["type"] in kinds]
        latest = max(chosen, key=lambda d: d["decided_at"], default=None)
        if latest is not None:
            require_not_before(
                step, moment, f"{latest['municipality']}'s {latest['type']} decision",
                latest["decided_at"], rule=rule,
            )

    # Planning decisions

    def screen(
        self, decision: DecisionRecord, *, innovation: bool, kind: str | None = None
    ) -> None:
        """Innovation screening: every procurement is assessed for innovation potential."""
        self._require_lead_decision(decision, "screen")
        self._require_status(PLANNING, action="screen")
        if not isinstance(innovation, bool):
            raise InvalidValue("innovation: true or false", field="innovation")
        if innovation and kind not in INNOVATION_KINDS:
            raise InvalidValue(f"kind: one of {', '.join(INNOVATION_KINDS)}", field="kind")
        if not innovation and kind is not None:
            raise InvalidValue("kind: only for innovation procurements", field="kind")
        self._screened(decision=decision.as_event_data(), innovation=innovation, kind=kind)

    @event("Screened", topic="innoledger:Procurement.Screened")
    def _screened(self, decision: dict[str, Any], innovation: bool, kind: str | None) -> None:
        self.screening = Screening(
            innovation=innovation,
            kind=kind,
            rationale=decision["rationale"],
            decided_at=decision["decided_at"],
        )
        self.decisions.append(decision)

    def choose_procedure(
        self,
        decision: DecisionRecord,
        *,
        procedure: str,
        exemption_rationale: str | None = None,
        framework_agreement: str | None = None,
        law: LawTable | None = None,
    ) -> None:
        """`law`: the amounts on record the choice is checked against (the bundled table when
        not given); the event keeps which amounts those were."""
        self._require_lead_decision(decision, "choose_procedure")
        self._require_status(PLANNING, action="choose the procedure of")
        if procedure not in PROCEDURES:
            raise InvalidValue(f"procedure: one of {', '.join(PROCEDURES)}", field="procedure")
        on = stockholm_date(decision.decided_at)
        table = law or law_table()
        if procedure == "direct_award":
            self._require_below_direct_award_limit(self.estimated_value_sek, on, table)
        if procedure == "pre_commercial":
            exemption_rationale = required_text(
                exemption_rationale, field="exemption_rationale", max_length=10000
            )
        elif exemption_rationale is not None:
            raise InvalidValue(
                "exemption_rationale: only for pre-commercial procurement (outside LOU)",
                field="exemption_rationale",
            )
        if procedure == "call_off":
            framework_agreement = required_text(
                framework_agreement, field="framework_agreement", max_length=200
            )
        elif framework_agreement is not None:
            raise InvalidValue(
                "framework_agreement: only for a call-off (avrop) from a framework agreement",
                field="framework_agreement",
            )
        self._procedure_chosen(
            decision=decision.as_event_data(),
            procedure=procedure,
            exemption_rationale=exemption_rationale,
            above_threshold=self.estimated_value_sek >= table.eu_threshold_on(on),
            framework_agreement=framework_agreement,
            law_amounts={
                "direct_award_limit": _checked_amount(table.direct_award_limit_entry_on(on)),
                "eu_threshold": _checked_amount(table.eu_threshold_entry_on(on)),
            },
        )

    @staticmethod
    def _require_below_direct_award_limit(value: Decimal, on: date, table: LawTable) -> None:
        limit = table.direct_award_limit_on(on)
        if value >= limit:
            raise RuleViolation(
                f"direct award needs a value below the direct-award limit of {limit} SEK"
                f" in force on {on.isoformat()}; this is {value} SEK",
                rule="direct_award_limit",
            )

    @event("ProcedureChosen", topic="innoledger:Procurement.ProcedureChosen")
    def _procedure_chosen(
        self,
        decision: dict[str, Any],
        procedure: str,
        exemption_rationale: str | None,
        above_threshold: bool,
        framework_agreement: str | None = None,  # absent from events stored before call-offs
        # The amounts in force on the decision's date that it was checked against (absent
        # from events stored before the law's amounts were an audited record).
        law_amounts: dict[str, Any] | None = None,
    ) -> None:
        self.procedure = procedure
        self.exemption_rationale = exemption_rationale
        self.above_threshold = above_threshold
        self.framework_agreement = framework_agreement
        self.decisions.append(decision)

    def publish(
        self, decision: DecisionRecord, *, notice_id: str, tender_deadline: datetime
    ) -> None:
        """Approves the procurement documents and publishes the notice in a notice database."""
        self._require_lead_decision(decision, "publish")
        self._require_status(PLANNING, action="publish")
        if self.screening is None:
            raise RuleViolation("screen for innovation before publishing", rule="not_screened")
        if self.procedure is None:
            raise RuleViolation("choose the procedure before publishing", rule="no_procedure")
        if self.procedure in WITHOUT_NOTICE:
            raise RuleViolation(
                f"a {self.procedure} procurement is not published", rule="procedure_without_notice"
            )
        self._require_after(decision, "publication", "screen", "procedure")
        deadline = aware_utc(tender_deadline, field="tender_deadline")
        if deadline <= decision.decided_at:
            raise InvalidValue(
                "tender_deadline: must come after the publishing decision", field="tender_deadline"
            )
        self._published(
            decision=decision.as_event_data(),
            notice_id=required_text(notice_id, field="notice_id", max_length=100),
            tender_deadline=deadline,
        )

    @event("Published", topic="innoledger:Procurement.Published")
    def _published(
        self, decision: dict[str, Any], notice_id: str, tender_deadline: datetime
    ) -> None:
        self.notice_id = notice_id
        self.tender_deadline = tender_deadline
        self._lifecycle(PROCUREMENT_PUBLISHED)
        self.decisions.append(decision)

    # Facts of the tendering phase

    def record_market_dialogue(
        self, *, kind: str, held_on: date, supplier_count: int, summary: str
    ) -> str:
        self._require_status(PLANNING, TENDERING, action="record market dialogue for")
        if kind not in MARKET_DIALOGUE_KINDS:
            raise InvalidValue(f"kind: one of {', '.join(MARKET_DIALOGUE_KINDS)}", field="kind")
        held_on = not_after_today(held_on, field="held_on")
        if (
            isinstance(supplier_count, bool)
            or not isinstance(supplier_count, int)
            or not (0 <= supplier_count <= 100000)
        ):
            raise InvalidValue("supplier_count: from 0", field="supplier_count")
        activity_id = str(uuid.uuid4())
        self._market_dialogue_recorded(
            activity_id=activity_id,
            kind=kind,
            held_on=held_on,
            supplier_count=supplier_count,
            summary=required_text(summary, field="summary", max_length=10000),
        )
        return activity_id

    @event("MarketDialogueRecorded", topic="innoledger:Procurement.MarketDialogueRecorded")
    def _market_dialogue_recorded(
        self, activity_id: str, kind: str, held_on: date, supplier_count: int, summary: str
    ) -> None:
        self.market_dialogue.append(
            MarketDialogue(
                id=activity_id,
                kind=kind,
                held_on=held_on,
                supplier_count=supplier_count,
                summary=summary,
            )
        )

    def record_bid(
        self,
        *,
        tenderer_org_number: str | None,
        tenderer_name: str | None,
        received_at: datetime,
        tenderer_party_id: str | None = None,
    ) -> str:
        """A bid from an organisation, or from a sole trader held in the party directory."""
        self._require_status(TENDERING, action="receive bids for")
        tenderer = _party(
            tenderer_org_number,
            tenderer_name,
            tenderer_party_id,
            field="tenderer_org_number",
            name_field="tenderer_name",
        )
        received = not_in_future(received_at, field="received_at")
        published = self._last_decision("publish")
        assert published is not None
        require_not_before(
            "the bid", received, "the publication", published["decided_at"],
            rule="bid_before_publication",
        )
        key = party_key(tenderer["org_number"], tenderer.get("party_id"))
        if any(bid.tenderer == key for bid in self.bids):
            shown = tenderer["org_number"] or "this tenderer"
            raise RuleViolation(f"{shown} has tendered already", rule="duplicate_bid")
        bid_id = str(uuid.uuid4())
        assert self.tender_deadline is not None
        self._bid_received(
            bid_id=bid_id,
            tenderer_org_number=tenderer["org_number"],
            tenderer_name=tenderer["name"],
            tenderer_party_id=tenderer.get("party_id"),
            received_at=received,
            late=received > self.tender_deadline,
        )
        return bid_id

    @event("BidReceived", topic="innoledger:Procurement.BidReceived")
    def _bid_received(
        self,
        bid_id: str,
        tenderer_org_number: str | None,
        tenderer_name: str | None,
        received_at: datetime,
        late: bool,
        tenderer_party_id: str | None = None,  # absent from events stored before sole traders
    ) -> None:
        self.bids.append(
            Bid(
                id=bid_id,
                tenderer_org_number=tenderer_org_number,
                tenderer_name=tenderer_name,
                received_at=received_at,
                late=late,
                tenderer_party_id=tenderer_party_id,
            )
        )

    def start_evaluation(self, *, at: datetime | None = None) -> None:
        """Opens the bids: only once the tender deadline has passed."""
        self._require_status(TENDERING, action="start evaluating")
        moment = not_in_future(at or utc_now(), field="at")
        assert self.tender_deadline is not None
        if moment < self.tender_deadline:
            raise RuleViolation(
                "bids are opened only after the tender deadline", rule="before_tender_deadline"
            )
        self._require_after_participation(
            "the opening of the bids", moment, ("join", "decline"),
            rule="opening_before_participation",
        )
        self._evaluation_started(started_at=moment)

    @event("EvaluationStarted", topic="innoledger:Procurement.EvaluationStarted")
    def _evaluation_started(self, started_at: datetime) -> None:
        self.evaluation_started_at = started_at
        self._lifecycle(PROCUREMENT_EVALUATION_STARTED)

    # Award and contract

    def award_contract(
        self,
        decision: DecisionRecord,
        *,
        suppliers: list[dict[str, str]],
        evaluation_summary: str,
        notification_sent_at: datetime,
        sent_electronically: bool,
        law: LawTable | None = None,
    ) -> None:
        """Tilldelningsbeslut: the standstill (avtalsspärr) starts with the notification.
        `law`: the amounts on record (the bundled table when not given)."""
        self._require_lead_decision(decision, "award")
        if self.procedure in WITHOUT_NOTICE:
            self._require_status(PLANNING, action="award")
        else:
            self._require_status(EVALUATION, action="award")
        if self.screening is None:
            raise RuleViolation("screen for innovation before the award", rule="not_screened")
        if self.procedure is None:
            raise RuleViolation("choose the procedure before the award", rule="no_procedure")
        if not isinstance(suppliers, list) or not suppliers or len(suppliers) > 50:
            raise InvalidValue("suppliers: one to 50 suppliers", field="suppliers")
        chosen: list[dict[str, str | None]] = []
        for index, supplier in enumerate(suppliers):
            if not isinstance(supplier, dict):
                raise InvalidValue(f"suppliers[{index}]: an object", field="suppliers")
            chosen.append(
                _party(
                    supplier.get("org_number"),
                    supplier.get("name"),
                    supplier.get("party_id"),
                    field=f"suppliers[{index}].org_number",
                    name_field=f"suppliers[{index}].name",
                )
            )
        if len({party_key(s["org_number"], s.get("party_id")) for s in chosen}) != len(chosen):
            raise InvalidValue("suppliers: a supplier is named twice", field="suppliers")
        if self.procedure not in WITHOUT_NOTICE:
            valid_bidders = {bid.tenderer for bid in self.bids if not bid.late}
            for awarded in chosen:
                if party_key(awarded["org_number"], awarded.get("party_id")) not in valid_bidders:
                    raise RuleViolation(
                        f"{awarded['org_number'] or 'the sole trader'} did not submit a valid"
                        " bid in time",
                        rule="supplier_without_bid",
                    )
        if self.procedure in WITHOUT_NOTICE:
            self._require_after(decision, "award", "screen", "procedure")
        else:
            self._require_after(decision, "award", "publish")
            require_not_before(
                "the award", decision.decided_at, "the opening of the bids",
                self.evaluation_started_at, rule="award_before_evaluation",
            )
        self._require_after_participation(
            "the award", decision.decided_at, PARTICIPATION_DECISIONS,
            rule="award_before_participation",
        )
        if not isinstance(sent_electronically, bool):
            raise InvalidValue("sent_electronically: true or false", field="sent_electronically")
        notified = not_in_future(notification_sent_at, field="notification_sent_at")
        if notified < decision.decided_at:
            raise InvalidValue(
                "notification_sent_at: cannot come before the award decision",
                field="notification_sent_at",
            )
        if self.procedure == "direct_award":
            self._require_below_direct_award_limit(
                self.estimated_value_sek, stockholm_date(decision.decided_at), law or law_table()
            )
        if self.procedure in WITHOUT_STANDSTILL:
            last_day = None
            signing_from = stockholm_date(notified)
        else:
            notified_on = stockholm_date(notified)
            last_day = standstill_last_day(notified_on, sent_electronically)
            signing_from = earliest_signing_day(notified_on, sent_electronically)
        self._awarded(
            decision=decision.as_event_data(),
            suppliers=chosen,
            evaluation_summary=required_text(
                evaluation_summary, field="evaluation_summary", max_length=20000
            ),
            notification_sent_at=notified,
            sent_electronically=sent_electronically,
            standstill_last_day=last_day,
            earliest_signing_day=signing_from,
        )

    @event("Awarded", topic="innoledger:Procurement.Awarded")
    def _awarded(
        self,
        decision: dict[str, Any],
        suppliers: list[dict[str, str | None]],
        evaluation_summary: str,
        notification_sent_at: datetime,
        sent_electronically: bool,
        standstill_last_day: date | None,
        earliest_signing_day: date,
    ) -> None:
        self.award = Award(
            suppliers=tuple(Supplier.from_state(s) for s in suppliers),
            evaluation_summary=evaluation_summary,
            notification_sent_at=notification_sent_at,
            sent_electronically=sent_electronically,
            standstill_last_day=standstill_last_day,
            earliest_signing_day=earliest_signing_day,
            decided_at=decision["decided_at"],
        )
        self.bids_disclosed = True
        self._lifecycle(PROCUREMENT_AWARDED)
        self.decisions.append(decision)

    def in_standstill_on(self, day: date) -> bool:
        """The standstill, extended by a review if one was, still runs on `day`."""
        signing_from = self.signing_allowed_from
        return signing_from is not None and day < signing_from

    def sign_contract(
        self,
        decision: DecisionRecord,
        *,
        supplier_org_number: str | None,
        contract_value_sek: object,
        signed_on: date,
        supplier_party_id: str | None = None,
        law: LawTable | None = None,
    ) -> None:
        """`law`: the amounts on record (the bundled table when not given)."""
        self._require_lead_decision(decision, "sign_contract")
        self._require_status(AWARDED, action="sign the contract of")
        assert self.award is not None
        if any(review.pending for review in self.reviews):
            raise RuleViolation(
                "a review (överprövning) is pending; the contract cannot be signed until it is"
                " ruled on",
                rule="under_review",
            )
        for review in self.reviews:
            order = review.interim_order_in_force
            if order is not None:
                raise RuleViolation(
                    f"an interim order (interimistiskt beslut) of {order.court} of"
                    f" {order.ordered_on.isoformat()} forbids signing until further notice",
                    rule="interim_order",
                )
        signed_on = not_after_today(signed_on, field="signed_on")
        self._require_after(decision, "signature", "award")
        self._require_signing_day_allowed(signed_on)
        if supplier_party_id is not None:
            if supplier_org_number not in (None, ""):
                raise InvalidValue(
                    "supplier_org_number: give the organisation number or the party id, not both",
                    field="supplier_org_number",
                )
            org = None
            party_id: str | None = _party_id(supplier_party_id, field="supplier_org_number")
        else:
            org = _org_number(supplier_org_number, field="supplier_org_number")
            party_id = None
        awarded = {supplier.key for supplier in self.award.suppliers}
        if party_key(org, party_id) not in awarded:
            raise RuleViolation(
                f"{org or 'the sole trader'} was not awarded this contract", rule="not_awarded"
            )
        value = parse_sek(contract_value_sek, field="contract_value_sek")
        if self.procedure == "direct_award":
            self._require_below_direct_award_limit(value, signed_on, law or law_table())
        self._contract_signed(
            decision=decision.as_event_data(),
            supplier_org_number=org,
            supplier_party_id=party_id,
            contract_value_sek=value,
            signed_on=signed_on,
        )

    def _require_signing_day_allowed(self, signed_on: date) -> None:
        """The signature may not be dated before the end of the (extended) standstill, nor
        before any ruling or the lifting of an interim order it waited for."""
        assert self.award is not None
        award = self.award
        extended_from = award.extended_earliest_signing_day
        if extended_from is not None and signed_on < extended_from:
            assert award.extended_standstill_last_day is not None
            raise OutOfOrder(
                "the extended standstill (förlängd avtalsspärr, LOU 20 kap. 10 §) lasts until"
                f" {award.extended_standstill_last_day.isoformat()}; sign from"
                f" {extended_from.isoformat()}, not {signed_on.isoformat()}",
                rule="extended_standstill",
                details={
                    "the signature": signed_on.isoformat(),
                    "the end of the extended standstill": (
                        award.extended_standstill_last_day.isoformat()
                    ),
                },
            )
        for review in self.reviews:
            assert review.ruling is not None  # a pending review bars signing before this
            require_not_before(
                "the signature", signed_on, "the ruling", review.ruling.ruled_on,
                rule="signature_before_ruling",
            )
            for order in review.interim_orders:
                require_not_before(
                    "the signature", signed_on, "the lifting of the interim order",
                    order.lifted_on, rule="signature_before_lifting",
                )
        if signed_on < award.earliest_signing_day:
            last_day = award.standstill_last_day
            raise OutOfOrder(
                f"the standstill (avtalsspärr) lasts until {last_day}; sign from"
                f" {award.earliest_signing_day}",
                rule="standstill",
                details={
                    "the signature": signed_on.isoformat(),
                    "the end of the standstill": (
                        last_day or award.earliest_signing_day
                    ).isoformat(),
                },
            )

    @event("ContractSigned", topic="innoledger:Procurement.ContractSigned")
    def _contract_signed(
        self,
        decision: dict[str, Any],
        supplier_org_number: str | None,
        contract_value_sek: Decimal,
        signed_on: date,
        supplier_party_id: str | None = None,  # absent from events stored before sole traders
    ) -> None:
        self.contract = Contract(
            supplier_org_number=supplier_org_number,
            contract_value_sek=contract_value_sek,
            signed_on=signed_on,
            supplier_party_id=supplier_party_id or None,
        )
        self._lifecycle(PROCUREMENT_CONTRACT_SIGNED)
        self.decisions.append(decision)

    # Reviews (överprövning)

    def _review(self, review_id: str) -> Review:
        review = next((r for r in self.reviews if r.id == str(review_id)), None)
        if review is None:
            raise InvalidValue(f"review_id: no review {review_id}", field="review_id")
        return review

    def _require_no_contract(self, action: str) -> None:
        if self.status in (CONTRACTED, IMPLEMENTING, CLOSED):
            raise WrongState(
                f"cannot {action}: the contract is signed, so the court can no longer stop or"
                " send back the procurement",
                rule="contract_signed",
            )

    def file_review(self, *, filed_on: date, court: str, applicant: str, reference: str) -> str:
        """A review application (ansökan om överprövning) has reached the administrative court.

        `reference` is the court's case number (målnummer).
        """
        self._require_status(TENDERING, EVALUATION, AWARDED, action="file a review against")
        filed_on = not_after_today(filed_on, field="filed_on")
        self._require_not_before_start(filed_on, "the review application")
        review_id = str(uuid.uuid4())
        self._review_filed(
            review_id=review_id,
            filed_on=filed_on,
            court=required_text(court, field="court", max_length=200),
            applicant=required_text(applicant, field="applicant", max_length=200),
            reference=required_text(reference, field="reference", max_length=100),
        )
        return review_id

    def _require_not_before_start(self, day: date, step: str) -> None:
        """A review needs something to review: the notice, or for a procurement without one,
        the award notification."""
        published = self._last_decision("publish")
        if published is not None:
            require_not_before(
                step, day, "the publication", published["decided_at"],
                rule="review_before_publication",
            )
        elif self.award is not None:
            require_not_before(
                step, day, "the award notification", self.award.notification_sent_at,
                rule="review_before_award",
            )

    @event("ReviewFiled", topic="innoledger:Procurement.ReviewFiled")
    def _review_filed(
        self, review_id: str, filed_on: date, court: str, applicant: str, reference: str
    ) -> None:
        self.reviews.append(
            Review(
                id=review_id, filed_on=filed_on, court=court, applicant=applicant,
                reference=reference,
            )
        )

    def _replace_review(self, review_id: str, change: Callable[[Review], Review]) -> None:
        self.reviews = [change(r) if r.id == review_id else r for r in self.reviews]

    def filed_during_standstill(self, review: Review) -> bool:
        """Whether the application reached the court while the current award's standstill ran
        (from the notification to the last standstill day): only then is it extended."""
        award = self.award
        if award is None or award.standstill_last_day is None:
            return False
        notified_on = stockholm_date(award.notification_sent_at)
        return notified_on <= review.filed_on <= award.standstill_last_day

    def _step_after_ruling(self, outcome: str) -> str | None:
        """Where an outcome sends the procurement back to; None where it stays."""
        return step_after_ruling(self.status, outcome, procedure=self.procedure)

    def rule_on_review(self, *, review_id: str, ruled_on: date, outcome: str, summary: str) -> None:
        """The administrative court's ruling (förvaltningsrättens dom).

        Dismissed: if the application reached the court during the standstill, the contract may
        not be signed until the extended standstill (LOU 20 kap. 10 §) has run. Redo or correct:
        the procurement goes back to the step the court sends it to, and the award is void.
        """
        review = self._review(review_id)
        if review.ruling is not None:
            raise RuleViolation("the review is ruled on already", rule="already_ruled")
        if outcome not in REVIEW_OUTCOMES:
            raise InvalidValue(f"outcome: one of {', '.join(REVIEW_OUTCOMES)}", field="outcome")
        ruled_on = not_after_today(ruled_on, field="ruled_on")
        require_not_before(
            "the ruling", ruled_on, "the review application", review.filed_on,
            rule="ruling_before_filing",
        )
        for order in review.interim_orders:
            require_not_before(
                "the ruling", ruled_on, "the interim order", order.ordered_on,
                rule="ruling_before_interim_order",
            )
        last_day = signing_from = None
        if outcome == "dismissed" and self.filed_during_standstill(review):
            last_day = extended_standstill_last_day(ruled_on)
            signing_from = earliest_signing_day_after_ruling(ruled_on)
        self._review_ruled(
            review_id=str(review_id),
            ruled_on=ruled_on,
            outcome=outcome,
            summary=required_text(summary, field="summary", max_length=10000),
            extended_standstill_last_day=last_day,
            earliest_signing_day=signing_from,
            sends_back_to=self._step_after_ruling(outcome),
        )

    @event("ReviewRuled", topic="innoledger:Procurement.ReviewRuled")
    def _review_ruled(
        self,
        review_id: str,
        ruled_on: date,
        outcome: str,
        summary: str,
        extended_standstill_last_day: date | None = None,
        earliest_signing_day: date | None = None,
        sends_back_to: str | None = None,
    ) -> None:
        ruling = Happened(
            PROCUREMENT_REVIEW_RULED, {"outcome": outcome, "sends_back_to": sends_back_to}
        )
        if outcome == LEGACY_UPHELD:
            # Recorded before redo and correct were told apart: it voided the award and the
            # evaluation was redone, which is a correction.
            outcome = CORRECT
        self._replace_review(review_id, lambda review: review.ruled(Ruling(
            ruled_on=ruled_on,
            outcome=outcome,
            summary=summary,
            extended_standstill_last_day=extended_standstill_last_day,
            earliest_signing_day=earliest_signing_day,
        )))  # fmt: skip
        if self.award is not None and earliest_signing_day is not None:
            self.award = self.award.extended(extended_standstill_last_day, earliest_signing_day)
        self._ruled(ruling)

    def _ruled(self, ruling: Happened) -> None:
        """A ruling that sends the procurement back voids the award, and one that sends it back
        to planning the notice and the bids besides."""
        sends_back_to = ruling_sends_back_to(self.status, ruling, procedure=self.procedure)
        if sends_back_to is not None:
            self.award = None
        if sends_back_to == PLANNING:
            # Redone from the start: a new notice, new bids, a new evaluation. The earlier
            # round stays in the history.
            self.notice_id = None
            self.tender_deadline = None
            self.bids = []
            self.bids_disclosed = False
            self.evaluation_started_at = None
        self.status = procurement_status_after(self.status, ruling, procedure=self.procedure)

    def issue_interim_order(self, *, review_id: str, ordered_on: date) -> None:
        """Interimistiskt beslut: the court where the case is pending forbids signing until
        further notice. It ends when lifted or when that court rules."""
        review = self._review(review_id)
        self._require_no_contract("record an interim order")
        ordered_on = not_after_today(ordered_on, field="ordered_on")
        appeal = review.appeal
        if appeal is not None and appeal.ruling is None:
            instance, court, since = "appeal", appeal.court, appeal.appealed_on
        elif review.ruling is None:
            instance, court, since = "first", review.court, review.filed_on
        else:
            raise RuleViolation(
                "the review is ruled on and not appealed: no court can order anything now",
                rule="no_pending_case",
            )
        require_not_before(
            "the interim order", ordered_on, "the case reaching the court", since,
            rule="interim_order_before_case",
        )
        if review.interim_order_in_force is not None:
            raise RuleViolation("an interim order is in force already", rule="interim_order")
        self._interim_order_issued(
            review_id=str(review_id), ordered_on=ordered_on, instance=instance, court=court
        )

    @event("InterimOrderIssued", topic="innoledger:Procurement.InterimOrderIssued")
    def _interim_order_issued(
        self, review_id: str, ordered_on: date, instance: str, court: str
    ) -> None:
        order = InterimOrder(instance=instance, court=court, ordered_on=ordered_on)
        self._replace_review(review_id, lambda review: review.with_interim_order(order))

    def lift_interim_order(self, *, review_id: str, lifted_on: date) -> None:
        review = self._review(review_id)
        order = review.interim_order_in_force
        if order is None:
            raise RuleViolation("no interim order is in force", rule="no_interim_order")
        lifted_on = not_after_today(lifted_on, field="lifted_on")
        require_not_before(
            "the lifting", lifted_on, "the interim order", order.ordered_on,
            rule="lifting_before_interim_order",
        )
        self._interim_order_lifted(review_id=str(review_id), lifted_on=lifted_on)

    @event("InterimOrderLifted", topic="innoledger:Procurement.InterimOrderLifted")
    def _interim_order_lifted(self, review_id: str, lifted_on: date) -> None:
        self._replace_review(review_id, lambda review: review.with_last_order_lifted(lifted_on))

    def appeal_review(
        self, *, review_id: str, appealed_on: date, court: str, appellant: str, reference: str
    ) -> None:
        """Överklagande till kammarrätten. It does not by itself bar signing (only the first
        instance's ruling starts an extended standstill); an interim order of the court of
        appeal does."""
        review = self._review(review_id)
        if review.ruling is None:
            raise RuleViolation("only a ruled review can be appealed", rule="not_ruled")
        if review.appeal is not None:
            raise RuleViolation("the ruling is appealed already", rule="already_appealed")
        self._require_no_contract("appeal")
        appealed_on = not_after_today(appealed_on, field="appealed_on")
        require_not_before(
            "the appeal", appealed_on, "the ruling", review.ruling.ruled_on,
            rule="appeal_before_ruling",
        )
        self._review_appealed(
            review_id=str(review_id),
            appealed_on=appealed_on,
            court=required_text(court, field="court", max_length=200),
            appellant=required_text(appellant, field="appellant", max_length=200),
            reference=required_text(reference, field="reference", max_length=100),
        )

    @event("ReviewAppealed", topic="innoledger:Procurement.ReviewAppealed")
    def _review_appealed(
        self, review_id: str, appealed_on: date, court: str, appellant: str, reference: str
    ) -> None:
        appeal = Appeal(
            appealed_on=appealed_on, court=court, appellant=appellant, reference=reference
        )
        self._replace_review(review_id, lambda review: review.appealed(appeal))

    def rule_on_appeal(
        self, *, review_id: str, ruled_on: date, outcome: str, summary: str
    ) -> None:
        """Kammarrättens dom. Redo or correct sends the procurement back as at first instance;
        dismissed leaves it where it stands (a correction already under way goes on)."""
        review = self._review(review_id)
        appeal = review.appeal
        if appeal is None:
            raise RuleViolation("the ruling is not appealed", rule="not_appealed")
        if appeal.ruling is not None:
            raise RuleViolation("the appeal is ruled on already", rule="already_ruled")
        if outcome not in REVIEW_OUTCOMES:
            raise InvalidValue(f"outcome: one of {', '.join(REVIEW_OUTCOMES)}", field="outcome")
        if outcome != "dismissed":
            self._require_no_contract("send the procurement back")
        ruled_on = not_after_today(ruled_on, field="ruled_on")
        require_not_before(
            "the appeal ruling", ruled_on, "the appeal", appeal.appealed_on,
            rule="ruling_before_appeal",
        )
        self._appeal_ruled(
            review_id=str(review_id),
            ruled_on=ruled_on,
            outcome=outcome,
            summary=required_text(summary, field="summary", max_length=10000),
            sends_back_to=self._step_after_ruling(outcome),
        )

    @event("AppealRuled", topic="innoledger:Procurement.AppealRuled")
    def _appeal_ruled(
        self, review_id: str, ruled_on: date, outcome: str, summary: str, sends_back_to: str | None
    ) -> None:
        appeal_ruling = AppealRuling(ruled_on=ruled_on, outcome=outcome, summary=summary)
        self._replace_review(review_id, lambda review: review.appeal_ruled(appeal_ruling))
        ruling = Happened(
            PROCUREMENT_APPEAL_RULED, {"outcome": outcome, "sends_back_to": sends_back_to}
        )
        self._ruled(ruling)

    def _last_decision(self, decision_type: str) -> dict[str, Any] | None:
        for decision in reversed(self.decisions):
            if decision["type"] == decision_type:
                return decision
        return None

    # Implementation and follow-up

    def _require_after_contract(self, step: str, moment: date | datetime, *, rule: str) -> None:
        assert self.contract is not None
        require_not_before(
            step, moment, "the signature of the contract", self.contract.signed_on, rule=rule
        )

    def record_milestone(self, *, title: str, reached_on: date, note: str | None = None) -> str:
        self._require_status(CONTRACTED, IMPLEMENTING, action="record milestones for")
        reached_on = not_after_today(reached_on, field="reached_on")
        self._require_after_contract("the milestone", reached_on, rule="milestone_before_contract")
        milestone_id = str(uuid.uuid4())
        self._milestone_recorded(
            milestone_id=milestone_id,
            title=required_text(title, field="title", max_length=200),
            reached_on=reached_on,
            note=optional_text(note, field="note", max_length=10000),
        )
        return milestone_id

    @event("MilestoneRecorded", topic="innoledger:Procurement.MilestoneRecorded")
    def _milestone_recorded(
        self, milestone_id: str, title: str, reached_on: date, note: str | None
    ) -> None:
        self.milestones.append(
            Milestone(id=milestone_id, title=title, reached_on=reached_on, note=note)
        )
        self._lifecycle(PROCUREMENT_MILESTONE)

    def record_follow_up(
        self,
        *,
        need_id: str,
        followed_up_on: date,
        effect: str,
        measurement: str,
        municipality: str | None = None,
    ) -> str:
        """A follow-up of the effect on a need, by any municipality taking part."""
        self._require_status(IMPLEMENTING, CLOSED, action="follow up")
        if municipality is not None and not self.has_joined(municipality):
            raise NotParticipant(f"{municipality} has not joined this procurement")
        if str(need_id) not in self.need_ids:
            raise InvalidValue(
                "need_id: this procurement does not address that need", field="need_id"
            )
        followed_up_on = not_after_today(followed_up_on, field="followed_up_on")
        self._require_after_contract(
            "the follow-up", followed_up_on, rule="follow_up_before_contract"
        )
        follow_up_id = str(uuid.uuid4())
        self._followed_up(
            follow_up_id=follow_up_id,
            need_id=str(need_id),
            followed_up_on=followed_up_on,
            effect=required_text(effect, field="effect", max_length=10000),
            measurement=required_text(measurement, field="measurement", max_length=2000),
            municipality=municipality,
        )
        return follow_up_id

    @event("FollowedUp", topic="innoledger:Procurement.FollowedUp")
    def _followed_up(
        self,
        follow_up_id: str,
        need_id: str,
        followed_up_on: date,
        effect: str,
        measurement: str,
        municipality: str | None = None,  # absent from follow-ups recorded by the lead only
    ) -> None:
        self.follow_ups.append(
            FollowUp(
                id=follow_up_id,
                need_id=need_id,
                followed_up_on=followed_up_on,
                effect=effect,
                measurement=measurement,
                municipality=municipality or self.lead,
            )
        )

    def record_lesson(
        self,
        *,
        text: str,
        shareable: bool,
        municipality: str | None = None,
        phase: str | None = None,
        what_worked: str | None = None,
        what_to_change: str | None = None,
        tags: object = None,
    ) -> str:
        """A lesson of any municipality taking part (lead, co-lead or participant), structured
        by phase, what worked and what to change, and tags the network searches by."""
        if not isinstance(shareable, bool):
            raise InvalidValue("shareable: true or false", field="shareable")
        if municipality is not None and not self.has_joined(municipality):
            raise NotParticipant(f"{municipality} has not joined this procurement")
        if phase is not None and phase not in LESSON_PHASES:
            raise InvalidValue(f"phase: one of {', '.join(LESSON_PHASES)}", field="phase")
        lesson_id = str(uuid.uuid4())
        self._lesson_recorded(
            lesson_id=lesson_id,
            text=required_text(text, field="text", max_length=10000),
            shareable=shareable,
            municipality=municipality,
            phase=phase,
            what_worked=optional_text(what_worked, field="what_worked", max_length=10000),
            what_to_change=optional_text(
                what_to_change, field="what_to_change", max_length=10000
            ),
            tags=[t.casefold() for t in text_list(tags, field="tags", max_items=20,
                                                   max_length=50)],
        )
        return lesson_id

    @event("LessonRecorded", topic="innoledger:Procurement.LessonRecorded")
    def _lesson_recorded(
        self,
        lesson_id: str,
        text: str,
        shareable: bool,
        # Absent from lessons recorded before they were structured (all by the lead then).
        municipality: str | None = None,
        phase: str | None = None,
        what_worked: str | None = None,
        what_to_change: str | None = None,
        tags: list[str] | None = None,
    ) -> None:
        self.lessons.append(
            Lesson(
                id=lesson_id,
                text=text,
                shareable=shareable,
                municipality=municipality or self.lead,
                phase=phase,
                what_worked=what_worked,
                what_to_change=what_to_change,
                tags=tuple(tags or ()),
            )
        )

    # Ending

    def cancel(self, decision: DecisionRecord) -> None:
        self._require_lead_decision(decision, "cancel")
        self._require_status(*CANCELLABLE, action="cancel")
        lead_decisions = [d for d in self.decisions if d["type"] in self._STEP_NAMES]
        if lead_decisions:
            latest = max(lead_decisions, key=lambda d: d["decided_at"])
            require_not_before(
                "the cancellation", decision.decided_at, self._STEP_NAMES[latest["type"]],
                latest["decided_at"], rule=f"cancel_before_{latest['type']}",
            )
        self._require_after_participation(
            "the cancellation", decision.decided_at, PARTICIPATION_DECISIONS,
            rule="cancel_before_participation",
        )
        self._cancelled(decision=decision.as_event_data())

    @event("Cancelled", topic="innoledger:Procurement.Cancelled")
    def _cancelled(self, decision: dict[str, Any]) -> None:
        self.cancelled_from = self.status
        self._lifecycle(PROCUREMENT_CANCELLED)
        self.decisions.append(decision)

    def close(self, decision: DecisionRecord, *, outcome: str) -> None:
        """Closes a finished contract: implemented and followed up. A contract ended before it
        was finished is terminated early instead (`terminate_early`)."""
        self._require_lead_decision(decision, "close")
        self._require_status(CONTRACTED, IMPLEMENTING, action="close")
        if outcome not in CLOSE_OUTCOMES:
            raise InvalidValue(
                f"outcome: one of {', '.join(CLOSE_OUTCOMES)}; a contract ended before it was"
                " finished is terminated early (terminate_early, with a reason)",
                field="outcome",
            )
        if self.status != IMPLEMENTING:
            raise WrongState(
                "cannot close a procurement that is contracted: record its implementation"
                " (milestones) and a follow-up first, or terminate the contract early with a"
                " reason"
            )
        if not self.follow_ups:
            raise RuleViolation(
                "the effect on the needs is not followed up yet: record a follow-up before"
                " closing, or terminate the contract early with a reason",
                rule="not_followed_up",
            )
        self._require_after_implementation(decision, "close")
        self._closed(decision=decision.as_event_data(), outcome=outcome)

    def _require_after_implementation(self, decision: DecisionRecord, step: str) -> None:
        self._require_after_contract(
            f"the {step} decision", decision.decided_at, rule=f"{step}_before_contract"
        )
        for kind, days in (
            ("milestone", [milestone.reached_on for milestone in self.milestones]),
            ("follow_up", [follow_up.followed_up_on for follow_up in self.follow_ups]),
        ):
            if days:
                latest = max(days)
                require_not_before(
                    f"the {step} decision", decision.decided_at,
                    f"the latest {kind.replace('_', '-')}", latest, rule=f"{step}_before_{kind}",
                )

    def terminate_early(self, decision: DecisionRecord, *, reason: str) -> None:
        """Ends a signed contract before it is finished (uppsägning or hävning), with its
        reason; the rationale says what happened."""
        self._require_lead_decision(decision, "terminate_early")
        self._require_status(CONTRACTED, IMPLEMENTING, action="terminate the contract of")
        if reason not in TERMINATION_REASONS:
            raise InvalidValue(f"reason: one of {', '.join(TERMINATION_REASONS)}", field="reason")
        self._require_after_implementation(decision, "terminate_early")
        self._terminated_early(decision=decision.as_event_data(), reason=reason)

    @event("TerminatedEarly", topic="innoledger:Procurement.TerminatedEarly")
    def _terminated_early(self, decision: dict[str, Any], reason: str) -> None:
        self.outcome = LEGACY_TERMINATED
        self.termination_reason = reason
        self._lifecycle(PROCUREMENT_TERMINATED_EARLY)
        self.decisions.append(decision)

    @event("Closed", topic="innoledger:Procurement.Closed")
    def _closed(self, decision: dict[str, Any], outcome: str) -> None:
        self.outcome = outcome
        self._lifecycle(PROCUREMENT_CLOSED)
        self.decisions.append(decision)

    def decision_value(self, decision_type: str) -> Decimal | None:
        """The value a decision commits, for the delegation order's ceilings."""
        if decision_type in ("choose_procedure", "publish", "award", "cancel"):
            return self.estimated_value_sek
        return None


def _checked_amount(entry: Any) -> dict[str, Any]:
    return {"effective_from": entry.effective_from, "amount_sek": entry.amount_sek}

"""Procurement: the lifecycle of one (possibly joint) procurement under LOU, with its decisions."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.domain import event

from domain.audit import AuditedAggregate
from domain.decisions import DecisionRecord
from domain.errors import InvalidValue, NotParticipant, RuleViolation, WrongState
from domain.innovation_share import value_share_percent as value_share_percent_of
from domain.rules.standstill import earliest_signing_day, standstill_last_day
from domain.rules.thresholds import direct_award_limit_on, eu_threshold_on
from domain.values.dates import parse_date
from domain.values.money import parse_sek
from domain.values.org_number import InvalidOrganisationNumber, OrganisationNumber
from domain.values.text import optional_text, required_text
from domain.values.timestamps import aware_utc, not_in_future, stockholm_date, utc_now

PLANNING = "planning"
TENDERING = "tendering"
EVALUATION = "evaluation"
AWARDED = "awarded"
CONTRACTED = "contracted"
IMPLEMENTING = "implementing"
CLOSED = "closed"
CANCELLED = "cancelled"
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
# Procedures that need no published notice: the lead goes straight from planning to award.
WITHOUT_NOTICE = ("direct_award", "negotiated_without_notice", "call_off")
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
REVIEW_OUTCOMES = ("dismissed", "upheld")
CLOSE_OUTCOMES = ("completed", "partially_completed", "terminated")
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


def party_key(org_number: str | None, party_id: str | None) -> str:
    """One text naming a tenderer or supplier, whichever way it is held."""
    return org_number if org_number is not None else f"party:{party_id}"


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
    ) -> Procurement:
        if not need_ids:
            raise InvalidValue(
                "need_ids: a procurement addresses at least one need", field="need_ids"
            )
        if len(set(need_ids)) != len(need_ids):
            raise InvalidValue("need_ids: a need is named twice", field="need_ids")
        return cls(
            lead=lead,
            title=required_text(title, field="title", max_length=200),
            description=required_text(description, field="description", max_length=20000),
            estimated_value_sek=parse_sek(estimated_value_sek, field="estimated_value_sek"),
            need_ids=[str(need_id) for need_id in need_ids],
            case_number=optional_text(case_number, field="case_number", max_length=64),
            cpv_code=_cpv(cpv_code),
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
    ) -> None:
        self.lead = lead
        self.title = title
        self.description = description
        self.estimated_value_sek = estimated_value_sek
        self.need_ids = list(need_ids)
        self.case_number = case_number
        self.cpv_code = cpv_code
        self.participants: list[dict[str, Any]] = []
        self.status = PLANNING
        self.screening: dict[str, Any] | None = None
        self.procedure: str | None = None
        self.exemption_rationale: str | None = None
        self.above_threshold: bool | None = None
        self.notice_id: str | None = None
        self.tender_deadline: datetime | None = None
        self.market_dialogue: list[dict[str, Any]] = []
        self.bids: list[dict[str, Any]] = []
        self.evaluation_started_at: datetime | None = None
        self.award: dict[str, Any] | None = None
        # Secrecy of bids ends with the first award decision, even if a review later voids it.
        self.bids_disclosed = False
        self.contract: dict[str, Any] | None = None
        self.reviews: list[dict[str, Any]] = []
        self.milestones: list[dict[str, Any]] = []
        self.follow_ups: list[dict[str, Any]] = []
        self.lessons: list[dict[str, Any]] = []
        self.outcome: str | None = None
        self.cancelled_from: str | None = None
        self.decisions: list[dict[str, Any]] = []

    @property
    def tenant(self) -> str:
        return self.lead

    @property
    def under_review(self) -> bool:
        return any(review["ruling"] is None for review in self.reviews)

    @property
    def has_signed_contract(self) -> bool:
        return self.contract is not None

    @property
    def is_published(self) -> bool:
        return self.notice_id is not None or self.award is not None

    @property
    def innovation(self) -> bool | None:
        return None if self.screening is None else bool(self.screening["innovation"])

    def participant(self, municipality: str | None) -> dict[str, Any] | None:
        for participant in self.participants:
            if participant["municipality"] == municipality:
                return participant
        return None

    def takes_part(self, municipality: str | None) -> bool:
        """Lead, or a participant that has not declined or withdrawn."""
        if municipality == self.lead:
            return True
        participant = self.participant(municipality)
        return participant is not None and participant["status"] in ("invited", "joined")

    def is_co_lead(self, municipality: str | None) -> bool:
        participant = self.participant(municipality)
        return (
            participant is not None
            and participant["role"] == "co_lead"
            and participant["status"] == "joined"
        )

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

    # Description

    def edit(self, **changes: object) -> None:
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
                cleaned["estimated_value_sek"]
            )
        self._edited(changes=cleaned)

    def _above_threshold_after_edit(self, value: Decimal) -> bool:
        """A new value is judged by the amounts in force when the procedure was chosen.

        The flag is stored on the event, not recomputed on replay, so a later update of the
        threshold table never rewrites what the record said.
        """
        chosen = [d for d in self.decisions if d["type"] == "choose_procedure"][-1]
        on = stockholm_date(chosen["decided_at"])
        if self.procedure == "direct_award":
            self._require_below_direct_award_limit(value, on)
        return value >= eu_threshold_on(on)

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
    ) -> Procurement:
        """A procurement of the municipality's ordinary purchasing, with its procurement
        decision (anskaffningsbeslut) taken at `procurement_decision.decided_at`.

        The needs work is optional here: `need_ids` may be empty. Screening and procedure follow
        as the lead's own decisions (see the use case, which records them in the same save).
        """
        if len(set(need_ids)) != len(need_ids):
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
        if existing is not None and existing["status"] in ("invited", "joined"):
            raise RuleViolation(f"{municipality} is invited already", rule="already_invited")
        self._participant_invited(municipality=municipality, role=role)

    @event("ParticipantInvited", topic="innoledger:Procurement.ParticipantInvited")
    def _participant_invited(self, municipality: str, role: str) -> None:
        self.participants = [p for p in self.participants if p["municipality"] != municipality]
        self.participants.append({"municipality": municipality, "role": role, "status": "invited"})

    def decide_participation(
        self, decision: DecisionRecord, *, value_share_percent: object = None
    ) -> None:
        """Join, decline or withdraw: each participant decides for itself, never the lead.

        A municipality that joins may state its own share of the value (in percent), which is
        what the innovation share credits it with."""
        participant = self.participant(decision.municipality)
        if participant is None:
            raise NotParticipant(f"{decision.municipality} is not invited to this procurement")
        if decision.type in ("join", "decline"):
            if participant["status"] != "invited":
                raise WrongState(f"{decision.municipality} has {participant['status']} already")
            self._require_status(PLANNING, TENDERING, action=f"{decision.type}")
        elif decision.type == "withdraw":
            if participant["status"] != "joined":
                raise WrongState("only a municipality that joined can withdraw")
            self._require_status(PLANNING, TENDERING, EVALUATION, action="withdraw from")
        else:
            raise InvalidValue("type: join, decline or withdraw", field="type")
        data = decision.as_event_data()
        if value_share_percent is not None:
            if decision.type != "join":
                raise InvalidValue(
                    "value_share_percent: only when joining", field="value_share_percent"
                )
            share = value_share_percent_of(value_share_percent)
            stated = sum(
                (p.get("value_share_percent") or Decimal(0) for p in self.participants
                 if p["status"] == "joined"),
                Decimal(0),
            )
            if stated + share > 100:
                raise RuleViolation(
                    f"the joined participants' shares of the value would add up to"
                    f" {stated + share} %, above 100 %",
                    rule="value_shares_above_whole",
                )
            data["value_share_percent"] = share
        self._participation_decided(decision=data)

    @event("ParticipationDecided", topic="innoledger:Procurement.ParticipationDecided")
    def _participation_decided(self, decision: dict[str, Any]) -> None:
        status = {"join": "joined", "decline": "declined", "withdraw": "withdrawn"}[
            decision["type"]
        ]
        for participant in self.participants:
            if participant["municipality"] == decision["municipality"]:
                participant["status"] = status
                if "value_share_percent" in decision:
                    participant["value_share_percent"] = decision["value_share_percent"]
        self.decisions.append(decision)

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
        self.screening = {
            "innovation": innovation,
            "kind": kind,
            "rationale": decision["rationale"],
            "decided_at": decision["decided_at"],
        }
        self.decisions.append(decision)

    def choose_procedure(
        self,
        decision: DecisionRecord,
        *,
        procedure: str,
        exemption_rationale: str | None = None,
        framework_agreement: str | None = None,
    ) -> None:
        self._require_lead_decision(decision, "choose_procedure")
        self._require_status(PLANNING, action="choose the procedure of")
        if procedure not in PROCEDURES:
            raise InvalidValue(f"procedure: one of {', '.join(PROCEDURES)}", field="procedure")
        on = stockholm_date(decision.decided_at)
        if procedure == "direct_award":
            self._require_below_direct_award_limit(self.estimated_value_sek, on)
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
            above_threshold=self.estimated_value_sek >= eu_threshold_on(on),
            framework_agreement=framework_agreement,
        )

    @staticmethod
    def _require_below_direct_award_limit(value: Decimal, on: date) -> None:
        limit = direct_award_limit_on(on)
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
        self.status = TENDERING
        self.decisions.append(decision)

    # Facts of the tendering phase

    def record_market_dialogue(
        self, *, kind: str, held_on: date, supplier_count: int, summary: str
    ) -> str:
        self._require_status(PLANNING, TENDERING, action="record market dialogue for")
        if kind not in MARKET_DIALOGUE_KINDS:
            raise InvalidValue(f"kind: one of {', '.join(MARKET_DIALOGUE_KINDS)}", field="kind")
        held_on = parse_date(held_on, field="held_on")
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
            {
                "id": activity_id,
                "kind": kind,
                "held_on": held_on,
                "supplier_count": supplier_count,
                "summary": summary,
            }
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
        key = party_key(tenderer["org_number"], tenderer.get("party_id"))
        if any(
            party_key(b["tenderer_org_number"], b.get("tenderer_party_id")) == key
            for b in self.bids
        ):
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
        bid: dict[str, Any] = {
            "id": bid_id,
            "tenderer_org_number": tenderer_org_number,
            "tenderer_name": tenderer_name,
            "received_at": received_at,
            "late": late,
        }
        if tenderer_party_id is not None:  # a sole trader; an organisation's bid is as it was
            bid["tenderer_party_id"] = tenderer_party_id
        self.bids.append(bid)

    def start_evaluation(self, *, at: datetime | None = None) -> None:
        """Opens the bids: only once the tender deadline has passed."""
        self._require_status(TENDERING, action="start evaluating")
        moment = not_in_future(at or utc_now(), field="at")
        assert self.tender_deadline is not None
        if moment < self.tender_deadline:
            raise RuleViolation(
                "bids are opened only after the tender deadline", rule="before_tender_deadline"
            )
        self._evaluation_started(started_at=moment)

    @event("EvaluationStarted", topic="innoledger:Procurement.EvaluationStarted")
    def _evaluation_started(self, started_at: datetime) -> None:
        self.evaluation_started_at = started_at
        self.status = EVALUATION

    # Award and contract

    def award_contract(
        self,
        decision: DecisionRecord,
        *,
        suppliers: list[dict[str, str]],
        evaluation_summary: str,
        notification_sent_at: datetime,
        sent_electronically: bool,
    ) -> None:
        """Tilldelningsbeslut: the standstill (avtalsspärr) starts with the notification."""
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
            valid_bidders = {
                party_key(b["tenderer_org_number"], b.get("tenderer_party_id"))
                for b in self.bids
                if not b["late"]
            }
            for awarded in chosen:
                if party_key(awarded["org_number"], awarded.get("party_id")) not in valid_bidders:
                    raise RuleViolation(
                        f"{awarded['org_number'] or 'the sole trader'} did not submit a valid"
                        " bid in time",
                        rule="supplier_without_bid",
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
                self.estimated_value_sek, stockholm_date(decision.decided_at)
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
        self.award = {
            "suppliers": [dict(s) for s in suppliers],
            "evaluation_summary": evaluation_summary,
            "notification_sent_at": notification_sent_at,
            "sent_electronically": sent_electronically,
            "standstill_last_day": standstill_last_day,
            "earliest_signing_day": earliest_signing_day,
            "decided_at": decision["decided_at"],
        }
        self.bids_disclosed = True
        self.status = AWARDED
        self.decisions.append(decision)

    def in_standstill_on(self, day: date) -> bool:
        return self.award is not None and day < self.award["earliest_signing_day"]

    def sign_contract(
        self,
        decision: DecisionRecord,
        *,
        supplier_org_number: str | None,
        contract_value_sek: object,
        signed_on: date,
        supplier_party_id: str | None = None,
    ) -> None:
        self._require_lead_decision(decision, "sign_contract")
        self._require_status(AWARDED, action="sign the contract of")
        assert self.award is not None
        if self.under_review:
            raise RuleViolation(
                "a review (överprövning) is pending; the contract cannot be signed until it is"
                " ruled on",
                rule="under_review",
            )
        signed_on = parse_date(signed_on, field="signed_on")
        if signed_on > stockholm_date(utc_now()):
            raise InvalidValue("signed_on: cannot lie in the future", field="signed_on")
        if signed_on < self.award["earliest_signing_day"]:
            last_day = self.award["standstill_last_day"]
            raise RuleViolation(
                f"the standstill (avtalsspärr) lasts until {last_day}; sign from"
                f" {self.award['earliest_signing_day']}",
                rule="standstill",
            )
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
        awarded = {party_key(s["org_number"], s.get("party_id")) for s in self.award["suppliers"]}
        if party_key(org, party_id) not in awarded:
            raise RuleViolation(
                f"{org or 'the sole trader'} was not awarded this contract", rule="not_awarded"
            )
        value = parse_sek(contract_value_sek, field="contract_value_sek")
        if self.procedure == "direct_award":
            self._require_below_direct_award_limit(value, signed_on)
        self._contract_signed(
            decision=decision.as_event_data(),
            supplier_org_number=org,
            supplier_party_id=party_id,
            contract_value_sek=value,
            signed_on=signed_on,
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
        self.contract = {
            **({"supplier_party_id": supplier_party_id} if supplier_party_id else {}),
            "supplier_org_number": supplier_org_number,
            "contract_value_sek": contract_value_sek,
            "signed_on": signed_on,
        }
        self.status = CONTRACTED
        self.decisions.append(decision)

    # Reviews (överprövning)

    def file_review(self, *, filed_on: date, court: str, applicant: str, reference: str) -> str:
        self._require_status(TENDERING, EVALUATION, AWARDED, action="file a review against")
        filed_on = parse_date(filed_on, field="filed_on")
        review_id = str(uuid.uuid4())
        self._review_filed(
            review_id=review_id,
            filed_on=filed_on,
            court=required_text(court, field="court", max_length=200),
            applicant=required_text(applicant, field="applicant", max_length=200),
            reference=required_text(reference, field="reference", max_length=100),
        )
        return review_id

    @event("ReviewFiled", topic="innoledger:Procurement.ReviewFiled")
    def _review_filed(
        self, review_id: str, filed_on: date, court: str, applicant: str, reference: str
    ) -> None:
        self.reviews.append(
            {
                "id": review_id,
                "filed_on": filed_on,
                "court": court,
                "applicant": applicant,
                "reference": reference,
                "ruling": None,
            }
        )

    def rule_on_review(self, *, review_id: str, ruled_on: date, outcome: str, summary: str) -> None:
        review = next((r for r in self.reviews if r["id"] == str(review_id)), None)
        if review is None:
            raise InvalidValue(f"review_id: no review {review_id}", field="review_id")
        if review["ruling"] is not None:
            raise RuleViolation("the review is ruled on already", rule="already_ruled")
        if outcome not in REVIEW_OUTCOMES:
            raise InvalidValue(f"outcome: one of {', '.join(REVIEW_OUTCOMES)}", field="outcome")
        ruled_on = parse_date(ruled_on, field="ruled_on")
        if ruled_on < review["filed_on"]:
            raise InvalidValue("ruled_on: a date on or after filing", field="ruled_on")
        self._review_ruled(
            review_id=str(review_id),
            ruled_on=ruled_on,
            outcome=outcome,
            summary=required_text(summary, field="summary", max_length=10000),
        )

    @event("ReviewRuled", topic="innoledger:Procurement.ReviewRuled")
    def _review_ruled(self, review_id: str, ruled_on: date, outcome: str, summary: str) -> None:
        for review in self.reviews:
            if review["id"] == review_id:
                review["ruling"] = {"ruled_on": ruled_on, "outcome": outcome, "summary": summary}
        # An upheld review of an award means the evaluation is redone (rättelse).
        if outcome == "upheld" and self.status == AWARDED:
            self.award = None
            self.status = EVALUATION if self.procedure not in WITHOUT_NOTICE else PLANNING

    # Implementation and follow-up

    def record_milestone(self, *, title: str, reached_on: date, note: str | None = None) -> str:
        self._require_status(CONTRACTED, IMPLEMENTING, action="record milestones for")
        reached_on = parse_date(reached_on, field="reached_on")
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
            {"id": milestone_id, "title": title, "reached_on": reached_on, "note": note}
        )
        self.status = IMPLEMENTING

    def record_follow_up(
        self, *, need_id: str, followed_up_on: date, effect: str, measurement: str
    ) -> str:
        self._require_status(IMPLEMENTING, CLOSED, action="follow up")
        if str(need_id) not in self.need_ids:
            raise InvalidValue(
                "need_id: this procurement does not address that need", field="need_id"
            )
        followed_up_on = parse_date(followed_up_on, field="followed_up_on")
        follow_up_id = str(uuid.uuid4())
        self._followed_up(
            follow_up_id=follow_up_id,
            need_id=str(need_id),
            followed_up_on=followed_up_on,
            effect=required_text(effect, field="effect", max_length=10000),
            measurement=required_text(measurement, field="measurement", max_length=2000),
        )
        return follow_up_id

    @event("FollowedUp", topic="innoledger:Procurement.FollowedUp")
    def _followed_up(
        self, follow_up_id: str, need_id: str, followed_up_on: date, effect: str, measurement: str
    ) -> None:
        self.follow_ups.append(
            {
                "id": follow_up_id,
                "need_id": need_id,
                "followed_up_on": followed_up_on,
                "effect": effect,
                "measurement": measurement,
            }
        )

    def record_lesson(self, *, text: str, shareable: bool) -> str:
        if not isinstance(shareable, bool):
            raise InvalidValue("shareable: true or false", field="shareable")
        lesson_id = str(uuid.uuid4())
        self._lesson_recorded(
            lesson_id=lesson_id,
            text=required_text(text, field="text", max_length=10000),
            shareable=shareable,
        )
        return lesson_id

    @event("LessonRecorded", topic="innoledger:Procurement.LessonRecorded")
    def _lesson_recorded(self, lesson_id: str, text: str, shareable: bool) -> None:
        self.lessons.append({"id": lesson_id, "text": text, "shareable": shareable})

    # Ending

    def cancel(self, decision: DecisionRecord) -> None:
        self._require_lead_decision(decision, "cancel")
        self._require_status(*CANCELLABLE, action="cancel")
        self._cancelled(decision=decision.as_event_data())

    @event("Cancelled", topic="innoledger:Procurement.Cancelled")
    def _cancelled(self, decision: dict[str, Any]) -> None:
        self.cancelled_from = self.status
        self.status = CANCELLED
        self.decisions.append(decision)

    def close(self, decision: DecisionRecord, *, outcome: str) -> None:
        self._require_lead_decision(decision, "close")
        self._require_status(CONTRACTED, IMPLEMENTING, action="close")
        if outcome not in CLOSE_OUTCOMES:
            raise InvalidValue(f"outcome: one of {', '.join(CLOSE_OUTCOMES)}", field="outcome")
        self._closed(decision=decision.as_event_data(), outcome=outcome)

    @event("Closed", topic="innoledger:Procurement.Closed")
    def _closed(self, decision: dict[str, Any], outcome: str) -> None:
        self.outcome = outcome
        self.status = CLOSED
        self.decisions.append(decision)

    def decision_value(self, decision_type: str) -> Decimal | None:
        """The value a decision commits, for the delegation order's ceilings."""
        if decision_type in ("choose_procedure", "publish", "award", "cancel"):
            return self.estimated_value_sek
        return None

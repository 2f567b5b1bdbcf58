"""A procurement's events as OCDS 1.1.5 releases: pure functions, no I/O.

Each procurement is one contracting process (`ocid` = prefix + "-" + procurement id). The
aggregate's events are replayed in order and every event OCDS covers yields one release,
`<ocid>-<version>`, dated with the event's timestamp (when the record learnt it: OCDS's release
date is publication time, not the decision's valid time, which goes into the fields instead).

Each release is a full snapshot of the process as it stood after its event, so any one release
is readable alone and the compiled release is simply the latest state. A value that disappears
(a CPV code removed, an award voided on review) is published as an explicit null, which is how
OCDS merging removes a field; nulls are written only where something was published before.

Releases are immutable once dated: nothing in them depends on when the export is built. The one
fact that changes with the calendar alone, the end of the standstill (avtalsspärr), gets its own
release dated at the start of the first day the contract may be signed, once that moment has
passed (`<ocid>-<version>-standstill-ended`, `awardUpdate`): the award is `pending` before it and
`active` from it.

Bids and tenderers are secret until the award decision (OSL 19:3): no release dated before the
award ever names a tenderer or says how many bids came in, and a bid received yields no release.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, Protocol

from domain.procurement import (
    CANCELLED,
    CLOSED,
    EVALUATION,
    PLANNING,
    TENDERING,
    WITHOUT_NOTICE,
    Procurement,
)
from domain.procurement_values import JOINED
from domain.values.timestamps import STOCKHOLM, stockholm_date

TOPIC_PREFIX = "innoledger:Procurement."
IDENTIFIER_SCHEME = "SE-ORG"
CURRENCY = "SEK"
# The texts the users write (titles, rationales) are Swedish, and so are the few written here.
LANGUAGE = "sv"
ITEM_ID = "1"
ROLE_ORDER = ("buyer", "procuringEntity", "tenderer", "supplier", "reviewBody")

# Swedish procedure → OCDS method (closed codelist method.csv), with the Swedish name as details.
# Restricted, negotiated with notice, competitive dialogue and innovation partnership all let
# only the suppliers the buyer has qualified submit tenders: selective. Without a notice the buyer
# turns to suppliers of its choice: limited; a direct award goes to one supplier: direct.
# Pre-commercial procurement (outside LOU, R&D exemption) is selective too: here it is always
# announced publicly (it needs a published notice like any LOU procedure, so it is not limited),
# and suppliers are then selected and narrowed down phase by phase (solution design, prototype,
# test), so not every interested supplier tenders for the contracts that matter.
PROCUREMENT_METHODS: dict[str, tuple[str, str]] = {
    "open": ("open", "Öppet förfarande"),
    "restricted": ("selective", "Selektivt förfarande"),
    "negotiated_with_notice": ("selective", "Förhandlat förfarande med föregående annonsering"),
    "competitive_dialogue": ("selective", "Konkurrenspräglad dialog"),
    "innovation_partnership": ("selective", "Innovationspartnerskap"),
    "negotiated_without_notice": ("limited", "Förhandlat förfarande utan föregående annonsering"),
    "direct_award": ("direct", "Direktupphandling"),
    "pre_commercial": ("selective", "Förkommersiell upphandling (utanför LOU, FoU-undantaget)"),
    # The competition took place when the framework agreement was procured; the call-off
    # itself goes to the supplier(s) the agreement names.
    "call_off": ("limited", "Avrop från ramavtal"),
}
INNOVATION_KINDS = {
    "functional_requirements": "funktionskrav",
    "innovation_partnership": "innovationspartnerskap",
    "pre_commercial_procurement": "förkommersiell upphandling",
    "market_dialogue": "marknadsdialog",
    "other": "annan form",
}
MARKET_DIALOGUE_TITLES = {
    "rfi": "Marknadsdialog: informationsinhämtning (RFI)",
    "meeting": "Marknadsdialog: möte med leverantörer",
    "innovation_sprint": "Marknadsdialog: innovationssprint",
    "other": "Marknadsdialog",
}
CLOSE_OUTCOMES = {
    "completed": "Avtalet är fullgjort.",
    "partially_completed": "Avtalet är delvis fullgjort.",
    "terminated": "Avtalet har avslutats i förtid.",
}
TERMINATION_REASONS = {
    "breach_by_supplier": "leverantörens avtalsbrott",
    "supplier_insolvency": "leverantörens obestånd",
    "need_ceased": "behovet har upphört",
    "mutual_agreement": "överenskommelse mellan parterna",
    "other": "annat skäl",
}
# Events with no release of their own: a bid received is secret until the award, and
# invitations, lessons learned and declined invitations change nothing OCDS shows.
UPDATES = frozenset(
    {
        "Screened",
        "ProcedureChosen",
        "Edited",
        "ParticipationDecided",
        "MarketDialogueRecorded",
        "ReviewFiled",
        "ReviewRuled",
        "InterimOrderIssued",
        "InterimOrderLifted",
        "ReviewAppealed",
        "AppealRuled",
    }
)
RULINGS = ("ReviewRuled", "AppealRuled")


class ProcurementEvent(Protocol):
    """What the replay needs of a stored procurement event."""

    timestamp: datetime
    originator_version: int

    def mutate(self, aggregate: Any) -> Any: ...


# A sole trader is named by their party directory entry only: their personnummer and name are
# personal data, never published, and erasable without touching the record.
SOLE_TRADER = "Enskild näringsidkare"


@dataclass(frozen=True)
class Organisation:
    name: str
    org_number: str | None
    directory_id: str | None = None  # a sole trader's entry in the party directory

    @classmethod
    def of(cls, name: str | None, org_number: str | None, directory_id: str | None) -> Organisation:
        if directory_id is not None:
            return cls(SOLE_TRADER, None, directory_id)
        return cls(name or "", org_number)

    @property
    def party_id(self) -> str:
        if self.directory_id is not None:
            return f"innoledger-party-{self.directory_id}"
        return f"{IDENTIFIER_SCHEME}-{self.org_number}"

    def reference(self) -> dict[str, Any]:
        return {"id": self.party_id, "name": self.name}

    def party(self) -> dict[str, Any]:
        if self.directory_id is not None:
            return {"id": self.party_id, "name": self.name, "roles": []}
        return {
            "id": self.party_id,
            "name": self.name,
            "identifier": {
                "scheme": IDENTIFIER_SCHEME,
                "id": self.org_number,
                "legalName": self.name,
            },
            "roles": [],
        }


@dataclass(frozen=True)
class ExportContext:
    """Everything the mapping needs besides the events: it reads nothing itself."""

    ocid: str
    municipalities: Mapping[str, Organisation]  # slug → the municipality as an organisation
    now: datetime  # the export is built as of this moment: later events are not out yet
    # Whether this reader may see bids once they are no longer secret; before the award
    # nobody sees them here, whoever asks.
    disclose_bids: bool = True


def ocid_for(prefix: str, procurement_id: object) -> str:
    return f"{prefix}-{procurement_id}"


def main_procurement_category(cpv_code: str | None) -> str | None:
    """From the CPV division: 45 is works, 03-44 and 48 (software packages) goods, 50-98
    services; CPV has no divisions 46, 47 and 49."""
    if not cpv_code:
        return None
    division = int(cpv_code[:2])
    if division == 45:
        return "works"
    if division < 45 or division == 48:
        return "goods"
    if division >= 50:
        return "services"
    return None


def build_releases(
    history: Iterable[tuple[str, ProcurementEvent]], context: ExportContext
) -> list[dict[str, Any]]:
    """Replays (topic, event) pairs of one procurement, oldest first, into its releases."""
    builder = _ReleaseBuilder(context)
    releases: list[dict[str, Any]] = []
    state: Procurement | None = None
    for topic, event in history:
        if event.timestamp > context.now:
            break
        if state is not None:
            # The standstill may have ended before this event: that release comes first, and is
            # built from the state before the event is applied.
            releases.extend(builder.standstill_ended(state, until=event.timestamp))
        had_award = state is not None and state.award is not None
        state = event.mutate(state)
        assert isinstance(state, Procurement)
        release = builder.after_event(topic.removeprefix(TOPIC_PREFIX), event, state, had_award)
        if release is not None:
            releases.append(release)
    if state is not None:
        releases.extend(builder.standstill_ended(state, until=context.now))
    return releases


@dataclass
class _Award:
    id: str
    suppliers: list[Organisation]
    decided_at: datetime
    earliest_signing_day: date
    description: str
    voided: bool = False  # an upheld review (överprövning) annulled it


@dataclass
class _ReleaseBuilder:
    context: ExportContext
    awards: list[_Award] = field(default_factory=list)
    contract_id: str | None = None
    review_bodies: dict[str, str] = field(default_factory=dict)  # party id → court
    # Every path published with a value so far: where a null clears something.
    seen: set[tuple[str, ...]] = field(default_factory=set)
    published_status: dict[str, str] = field(default_factory=dict)  # award id → last status

    @property
    def ocid(self) -> str:
        return self.context.ocid

    def after_event(
        self, kind: str, event: ProcurementEvent, state: Procurement, had_award: bool
    ) -> dict[str, Any] | None:
        version = event.originator_version
        if kind == "Awarded":
            self.awards.append(self._award_from(state, f"{self.ocid}-award-{version}"))
        elif kind in RULINGS and had_award and state.award is None:
            self.awards[-1].voided = True
        elif kind == "ReviewFiled":
            court = state.reviews[-1].court
            self.review_bodies.setdefault(_review_body_id(court), court)
        elif kind == "ContractSigned":
            self.contract_id = f"{self.ocid}-contract-{version}"
        tags = _tags(kind, event, state, had_award)
        if tags is None:
            return None
        return self.release(state, f"{self.ocid}-{version}", event.timestamp, tags)

    def standstill_ended(self, state: Procurement, *, until: datetime) -> list[dict[str, Any]]:
        award = self._current_award(state)
        if award is None or self.published_status.get(award.id) != "pending":
            return []
        signing_from = datetime.combine(_signing_from(award, state), time.min, STOCKHOLM)
        if signing_from > until or self._award_status(award, state, signing_from) != "active":
            return []
        release_id = f"{self.ocid}-{state.version}-standstill-ended"
        return [self.release(state, release_id, signing_from, ["awardUpdate"])]

    # The release

    def release(
        self, state: Procurement, release_id: str, moment: datetime, tags: list[str]
    ) -> dict[str, Any]:
        lead = self._municipality(state.lead)
        disclosed = self.context.disclose_bids and state.bids_disclosed
        awards = [self._award(award, state, moment) for award in self.awards]
        release = {
            "ocid": self.ocid,
            "id": release_id,
            "date": release_date(moment),
            "tag": tags,
            "initiationType": "tender",
            "language": LANGUAGE,
            "parties": self._parties(state, disclosed),
            "buyer": lead.reference(),
            "planning": _planning(state),
            "tender": _tender(state, lead, disclosed, self._current_award(state)),
            "awards": awards,
            "contracts": self._contracts(state),
        }
        for award in awards:
            self.published_status[award["id"]] = award["status"]
        published: dict[str, Any] = _prune(release, (), self.seen)
        _remember(published, (), self.seen)
        return published

    def _parties(self, state: Procurement, disclosed: bool) -> list[dict[str, Any]]:
        parties: dict[str, dict[str, Any]] = {}

        def add(organisation: Organisation, role: str | None) -> None:
            party = parties.setdefault(organisation.party_id, organisation.party())
            if role is not None and role not in party["roles"]:
                party["roles"].append(role)

        lead = self._municipality(state.lead)
        add(lead, "buyer")
        add(lead, "procuringEntity")
        for participant in state.participants:
            municipality = self._municipality(participant.municipality)
            if participant.status == JOINED:
                add(municipality, "buyer")
            elif ("parties", municipality.party_id, "roles") in self.seen:
                add(municipality, None)  # withdrew: empty roles take back its buyer role
        for award in self.awards:
            for supplier in award.suppliers:
                add(supplier, "supplier")
        if disclosed:
            for bid in state.bids:
                tenderer = Organisation.of(
                    bid.tenderer_name, bid.tenderer_org_number, bid.tenderer_party_id
                )
                add(tenderer, "tenderer")
        for party_id, court in self.review_bodies.items():
            parties[party_id] = {"id": party_id, "name": court, "roles": ["reviewBody"]}
        for party in parties.values():
            party["roles"].sort(key=ROLE_ORDER.index)
        return list(parties.values())

    def _award_from(self, state: Procurement, award_id: str) -> _Award:
        award = state.award
        assert award is not None
        notified_on = stockholm_date(award.notification_sent_at).isoformat()
        if award.standstill_last_day is None:
            standstill = f"Tilldelningsbeslutet meddelades {notified_on}; ingen avtalsspärr."
        else:
            how = "elektroniskt" if award.sent_electronically else "inte elektroniskt"
            standstill = (
                f"Tilldelningsbeslutet meddelades {notified_on} ({how}). Avtalsspärr till och med"
                f" {award.standstill_last_day.isoformat()}; avtal får tecknas från"
                f" {award.earliest_signing_day.isoformat()}."
            )
        return _Award(
            id=award_id,
            suppliers=[
                Organisation.of(s.name, s.org_number, s.party_id) for s in award.suppliers
            ],
            decided_at=award.decided_at,
            earliest_signing_day=award.earliest_signing_day,
            description=_sentences(award.evaluation_summary, standstill),
        )

    def _current_award(self, state: Procurement) -> _Award | None:
        if state.award is None or not self.awards:
            return None
        return self.awards[-1]

    @staticmethod
    def _award_status(award: _Award, state: Procurement, moment: datetime) -> str:
        if award.voided or state.status == CANCELLED:
            return "cancelled"
        if state.contract is not None:
            return "active"
        # Not in force while the (extended) standstill runs, nor while a review blocks signing.
        if state.under_review or stockholm_date(moment) < _signing_from(award, state):
            return "pending"
        return "active"

    def _award(self, award: _Award, state: Procurement, moment: datetime) -> dict[str, Any]:
        description = award.description
        extended = state.extended_standstill_last_day
        if extended is not None and award is self._current_award(state):
            description = _sentences(
                description,
                "En ansökan om överprövning kom in under avtalsspärren: förlängd avtalsspärr"
                f" (LOU 20 kap. 10 §) till och med {extended.isoformat()}; avtal får tecknas"
                f" från {_signing_from(award, state).isoformat()}",
            )
        return {
            "id": award.id,
            "description": description,
            "status": self._award_status(award, state, moment),
            "date": _instant(award.decided_at),
            "suppliers": [supplier.reference() for supplier in award.suppliers],
        }

    def _contracts(self, state: Procurement) -> list[dict[str, Any]]:
        contract = state.contract
        award = self._current_award(state)
        if contract is None or award is None or self.contract_id is None:
            return []
        closed = _last_decision(state, "close") or _last_decision(state, "terminate_early")
        return [
            {
                "id": self.contract_id,
                "awardID": award.id,
                "description": _closing_description(state, closed),
                "status": "terminated" if state.status == CLOSED else "active",
                "value": _value(contract.contract_value_sek),
                "dateSigned": _day_start(contract.signed_on),
                "period": {
                    "startDate": _day_start(contract.signed_on),
                    "endDate": _instant(closed["decided_at"]) if closed else None,
                },
                "implementation": {"milestones": _implementation_milestones(state)},
            }
        ]

    def _municipality(self, slug: str) -> Organisation:
        return self.context.municipalities[slug]


def _tags(
    kind: str, event: ProcurementEvent, state: Procurement, had_award: bool
) -> list[str] | None:
    fixed = {
        "Started": ["planning"],
        "Published": ["tender"],
        "EvaluationStarted": ["tenderUpdate"],
        "Awarded": ["award"],
        "ContractSigned": ["contract"],
        "MilestoneRecorded": ["implementation"],
        "FollowedUp": ["implementation"],
        "Closed": ["contractTermination"],
        "TerminatedEarly": ["contractTermination"],
    }
    if kind in fixed:
        return fixed[kind]
    if kind == "Cancelled":
        return ["tenderCancellation", "awardCancellation"] if had_award else ["tenderCancellation"]
    if kind in RULINGS and had_award and state.award is None:
        return ["awardCancellation"]
    if kind == "ParticipationDecided" and getattr(event, "decision", {}).get("type") == "decline":
        return None
    if kind in UPDATES:
        return [_update_tag(state)]
    return None


def _update_tag(state: Procurement) -> str:
    """The update tag of the phase the process is in."""
    if state.status == PLANNING:
        return "planningUpdate"
    if state.status in (TENDERING, EVALUATION, CANCELLED):
        return "tenderUpdate"
    if state.award is not None and state.contract is None:
        return "awardUpdate"
    return "contractUpdate"


def _planning(state: Procurement) -> dict[str, Any]:
    rationale = None
    if state.screening is not None:
        if state.screening.innovation:
            kind = INNOVATION_KINDS.get(state.screening.kind or "", state.screening.kind)
            verdict = f"innovationsupphandling ({kind})"
        else:
            verdict = "ingen innovationsupphandling"
        rationale = _sentences(f"Innovationsscreening: {verdict}", state.screening.rationale)
    return {
        "rationale": rationale,
        "milestones": [
            {
                "id": activity.id,
                "title": MARKET_DIALOGUE_TITLES.get(activity.kind, "Marknadsdialog"),
                "type": "engagement",
                "description": f"{activity.summary} ({activity.supplier_count} leverantörer)",
                "status": "met",
                "dateMet": _day_start(activity.held_on),
            }
            for activity in state.market_dialogue
        ],
    }


def _tender(
    state: Procurement, lead: Organisation, disclosed: bool, award: _Award | None
) -> dict[str, Any]:
    method = PROCUREMENT_METHODS.get(state.procedure or "")
    published = _last_decision(state, "publish")
    tenderers = disclosed and state.procedure not in WITHOUT_NOTICE
    return {
        "id": str(state.id),
        "title": state.title,
        "description": state.description,
        "status": _tender_status(state),
        "procuringEntity": lead.reference(),
        "items": [_item(state)],
        "value": _value(state.estimated_value_sek),
        "procurementMethod": method[0] if method else None,
        "procurementMethodDetails": method[1] if method else None,
        "procurementMethodRationale": _method_rationale(state),
        "mainProcurementCategory": main_procurement_category(state.cpv_code),
        "tenderPeriod": {
            "startDate": _instant(published["decided_at"]) if published else None,
            "endDate": _instant(state.tender_deadline) if state.tender_deadline else None,
        },
        "awardPeriod": {
            "startDate": _instant(state.evaluation_started_at)
            if state.evaluation_started_at
            else None,
            "endDate": _instant(award.decided_at) if award else None,
        },
        "numberOfTenderers": len(state.bids) if tenderers else None,
        "tenderers": [
            Organisation.of(
                bid.tenderer_name, bid.tenderer_org_number, bid.tenderer_party_id
            ).reference()
            for bid in state.bids
        ]
        if tenderers
        else [],
        "documents": [
            {
                "id": state.notice_id,
                "documentType": "tenderNotice",
                "title": f"Annons {state.notice_id}",
                "datePublished": _instant(published["decided_at"]) if published else None,
            }
        ]
        if state.notice_id
        else [],
    }


def _tender_status(state: Procurement) -> str:
    if state.status == PLANNING:
        return "planning"
    if state.status in (TENDERING, EVALUATION):
        return "active"
    if state.status == CANCELLED:
        return "cancelled"
    return "complete"


def _item(state: Procurement) -> dict[str, Any]:
    cpv = state.cpv_code
    # A CPV code is identified by its eight digits; the digit after the dash only guards typing.
    return {
        "id": ITEM_ID,
        "description": state.title if cpv else None,
        "classification": {"scheme": "CPV" if cpv else None, "id": cpv[:8] if cpv else None},
    }


def _method_rationale(state: Procurement) -> str | None:
    chosen = _last_decision(state, "choose_procedure")
    if chosen is None:
        return None
    if state.exemption_rationale:
        return _sentences(
            chosen["rationale"], f"Undantag från LOU (FoU): {state.exemption_rationale}"
        )
    return str(chosen["rationale"])


def _implementation_milestones(state: Procurement) -> list[dict[str, Any]]:
    milestones = [
        {
            "id": milestone.id,
            "title": milestone.title,
            "type": "delivery",
            "description": milestone.note,
            "status": "met",
            "dateMet": _day_start(milestone.reached_on),
        }
        for milestone in state.milestones
    ]
    milestones += [
        {
            "id": follow_up.id,
            "title": "Uppföljning av effekten på behovet",
            "type": "assessment",
            "description": _sentences(follow_up.effect, f"Mätning: {follow_up.measurement}"),
            "status": "met",
            "dateMet": _day_start(follow_up.followed_up_on),
        }
        for follow_up in state.follow_ups
    ]
    return milestones


def _closing_description(state: Procurement, closed: dict[str, Any] | None) -> str | None:
    """Why the contract is no longer in force: finished (completely or partly), or ended
    early with its reason. OCDS calls both "terminated"; the description tells them apart."""
    if state.status != CLOSED:
        return None
    reason = state.termination_reason
    if reason is None:
        return CLOSE_OUTCOMES.get(state.outcome or "")
    assert closed is not None
    return _sentences(
        f"Avtalet har avslutats i förtid: {TERMINATION_REASONS.get(reason, reason)}",
        str(closed["rationale"]),
    )


def _signing_from(award: _Award, state: Procurement) -> date:
    """The first signing day of the current award: after its standstill, and after any
    extended standstill, ruling or lifted interim order that came later."""
    current = state.signing_allowed_from
    if current is None:
        return award.earliest_signing_day
    return max(current, award.earliest_signing_day)


def _last_decision(state: Procurement, decision_type: str) -> dict[str, Any] | None:
    for decision in reversed(state.decisions):
        if decision["type"] == decision_type:
            return decision
    return None


def _sentences(*texts: str) -> str:
    """Joins the users' texts and ours into one, ending each with a full stop if it has none."""
    return " ".join(t if t.rstrip().endswith((".", "!", "?")) else f"{t.rstrip()}." for t in texts)


def _review_body_id(court: str) -> str:
    slug = "-".join("".join(c if c.isalnum() else " " for c in court.casefold()).split())
    return f"review-body-{slug}"


def _value(amount: Decimal) -> dict[str, Any]:
    # Kept a Decimal: jsonio writes it as a JSON number with exactly two decimals.
    return {"amount": amount.quantize(Decimal("0.01")), "currency": CURRENCY}


def _instant(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return utc.isoformat(timespec="microseconds" if utc.microsecond else "seconds").replace(
        "+00:00", "Z"
    )


def release_date(moment: datetime) -> str:
    # One fixed width, because ocdsmerge orders releases by comparing their dates as text.
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _day_start(day: date) -> str:
    """A calendar date (Europe/Stockholm, spec §9) as the date-time OCDS wants."""
    return datetime.combine(day, time.min, STOCKHOLM).isoformat()


# Nulls and empty values


class _Absent:
    pass


_ABSENT = _Absent()


def _prune(value: Any, path: tuple[str, ...], seen: set[tuple[str, ...]]) -> Any:
    """Drops empty values, except a null (or empty list) where a value was published before:
    that is what clears it in the compiled release."""
    if isinstance(value, dict):
        kept = {}
        for key, item in value.items():
            pruned = _prune(item, (*path, key), seen)
            if pruned is not _ABSENT:
                kept[key] = pruned
        return kept if kept else _ABSENT
    if isinstance(value, list) and value and all(_has_id(item) for item in value):
        items = []
        for item in value:
            element = (*path, str(item["id"]))
            pruned = _prune(item, element, seen)
            # An object left with only its id says nothing, unless it was published before.
            if pruned is not _ABSENT and (set(pruned) != {"id"} or element in seen):
                items.append(pruned)
        return items if items else _ABSENT
    if value is None or value == []:
        return value if path in seen else _ABSENT
    return value


def _remember(value: Any, path: tuple[str, ...], seen: set[tuple[str, ...]]) -> None:
    if value is None or value == []:
        return
    seen.add(path)
    if isinstance(value, dict):
        for key, item in value.items():
            _remember(item, (*path, key), seen)
    elif isinstance(value, list) and all(_has_id(item) for item in value):
        for item in value:
            _remember(item, (*path, str(item["id"])), seen)


def _has_id(item: Any) -> bool:
    return isinstance(item, dict) and "id" in item

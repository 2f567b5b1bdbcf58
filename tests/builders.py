"""Shared builders for the domain and application tests.

Domain level: `DomainWorld` registers a municipality with staff, an innovation area and a
delegation order, and walks needs and procurements to any state, acting as the right people.
Application level: `setup_tenant` does the same through `Innoledger`, and the `decision` /
`board_decision` helpers build the decision dicts the use cases take.

Everything happens in 2018–2019 (the Skurup/Ystad pilots), so decisions are never in the future,
and the award notice is sent electronically on Thu 2018-12-20: the standstill (avtalsspärr) runs to
Wed 2019-01-02 (day 10 is Sun 12-30; Mon 12-31 nyårsafton and Tue 01-01 nyårsdagen move it),
and the contract may be signed from Thu 2019-01-03.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from domain.audit import Actor, acting_as
from domain.decisions import DELEGABLE_DECISION_TYPES, AuthorityClaim, DecisionRecord
from domain.municipality import Municipality
from domain.need import QUADRANTS, Need
from domain.procurement import Procurement
from service.principal import Principal

# Luhn-valid organisation numbers (the check digit is the last one).
ORG_NUMBERS = {
    "ystad": "212000-1181",
    "skurup": "212000-1124",
    "kavlinge": "212000-1264",
    "trelleborg": "212000-1090",
}
COUNTIES = {slug: "Skåne" for slug in ORG_NUMBERS}
NAMES = {
    "ystad": "Ystads kommun",
    "skurup": "Skurups kommun",
    "kavlinge": "Kävlinge kommun",
    "trelleborg": "Trelleborgs kommun",
}
SUPPLIER_A = {"org_number": "556677-8899", "name": "Lärande Maskiner AB"}
SUPPLIER_B = {"org_number": "556012-3456", "name": "Torra Golv i Skåne AB"}
SUPPLIER_C = {"org_number": "559000-1235", "name": "Delningstjänster Syd AB"}
LUHN_INVALID_ORG_NUMBER = "212000-1182"

# The timeline every builder and scenario uses.
ORDER_EFFECTIVE = date(2018, 1, 1)
IDENTIFIED_ON = date(2018, 2, 20)
PRIORITISED_AT = datetime(2018, 3, 14, 10, 0, tzinfo=UTC)
PROCURE_AT = datetime(2018, 4, 10, 10, 0, tzinfo=UTC)
SCREEN_AT = datetime(2018, 5, 2, 9, 0, tzinfo=UTC)
PROCEDURE_AT = datetime(2018, 5, 2, 10, 0, tzinfo=UTC)
PUBLISH_AT = datetime(2018, 9, 3, 10, 0, tzinfo=UTC)
TENDER_DEADLINE = datetime(2018, 10, 15, 10, 0, tzinfo=UTC)
BID_AT = datetime(2018, 10, 10, 13, 0, tzinfo=UTC)
LATE_BID_AT = datetime(2018, 10, 15, 10, 30, tzinfo=UTC)
EVALUATION_AT = datetime(2018, 10, 16, 9, 0, tzinfo=UTC)
AWARD_AT = datetime(2018, 12, 20, 8, 0, tzinfo=UTC)
NOTIFIED_AT = datetime(2018, 12, 20, 9, 0, tzinfo=UTC)
STANDSTILL_LAST_DAY = date(2019, 1, 2)
SIGN_ON = date(2019, 1, 3)
SIGN_AT = datetime(2019, 1, 3, 10, 0, tzinfo=UTC)
MILESTONE_ON = date(2019, 3, 1)
FOLLOW_UP_ON = date(2019, 9, 2)
CLOSE_AT = datetime(2019, 12, 16, 10, 0, tzinfo=UTC)
REALISED_AT = datetime(2019, 12, 17, 10, 0, tzinfo=UTC)

ESTIMATED_VALUE = "1500000"  # below the 2018 EU threshold (2 096 097 SEK)
CONTRACT_VALUE = "1450000"
SCORES = {
    "impact": 5,
    "feasibility": 4,
    "market_readiness": 3,
    "cost_viability": 4,
    "organisational_readiness": 4,
}
SWOT_TEXTS = {
    "strength": "Engagerade pedagoger",
    "weakness": "Splittrade IT-system",
    "opportunity": "Fem kommuner delar behovet",
    "threat": "Leverantörsinlåsning",
}
TENANT_ROLES = ("tenant_admin", "officer", "decision_maker", "auditor", "viewer")


# People


def principal(
    user_id: str, municipality: str | None, *roles: str, request_id: str | None = None
) -> Principal:
    return Principal(
        user_id=user_id,
        municipality=municipality,
        roles=tuple(roles),
        request_id=request_id or f"req-{uuid.uuid4().hex[:12]}",
    )


PLATFORM_ADMIN = principal("platform-admin", None, "platform_admin", request_id="req-platform")
PLATFORM_AUDITOR = principal("platform-auditor", None, "auditor", request_id="req-audit")


@dataclass(frozen=True)
class Team:
    """The standard staff of one municipality: one user per role."""

    slug: str

    def user(self, role: str) -> str:
        return f"{self.slug}-{role.replace('_', '-')}"

    def principal(self, role: str, *, request_id: str | None = None) -> Principal:
        return principal(
            self.user(role), self.slug, role, request_id=request_id or f"req-{self.slug}-{role}"
        )

    def actor(self, role: str) -> Actor:
        return self.principal(role).as_actor()

    @property
    def admin(self) -> Principal:
        return self.principal("tenant_admin")

    @property
    def officer(self) -> Principal:
        return self.principal("officer")

    @property
    def decision_maker(self) -> Principal:
        return self.principal("decision_maker")

    @property
    def auditor(self) -> Principal:
        return self.principal("auditor")

    @property
    def viewer(self) -> Principal:
        return self.principal("viewer")


# Delegation orders and decisions


def rule(
    rule_id: str, decision_type: str, role: str = "decision_maker", max_value_sek: Any = None
) -> dict[str, Any]:
    return {
        "rule_id": rule_id,
        "decision_type": decision_type,
        "role": role,
        "max_value_sek": max_value_sek,
    }


def full_delegation(
    role: str = "decision_maker", max_value_sek: Any = None, prefix: str = "D"
) -> list[dict[str, Any]]:
    """A rule for every decision type, given to `role`."""
    return [
        rule(f"{prefix}-{kind}", kind, role, max_value_sek) for kind in DELEGABLE_DECISION_TYPES
    ]


def order_adoption(meeting: date, *, body: str = "Kommunstyrelsen") -> dict[str, Any]:
    """The board's decision adopting a delegation order at a meeting on `meeting`, as the use
    case takes it (`decision=`)."""
    return {
        "rationale": "Delegationsordning antagen",
        "authority": {
            "kind": "board",
            "body": body,
            "meeting_date": meeting,
            "minutes_reference": f"{body} {meeting.isoformat()} § 12",
        },
        "decided_at": datetime(meeting.year, meeting.month, meeting.day, 17, 0, tzinfo=UTC),
    }


def adopt_order(
    municipality: Municipality, effective_from: date, rules: list[dict[str, Any]],
    *, meeting: date | None = None,
) -> int:
    """The tenant admin records the board's adoption of `rules` (meeting on the effective day
    unless given); call it acting as the tenant admin."""
    from domain.audit import current_actor

    adoption = order_adoption(meeting or effective_from)
    record = municipality.authorise(
        current_actor(),
        decision_type="adopt_delegation_order",
        rationale=adoption["rationale"],
        authority=AuthorityClaim.from_dict(adoption["authority"]),
        decided_at=adoption["decided_at"],
    )
    return municipality.adopt_delegation_order(record, effective_from=effective_from, rules=rules)


def decision(
    kind: str,
    decided_at: datetime,
    /,
    *,
    rationale: str | None = None,
    rule_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A decision taken under the delegation order, as the use cases take it."""
    authority: dict[str, Any] = {"kind": "delegation"}
    if rule_id is not None:
        authority["rule_id"] = rule_id
    return {
        "type": kind,
        "rationale": rationale or f"Motivering: {kind}",
        "authority": authority,
        "decided_at": decided_at,
        **extra,
    }


def board_decision(
    kind: str,
    decided_at: datetime,
    /,
    *,
    body: str = "Kommunstyrelsen",
    minutes_reference: str = "Kommunstyrelsen 2018-03-14 § 45",
    meeting_date: date | None = None,
    rationale: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    return {
        "type": kind,
        "rationale": rationale or f"Beslut i {body}: {kind}",
        "authority": {
            "kind": "board",
            "body": body,
            "meeting_date": meeting_date or decided_at.date(),
            "minutes_reference": minutes_reference,
        },
        "decided_at": decided_at,
        **extra,
    }


def authorise(
    municipality: Municipality,
    actor: Actor,
    kind: str,
    decided_at: datetime,
    *,
    value_sek: Decimal | str | None = None,
    authority: dict[str, Any] | None = None,
    rationale: str | None = None,
) -> DecisionRecord:
    return municipality.authorise(
        actor,
        decision_type=kind,
        rationale=rationale or f"Motivering: {kind}",
        authority=AuthorityClaim.from_dict(authority or {"kind": "delegation"}),
        decided_at=decided_at,
        value_sek=None if value_sek is None else Decimal(value_sek),
    )


# Domain level


def registered_municipality(
    slug: str = "ystad",
    *,
    rules: list[dict[str, Any]] | None = None,
    effective_from: date = ORDER_EFFECTIVE,
    areas: tuple[str, ...] = ("Lärprocess för AI",),
    roles: tuple[str, ...] = TENANT_ROLES,
) -> Municipality:
    """A municipality with one user per role, innovation areas and a delegation order.

    Pass `rules=[]` for no delegation order at all. Its events are collected (saved, as it were).
    """
    team = Team(slug)
    with acting_as(PLATFORM_ADMIN.as_actor()):
        municipality = Municipality.register(
            slug=slug,
            name=NAMES.get(slug, slug.title()),
            organisation_number=ORG_NUMBERS[slug],
            county=COUNTIES.get(slug, "Skåne"),
        )
        municipality.grant_role(team.user("tenant_admin"), "tenant_admin")
    with acting_as(team.actor("tenant_admin")):
        for role in roles:
            if role != "tenant_admin":
                municipality.grant_role(team.user(role), role)
        for area in areas:
            municipality.add_innovation_area(area)
        if rules is None:
            rules = full_delegation()
        if rules:
            adopt_order(municipality, effective_from, rules)
    municipality.collect_events()
    return municipality


def add_full_swot(need: Need, author: str) -> None:
    for quadrant in QUADRANTS:
        need.add_swot_item(quadrant=quadrant, text=SWOT_TEXTS[quadrant], author=author)


NEED_PATH = ("identified", "prioritised", "procurement_decided", "in_procurement", "realised")
PROCUREMENT_PATH = (
    "planning", "tendering", "evaluation", "awarded", "contracted", "implementing", "closed"
)  # fmt: skip


class DomainWorld:
    """A municipality (by default Ystad) and helpers that act as its staff."""

    def __init__(self, slug: str = "ystad", **municipality_options: Any):
        self.slug = slug
        self.team = Team(slug)
        self.municipality = registered_municipality(slug, **municipality_options)

    @contextmanager
    def as_role(self, role: str) -> Iterator[Actor]:
        with acting_as(self.team.actor(role)) as actor:
            yield actor

    def decide(
        self,
        kind: str,
        decided_at: datetime,
        *,
        value_sek: Decimal | str | None = None,
        role: str = "decision_maker",
        authority: dict[str, Any] | None = None,
    ) -> DecisionRecord:
        return authorise(
            self.municipality,
            self.team.actor(role),
            kind,
            decided_at,
            value_sek=value_sek,
            authority=authority,
        )

    @property
    def area_id(self) -> str:
        return str(self.municipality.innovation_areas[0]["id"])

    # Needs

    def need(self, state: str = "identified", *, swot: bool = True, collect: bool = True) -> Need:
        """A need of this municipality walked to `state` (parked and rejected from identified)."""
        with self.as_role("officer"):
            need = Need.identify(
                owner=self.slug,
                title="Lärprocess för AI i skolan",
                problem_statement="Lärare saknar stöd för att använda AI i undervisningen.",
                innovation_area_id=self.area_id,
                affected_end_users=["elever", "lärare"],
                competences=["pedagogik", "IT", "upphandling"],
            )
            if swot:
                add_full_swot(need, self.team.user("officer"))
        with self.as_role("decision_maker"):
            if state == "parked":
                need.park(self.decide("park", PRIORITISED_AT))
            elif state == "rejected":
                need.reject(self.decide("reject", PRIORITISED_AT), reason="duplicate")
            elif state in NEED_PATH[1:]:
                need.prioritise(self.decide("prioritise", PRIORITISED_AT), scores=SCORES)
                if state != "prioritised":
                    need.decide_to_procure(self.decide("decide_to_procure", PROCURE_AT))
            elif state != "identified":
                raise ValueError(state)
        if state in ("in_procurement", "realised"):
            procurement = self.procurement(
                "contracted" if state == "realised" else "planning", need_ids=[str(need.id)]
            )
            with self.as_role("officer"):
                need.attach_to_procurement(str(procurement.id))
            if state == "realised":
                with self.as_role("decision_maker"):
                    need.mark_realised(self.decide("mark_realised", REALISED_AT), procurement)
        if collect:
            need.collect_events()
        assert need.status == state
        return need

    # Procurements

    def procurement(
        self,
        state: str = "planning",
        *,
        procedure: str = "open",
        value: str = ESTIMATED_VALUE,
        need_ids: list[str] | None = None,
        bidders: tuple[dict[str, str], ...] = (SUPPLIER_A, SUPPLIER_B),
        electronic: bool = True,
        collect: bool = True,
    ) -> Procurement:
        """A procurement led by this municipality walked along the main path to `state`."""
        if state == "cancelled":
            procurement = self.procurement("planning", procedure=procedure, value=value)
            with self.as_role("decision_maker"):
                procurement.cancel(self.decide("cancel", PROCEDURE_AT))
            procurement.collect_events()
            return procurement
        target = PROCUREMENT_PATH.index(state)
        with self.as_role("officer"):
            procurement = Procurement.start(
                lead=self.slug,
                title="AI-stöd för lärande",
                description="Innovationsupphandling av ett AI-stöd för lärprocesser.",
                estimated_value_sek=value,
                need_ids=need_ids or [str(uuid.uuid4())],
                case_number="KS 2018/123",
                cpv_code="48000000-8",
            )
        without_notice = procedure in ("direct_award", "negotiated_without_notice")
        if target >= 1 or (without_notice and target >= 3):
            with self.as_role("decision_maker"):
                procurement.screen(
                    self.decide("screen", SCREEN_AT),
                    innovation=True,
                    kind="functional_requirements",
                )
                procurement.choose_procedure(
                    self.decide("choose_procedure", PROCEDURE_AT, value_sek=value),
                    procedure=procedure,
                    exemption_rationale="FoU-undantaget gäller"
                    if procedure == "pre_commercial"
                    else None,
                )
                if not without_notice:
                    procurement.publish(
                        self.decide("publish", PUBLISH_AT, value_sek=value),
                        notice_id="TED-2018/S-123456",
                        tender_deadline=TENDER_DEADLINE,
                    )
        if target >= 2 and not without_notice:
            with self.as_role("officer"):
                for bidder in bidders:
                    procurement.record_bid(
                        tenderer_org_number=bidder["org_number"],
                        tenderer_name=bidder["name"],
                        received_at=BID_AT,
                    )
                procurement.start_evaluation(at=EVALUATION_AT)
        if target >= 3:
            with self.as_role("decision_maker"):
                procurement.award_contract(
                    self.decide("award", AWARD_AT, value_sek=value),
                    suppliers=[dict(SUPPLIER_A)],
                    evaluation_summary="Bästa förhållande mellan pris och kvalitet.",
                    notification_sent_at=NOTIFIED_AT,
                    sent_electronically=electronic,
                )
        if target >= 4:
            with self.as_role("decision_maker"):
                procurement.sign_contract(
                    self.decide("sign_contract", SIGN_AT, value_sek=CONTRACT_VALUE),
                    supplier_org_number=SUPPLIER_A["org_number"],
                    contract_value_sek=CONTRACT_VALUE,
                    signed_on=SIGN_ON,
                )
        if target >= 5:
            with self.as_role("officer"):
                procurement.record_milestone(title="Pilot i tre skolor", reached_on=MILESTONE_ON)
        if target >= 6:
            with self.as_role("officer"):
                procurement.record_follow_up(
                    need_id=procurement.need_ids[0],
                    followed_up_on=FOLLOW_UP_ON,
                    effect="Lärarna lägger mindre tid på rättning",
                    measurement="-30 % rättningstid",
                )
            with self.as_role("decision_maker"):
                procurement.close(self.decide("close", CLOSE_AT), outcome="completed")
        if collect:
            procurement.collect_events()
        assert procurement.status == state, (procurement.status, state)
        return procurement


# Application level


@dataclass(frozen=True)
class Tenant:
    slug: str
    team: Team
    area_id: str

    @property
    def admin(self) -> Principal:
        return self.team.admin

    @property
    def officer(self) -> Principal:
        return self.team.officer

    @property
    def decision_maker(self) -> Principal:
        return self.team.decision_maker

    @property
    def auditor(self) -> Principal:
        return self.team.auditor

    @property
    def viewer(self) -> Principal:
        return self.team.viewer


def setup_tenant(
    app: Any,
    slug: str = "ystad",
    *,
    rules: list[dict[str, Any]] | None = None,
    effective_from: date = ORDER_EFFECTIVE,
    area: str = "Lärprocess för AI",
) -> Tenant:
    """Registers `slug` through the application with staff, an area and a delegation order."""
    team = Team(slug)
    app.register_municipality(
        PLATFORM_ADMIN,
        slug=slug,
        name=NAMES.get(slug, slug.title()),
        organisation_number=ORG_NUMBERS[slug],
        county=COUNTIES.get(slug, "Skåne"),
    )
    result = app.grant_first_tenant_admin(
        PLATFORM_ADMIN, slug, user_id=team.user("tenant_admin"), expected_version=1
    )
    version = result.version
    for role in TENANT_ROLES[1:]:
        version = app.grant_role(
            team.admin, slug, user_id=team.user(role), role=role, expected_version=version
        ).version
    result = app.add_innovation_area(team.admin, slug, name=area, expected_version=version)
    area_id = result.created["innovation_area_id"]
    if rules is None:
        rules = full_delegation()
    if rules:
        app.adopt_delegation_order(
            team.admin,
            slug,
            effective_from=effective_from,
            rules=rules,
            decision=order_adoption(effective_from),
            expected_version=result.version,
        )
    return Tenant(slug=slug, team=team, area_id=area_id)


def identify_need(app: Any, tenant: Tenant, *, title: str = "Lärprocess för AI") -> str:
    result = app.identify_need(
        tenant.officer,
        title=title,
        problem_statement="Lärare saknar stöd för att använda AI i undervisningen.",
        innovation_area_id=tenant.area_id,
        affected_end_users=["elever", "lärare"],
        competences=["pedagogik", "IT"],
    )
    return result.aggregate_id


def analysed_need(app: Any, tenant: Tenant, *, title: str = "Lärprocess för AI") -> tuple[str, int]:
    """A need with an item in every SWOT quadrant; returns its id and version."""
    need_id = identify_need(app, tenant, title=title)
    version = 1
    for quadrant in QUADRANTS:
        version = app.add_swot_item(
            tenant.officer,
            need_id,
            quadrant=quadrant,
            text=SWOT_TEXTS[quadrant],
            expected_version=version,
        ).version
    return need_id, version


def decided_need(app: Any, tenant: Tenant, *, title: str = "Lärprocess för AI") -> tuple[str, int]:
    """A need in procurement_decided; returns its id and version."""
    need_id, version = analysed_need(app, tenant, title=title)
    version = app.decide_on_need(
        tenant.decision_maker,
        need_id,
        decision=decision("prioritise", PRIORITISED_AT, scores=SCORES),
        expected_version=version,
    ).version
    version = app.decide_on_need(
        tenant.decision_maker,
        need_id,
        decision=decision("decide_to_procure", PROCURE_AT),
        expected_version=version,
    ).version
    return need_id, version


def comparable_state(aggregate: Any) -> dict[str, Any]:
    """The aggregate's state as `__dict__`, without the events not yet saved."""
    return {k: v for k, v in vars(aggregate).items() if k != "_pending_events"}


def capture_saves(app: Any) -> dict[str, Any]:
    """Records every aggregate the application saves, by id: the live objects the commands
    mutated, to compare with what the store gives back."""
    live: dict[str, Any] = {}
    original_save = app.save

    def save(*objs: Any, **kwargs: Any) -> Any:
        recordings = original_save(*objs, **kwargs)
        for obj in objs:
            live[str(obj.id)] = obj
        return recordings

    app.save = save
    return live


def replay(app: Any, aggregate_id: Any, *, lte: int | None = None) -> Any:
    """The aggregate rebuilt from its stored events alone, without snapshots."""
    aggregate = None
    for event in app.events.get(uuid.UUID(str(aggregate_id)), lte=lte):
        aggregate = event.mutate(aggregate)
    return aggregate

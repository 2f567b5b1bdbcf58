"""Procurement: its lifecycle under LOU, the joint-procurement participants, and the legal rules.

Dates: the 2018 law table has the direct-award limit 586 907 SEK and the EU threshold
2 096 097 SEK; from 2022-02-01 the limit is 700 000 SEK, from 2024-01-01 the threshold is
2 389 585 SEK. The award notice of Thu 2018-12-20 (electronic) gives a standstill to Wed
2019-01-02, so signing is allowed from Thu 2019-01-03.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.audit import Actor, acting_as
from domain.errors import (
    InvalidValue,
    MissingAuditContext,
    NotParticipant,
    RuleViolation,
    WrongState,
)
from domain.procurement import CANCELLABLE, PROCUREMENT_STATES, Procurement
from domain.procurement_values import Contract, FollowUp, Lesson, Participant
from tests.builders import (
    AWARD_AT,
    BID_AT,
    CLOSE_AT,
    CONTRACT_VALUE,
    EVALUATION_AT,
    FOLLOW_UP_ON,
    LATE_BID_AT,
    MILESTONE_ON,
    NOTIFIED_AT,
    PROCEDURE_AT,
    PUBLISH_AT,
    SCREEN_AT,
    SIGN_AT,
    SIGN_ON,
    STANDSTILL_LAST_DAY,
    SUPPLIER_A,
    SUPPLIER_B,
    SUPPLIER_C,
    TENDER_DEADLINE,
    DomainWorld,
    Team,
    authorise,
    registered_municipality,
)

EU_THRESHOLD_2018 = "2096097"
DIRECT_AWARD_LIMIT_2019 = "586907"


@pytest.fixture
def world() -> DomainWorld:
    return DomainWorld("ystad")


def on(year: int, month: int, day: int, hour: int = 10) -> datetime:
    return datetime(year, month, day, hour, 0, tzinfo=UTC)


def screen(world: DomainWorld, procurement: Procurement, *, at: datetime = SCREEN_AT) -> None:
    with world.as_role("decision_maker"):
        procurement.screen(world.decide("screen", at), innovation=True, kind="market_dialogue")


def choose(
    world: DomainWorld,
    procurement: Procurement,
    procedure: str = "open",
    *,
    at: datetime = PROCEDURE_AT,
    exemption_rationale: str | None = None,
) -> None:
    with world.as_role("decision_maker"):
        procurement.choose_procedure(
            world.decide("choose_procedure", at, value_sek=procurement.estimated_value_sek),
            procedure=procedure,
            exemption_rationale=exemption_rationale,
        )


def award(
    world: DomainWorld,
    procurement: Procurement,
    suppliers: list[dict[str, str]] | None = None,
    *,
    decided_at: datetime = AWARD_AT,
    notified_at: datetime = NOTIFIED_AT,
    electronic: bool = True,
) -> None:
    with world.as_role("decision_maker"):
        procurement.award_contract(
            world.decide("award", decided_at, value_sek=procurement.estimated_value_sek),
            suppliers=suppliers if suppliers is not None else [dict(SUPPLIER_A)],
            evaluation_summary="Bäst på kvalitet.",
            notification_sent_at=notified_at,
            sent_electronically=electronic,
        )


def sign(
    world: DomainWorld,
    procurement: Procurement,
    signed_on: date = SIGN_ON,
    *,
    supplier: str = SUPPLIER_A["org_number"],
    value: str = CONTRACT_VALUE,
    decided_at: datetime = SIGN_AT,
) -> None:
    with world.as_role("decision_maker"):
        procurement.sign_contract(
            world.decide("sign_contract", decided_at, value_sek=value),
            supplier_org_number=supplier,
            contract_value_sek=value,
            signed_on=signed_on,
        )


def file_review(world: DomainWorld, procurement: Procurement, filed_on: date) -> str:
    with world.as_role("officer"):
        return procurement.file_review(
            filed_on=filed_on,
            court="Förvaltningsrätten i Malmö",
            applicant="Torra Golv i Skåne AB",
            reference="Mål nr 123-19",
        )


def rule_on(
    world: DomainWorld, procurement: Procurement, review_id: str, outcome: str, ruled_on: date
) -> None:
    with world.as_role("officer"):
        procurement.rule_on_review(
            review_id=review_id, ruled_on=ruled_on, outcome=outcome, summary="Dom meddelad."
        )


# The state table, command by command

TO_STATE = {
    "screen": "planning",
    "choose_procedure": "planning",
    "invite": "planning",
    "edit_value": "planning",
    "publish": "tendering",
    "market_dialogue": None,  # stays
    "record_bid": "tendering",
    "start_evaluation": "evaluation",
    "file_review": None,
    "award": "awarded",
    "sign_contract": "contracted",
    "milestone": "implementing",
    "follow_up": None,
    "close": "closed",
    "cancel": "cancelled",
}
ALLOWED_IN = {
    "screen": ("planning",),
    "choose_procedure": ("planning",),
    "invite": ("planning",),
    "edit_value": ("planning",),
    "publish": ("planning",),
    "market_dialogue": ("planning", "tendering"),
    "record_bid": ("tendering",),
    "start_evaluation": ("tendering",),
    "file_review": ("tendering", "evaluation", "awarded"),
    "award": ("evaluation",),
    "sign_contract": ("awarded",),
    "milestone": ("contracted", "implementing"),
    "follow_up": ("implementing", "closed"),
    "close": ("implementing",),
    "cancel": CANCELLABLE,
}


def prepared(world: DomainWorld, state: str) -> Procurement:
    """A procurement in `state`; in planning it is screened and has its procedure (open)."""
    procurement = world.procurement(state)
    if state == "planning":
        screen(world, procurement)
        choose(world, procurement)
        procurement.collect_events()
    if state == "implementing":
        # Implemented and followed up: finished, so it may be closed.
        run(world, procurement, "follow_up")
        procurement.collect_events()
    return procurement


def run(world: DomainWorld, procurement: Procurement, command: str) -> None:
    dm = world.as_role("decision_maker")
    officer = world.as_role("officer")
    if command == "screen":
        with dm:
            procurement.screen(world.decide("screen", SCREEN_AT), innovation=False)
    elif command == "choose_procedure":
        choose(world, procurement, "restricted")
    elif command == "invite":
        with officer:
            procurement.invite_participant(municipality="skurup", role="participant")
    elif command == "edit_value":
        with officer:
            procurement.edit(estimated_value_sek="1600000")
    elif command == "publish":
        with dm:
            procurement.publish(
                world.decide("publish", PUBLISH_AT, value_sek=procurement.estimated_value_sek),
                notice_id="TED-2018/S-999",
                tender_deadline=TENDER_DEADLINE,
            )
    elif command == "market_dialogue":
        with officer:
            procurement.record_market_dialogue(
                kind="rfi", held_on=date(2018, 4, 1), supplier_count=7, summary="RFI"
            )
    elif command == "record_bid":
        with officer:
            procurement.record_bid(
                tenderer_org_number=SUPPLIER_C["org_number"],
                tenderer_name=SUPPLIER_C["name"],
                received_at=BID_AT,
            )
    elif command == "start_evaluation":
        with officer:
            procurement.start_evaluation(at=EVALUATION_AT)
    elif command == "file_review":
        file_review(world, procurement, date(2018, 12, 21))
    elif command == "award":
        award(world, procurement)
    elif command == "sign_contract":
        sign(world, procurement)
    elif command == "milestone":
        with officer:
            procurement.record_milestone(title="Driftstart", reached_on=MILESTONE_ON)
    elif command == "follow_up":
        with officer:
            procurement.record_follow_up(
                need_id=procurement.need_ids[0],
                followed_up_on=FOLLOW_UP_ON,
                effect="Färre halkolyckor",
                measurement="-40 % på ett år",
            )
    elif command == "close":
        with dm:
            procurement.close(world.decide("close", CLOSE_AT), outcome="completed")
    elif command == "cancel":
        with dm:
            procurement.cancel(
                world.decide("cancel", CLOSE_AT, value_sek=procurement.estimated_value_sek)
            )
    else:
        raise ValueError(command)


ALLOWED = sorted((s, c) for c, states in ALLOWED_IN.items() for s in states)
REFUSED = sorted((s, c) for c in ALLOWED_IN for s in PROCUREMENT_STATES if s not in ALLOWED_IN[c])


@pytest.mark.parametrize(("state", "command"), ALLOWED)
def test_every_command_allowed_by_the_state_table(world, state, command):
    procurement = prepared(world, state)
    version = procurement.version

    run(world, procurement, command)

    assert procurement.status == (TO_STATE[command] or state)
    assert procurement.version == version + 1


@pytest.mark.parametrize(("state", "command"), REFUSED)
def test_every_command_outside_the_state_table_is_refused(world, state, command):
    procurement = prepared(world, state)
    before = dict(vars(procurement))

    with pytest.raises(WrongState) as refusal:
        run(world, procurement, command)

    assert refusal.value.rule == "wrong_state"
    assert dict(vars(procurement)) == before
    assert procurement.collect_events() == []


def test_the_main_path_from_planning_to_closed(world):
    procurement = world.procurement("closed")
    assert procurement.screening.innovation is True
    assert procurement.procedure == "open"
    assert procurement.notice_id == "TED-2018/S-123456"
    assert procurement.tender_deadline == TENDER_DEADLINE
    assert [b.late for b in procurement.bids] == [False, False]
    assert procurement.evaluation_started_at == EVALUATION_AT
    assert [s.as_state() for s in procurement.award.suppliers] == [SUPPLIER_A]
    assert procurement.contract == Contract(
        supplier_org_number=SUPPLIER_A["org_number"],
        contract_value_sek=Decimal("1450000.00"),
        signed_on=SIGN_ON,
    )
    assert procurement.has_signed_contract
    assert procurement.outcome == "completed"
    assert [d["type"] for d in procurement.decisions] == [
        "screen", "choose_procedure", "publish", "award", "sign_contract", "close"
    ]  # fmt: skip


# Start and edit


def test_start_records_a_procurement_in_planning(world):
    need_id = str(uuid.uuid4())
    procurement = world.procurement("planning", need_ids=[need_id])
    assert procurement.lead == "ystad"
    assert procurement.tenant == "ystad"
    assert procurement.status == "planning"
    assert procurement.need_ids == [need_id]
    assert procurement.estimated_value_sek == Decimal("1500000.00")
    assert procurement.case_number == "KS 2018/123"
    assert procurement.cpv_code == "48000000-8"
    assert procurement.innovation is None
    assert procurement.above_threshold is None
    assert procurement.is_published is False
    assert procurement.version == 1


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"need_ids": []}, "need_ids"),
        ({"need_ids": ["a", "a"]}, "need_ids"),
        ({"estimated_value_sek": 1500000.0}, "estimated_value_sek"),
        ({"estimated_value_sek": "-1"}, "estimated_value_sek"),
        ({"estimated_value_sek": "1.005"}, "estimated_value_sek"),
        ({"cpv_code": "48000000"}, "cpv_code"),
        ({"title": ""}, "title"),
    ],
)
def test_start_refuses_bad_input(changes, field):
    fields = {
        "lead": "ystad",
        "title": "AI-stöd",
        "description": "Beskrivning",
        "estimated_value_sek": "1000000",
        "need_ids": ["n1"],
        **changes,
    }
    with acting_as(Team("ystad").actor("officer")), pytest.raises(InvalidValue) as refusal:
        Procurement.start(**fields)
    assert refusal.value.field == field


def test_edit_of_title_is_allowed_until_evaluation_and_value_only_in_planning(world):
    procurement = world.procurement("tendering")
    with world.as_role("officer"):
        procurement.edit(title="AI-stöd för lärande, etapp 1", case_number="KS 2018/124")
        assert procurement.title == "AI-stöd för lärande, etapp 1"
        with pytest.raises(WrongState):
            procurement.edit(estimated_value_sek="2000000")
        with pytest.raises(RuleViolation) as refusal:
            procurement.edit(title="AI-stöd för lärande, etapp 1")
        assert refusal.value.rule == "no_change"
        with pytest.raises(InvalidValue):
            procurement.edit(lead="skurup")
    assert procurement.lead == "ystad"


# Screening


def test_screening_records_the_innovation_assessment(world):
    procurement = world.procurement("planning")
    screen(world, procurement)
    assert procurement.innovation is True
    assert procurement.screening.kind == "market_dialogue"
    assert procurement.screening.rationale == "Motivering: screen"


@pytest.mark.parametrize(
    ("innovation", "kind", "field"),
    [
        (True, None, "kind"),
        (True, "magic", "kind"),
        (False, "market_dialogue", "kind"),
        ("yes", None, "innovation"),
    ],
)
def test_screening_refuses_inconsistent_input(world, innovation, kind, field):
    procurement = world.procurement("planning")
    with world.as_role("decision_maker"), pytest.raises(InvalidValue) as refusal:
        procurement.screen(world.decide("screen", SCREEN_AT), innovation=innovation, kind=kind)
    assert refusal.value.field == field
    assert procurement.screening is None


# Procedure, EU threshold and direct-award limit


@pytest.mark.parametrize(
    ("value", "decided_at", "above"),
    [
        ("2200000", on(2018, 5, 2), True),  # 2018 threshold 2 096 097
        ("2200000", on(2024, 2, 1), False),  # 2024 threshold 2 389 585
        ("2389585", on(2024, 2, 1), True),  # LOU 5:1: a value that reaches the threshold
        ("2389584.99", on(2024, 2, 1), False),
        ("1500000", on(2018, 5, 2), False),
        (EU_THRESHOLD_2018, on(2018, 5, 2), True),
    ],
)
def test_above_threshold_is_set_from_the_eu_threshold_on_the_decision_date(
    world, value, decided_at, above
):
    procurement = world.procurement("planning", value=value)
    choose(world, procurement, "open", at=decided_at)
    assert procurement.above_threshold is above


def test_above_threshold_follows_the_estimated_value_when_it_is_edited_later(world):
    """The flag must describe the procurement as it stands: after the estimated value is raised
    above the EU threshold in planning (editing is allowed there), the procurement is an
    above-threshold one. Refusing the edit once the procedure is chosen would also be fine."""
    procurement = world.procurement("planning", value="1500000")
    choose(world, procurement, "open", at=on(2018, 5, 2))
    assert procurement.above_threshold is False

    with world.as_role("officer"):
        try:
            procurement.edit(estimated_value_sek="2500000")
        except RuleViolation:
            return
    assert procurement.estimated_value_sek == Decimal("2500000.00")
    assert procurement.above_threshold is True


@pytest.mark.parametrize(
    ("value", "decided_at"),
    [
        (DIRECT_AWARD_LIMIT_2019, on(2019, 3, 1)),  # at the limit
        ("600000", on(2019, 3, 1)),  # above the 2019 limit ...
        ("700000", on(2023, 3, 1)),  # at the 2022 limit
        ("5000000", on(2024, 3, 1)),
    ],
)
def test_direct_award_at_or_above_the_limit_in_force_on_the_decision_date_is_refused(
    world, value, decided_at
):
    procurement = world.procurement("planning", value=value)
    with pytest.raises(RuleViolation) as refusal:
        choose(world, procurement, "direct_award", at=decided_at)
    assert refusal.value.rule == "direct_award_limit"
    assert procurement.procedure is None


@pytest.mark.parametrize(
    ("value", "decided_at"),
    [
        ("586906.99", on(2019, 3, 1)),
        ("600000", on(2023, 3, 1)),  # ... but below the limit in force from 2022-02-01
        ("699999.99", on(2024, 3, 1)),
    ],
)
def test_direct_award_below_the_limit_is_allowed(world, value, decided_at):
    procurement = world.procurement("planning", value=value)
    choose(world, procurement, "direct_award", at=decided_at)
    assert procurement.procedure == "direct_award"
    assert procurement.above_threshold is False


def test_pre_commercial_procurement_needs_a_rationale_for_the_exemption(world):
    procurement = world.procurement("planning")
    with pytest.raises(InvalidValue) as refusal:
        choose(world, procurement, "pre_commercial")
    assert refusal.value.field == "exemption_rationale"
    choose(world, procurement, "pre_commercial", exemption_rationale="FoU-tjänster, LOU 3:23")
    assert procurement.procedure == "pre_commercial"
    assert procurement.exemption_rationale == "FoU-tjänster, LOU 3:23"


def test_an_exemption_rationale_is_only_for_pre_commercial_procurement(world):
    procurement = world.procurement("planning")
    with pytest.raises(InvalidValue) as refusal:
        choose(world, procurement, "open", exemption_rationale="FoU")
    assert refusal.value.field == "exemption_rationale"


def test_an_unknown_procedure_is_refused(world):
    procurement = world.procurement("planning")
    with pytest.raises(InvalidValue) as refusal:
        choose(world, procurement, "lottery")
    assert refusal.value.field == "procedure"


# Publishing


def publish(world: DomainWorld, procurement: Procurement, deadline: datetime = TENDER_DEADLINE):
    with world.as_role("decision_maker"):
        procurement.publish(
            world.decide("publish", PUBLISH_AT, value_sek=procurement.estimated_value_sek),
            notice_id="TED-2018/S-123456",
            tender_deadline=deadline,
        )


def test_publish_needs_the_innovation_screening(world):
    procurement = world.procurement("planning")
    choose(world, procurement)
    with pytest.raises(RuleViolation) as refusal:
        publish(world, procurement)
    assert refusal.value.rule == "not_screened"
    assert procurement.status == "planning"


def test_publish_needs_a_procedure(world):
    procurement = world.procurement("planning")
    screen(world, procurement)
    with pytest.raises(RuleViolation) as refusal:
        publish(world, procurement)
    assert refusal.value.rule == "no_procedure"
    assert procurement.status == "planning"


@pytest.mark.parametrize("procedure", ["direct_award", "negotiated_without_notice"])
def test_procedures_without_notice_are_not_published(world, procedure):
    procurement = world.procurement("planning", value="500000")
    screen(world, procurement)
    choose(world, procurement, procedure)
    with pytest.raises(RuleViolation) as refusal:
        publish(world, procurement)
    assert refusal.value.rule == "procedure_without_notice"


@pytest.mark.parametrize("deadline", [PUBLISH_AT, PUBLISH_AT - timedelta(days=1)])
def test_the_tender_deadline_comes_after_the_publishing_decision(world, deadline):
    procurement = world.procurement("planning")
    screen(world, procurement)
    choose(world, procurement)
    with pytest.raises(InvalidValue) as refusal:
        publish(world, procurement, deadline)
    assert refusal.value.field == "tender_deadline"
    assert procurement.notice_id is None


def test_publish_opens_tendering(world):
    procurement = world.procurement("planning")
    screen(world, procurement)
    choose(world, procurement)
    publish(world, procurement)
    assert procurement.status == "tendering"
    assert procurement.is_published
    assert procurement.notice_id == "TED-2018/S-123456"


# Bids and evaluation


def bid(world: DomainWorld, procurement: Procurement, supplier: dict, received_at: datetime):
    with world.as_role("officer"):
        return procurement.record_bid(
            tenderer_org_number=supplier["org_number"],
            tenderer_name=supplier["name"],
            received_at=received_at,
        )


def test_a_late_bid_is_recorded_and_flagged(world):
    procurement = world.procurement("tendering")
    bid(world, procurement, SUPPLIER_A, TENDER_DEADLINE)  # on the deadline: in time
    bid(world, procurement, SUPPLIER_B, LATE_BID_AT)
    assert [(b.tenderer_org_number, b.late) for b in procurement.bids] == [
        (SUPPLIER_A["org_number"], False),
        (SUPPLIER_B["org_number"], True),
    ]


def test_a_late_bid_cannot_win(world):
    procurement = world.procurement("tendering")
    bid(world, procurement, SUPPLIER_A, BID_AT)
    bid(world, procurement, SUPPLIER_B, LATE_BID_AT)
    with world.as_role("officer"):
        procurement.start_evaluation(at=EVALUATION_AT)
    with pytest.raises(RuleViolation) as refusal:
        award(world, procurement, [dict(SUPPLIER_B)])
    assert refusal.value.rule == "supplier_without_bid"
    assert procurement.status == "evaluation"
    assert procurement.award is None


def test_a_tenderer_bids_once(world):
    procurement = world.procurement("tendering")
    bid(world, procurement, SUPPLIER_A, BID_AT)
    with pytest.raises(RuleViolation) as refusal:
        bid(world, procurement, {**SUPPLIER_A, "name": "Annat namn AB"}, BID_AT)
    assert refusal.value.rule == "duplicate_bid"
    assert len(procurement.bids) == 1


@pytest.mark.parametrize(
    ("org_number", "received_at", "field"),
    [
        ("556677-8890", BID_AT, "tenderer_org_number"),  # Luhn-invalid
        ("5566", BID_AT, "tenderer_org_number"),
        (SUPPLIER_A["org_number"], datetime.now(UTC) + timedelta(days=2), "received_at"),
        (SUPPLIER_A["org_number"], datetime(2018, 10, 10, 12, 0), "received_at"),
    ],
)
def test_a_bid_with_bad_data_is_refused(world, org_number, received_at, field):
    procurement = world.procurement("tendering")
    with pytest.raises(InvalidValue) as refusal:
        bid(world, procurement, {"org_number": org_number, "name": "X AB"}, received_at)
    assert refusal.value.field == field
    assert procurement.bids == []


def test_evaluation_starts_only_after_the_tender_deadline(world):
    procurement = world.procurement("tendering")
    with world.as_role("officer"):
        with pytest.raises(RuleViolation) as refusal:
            procurement.start_evaluation(at=TENDER_DEADLINE - timedelta(minutes=1))
        assert refusal.value.rule == "before_tender_deadline"
        assert procurement.status == "tendering"
        procurement.start_evaluation(at=TENDER_DEADLINE)
    assert procurement.status == "evaluation"
    assert procurement.evaluation_started_at == TENDER_DEADLINE


def test_no_bids_are_received_once_evaluation_started(world):
    procurement = world.procurement("evaluation")
    with pytest.raises(WrongState):
        bid(world, procurement, SUPPLIER_C, LATE_BID_AT)


# Award


def test_award_requires_a_supplier_that_bid(world):
    procurement = world.procurement("evaluation")
    with pytest.raises(RuleViolation) as refusal:
        award(world, procurement, [dict(SUPPLIER_C)])
    assert refusal.value.rule == "supplier_without_bid"
    assert procurement.status == "evaluation"


@pytest.mark.parametrize(
    ("suppliers", "field"),
    [
        ([], "suppliers"),
        ([dict(SUPPLIER_A), dict(SUPPLIER_A)], "suppliers"),
        ([{"org_number": "556677-8890", "name": "X"}], "suppliers[0].org_number"),
        ([{"org_number": SUPPLIER_A["org_number"], "name": ""}], "suppliers[0].name"),
        (["556677-8899"], "suppliers"),
    ],
)
def test_award_refuses_bad_supplier_lists(world, suppliers, field):
    procurement = world.procurement("evaluation")
    with pytest.raises(InvalidValue) as refusal:
        award(world, procurement, suppliers)
    assert refusal.value.field == field


def test_the_notification_cannot_precede_the_award_decision(world):
    procurement = world.procurement("evaluation")
    with pytest.raises(InvalidValue) as refusal:
        award(world, procurement, notified_at=AWARD_AT - timedelta(hours=1))
    assert refusal.value.field == "notification_sent_at"


def test_award_starts_the_standstill_and_discloses_the_bids(world):
    procurement = world.procurement("evaluation")
    assert procurement.bids_disclosed is False
    award(world, procurement, [dict(SUPPLIER_A), dict(SUPPLIER_B)])
    assert procurement.status == "awarded"
    assert procurement.bids_disclosed is True
    assert procurement.award.standstill_last_day == STANDSTILL_LAST_DAY
    assert procurement.award.earliest_signing_day == SIGN_ON
    assert procurement.in_standstill_on(STANDSTILL_LAST_DAY)
    assert not procurement.in_standstill_on(SIGN_ON)


# Signing and the standstill (avtalsspärr)


def test_signing_inside_the_standstill_is_refused(world):
    procurement = world.procurement("awarded")
    for day in (date(2018, 12, 20), date(2018, 12, 31), STANDSTILL_LAST_DAY):
        with pytest.raises(RuleViolation) as refusal:
            sign(world, procurement, day)
        assert refusal.value.rule == "standstill"
    assert procurement.status == "awarded"
    assert procurement.contract is None


def test_signing_is_allowed_from_the_day_after_the_standstill(world):
    procurement = world.procurement("awarded")
    sign(world, procurement, date(2019, 1, 3))
    assert procurement.status == "contracted"
    assert procurement.contract.signed_on == date(2019, 1, 3)


def test_a_notice_sent_by_other_means_gives_fifteen_days(world):
    # Thu 2018-12-20 + 15 = Fri 2019-01-04, a working day: sign from Sat 2019-01-05.
    procurement = world.procurement("awarded", electronic=False)
    assert procurement.award.standstill_last_day == date(2019, 1, 4)
    with pytest.raises(RuleViolation) as refusal:
        sign(world, procurement, date(2019, 1, 4))
    assert refusal.value.rule == "standstill"
    sign(world, procurement, date(2019, 1, 5))
    assert procurement.status == "contracted"


def test_only_an_awarded_supplier_signs(world):
    procurement = world.procurement("awarded")
    with pytest.raises(RuleViolation) as refusal:
        sign(world, procurement, supplier=SUPPLIER_B["org_number"])
    assert refusal.value.rule == "not_awarded"


def test_a_signing_date_in_the_future_or_with_a_time_is_refused(world):
    procurement = world.procurement("awarded")
    with pytest.raises(InvalidValue) as refusal:
        sign(world, procurement, date.today() + timedelta(days=2))
    assert refusal.value.field == "signed_on"
    with pytest.raises(InvalidValue) as refusal:
        sign(world, procurement, datetime(2019, 1, 3, 10, 0, tzinfo=UTC))
    assert refusal.value.field == "signed_on"


def test_direct_award_has_no_standstill(world):
    procurement = world.procurement("planning", value="500000")
    screen(world, procurement)
    choose(world, procurement, "direct_award", at=on(2019, 3, 1))
    award(
        world,
        procurement,
        [dict(SUPPLIER_C)],  # no bids in a direct award
        decided_at=on(2019, 3, 4, 9),
        notified_at=on(2019, 3, 4, 10),
    )
    assert procurement.award.standstill_last_day is None
    assert procurement.award.earliest_signing_day == date(2019, 3, 4)
    sign(
        world,
        procurement,
        date(2019, 3, 4),
        supplier=SUPPLIER_C["org_number"],
        value="490000",
        decided_at=on(2019, 3, 4, 11),
    )
    assert procurement.status == "contracted"


def test_a_direct_award_is_refused_when_the_value_grew_above_the_limit(world):
    procurement = world.procurement("planning", value="500000")
    screen(world, procurement)
    choose(world, procurement, "direct_award", at=on(2019, 3, 1))
    with world.as_role("officer"), pytest.raises(RuleViolation) as refusal:
        procurement.edit(estimated_value_sek="650000")
    assert refusal.value.rule == "direct_award_limit"
    assert procurement.estimated_value_sek == Decimal("500000.00")


def test_a_direct_award_contract_at_the_limit_is_refused(world):
    procurement = world.procurement("planning", value="500000")
    screen(world, procurement)
    choose(world, procurement, "direct_award", at=on(2019, 3, 1))
    award(
        world,
        procurement,
        [dict(SUPPLIER_C)],
        decided_at=on(2019, 3, 4),
        notified_at=on(2019, 3, 4),
    )
    with pytest.raises(RuleViolation) as refusal:
        sign(
            world,
            procurement,
            date(2019, 3, 5),
            supplier=SUPPLIER_C["org_number"],
            value=DIRECT_AWARD_LIMIT_2019,
            decided_at=on(2019, 3, 5),
        )
    assert refusal.value.rule == "direct_award_limit"


def test_negotiated_without_notice_is_awarded_from_planning_with_a_standstill(world):
    procurement = world.procurement("planning", value="3000000")
    screen(world, procurement)
    choose(world, procurement, "negotiated_without_notice")
    award(world, procurement, [dict(SUPPLIER_C)])
    assert procurement.status == "awarded"
    assert procurement.award.earliest_signing_day == SIGN_ON


# Reviews (överprövning)


def test_signing_while_a_review_is_pending_is_refused_and_allowed_after_ruling(world):
    procurement = world.procurement("awarded")
    review_id = file_review(world, procurement, date(2018, 12, 28))
    assert procurement.under_review
    with pytest.raises(RuleViolation) as refusal:
        sign(world, procurement, date(2019, 1, 3))
    assert refusal.value.rule == "under_review"

    rule_on(world, procurement, review_id, "dismissed", date(2019, 1, 3))
    assert not procurement.under_review
    assert procurement.status == "awarded"
    # Filed during the standstill: extended to ten days from the ruling (Sun 01-13 → Mon 01-14).
    with pytest.raises(RuleViolation) as refusal:
        sign(world, procurement, date(2019, 1, 3))
    assert refusal.value.rule == "extended_standstill"
    sign(world, procurement, date(2019, 1, 15))
    assert procurement.status == "contracted"


def test_a_review_stays_pending_until_every_review_is_ruled_on(world):
    procurement = world.procurement("awarded")
    first = file_review(world, procurement, date(2018, 12, 27))
    file_review(world, procurement, date(2018, 12, 28))
    rule_on(world, procurement, first, "dismissed", date(2019, 1, 3))
    with pytest.raises(RuleViolation) as refusal:
        sign(world, procurement, date(2019, 1, 3))
    assert refusal.value.rule == "under_review"


def test_a_review_ruling_correction_voids_the_award(world):
    procurement = world.procurement("awarded")
    review_id = file_review(world, procurement, date(2018, 12, 28))
    rule_on(world, procurement, review_id, "correct", date(2019, 1, 3))

    assert procurement.status == "evaluation"
    assert procurement.award is None
    assert not procurement.under_review
    with pytest.raises(WrongState):
        sign(world, procurement, date(2019, 1, 3))

    # The evaluation is redone (rättelse) and a new award starts a new standstill.
    award(
        world,
        procurement,
        [dict(SUPPLIER_B)],
        decided_at=on(2019, 1, 10, 8),
        notified_at=on(2019, 1, 10, 9),
    )
    assert [s.as_state() for s in procurement.award.suppliers] == [SUPPLIER_B]
    # Thu 01-10 + 10 = Sun 01-20, so the last day is Mon 01-21: sign from Tue 01-22.
    assert procurement.award.standstill_last_day == date(2019, 1, 21)
    assert procurement.award.earliest_signing_day == date(2019, 1, 22)
    assert [d["type"] for d in procurement.decisions][-2:] == ["award", "award"]


def test_review_rulings_are_checked(world):
    procurement = world.procurement("awarded")
    review_id = file_review(world, procurement, date(2018, 12, 28))
    with pytest.raises(RuleViolation) as refusal:
        rule_on(world, procurement, review_id, "correct", date(2018, 12, 27))
    assert refusal.value.rule == "ruling_before_filing"
    assert refusal.value.details == {
        "the ruling": "2018-12-27",
        "the review application": "2018-12-28",
    }
    with pytest.raises(InvalidValue) as refusal:
        rule_on(world, procurement, review_id, "partly", date(2019, 1, 3))
    assert refusal.value.field == "outcome"
    with pytest.raises(InvalidValue) as refusal:
        rule_on(world, procurement, str(uuid.uuid4()), "dismissed", date(2019, 1, 3))
    assert refusal.value.field == "review_id"
    rule_on(world, procurement, review_id, "dismissed", date(2019, 1, 3))
    with pytest.raises(RuleViolation) as refusal:
        rule_on(world, procurement, review_id, "correct", date(2019, 1, 4))
    assert refusal.value.rule == "already_ruled"
    assert procurement.reviews[0].ruling.outcome == "dismissed"


# Joint procurement: participants decide for themselves

SKURUP = Team("skurup")


@pytest.fixture
def skurup():
    return registered_municipality("skurup")


def participation(skurup_municipality, kind: str, decided_at: datetime = SCREEN_AT):
    return authorise(skurup_municipality, SKURUP.actor("decision_maker"), kind, decided_at)


def invite(
    world: DomainWorld, procurement: Procurement, municipality: str = "skurup", role="participant"
):
    with world.as_role("officer"):
        procurement.invite_participant(municipality=municipality, role=role)


def test_an_invited_municipality_joins_and_withdraws_by_its_own_decisions(world, skurup):
    procurement = world.procurement("planning")
    invite(world, procurement, role="co_lead")
    assert procurement.participant("skurup") == Participant(
        municipality="skurup", role="co_lead", status="invited"
    )
    assert procurement.takes_part("skurup")
    assert not procurement.is_co_lead("skurup")

    with acting_as(SKURUP.actor("decision_maker")):
        procurement.decide_participation(participation(skurup, "join"))
    assert procurement.participant("skurup").status == "joined"
    assert procurement.is_co_lead("skurup")
    assert procurement.decisions[-1]["municipality"] == "skurup"

    with acting_as(SKURUP.actor("decision_maker")):
        procurement.decide_participation(participation(skurup, "withdraw"))
    assert procurement.participant("skurup").status == "withdrawn"
    assert not procurement.takes_part("skurup")


def test_declining_is_final_until_invited_again(world, skurup):
    procurement = world.procurement("planning")
    invite(world, procurement)
    with acting_as(SKURUP.actor("decision_maker")):
        procurement.decide_participation(participation(skurup, "decline"))
        assert procurement.participant("skurup").status == "declined"
        with pytest.raises(WrongState):
            procurement.decide_participation(participation(skurup, "join"))
    invite(world, procurement)
    with acting_as(SKURUP.actor("decision_maker")):
        procurement.decide_participation(participation(skurup, "join"))
    assert procurement.participant("skurup").status == "joined"


def test_the_lead_cannot_join_for_a_participant(world):
    procurement = world.procurement("planning")
    invite(world, procurement)
    with world.as_role("decision_maker"), pytest.raises(NotParticipant) as refusal:
        procurement.decide_participation(world.decide("join", SCREEN_AT))
    assert refusal.value.rule == "not_own_decision"
    assert procurement.participant("skurup").status == "invited"


def test_the_lead_cannot_decide_in_the_name_of_a_participant(world, skurup):
    # The lead's decision maker takes the decision under Skurup's delegation order: refused.
    with pytest.raises(NotParticipant) as refusal:
        authorise(skurup, world.team.actor("decision_maker"), "join", SCREEN_AT)
    assert refusal.value.rule == "not_own_decision"


def test_a_municipality_that_was_not_invited_cannot_join(world, skurup):
    procurement = world.procurement("planning")
    with acting_as(SKURUP.actor("decision_maker")), pytest.raises(NotParticipant):
        procurement.decide_participation(participation(skurup, "join"))
    assert procurement.participants == []


def test_participation_decisions_follow_the_participant_status(world, skurup):
    procurement = world.procurement("planning")
    invite(world, procurement)
    with acting_as(SKURUP.actor("decision_maker")):
        with pytest.raises(WrongState):
            procurement.decide_participation(participation(skurup, "withdraw"))
        procurement.decide_participation(participation(skurup, "join"))
        with pytest.raises(WrongState):
            procurement.decide_participation(participation(skurup, "join"))
        with pytest.raises(WrongState):
            procurement.decide_participation(participation(skurup, "decline"))
        with pytest.raises(InvalidValue) as refusal:
            procurement.decide_participation(participation(skurup, "award"))
        assert refusal.value.field == "type"
    assert procurement.participant("skurup").status == "joined"


def test_joining_is_closed_once_the_evaluation_started(world, skurup):
    procurement = world.procurement("planning")
    invite(world, procurement)
    screen(world, procurement)
    choose(world, procurement)
    publish(world, procurement)
    bid(world, procurement, SUPPLIER_A, BID_AT)
    with world.as_role("officer"):
        procurement.start_evaluation(at=EVALUATION_AT)
    with acting_as(SKURUP.actor("decision_maker")), pytest.raises(WrongState):
        procurement.decide_participation(participation(skurup, "join"))
    assert procurement.participant("skurup").status == "invited"


def test_invitation_refusals(world):
    procurement = world.procurement("planning")
    with world.as_role("officer"):
        with pytest.raises(RuleViolation) as refusal:
            procurement.invite_participant(municipality="ystad", role="participant")
        assert refusal.value.rule == "is_lead"
        with pytest.raises(InvalidValue) as refusal:
            procurement.invite_participant(municipality="skurup", role="observer")
        assert refusal.value.field == "role"
        procurement.invite_participant(municipality="skurup", role="participant")
        with pytest.raises(RuleViolation) as refusal:
            procurement.invite_participant(municipality="skurup", role="co_lead")
        assert refusal.value.rule == "already_invited"
    assert len(procurement.participants) == 1


# Lead decisions


def test_decisions_on_the_procurement_are_the_lead_s(world, skurup):
    procurement = world.procurement("planning")
    invite(world, procurement)
    record = authorise(skurup, SKURUP.actor("decision_maker"), "screen", SCREEN_AT)
    with acting_as(SKURUP.actor("decision_maker")), pytest.raises(NotParticipant) as refusal:
        procurement.screen(record, innovation=False)
    assert refusal.value.rule == "not_own_decision"
    assert procurement.screening is None


def test_a_decision_record_of_another_type_is_refused(world):
    procurement = world.procurement("evaluation")
    with world.as_role("decision_maker"), pytest.raises(InvalidValue) as refusal:
        procurement.cancel(world.decide("award", CLOSE_AT))
    assert refusal.value.field == "type"
    assert procurement.status == "evaluation"


# Cancel and close


@pytest.mark.parametrize("state", CANCELLABLE)
def test_cancel_from_each_cancellable_state(world, state):
    procurement = world.procurement(state)
    with world.as_role("decision_maker"):
        procurement.cancel(world.decide("cancel", CLOSE_AT))
    assert procurement.status == "cancelled"
    assert procurement.cancelled_from == state
    assert procurement.decisions[-1]["type"] == "cancel"


@pytest.mark.parametrize("state", ["contracted", "implementing", "closed", "cancelled"])
def test_cancel_is_refused_once_a_contract_is_signed(world, state):
    procurement = world.procurement(state)
    with world.as_role("decision_maker"), pytest.raises(WrongState):
        procurement.cancel(world.decide("cancel", CLOSE_AT))
    assert procurement.status == state


@pytest.mark.parametrize("outcome", ["completed", "partially_completed"])
def test_close_records_the_outcome_of_a_finished_contract(world, outcome):
    procurement = prepared(world, "implementing")
    with world.as_role("decision_maker"):
        procurement.close(world.decide("close", CLOSE_AT), outcome=outcome)
    assert procurement.status == "closed"
    assert procurement.outcome == outcome


def test_only_a_contract_implemented_and_followed_up_is_closed(world):
    contracted = world.procurement("contracted")
    with world.as_role("decision_maker"), pytest.raises(WrongState) as refusal:
        contracted.close(world.decide("close", CLOSE_AT), outcome="completed")
    assert "terminate" in refusal.value.message
    implementing = world.procurement("implementing")
    with world.as_role("decision_maker"), pytest.raises(RuleViolation) as refusal:
        implementing.close(world.decide("close", CLOSE_AT), outcome="completed")
    assert refusal.value.rule == "not_followed_up"
    with world.as_role("decision_maker"), pytest.raises(InvalidValue) as refusal:
        implementing.close(world.decide("close", CLOSE_AT), outcome="terminated")
    assert refusal.value.field == "outcome"
    assert implementing.status == "implementing"


def test_closing_is_not_dated_before_the_follow_up_it_rests_on(world):
    procurement = prepared(world, "implementing")
    with world.as_role("decision_maker"), pytest.raises(RuleViolation) as refusal:
        procurement.close(world.decide("close", on(2019, 8, 1)), outcome="completed")
    assert refusal.value.rule == "close_before_follow_up"
    assert refusal.value.details == {
        "the close decision": "2019-08-01T10:00:00+00:00",
        "the latest follow-up": FOLLOW_UP_ON.isoformat(),
    }


@pytest.mark.parametrize("state", ["contracted", "implementing"])
def test_a_contract_is_terminated_early_with_its_reason(world, state):
    procurement = world.procurement(state)
    with world.as_role("decision_maker"):
        procurement.terminate_early(
            world.decide("terminate_early", CLOSE_AT), reason="breach_by_supplier"
        )
    assert procurement.status == "closed"
    assert procurement.outcome == "terminated"
    assert procurement.termination_reason == "breach_by_supplier"
    assert procurement.decisions[-1]["type"] == "terminate_early"
    with world.as_role("decision_maker"), pytest.raises(InvalidValue) as refusal:
        world.procurement(state).terminate_early(
            world.decide("terminate_early", CLOSE_AT), reason="bored"
        )
    assert refusal.value.field == "reason"


def test_close_refuses_an_unknown_outcome(world):
    procurement = world.procurement("implementing")
    with world.as_role("decision_maker"), pytest.raises(InvalidValue) as refusal:
        procurement.close(world.decide("close", CLOSE_AT), outcome="great")
    assert refusal.value.field == "outcome"
    assert procurement.status == "implementing"


# Implementation, follow-ups and lessons


def test_milestones_follow_ups_and_lessons(world):
    need_id = str(uuid.uuid4())
    procurement = world.procurement("contracted", need_ids=[need_id])
    with world.as_role("officer"):
        first = procurement.record_milestone(title="Pilot startad", reached_on=MILESTONE_ON)
        assert procurement.status == "implementing"
        procurement.record_milestone(title="Utvärdering", reached_on=date(2019, 6, 1), note="OK")
        follow_up = procurement.record_follow_up(
            need_id=need_id,
            followed_up_on=FOLLOW_UP_ON,
            effect="Lärare använder AI-stödet varje vecka",
            measurement="80 % av lärarna",
        )
        lesson = procurement.record_lesson(text="Avsätt tid för behoven", shareable=True)
    assert [m.title for m in procurement.milestones] == ["Pilot startad", "Utvärdering"]
    assert procurement.milestones[0].id == first
    assert procurement.follow_ups == [
        FollowUp(
            id=follow_up,
            need_id=need_id,
            followed_up_on=FOLLOW_UP_ON,
            effect="Lärare använder AI-stödet varje vecka",
            measurement="80 % av lärarna",
            municipality=procurement.lead,
        )
    ]
    assert procurement.lessons == [
        Lesson(
            id=lesson,
            text="Avsätt tid för behoven",
            shareable=True,
            municipality=procurement.lead,
        )
    ]


def test_a_follow_up_is_of_a_need_the_procurement_addresses(world):
    procurement = world.procurement("implementing")
    with world.as_role("officer"), pytest.raises(InvalidValue) as refusal:
        procurement.record_follow_up(
            need_id=str(uuid.uuid4()), followed_up_on=FOLLOW_UP_ON, effect="x", measurement="y"
        )
    assert refusal.value.field == "need_id"


def test_follow_ups_continue_after_closing(world):
    procurement = world.procurement("closed")
    with world.as_role("officer"):
        procurement.record_follow_up(
            need_id=procurement.need_ids[0],
            followed_up_on=date(2020, 9, 1),
            effect="Effekten består",
            measurement="75 %",
        )
        procurement.record_lesson(text="Dela nätverket", shareable=False)
    assert len(procurement.follow_ups) == 2  # the one closing rested on, and this
    assert procurement.lessons[0].shareable is False


def test_a_lesson_must_say_whether_it_is_shareable(world):
    procurement = world.procurement("closed")
    with world.as_role("officer"), pytest.raises(InvalidValue) as refusal:
        procurement.record_lesson(text="x", shareable="yes")
    assert refusal.value.field == "shareable"


# Audit metadata


def test_every_event_carries_the_audit_metadata_with_the_lead_as_tenant(world, skurup):
    procurement = world.procurement("planning", collect=False)
    invite(world, procurement)
    with acting_as(Actor("skurup-dm", "skurup", ("decision_maker",), "req-join")):
        procurement.decide_participation(participation(skurup, "join"))
    events = procurement.collect_events()
    assert [e.audit for e in events] == [
        {
            "tenant": "ystad",
            "actor": "ystad-officer",
            "actor_municipality": "ystad",
            "actor_roles": ["officer"],
            "request_id": "req-ystad-officer",
        }
    ] * 2 + [
        {
            "tenant": "ystad",
            "actor": "skurup-dm",
            "actor_municipality": "skurup",
            "actor_roles": ["decision_maker"],
            "request_id": "req-join",
        }
    ]

    closed = world.procurement("closed", collect=False)
    for event in closed.collect_events():
        assert event.audit["tenant"] == "ystad"
        assert event.audit["actor_municipality"] == "ystad"
        assert event.audit["actor"] in ("ystad-officer", "ystad-decision-maker")
        assert event.audit["actor_roles"] in (["officer"], ["decision_maker"])
        assert event.audit["request_id"] in ("req-ystad-officer", "req-ystad-decision_maker")


def test_an_event_without_an_acting_context_is_refused(world):
    with pytest.raises(MissingAuditContext):
        Procurement.start(
            lead="ystad",
            title="AI",
            description="d",
            estimated_value_sek="1000",
            need_ids=["n"],
        )
    procurement = world.procurement("awarded")
    record = world.decide("sign_contract", SIGN_AT, value_sek=CONTRACT_VALUE)
    with pytest.raises(MissingAuditContext):
        procurement.sign_contract(
            record,
            supplier_org_number=SUPPLIER_A["org_number"],
            contract_value_sek=CONTRACT_VALUE,
            signed_on=SIGN_ON,
        )
    with pytest.raises(MissingAuditContext):
        procurement.record_lesson(text="x", shareable=True)
    assert procurement.status == "awarded"
    assert procurement.contract is None
    assert procurement.collect_events() == []

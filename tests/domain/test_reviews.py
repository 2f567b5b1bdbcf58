"""Reviews (överprövning) and the extended standstill (förlängd avtalsspärr, LOU 20 kap. 10 §).

The builders' award notice goes out electronically on Thu 2018-12-20: the standstill runs to
Wed 2019-01-02 and signing is allowed from Thu 2019-01-03. A review application that reaches the
court during that period bars the contract until ten days have passed from the ruling, counted
under lagen (1930:173) like the standstill itself.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from eventsourcing.domain import Snapshot

from domain.clock import clock_in_use, fixed_clock
from domain.errors import InvalidValue, RuleViolation, WrongState
from domain.procurement import Procurement
from domain.procurement_values import plain
from domain.rules.standstill import (
    earliest_signing_day_after_ruling,
    extended_standstill_last_day,
)
from tests.builders import (
    CONTRACT_VALUE,
    PUBLISH_AT,
    SIGN_AT,
    SUPPLIER_A,
    SUPPLIER_B,
    TENDER_DEADLINE,
    DomainWorld,
)

MALMO = "Förvaltningsrätten i Malmö"
GOTEBORG = "Kammarrätten i Göteborg"


@pytest.fixture
def world() -> DomainWorld:
    return DomainWorld("ystad")


def file_review(world: DomainWorld, procurement: Procurement, filed_on: date) -> str:
    with world.as_role("officer"):
        return procurement.file_review(
            filed_on=filed_on, court=MALMO, applicant="Torra Golv i Skåne AB", reference="1234-18"
        )


def rule_on(
    world: DomainWorld, procurement: Procurement, review_id: str, outcome: str, ruled_on: date
) -> None:
    with world.as_role("officer"):
        procurement.rule_on_review(
            review_id=review_id, ruled_on=ruled_on, outcome=outcome, summary="Dom meddelad."
        )


def sign(world: DomainWorld, procurement: Procurement, signed_on: date) -> None:
    with world.as_role("decision_maker"):
        procurement.sign_contract(
            world.decide("sign_contract", SIGN_AT, value_sek=CONTRACT_VALUE),
            supplier_org_number=SUPPLIER_A["org_number"],
            contract_value_sek=CONTRACT_VALUE,
            signed_on=signed_on,
        )


def refused(rule: str, action, *args) -> RuleViolation:  # type: ignore[no-untyped-def]
    with pytest.raises(RuleViolation) as refusal:
        action(*args)
    assert refusal.value.rule == rule, refusal.value.message
    return refusal.value


# The rule, day by day


@pytest.mark.parametrize(
    ("ruled_on", "last_day", "why"),
    [
        # The issue's example: day 10 is Good Friday; Easter Monday follows the weekend.
        (date(2025, 4, 8), date(2025, 4, 22), "långfredag, påsk, annandag påsk"),
        (date(2019, 4, 9), date(2019, 4, 23), "långfredag 2019-04-19 to annandag påsk"),
        # Day 10 is midsommarafton (Fri); midsommardagen and the Sunday follow.
        (date(2025, 6, 10), date(2025, 6, 23), "midsommarafton 2025-06-20"),
        (date(2026, 6, 9), date(2026, 6, 22), "midsommarafton 2026-06-19"),
        # Day 10 is julafton; juldagen, annandag jul and a weekend follow.
        (date(2025, 12, 14), date(2025, 12, 29), "julafton to the weekend"),
        # Day 10 is nyårsafton; nyårsdagen follows.
        (date(2025, 12, 21), date(2026, 1, 2), "nyårsafton, nyårsdagen"),
        (date(2024, 12, 21), date(2025, 1, 2), "nyårsafton on a Tuesday"),
        # Day 10 is trettondedag jul.
        (date(2025, 12, 27), date(2026, 1, 7), "trettondedag jul"),
        # An ordinary Thursday stays.
        (date(2025, 3, 3), date(2025, 3, 13), "no holiday"),
    ],
)
def test_the_extended_standstill_ends_ten_days_after_the_ruling_on_a_working_day(
    ruled_on: date, last_day: date, why: str
) -> None:
    assert extended_standstill_last_day(ruled_on) == last_day, why
    assert earliest_signing_day_after_ruling(ruled_on) == date.fromordinal(last_day.toordinal() + 1)


def test_the_issue_example_signing_from_wednesday_after_easter() -> None:
    assert earliest_signing_day_after_ruling(date(2025, 4, 8)) == date(2025, 4, 23)


# On the procurement


def test_a_review_filed_during_the_standstill_extends_it_from_the_ruling(world):
    procurement = world.procurement("awarded")
    review_id = file_review(world, procurement, date(2018, 12, 28))
    assert procurement.filed_during_standstill(procurement.reviews[0])
    # Ruled on Tue 2019-04-09: day 10 is Good Friday, so the bar lasts to Tue 2019-04-23.
    rule_on(world, procurement, review_id, "dismissed", date(2019, 4, 9))

    assert procurement.extended_standstill_last_day == date(2019, 4, 23)
    assert procurement.signing_allowed_from == date(2019, 4, 24)
    assert procurement.award.extended_earliest_signing_day == date(2019, 4, 24)
    ruling = procurement.reviews[0].ruling
    assert ruling.extended_standstill_last_day == date(2019, 4, 23)
    assert procurement.in_standstill_on(date(2019, 4, 23))

    refusal = refused("extended_standstill", sign, world, procurement, date(2019, 4, 23))
    assert refusal.details == {
        "the signature": "2019-04-23",
        "the end of the extended standstill": "2019-04-23",
    }
    sign(world, procurement, date(2019, 4, 24))
    assert procurement.status == "contracted"


def test_a_review_filed_after_the_standstill_bars_signing_only_until_the_ruling(world):
    procurement = world.procurement("awarded")
    review_id = file_review(world, procurement, date(2019, 1, 7))
    assert not procurement.filed_during_standstill(procurement.reviews[0])
    refused("under_review", sign, world, procurement, date(2019, 1, 8))
    rule_on(world, procurement, review_id, "dismissed", date(2019, 1, 21))

    assert procurement.extended_standstill_last_day is None
    assert procurement.signing_allowed_from == date(2019, 1, 21)
    refusal = refused("signature_before_ruling", sign, world, procurement, date(2019, 1, 18))
    assert refusal.details == {"the signature": "2019-01-18", "the ruling": "2019-01-21"}
    sign(world, procurement, date(2019, 1, 21))


def test_a_review_of_the_documents_during_tendering_extends_no_standstill(world):
    procurement = world.procurement("tendering")
    review_id = file_review(world, procurement, date(2018, 9, 20))
    rule_on(world, procurement, review_id, "dismissed", date(2018, 10, 1))
    assert procurement.status == "tendering"
    assert procurement.reviews[0].ruling.extended_standstill_last_day is None


def test_a_review_cannot_be_dated_before_the_notice_it_reviews(world):
    procurement = world.procurement("tendering")
    refusal = refused(
        "review_before_publication", file_review, world, procurement, date(2018, 9, 1)
    )
    assert refusal.details["the publication"] == PUBLISH_AT.isoformat()


def test_redo_sends_the_procurement_back_to_planning_for_a_new_round(world):
    procurement = world.procurement("awarded")
    review_id = file_review(world, procurement, date(2018, 12, 28))
    rule_on(world, procurement, review_id, "redo", date(2019, 2, 1))

    assert procurement.status == "planning"
    assert procurement.award is None
    assert procurement.notice_id is None and procurement.tender_deadline is None
    assert procurement.bids == [] and not procurement.bids_disclosed
    refused("wrong_state", sign, world, procurement, date(2019, 2, 15))
    # The new round: published again, and the same supplier may tender again.
    with world.as_role("decision_maker"):
        procurement.publish(
            world.decide("publish", datetime(2019, 2, 4, 10, tzinfo=UTC), value_sek="1500000"),
            notice_id="TED-2019/S-2",
            tender_deadline=datetime(2019, 3, 15, 10, tzinfo=UTC),
        )
    with world.as_role("officer"):
        procurement.record_bid(
            tenderer_org_number=SUPPLIER_A["org_number"],
            tenderer_name=SUPPLIER_A["name"],
            received_at=datetime(2019, 3, 1, 10, tzinfo=UTC),
        )
    assert procurement.status == "tendering"


def test_correct_sends_an_award_back_to_evaluation(world):
    procurement = world.procurement("awarded")
    review_id = file_review(world, procurement, date(2018, 12, 28))
    rule_on(world, procurement, review_id, "correct", date(2019, 1, 10))
    assert procurement.status == "evaluation"
    assert procurement.award is None
    assert procurement.tender_deadline == TENDER_DEADLINE
    assert procurement.reviews[0].ruling.outcome == "correct"


def test_an_interim_order_forbids_signing_until_lifted(world):
    procurement = world.procurement("awarded")
    review_id = file_review(world, procurement, date(2019, 1, 7))
    with world.as_role("officer"):
        procurement.issue_interim_order(review_id=review_id, ordered_on=date(2019, 1, 8))
    rule_on(world, procurement, review_id, "dismissed", date(2019, 1, 21))
    # The first instance's order ends with its ruling.
    assert not procurement.under_review

    with world.as_role("officer"):
        procurement.appeal_review(
            review_id=review_id,
            appealed_on=date(2019, 1, 25),
            court=GOTEBORG,
            appellant="Torra Golv i Skåne AB",
            reference="KR 99-19",
        )
    # An appeal alone does not bar signing; an interim order of the court of appeal does.
    assert not procurement.under_review
    with world.as_role("officer"):
        procurement.issue_interim_order(review_id=review_id, ordered_on=date(2019, 1, 28))
    assert procurement.under_review
    assert procurement.reviews[0].interim_orders[-1].court == GOTEBORG
    refusal = refused("interim_order", sign, world, procurement, date(2019, 2, 1))
    assert GOTEBORG in refusal.message

    with world.as_role("officer"):
        procurement.lift_interim_order(review_id=review_id, lifted_on=date(2019, 2, 11))
    assert not procurement.under_review
    refused("signature_before_lifting", sign, world, procurement, date(2019, 2, 8))
    sign(world, procurement, date(2019, 2, 11))
    # Once the contract is signed the court of appeal can no longer send it back.
    with world.as_role("officer"), pytest.raises(WrongState) as refusal_after:
        procurement.rule_on_appeal(
            review_id=review_id, ruled_on=date(2019, 3, 1), outcome="redo", summary="Dom"
        )
    assert refusal_after.value.rule == "contract_signed"


def test_the_court_of_appeal_can_send_the_procurement_back(world):
    procurement = world.procurement("awarded")
    review_id = file_review(world, procurement, date(2018, 12, 28))
    rule_on(world, procurement, review_id, "dismissed", date(2019, 1, 3))
    with world.as_role("officer"):
        procurement.appeal_review(
            review_id=review_id,
            appealed_on=date(2019, 1, 10),
            court=GOTEBORG,
            appellant="Torra Golv i Skåne AB",
            reference="KR 1-19",
        )
        procurement.rule_on_appeal(
            review_id=review_id, ruled_on=date(2019, 3, 1), outcome="correct", summary="Rättelse"
        )
    assert procurement.status == "evaluation"
    assert procurement.award is None


def test_review_steps_are_checked_in_valid_time(world):
    procurement = world.procurement("awarded")
    review_id = file_review(world, procurement, date(2018, 12, 28))
    with world.as_role("officer"):
        refused(
            "interim_order_before_case",
            lambda: procurement.issue_interim_order(
                review_id=review_id, ordered_on=date(2018, 12, 27)
            ),
        )
        refused(
            "not_ruled",
            lambda: procurement.appeal_review(
                review_id=review_id,
                appealed_on=date(2019, 1, 2),
                court=GOTEBORG,
                appellant="A",
                reference="R",
            ),
        )
        refused(
            "no_interim_order",
            lambda: procurement.lift_interim_order(review_id=review_id, lifted_on=date(2019, 1, 2)),
        )
    rule_on(world, procurement, review_id, "dismissed", date(2019, 1, 3))
    with world.as_role("officer"):
        refused(
            "appeal_before_ruling",
            lambda: procurement.appeal_review(
                review_id=review_id,
                appealed_on=date(2019, 1, 2),
                court=GOTEBORG,
                appellant="A",
                reference="R",
            ),
        )
        refused(
            "no_pending_case",
            lambda: procurement.issue_interim_order(
                review_id=review_id, ordered_on=date(2019, 1, 4)
            ),
        )


def test_a_ruling_cannot_be_dated_after_its_recording(world):
    procurement = world.procurement("awarded")
    review_id = file_review(world, procurement, date(2018, 12, 28))
    # Recorded on 2019-01-05 (late evening in Stockholm is still the 5th).
    with clock_in_use(fixed_clock(datetime(2019, 1, 5, 22, 30, tzinfo=UTC))):
        with pytest.raises(InvalidValue) as refusal:
            rule_on(world, procurement, review_id, "dismissed", date(2019, 1, 23))
        assert refusal.value.rule == "dated_in_future" and refusal.value.field == "ruled_on"
        # 22:30 UTC is 23:30 in Stockholm: still the 5th, so the 6th is the future.
        with pytest.raises(InvalidValue):
            rule_on(world, procurement, review_id, "dismissed", date(2019, 1, 6))
        rule_on(world, procurement, review_id, "dismissed", date(2019, 1, 5))
    assert procurement.reviews[0].ruling.ruled_on == date(2019, 1, 5)


# Stored history keeps loading


def test_a_ruling_stored_as_upheld_replays_as_a_correction(world):
    procurement = world.procurement("awarded", collect=False)
    review_id = file_review(world, procurement, date(2018, 12, 28))
    with world.as_role("officer"):
        # The event as it was stored before redo and correct were told apart.
        procurement._review_ruled(
            review_id=review_id, ruled_on=date(2019, 1, 3), outcome="upheld", summary="Bifall"
        )
    events = procurement.collect_events()
    for stale in ("extended_standstill_last_day", "earliest_signing_day", "sends_back_to"):
        events[-1].__dict__.pop(stale)
    replayed = None
    for stored in events:
        replayed = stored.mutate(replayed)
    assert replayed.status == "evaluation"
    assert replayed.award is None
    assert replayed.reviews[0].ruling.outcome == "correct"


def test_a_snapshot_taken_before_reviews_had_orders_and_appeals_loads(world):
    procurement = world.procurement("awarded")
    file_review(world, procurement, date(2018, 12, 28))
    procurement.collect_events()
    snapshot = Snapshot.take(procurement)
    state = snapshot.state
    state.pop("class_version")
    # Dictionaries then, not values.
    state.update({key: plain(value) for key, value in state.items()})
    for review in state["reviews"]:
        del review["interim_orders"], review["appeal"]
    for key in ("extended_standstill_last_day", "extended_earliest_signing_day"):
        del state["award"][key]

    restored = snapshot.mutate(None)
    assert restored.reviews[0].interim_orders == ()
    assert restored.reviews[0].appeal is None
    assert restored.signing_allowed_from == date(2019, 1, 3)
    assert restored.under_review


def test_two_suppliers_award_is_untouched_by_a_review_of_another_round(world):
    """A review ruled before a second award does not extend the second award's standstill."""
    procurement = world.procurement("awarded", bidders=(SUPPLIER_A, SUPPLIER_B))
    review_id = file_review(world, procurement, date(2018, 12, 28))
    rule_on(world, procurement, review_id, "correct", date(2019, 1, 10))
    with world.as_role("decision_maker"):
        procurement.award_contract(
            world.decide("award", datetime(2019, 1, 14, 8, tzinfo=UTC), value_sek="1500000"),
            suppliers=[dict(SUPPLIER_B)],
            evaluation_summary="Ny utvärdering.",
            notification_sent_at=datetime(2019, 1, 14, 9, tzinfo=UTC),
            sent_electronically=True,
        )
    assert procurement.extended_standstill_last_day is None
    # Mon 01-14 + 10 = Thu 01-24: sign from Fri 01-25.
    assert procurement.signing_allowed_from == date(2019, 1, 25)

"""Decisions and their authority: the delegation order in force on `decided_at`, or the board.

`Municipality.authorise` turns a claimed authority into a checked decision record, or refuses
with `AuthorityMissing` naming the rule: no_delegation_order, not_delegated,
above_delegated_ceiling, role_missing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from domain.audit import Actor, acting_as
from domain.decisions import AuthorityClaim
from domain.errors import AuthorityMissing, InvalidValue, NotParticipant, RuleViolation
from tests.builders import (
    PLATFORM_ADMIN,
    PRIORITISED_AT,
    Team,
    authorise,
    registered_municipality,
    rule,
)

YSTAD = Team("ystad")
DM = YSTAD.actor("decision_maker")
OFFICER = YSTAD.actor("officer")


def now() -> datetime:
    return datetime.now(UTC)


# A decision under the order in force


def test_a_delegated_decision_records_rule_order_and_decider():
    municipality = registered_municipality()
    record = authorise(
        municipality,
        DM,
        "prioritise",
        datetime(2018, 3, 14, 11, 0, tzinfo=UTC),
        rationale="  Högst poäng i workshopen  ",
    )

    assert record.type == "prioritise"
    assert record.rationale == "Högst poäng i workshopen"
    assert record.decided_at == datetime(2018, 3, 14, 11, 0, tzinfo=UTC)
    assert record.decided_by == "ystad-decision-maker"
    assert record.municipality == "ystad"
    assert record.authority == {
        "kind": "delegation",
        "rule_id": "D-prioritise",
        "order_version": 1,
        "role": "decision_maker",
        "max_value_sek": None,
    }


def test_decided_at_is_stored_in_utc():
    from zoneinfo import ZoneInfo

    municipality = registered_municipality()
    local = datetime(2018, 3, 14, 13, 0, tzinfo=ZoneInfo("Europe/Stockholm"))
    record = authorise(municipality, DM, "park", local)
    assert record.decided_at == local
    assert record.decided_at.utcoffset() == timedelta(0)


def test_no_order_at_all_means_no_authority():
    municipality = registered_municipality(rules=[])
    with pytest.raises(AuthorityMissing) as refusal:
        authorise(municipality, DM, "prioritise", PRIORITISED_AT)
    assert refusal.value.rule == "no_delegation_order"


def test_a_decision_before_the_first_order_took_effect_has_no_authority():
    municipality = registered_municipality(effective_from=date(2018, 6, 1))
    with pytest.raises(AuthorityMissing) as refusal:
        authorise(municipality, DM, "prioritise", datetime(2018, 5, 31, 12, 0, tzinfo=UTC))
    assert refusal.value.rule == "no_delegation_order"
    assert authorise(municipality, DM, "prioritise", datetime(2018, 6, 1, 12, 0, tzinfo=UTC))


def test_the_order_is_chosen_by_the_stockholm_calendar_date_of_decided_at():
    municipality = registered_municipality(effective_from=date(2018, 1, 1))
    # 23:30 UTC on New Year's Eve is 00:30 on 1 January in Stockholm: the order is in force.
    assert authorise(municipality, DM, "park", datetime(2017, 12, 31, 23, 30, tzinfo=UTC))
    # 22:30 UTC is 23:30 on 31 December in Stockholm: not yet.
    with pytest.raises(AuthorityMissing) as refusal:
        authorise(municipality, DM, "park", datetime(2017, 12, 31, 22, 30, tzinfo=UTC))
    assert refusal.value.rule == "no_delegation_order"


@pytest.mark.parametrize("role", ["officer", "viewer", "auditor", "tenant_admin"])
def test_a_role_without_a_rule_for_the_decision_has_no_authority(role):
    municipality = registered_municipality()  # every rule goes to decision_maker
    with pytest.raises(AuthorityMissing) as refusal:
        authorise(municipality, YSTAD.actor(role), "prioritise", PRIORITISED_AT)
    assert refusal.value.rule == "not_delegated"


def test_a_rule_for_another_decision_type_does_not_authorise():
    municipality = registered_municipality(rules=[rule("R-park", "park")])
    with pytest.raises(AuthorityMissing) as refusal:
        authorise(municipality, DM, "reject", PRIORITISED_AT)
    assert refusal.value.rule == "not_delegated"


def test_an_order_adopted_later_with_a_later_effective_date_does_not_reach_back():
    municipality = registered_municipality(rules=[rule("V1-prioritise", "prioritise")])
    with acting_as(YSTAD.actor("tenant_admin")):
        municipality.adopt_delegation_order(
            effective_from=date(2019, 1, 1),
            rules=[rule("V2-prioritise", "prioritise", role="officer")],
        )

    # Before 2019 only the first order is in force: it gives nothing to officers ...
    with pytest.raises(AuthorityMissing) as refusal:
        authorise(municipality, OFFICER, "prioritise", datetime(2018, 6, 1, 10, tzinfo=UTC))
    assert refusal.value.rule == "not_delegated"
    # ... and still authorises the decision maker, under version 1.
    earlier = authorise(municipality, DM, "prioritise", datetime(2018, 6, 1, 10, tzinfo=UTC))
    assert earlier.authority["order_version"] == 1
    assert earlier.authority["rule_id"] == "V1-prioritise"

    # From 2019 the second order replaces the first one entirely.
    later = authorise(municipality, OFFICER, "prioritise", datetime(2019, 2, 1, 10, tzinfo=UTC))
    assert later.authority["order_version"] == 2
    assert later.authority["rule_id"] == "V2-prioritise"
    with pytest.raises(AuthorityMissing) as refusal:
        authorise(municipality, DM, "prioritise", datetime(2019, 2, 1, 10, tzinfo=UTC))
    assert refusal.value.rule == "not_delegated"


def test_of_two_orders_with_the_same_effective_date_the_one_adopted_last_applies():
    municipality = registered_municipality(rules=[rule("OLD", "park")])
    with acting_as(YSTAD.actor("tenant_admin")):
        municipality.adopt_delegation_order(
            effective_from=date(2018, 1, 1), rules=[rule("NEW", "park")]
        )
    record = authorise(municipality, DM, "park", PRIORITISED_AT)
    assert record.authority["rule_id"] == "NEW"
    assert record.authority["order_version"] == 2


def test_an_order_adopted_later_with_an_earlier_effective_date_applies_from_its_date():
    municipality = registered_municipality(
        rules=[rule("A", "park")], effective_from=date(2018, 6, 1)
    )
    with acting_as(YSTAD.actor("tenant_admin")):
        municipality.adopt_delegation_order(
            effective_from=date(2018, 1, 1), rules=[rule("B", "park")]
        )
    assert (
        authorise(municipality, DM, "park", datetime(2018, 3, 1, 10, tzinfo=UTC)).authority[
            "rule_id"
        ]
        == "B"
    )
    assert (
        authorise(municipality, DM, "park", datetime(2018, 7, 1, 10, tzinfo=UTC)).authority[
            "rule_id"
        ]
        == "A"
    )


# Naming the rule


def test_naming_the_rule_records_that_rule():
    municipality = registered_municipality()
    record = authorise(
        municipality,
        DM,
        "park",
        PRIORITISED_AT,
        authority={"kind": "delegation", "rule_id": "D-park"},
    )
    assert record.authority["rule_id"] == "D-park"


@pytest.mark.parametrize(
    "rule_id",
    [
        "NO-SUCH-RULE",  # not in the order
        "D-reject",  # a rule of the order, but for another decision type
    ],
)
def test_a_wrong_rule_id_is_refused(rule_id):
    municipality = registered_municipality()
    with pytest.raises(AuthorityMissing) as refusal:
        authorise(
            municipality,
            DM,
            "park",
            PRIORITISED_AT,
            authority={"kind": "delegation", "rule_id": rule_id},
        )
    assert refusal.value.rule == "not_delegated"


def test_a_rule_of_another_role_is_refused_even_when_named():
    municipality = registered_municipality(
        rules=[rule("DM-park", "park"), rule("OFF-park", "park", role="officer")]
    )
    with pytest.raises(AuthorityMissing) as refusal:
        authorise(
            municipality,
            DM,
            "park",
            PRIORITISED_AT,
            authority={"kind": "delegation", "rule_id": "OFF-park"},
        )
    assert refusal.value.rule == "not_delegated"


# Value ceilings

CEILINGS = [
    rule("AWARD-SMALL", "award", max_value_sek="1000000"),
    rule("AWARD-LARGE", "award", max_value_sek="10000000"),
]


def test_a_value_above_the_delegated_ceiling_is_refused():
    municipality = registered_municipality(rules=CEILINGS)
    with pytest.raises(AuthorityMissing) as refusal:
        authorise(municipality, DM, "award", PRIORITISED_AT, value_sek="10000000.01")
    assert refusal.value.rule == "above_delegated_ceiling"


def test_a_value_at_the_ceiling_is_within_it():
    municipality = registered_municipality(rules=CEILINGS)
    record = authorise(municipality, DM, "award", PRIORITISED_AT, value_sek="10000000")
    assert record.authority["rule_id"] == "AWARD-LARGE"
    assert record.value_sek == Decimal("10000000")


@pytest.mark.parametrize(
    ("value", "chosen"),
    [("500000", "AWARD-SMALL"), ("1000000", "AWARD-SMALL"), ("5000000", "AWARD-LARGE")],
)
def test_the_narrowest_matching_rule_is_chosen(value, chosen):
    municipality = registered_municipality(
        rules=[*CEILINGS, rule("AWARD-ANY", "award", role="decision_maker")]
    )
    record = authorise(municipality, DM, "award", PRIORITISED_AT, value_sek=value)
    assert record.authority["rule_id"] == chosen
    assert record.authority["max_value_sek"] == Decimal(
        "1000000" if chosen == "AWARD-SMALL" else "10000000"
    )


def test_a_rule_without_ceiling_covers_any_value():
    municipality = registered_municipality(
        rules=[*CEILINGS, rule("AWARD-ANY", "award", role="decision_maker")]
    )
    record = authorise(municipality, DM, "award", PRIORITISED_AT, value_sek="50000000")
    assert record.authority["rule_id"] == "AWARD-ANY"
    assert record.authority["max_value_sek"] is None


def test_a_named_wider_rule_is_used_even_when_a_narrower_one_matches():
    municipality = registered_municipality(rules=CEILINGS)
    record = authorise(
        municipality,
        DM,
        "award",
        PRIORITISED_AT,
        value_sek="500000",
        authority={"kind": "delegation", "rule_id": "AWARD-LARGE"},
    )
    assert record.authority["rule_id"] == "AWARD-LARGE"


def test_naming_a_rule_whose_ceiling_is_too_low_is_refused():
    municipality = registered_municipality(rules=CEILINGS)
    with pytest.raises(AuthorityMissing) as refusal:
        authorise(
            municipality,
            DM,
            "award",
            PRIORITISED_AT,
            value_sek="5000000",
            authority={"kind": "delegation", "rule_id": "AWARD-SMALL"},
        )
    assert refusal.value.rule == "above_delegated_ceiling"


# Board decisions

BOARD = {
    "kind": "board",
    "body": "Kommunstyrelsen",
    "minutes_reference": "Kommunstyrelsen 2018-03-14 § 45",
}


@pytest.mark.parametrize("role", ["officer", "decision_maker"])
def test_an_officer_or_decision_maker_records_a_board_decision(role):
    municipality = registered_municipality(rules=[])  # no delegation order at all
    record = authorise(
        municipality,
        YSTAD.actor(role),
        "award",
        PRIORITISED_AT,
        value_sek="99000000",
        authority=BOARD,
    )
    assert record.authority == BOARD
    assert record.decided_by == YSTAD.user(role)
    assert record.value_sek == Decimal("99000000")


def test_a_board_decision_covers_a_value_above_every_delegated_ceiling():
    municipality = registered_municipality(rules=CEILINGS)
    record = authorise(
        municipality, DM, "award", PRIORITISED_AT, value_sek="50000000", authority=BOARD
    )
    assert record.authority["kind"] == "board"


@pytest.mark.parametrize("role", ["viewer", "auditor", "tenant_admin"])
def test_other_roles_cannot_record_a_board_decision(role):
    municipality = registered_municipality()
    with pytest.raises(AuthorityMissing) as refusal:
        authorise(municipality, YSTAD.actor(role), "park", PRIORITISED_AT, authority=BOARD)
    assert refusal.value.rule == "role_missing"


@pytest.mark.parametrize(
    ("authority", "field"),
    [
        ({"kind": "board", "minutes_reference": "KS 2018-03-14 § 45"}, "authority.body"),
        ({"kind": "board", "body": "Kommunstyrelsen"}, "authority.minutes_reference"),
        ({"kind": "board", "body": " ", "minutes_reference": "§ 45"}, "authority.body"),
        ({"kind": "mayor"}, "authority.kind"),
        ({}, "authority.kind"),
        (None, "authority"),
        ("board", "authority"),
    ],
)
def test_a_board_decision_needs_body_and_minutes_reference(authority, field):
    with pytest.raises(InvalidValue) as refusal:
        AuthorityClaim.from_dict(authority)
    assert refusal.value.field == field


# Time, rationale and who decides


def test_a_decision_in_the_future_is_refused():
    municipality = registered_municipality()
    with pytest.raises(InvalidValue) as refusal:
        authorise(municipality, DM, "park", now() + timedelta(days=1))
    assert refusal.value.field == "decided_at"
    with pytest.raises(InvalidValue):
        authorise(municipality, DM, "park", now() + timedelta(days=1), authority=BOARD)


def test_a_decision_just_now_is_accepted():
    municipality = registered_municipality()
    assert authorise(municipality, DM, "park", now()).type == "park"


def test_decided_at_needs_an_offset():
    municipality = registered_municipality()
    with pytest.raises(InvalidValue) as refusal:
        authorise(municipality, DM, "park", datetime(2018, 3, 14, 10, 0))
    assert refusal.value.field == "decided_at"


def test_a_decision_needs_a_rationale():
    municipality = registered_municipality()
    with pytest.raises(InvalidValue) as refusal:
        authorise(municipality, DM, "park", PRIORITISED_AT, rationale=" \n ")
    assert refusal.value.field == "rationale"


def test_another_municipality_cannot_decide_for_this_one():
    ystad = registered_municipality("ystad")
    skurup_dm = Team("skurup").actor("decision_maker")
    with pytest.raises(NotParticipant) as refusal:
        authorise(ystad, skurup_dm, "park", PRIORITISED_AT)
    assert refusal.value.rule == "not_own_decision"
    with pytest.raises(NotParticipant):
        authorise(ystad, skurup_dm, "park", PRIORITISED_AT, authority=BOARD)


def test_a_platform_principal_cannot_decide_for_a_municipality():
    ystad = registered_municipality("ystad")
    with pytest.raises(NotParticipant):
        authorise(ystad, PLATFORM_ADMIN.as_actor(), "park", PRIORITISED_AT)


def test_an_actor_with_both_roles_is_authorised_by_either_rule():
    municipality = registered_municipality(rules=[rule("OFF-park", "park", role="officer")])
    both = Actor("ystad-chef", "ystad", ("viewer", "officer"))
    assert authorise(municipality, both, "park", PRIORITISED_AT).authority["role"] == "officer"


def test_a_suspended_municipality_takes_no_decisions_even_with_board_authority():
    municipality = registered_municipality()
    with acting_as(PLATFORM_ADMIN.as_actor()):
        municipality.suspend("uppsagt")
    with pytest.raises(RuleViolation) as refusal:
        authorise(municipality, DM, "park", PRIORITISED_AT, authority=BOARD)
    assert refusal.value.rule == "municipality_suspended"

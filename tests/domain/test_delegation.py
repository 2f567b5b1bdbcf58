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
from domain.errors import (
    AuthorityMissing,
    InvalidValue,
    NotParticipant,
    OutOfOrder,
    RuleViolation,
)
from tests.builders import (
    PLATFORM_ADMIN,
    PRIORITISED_AT,
    Team,
    adopt_order,
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
        adopt_order(
            municipality, date(2019, 1, 1), [rule("V2-prioritise", "prioritise", role="officer")]
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
        adopt_order(municipality, date(2018, 1, 1), [rule("NEW", "park")])
    record = authorise(municipality, DM, "park", PRIORITISED_AT)
    assert record.authority["rule_id"] == "NEW"
    assert record.authority["order_version"] == 2


def test_an_order_adopted_later_with_an_earlier_effective_date_applies_from_its_date():
    municipality = registered_municipality(
        rules=[rule("A", "park")], effective_from=date(2018, 6, 1)
    )
    with acting_as(YSTAD.actor("tenant_admin")):
        adopt_order(municipality, date(2018, 1, 1), [rule("B", "park")])
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
    "meeting_date": date(2018, 3, 14),
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
        (
            {"kind": "board", "body": "KS", "minutes_reference": "KS 2018-03-14 § 45"},
            "authority.meeting_date",
        ),
        (
            {
                "kind": "board",
                "body": "KS",
                "meeting_date": "14/3 2018",
                "minutes_reference": "§ 4",
            },
            "authority.meeting_date",
        ),
        (
            {
                "kind": "board",
                "body": "KS",
                "meeting_date": "2018-03-14T18:00:00+01:00",
                "minutes_reference": "§ 45",
            },
            "authority.meeting_date",
        ),
        (
            {"kind": "board", "body": "Kommunstyrelsen", "meeting_date": "2018-03-14"},
            "authority.minutes_reference",
        ),
        ({"kind": "board", "body": " ", "minutes_reference": "§ 45"}, "authority.body"),
        ({"kind": "mayor"}, "authority.kind"),
        ({}, "authority.kind"),
        (None, "authority"),
        ("board", "authority"),
    ],
)
def test_a_board_decision_needs_body_meeting_date_and_minutes_reference(authority, field):
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


def test_a_board_meeting_in_the_future_is_refused():
    municipality = registered_municipality()
    tomorrow = (now() + timedelta(days=1)).date() + timedelta(days=1)
    with pytest.raises(InvalidValue) as refusal:
        authorise(municipality, DM, "park", now(), authority={**BOARD, "meeting_date": tomorrow})
    assert (refusal.value.field, refusal.value.rule) == (
        "authority.meeting_date",
        "dated_in_future",
    )


def test_a_board_decision_is_not_dated_before_its_meeting():
    municipality = registered_municipality()
    with pytest.raises(OutOfOrder) as refusal:
        authorise(
            municipality,
            DM,
            "park",
            datetime(2018, 3, 13, 12, 0, tzinfo=UTC),
            authority=BOARD,  # meeting 2018-03-14
        )
    assert refusal.value.rule == "decided_before_meeting"
    assert set(refusal.value.details.values()) == {"2018-03-13T12:00:00+00:00", "2018-03-14"}
    # On the day of the meeting (Stockholm) and later it stands.
    assert authorise(
        municipality, DM, "park", datetime(2018, 3, 13, 23, 30, tzinfo=UTC), authority=BOARD
    ).authority["meeting_date"] == date(2018, 3, 14)


# The delegation order is itself the board's decision (kommunallagen 6 kap. 37 §)

ADMIN = YSTAD.actor("tenant_admin")


def adoption_record(municipality, meeting: date, *, actor=ADMIN, authority=None):
    return authorise(
        municipality,
        actor,
        "adopt_delegation_order",
        min(datetime(meeting.year, meeting.month, meeting.day, 17, tzinfo=UTC), now()),
        authority=authority
        or {
            "kind": "board",
            "body": "Kommunstyrelsen",
            "meeting_date": meeting,
            "minutes_reference": f"KS {meeting.isoformat()} § 7",
        },
    )


def test_an_order_is_adopted_by_the_board_and_recorded_by_a_tenant_admin():
    municipality = registered_municipality(rules=[])
    record = adoption_record(municipality, date(2018, 5, 2))
    with acting_as(ADMIN):
        version = municipality.adopt_delegation_order(
            record, effective_from=date(2018, 6, 1), rules=[rule("A", "park")]
        )
    order = municipality.delegation_orders[version - 1]
    assert order["decision"]["authority"] == {
        "kind": "board",
        "body": "Kommunstyrelsen",
        "meeting_date": date(2018, 5, 2),
        "minutes_reference": "KS 2018-05-02 § 7",
    }
    assert order["decision"]["decided_by"] == "ystad-tenant-admin"


def test_an_administrator_alone_cannot_adopt_an_order():
    municipality = registered_municipality(rules=[])
    with pytest.raises(InvalidValue) as refusal:
        authorise(municipality, ADMIN, "adopt_delegation_order", PRIORITISED_AT)
    assert refusal.value.field == "authority.kind"
    # ... nor can an order delegate its own adoption to anyone.
    with acting_as(ADMIN), pytest.raises(InvalidValue) as refusal:
        adopt_order(municipality, date(2018, 1, 1), [rule("SELF", "adopt_delegation_order")])
    assert refusal.value.field == "rules[0].decision_type"


@pytest.mark.parametrize("role", ["officer", "decision_maker", "viewer", "auditor"])
def test_only_a_tenant_admin_records_the_boards_adoption(role):
    municipality = registered_municipality(rules=[])
    with pytest.raises(AuthorityMissing) as refusal:
        adoption_record(municipality, date(2018, 5, 2), actor=YSTAD.actor(role))
    assert refusal.value.rule == "role_missing"


def test_an_order_takes_effect_no_earlier_than_the_meeting_that_adopted_it():
    municipality = registered_municipality(rules=[])
    record = adoption_record(municipality, date(2018, 5, 2))
    with acting_as(ADMIN), pytest.raises(OutOfOrder) as refusal:
        municipality.adopt_delegation_order(
            record, effective_from=date(2018, 1, 1), rules=[rule("A", "park")]
        )
    assert refusal.value.rule == "effective_before_adoption"
    assert set(refusal.value.details.values()) == {"2018-01-01", "2018-05-02"}
    assert municipality.delegation_orders == []
    with acting_as(ADMIN):
        municipality.adopt_delegation_order(
            record, effective_from=date(2018, 5, 2), rules=[rule("A", "park")]
        )


def test_an_adoption_recorded_today_cannot_reauthorise_last_years_decisions():
    """The Burlöv case: an order effective years back, adopted only now, would take the
    decision makers' authority for backdated decisions and give the admin an unlimited one."""
    municipality = registered_municipality(rules=[rule("DM-park", "park")])  # since 2018-01-01
    recorded = authorise(municipality, DM, "park", datetime(2019, 3, 1, 10, tzinfo=UTC))

    today = now().date()
    record = adoption_record(municipality, today)
    with acting_as(ADMIN), pytest.raises(OutOfOrder):
        municipality.adopt_delegation_order(
            record,
            effective_from=date(2018, 1, 1),
            rules=[rule("ADM-park", "park", "tenant_admin")],
        )
    with acting_as(ADMIN):
        municipality.adopt_delegation_order(
            record, effective_from=today, rules=[rule("ADM-park", "park", "tenant_admin")]
        )

    # The decision recorded before keeps its authority (its record names rule and version) ...
    assert recorded.authority["rule_id"] == "DM-park"
    # ... and a backdated decision recorded now is checked against the order in force then.
    backdated = authorise(municipality, DM, "park", datetime(2019, 6, 1, 10, tzinfo=UTC))
    assert (backdated.authority["rule_id"], backdated.authority["order_version"]) == ("DM-park", 1)
    with pytest.raises(AuthorityMissing):
        authorise(municipality, ADMIN, "park", datetime(2019, 6, 1, 10, tzinfo=UTC))

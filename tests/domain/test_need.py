"""Need (behov / utmaning): analysis, prioritisation and the state table of spec §2."""

from __future__ import annotations

import uuid
from datetime import date
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
from domain.need import NEED_STATES, QUADRANTS, REJECTION_REASONS, Need
from domain.procurement import Procurement
from tests.builders import (
    PRIORITISED_AT,
    PROCURE_AT,
    REALISED_AT,
    SCORES,
    SWOT_TEXTS,
    DomainWorld,
    Team,
    authorise,
    registered_municipality,
)


@pytest.fixture
def world() -> DomainWorld:
    return DomainWorld("ystad")


def need_with_procurement(world: DomainWorld, state: str) -> tuple[Need, Procurement]:
    """A need in `state` and a contracted procurement addressing it (attached when the state
    says so), so that every command of the table can be tried."""
    if state in ("in_procurement", "realised"):
        need = world.need("procurement_decided")
        procurement = world.procurement("contracted", need_ids=[str(need.id)])
        with world.as_role("officer"):
            need.attach_to_procurement(str(procurement.id))
        if state == "realised":
            with world.as_role("decision_maker"):
                need.mark_realised(world.decide("mark_realised", REALISED_AT), procurement)
        need.collect_events()
    else:
        need = world.need(state)
        procurement = world.procurement("contracted", need_ids=[str(need.id)])
    assert need.status == state
    return need, procurement


def run(world: DomainWorld, need: Need, procurement: Procurement, command: str) -> None:
    with world.as_role("decision_maker"):
        if command == "prioritise":
            need.prioritise(world.decide("prioritise", PRIORITISED_AT), scores=SCORES)
        elif command == "park":
            need.park(world.decide("park", PRIORITISED_AT))
        elif command == "reopen":
            need.reopen(world.decide("reopen", PRIORITISED_AT))
        elif command == "reject":
            need.reject(world.decide("reject", PRIORITISED_AT), reason="not_feasible")
        elif command == "decide_to_procure":
            need.decide_to_procure(world.decide("decide_to_procure", PROCURE_AT))
        elif command == "attach":
            need.attach_to_procurement(str(procurement.id))
        elif command == "release":
            need.release_from_procurement(str(procurement.id))
        elif command == "mark_realised":
            need.mark_realised(world.decide("mark_realised", REALISED_AT), procurement)
        else:
            raise ValueError(command)


# Spec §2, the need's state table: (from, command) -> to.
TRANSITIONS = {
    ("identified", "prioritise"): "prioritised",
    ("prioritised", "prioritise"): "prioritised",
    ("identified", "park"): "parked",
    ("prioritised", "park"): "parked",
    ("parked", "reopen"): "identified",
    ("identified", "reject"): "rejected",
    ("prioritised", "reject"): "rejected",
    ("parked", "reject"): "rejected",
    ("prioritised", "decide_to_procure"): "procurement_decided",
    ("procurement_decided", "attach"): "in_procurement",
    ("in_procurement", "release"): "procurement_decided",
    ("in_procurement", "mark_realised"): "realised",
}
COMMANDS = (
    "prioritise", "park", "reopen", "reject", "decide_to_procure", "attach", "release",
    "mark_realised",
)  # fmt: skip
DECISIONS = ("prioritise", "park", "reopen", "reject", "decide_to_procure", "mark_realised")


@pytest.mark.parametrize(("state", "command"), sorted(TRANSITIONS))
def test_every_transition_of_the_state_table(world, state, command):
    need, procurement = need_with_procurement(world, state)
    version, decisions = need.version, len(need.decisions)

    run(world, need, procurement, command)

    assert need.status == TRANSITIONS[state, command]
    assert need.version == version + 1
    assert len(need.decisions) == decisions + (1 if command in DECISIONS else 0)
    if command in DECISIONS:
        assert need.decisions[-1]["type"] == command
        assert need.decisions[-1]["decided_by"] == "ystad-decision-maker"


@pytest.mark.parametrize(
    ("state", "command"),
    [(s, c) for s in NEED_STATES for c in COMMANDS if (s, c) not in TRANSITIONS],
)
def test_every_command_outside_the_state_table_is_refused(world, state, command):
    need, procurement = need_with_procurement(world, state)
    before = dict(vars(need))

    with pytest.raises(WrongState) as refusal:
        run(world, need, procurement, command)

    assert refusal.value.rule == "wrong_state"
    assert dict(vars(need)) == before
    assert need.collect_events() == []


def test_identify_records_a_private_need(world):
    need = world.need("identified", swot=False)
    assert need.owner == "ystad"
    assert need.tenant == "ystad"
    assert need.status == "identified"
    assert need.visibility == "private"
    assert need.co_owners == []
    assert need.swot == []
    assert need.procurement_id is None
    assert need.affected_end_users == ["elever", "lärare"]
    assert need.version == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [("title", ""), ("title", "x" * 201), ("problem_statement", "  "), ("competences", "IT")],
)
def test_identify_refuses_bad_text(field, value):
    fields = {
        "owner": "ystad",
        "title": "Rena och torra golv",
        "problem_statement": "Halkolyckor i äldreomsorgen",
        "innovation_area_id": "area",
        field: value,
    }
    with acting_as(Team("ystad").actor("officer")), pytest.raises(InvalidValue) as refusal:
        Need.identify(**fields)
    assert refusal.value.field == field


# Editing and analysis


def test_edit_changes_only_what_differs(world):
    need = world.need("identified")
    with world.as_role("officer"):
        need.edit(title=need.title, competences=["pedagogik", "IT", "upphandling", "jurist"])
    assert need.title == "Lärprocess för AI i skolan"
    assert need.competences[-1] == "jurist"
    event = need.collect_events()[-1]
    assert event.changes == {"competences": ["pedagogik", "IT", "upphandling", "jurist"]}


def test_an_edit_that_changes_nothing_is_refused(world):
    need = world.need("identified")
    with world.as_role("officer"), pytest.raises(RuleViolation) as refusal:
        need.edit(title=need.title)
    assert refusal.value.rule == "no_change"
    assert need.version == 5


def test_fields_outside_the_description_cannot_be_edited(world):
    need = world.need("identified")
    with world.as_role("officer"), pytest.raises(InvalidValue) as refusal:
        need.edit(status="realised")
    assert refusal.value.field == "status"
    assert need.status == "identified"


@pytest.mark.parametrize("state", ["procurement_decided", "in_procurement", "realised", "rejected"])
def test_analysis_is_closed_after_the_procurement_decision_or_rejection(world, state):
    need = world.need(state)
    with world.as_role("officer"):
        for attempt in (
            lambda: need.edit(title="Ny titel"),
            lambda: need.add_swot_item(quadrant="threat", text="Ny risk", author="x"),
            lambda: need.remove_swot_item(need.swot[0]["id"]),
            lambda: need.record_workshop(
                held_on=date(2018, 2, 1), competences_present=["IT"], participant_count=5
            ),
        ):
            with pytest.raises(WrongState):
                attempt()
    assert need.collect_events() == []


def test_swot_items_are_added_and_removed(world):
    need = world.need("identified", swot=False)
    with world.as_role("officer"):
        strength = need.add_swot_item(quadrant="strength", text="Engagerade lärare", author="anna")
        need.add_swot_item(quadrant="threat", text="Dataskydd", author="bo")
        need.remove_swot_item(strength)
    assert need.swot == [
        {"id": need.swot[0]["id"], "quadrant": "threat", "text": "Dataskydd", "author": "bo"}
    ]
    assert need.missing_quadrants() == ["strength", "weakness", "opportunity"]


def test_a_swot_item_needs_a_known_quadrant_and_text(world):
    need = world.need("identified", swot=False)
    with world.as_role("officer"):
        with pytest.raises(InvalidValue) as refusal:
            need.add_swot_item(quadrant="risk", text="x", author="anna")
        assert refusal.value.field == "quadrant"
        with pytest.raises(InvalidValue) as refusal:
            need.add_swot_item(quadrant="threat", text="", author="anna")
        assert refusal.value.field == "text"
        with pytest.raises(InvalidValue) as refusal:
            need.remove_swot_item(str(uuid.uuid4()))
        assert refusal.value.field == "item_id"
    assert need.version == 1


def test_workshops_are_recorded(world):
    need = world.need("identified")
    with world.as_role("officer"):
        workshop_id = need.record_workshop(
            held_on=date(2018, 2, 14),
            competences_present=["pedagogik", "IT", "pedagogik"],
            participant_count=12,
            notes="Tvärfunktionell workshop",
        )
    assert need.workshops == [
        {
            "id": workshop_id,
            "held_on": date(2018, 2, 14),
            "competences_present": ["pedagogik", "IT"],
            "participant_count": 12,
            "notes": "Tvärfunktionell workshop",
        }
    ]


@pytest.mark.parametrize("count", [0, -1, 10001, True, 2.5])
def test_a_workshop_needs_a_plausible_participant_count(world, count):
    need = world.need("identified")
    with world.as_role("officer"), pytest.raises(InvalidValue) as refusal:
        need.record_workshop(
            held_on=date(2018, 2, 14), competences_present=[], participant_count=count
        )
    assert refusal.value.field == "participant_count"


# Prioritisation


@pytest.mark.parametrize("missing", QUADRANTS)
def test_prioritising_needs_an_item_in_every_swot_quadrant(world, missing):
    need = world.need("identified", swot=False)
    with world.as_role("officer"):
        for quadrant in QUADRANTS:
            if quadrant != missing:
                need.add_swot_item(quadrant=quadrant, text=SWOT_TEXTS[quadrant], author="anna")
    version = need.version
    with world.as_role("decision_maker"), pytest.raises(RuleViolation) as refusal:
        need.prioritise(world.decide("prioritise", PRIORITISED_AT), scores=SCORES)
    assert refusal.value.rule == "swot_incomplete"
    assert missing in refusal.value.message
    assert need.status == "identified"
    assert need.version == version
    assert need.decisions == []


def test_removing_the_last_item_of_a_quadrant_makes_the_swot_incomplete_again(world):
    need = world.need("identified")
    threat = next(item["id"] for item in need.swot if item["quadrant"] == "threat")
    with world.as_role("officer"):
        need.remove_swot_item(threat)
    with world.as_role("decision_maker"), pytest.raises(RuleViolation) as refusal:
        need.prioritise(world.decide("prioritise", PRIORITISED_AT), scores=SCORES)
    assert refusal.value.rule == "swot_incomplete"


def test_the_swot_is_frozen_by_prioritisation_and_changes_only_with_a_new_one(world):
    need = world.need("prioritised")
    threat = next(item["id"] for item in need.swot if item["quadrant"] == "threat")
    with world.as_role("officer"):
        for attempt in (
            lambda: need.remove_swot_item(threat),
            lambda: need.add_swot_item(quadrant="threat", text="Ny risk", author="anna"),
        ):
            with pytest.raises(RuleViolation) as refusal:
                attempt()
            assert refusal.value.rule == "analysis_frozen"
    assert need.collect_events() == []

    # A re-prioritisation that would leave a quadrant empty is refused, nothing changed.
    later = PRIORITISED_AT.replace(month=4)
    with world.as_role("decision_maker"), pytest.raises(RuleViolation) as refusal:
        need.prioritise(
            world.decide("prioritise", later), scores=SCORES, swot_changes={"remove": [threat]}
        )
    assert refusal.value.rule == "swot_incomplete"
    with world.as_role("decision_maker"):
        need.prioritise(
            world.decide("prioritise", later),
            scores=SCORES,
            swot_changes={"remove": [threat], "add": [{"quadrant": "threat", "text": "GDPR"}]},
        )
    threats = [item for item in need.swot if item["quadrant"] == "threat"]
    assert [item["text"] for item in threats] == ["GDPR"]
    assert threats[0]["author"] == world.team.user("decision_maker")
    assert len(need.scorings) == 2 and need.status == "prioritised"


def test_a_need_prioritised_before_it_was_identified_again_is_refused(world):
    need = world.need("parked")
    with world.as_role("decision_maker"), pytest.raises(RuleViolation) as refusal:
        need.reopen(world.decide("reopen", PRIORITISED_AT.replace(month=1)))
    assert refusal.value.rule == "reopen_before_park"
    assert refusal.value.details == {
        "the reopen decision": PRIORITISED_AT.replace(month=1).isoformat(),
        "the park decision": PRIORITISED_AT.isoformat(),
    }


def test_prioritising_records_scores_and_weighted_total(world):
    need = world.need("identified")
    with world.as_role("decision_maker"):
        need.prioritise(world.decide("prioritise", PRIORITISED_AT), scores=SCORES)
    assert need.status == "prioritised"
    assert need.weighted_total == Decimal("4.00")  # (5 + 4 + 3 + 4 + 4) / 5
    assert need.scorings[0]["scores"] == SCORES
    assert need.scorings[0]["decided_at"] == PRIORITISED_AT


def test_every_past_scoring_is_kept_and_the_latest_counts(world):
    need = world.need("prioritised")
    weights = {
        "impact": 3,
        "feasibility": 1,
        "market_readiness": 1,
        "cost_viability": 1,
        "organisational_readiness": 1,
    }
    with world.as_role("decision_maker"):
        need.prioritise(world.decide("prioritise", PROCURE_AT), scores=SCORES, weights=weights)
    assert len(need.scorings) == 2
    assert need.scorings[0]["weighted_total"] == Decimal("4.00")
    assert need.weighted_total == Decimal("4.29")  # (15 + 4 + 3 + 4 + 4) / 7
    assert [d["type"] for d in need.decisions] == ["prioritise", "prioritise"]


@pytest.mark.parametrize(
    "scores",
    [
        {**SCORES, "impact": 0},
        {**SCORES, "impact": 6},
        {**SCORES, "impact": True},
        {**SCORES, "impact": 4.0},
        {**SCORES, "beauty": 5},
        {k: v for k, v in SCORES.items() if k != "feasibility"},
        None,
    ],
)
def test_scores_are_whole_numbers_from_1_to_5_for_each_criterion(world, scores):
    need = world.need("identified")
    with world.as_role("decision_maker"), pytest.raises(InvalidValue):
        need.prioritise(world.decide("prioritise", PRIORITISED_AT), scores=scores)
    assert need.status == "identified"
    assert need.scorings == []


@pytest.mark.parametrize(
    "weights",
    [
        {"impact": 1},
        dict.fromkeys(SCORES, 0),
        {**dict.fromkeys(SCORES, 1), "impact": -1},
        {**dict.fromkeys(SCORES, 1), "impact": "many"},
    ],
)
def test_bad_weights_are_refused(world, weights):
    need = world.need("identified")
    with world.as_role("decision_maker"), pytest.raises(InvalidValue) as refusal:
        need.prioritise(world.decide("prioritise", PRIORITISED_AT), scores=SCORES, weights=weights)
    assert refusal.value.field == "weights"


# Decisions


@pytest.mark.parametrize("reason", REJECTION_REASONS)
def test_reject_records_the_reason(world, reason):
    need = world.need("identified")
    with world.as_role("decision_maker"):
        need.reject(world.decide("reject", PRIORITISED_AT), reason=reason)
    assert need.status == "rejected"
    assert need.rejection_reason == reason


def test_reject_refuses_an_unknown_reason(world):
    need = world.need("identified")
    with world.as_role("decision_maker"), pytest.raises(InvalidValue) as refusal:
        need.reject(world.decide("reject", PRIORITISED_AT), reason="too_expensive")
    assert refusal.value.field == "reason"
    assert need.status == "identified"


def test_a_decision_of_another_type_is_refused(world):
    need = world.need("identified")
    with world.as_role("decision_maker"), pytest.raises(InvalidValue) as refusal:
        need.park(world.decide("reject", PRIORITISED_AT))
    assert refusal.value.field == "type"
    assert need.status == "identified"


def test_a_decision_of_another_municipality_is_refused(world):
    need = world.need("prioritised")
    skurup = registered_municipality("skurup")
    record = authorise(skurup, Team("skurup").actor("decision_maker"), "park", PRIORITISED_AT)
    with (
        acting_as(Team("skurup").actor("decision_maker")),
        pytest.raises(NotParticipant) as refusal,
    ):
        need.park(record)
    assert refusal.value.rule == "not_own_decision"
    assert need.status == "prioritised"


def test_the_decision_record_is_stored_on_the_event(world):
    need = world.need("identified")
    with world.as_role("decision_maker"):
        need.park(world.decide("park", PRIORITISED_AT))
    event = need.collect_events()[-1]
    assert event.decision == {
        "type": "park",
        "rationale": "Motivering: park",
        "authority": {
            "kind": "delegation",
            "rule_id": "D-park",
            "order_version": 1,
            "role": "decision_maker",
            "max_value_sek": None,
        },
        "decided_at": PRIORITISED_AT,
        "decided_by": "ystad-decision-maker",
        "municipality": "ystad",
    }
    assert need.decisions == [event.decision]


def test_a_board_decision_moves_the_need_like_a_delegated_one(world):
    need = world.need("prioritised")
    board = {
        "kind": "board",
        "body": "Kommunstyrelsen",
        "meeting_date": date(2018, 4, 10),
        "minutes_reference": "KS 2018-04-10 § 12",
    }
    with world.as_role("officer"):
        need.decide_to_procure(
            world.decide("decide_to_procure", PROCURE_AT, role="officer", authority=board)
        )
    assert need.status == "procurement_decided"
    assert need.decisions[-1]["authority"] == board
    assert need.decisions[-1]["decided_by"] == "ystad-officer"


# Procurement facts


def test_attaching_and_releasing_track_the_procurement(world):
    need = world.need("procurement_decided")
    procurement_id = str(uuid.uuid4())
    with world.as_role("officer"):
        need.attach_to_procurement(procurement_id)
        assert need.status == "in_procurement"
        assert need.procurement_id == procurement_id
        with pytest.raises(RuleViolation) as refusal:
            need.release_from_procurement(str(uuid.uuid4()))
        assert refusal.value.rule == "other_procurement"
        need.release_from_procurement(procurement_id)
    assert need.status == "procurement_decided"
    assert need.procurement_id is None


def test_a_need_is_realised_only_once_its_procurement_has_a_signed_contract(world):
    need = world.need("procurement_decided")
    procurement = world.procurement("awarded", need_ids=[str(need.id)])
    with world.as_role("officer"):
        need.attach_to_procurement(str(procurement.id))
    with world.as_role("decision_maker"), pytest.raises(RuleViolation) as refusal:
        need.mark_realised(world.decide("mark_realised", REALISED_AT), procurement)
    assert refusal.value.rule == "no_signed_contract"
    assert need.status == "in_procurement"


def test_a_need_is_not_realised_by_another_procurement(world):
    need, _ = need_with_procurement(world, "in_procurement")
    other = world.procurement("contracted")
    with world.as_role("decision_maker"), pytest.raises(RuleViolation) as refusal:
        need.mark_realised(world.decide("mark_realised", REALISED_AT), other)
    assert refusal.value.rule == "other_procurement"
    assert need.status == "in_procurement"


# Network: sharing and co-owners

SKURUP_OFFICER = Team("skurup").actor("officer")


def test_share_and_unshare(world):
    need = world.need("identified")
    with world.as_role("officer"):
        need.share()
        assert need.visibility == "shared"
        with pytest.raises(RuleViolation) as refusal:
            need.share()
        assert refusal.value.rule == "already_shared"
        need.unshare()
        assert need.visibility == "private"
        with pytest.raises(RuleViolation) as refusal:
            need.unshare()
        assert refusal.value.rule == "not_shared"


def test_another_municipality_joins_a_shared_need_itself(world):
    need = world.need("identified")
    with world.as_role("officer"):
        need.share()
    with acting_as(SKURUP_OFFICER):
        need.join_as_co_owner(SKURUP_OFFICER)
    assert need.co_owners == ["skurup"]
    assert need.is_owned_by("skurup")
    with world.as_role("officer"), pytest.raises(RuleViolation) as refusal:
        need.unshare()
    assert refusal.value.rule == "has_co_owners"


def test_joining_refusals(world):
    need = world.need("identified")
    with acting_as(SKURUP_OFFICER), pytest.raises(RuleViolation) as refusal:
        need.join_as_co_owner(SKURUP_OFFICER)
    assert refusal.value.rule == "not_shared"
    with world.as_role("officer"):
        need.share()
        with pytest.raises(RuleViolation) as refusal:
            need.join_as_co_owner(world.team.actor("officer"))
        assert refusal.value.rule == "is_owner"
    with acting_as(SKURUP_OFFICER):
        need.join_as_co_owner(SKURUP_OFFICER)
        with pytest.raises(RuleViolation) as refusal:
            need.join_as_co_owner(SKURUP_OFFICER)
        assert refusal.value.rule == "co_owner"
    platform = Actor("platform-admin", None, ("platform_admin",))
    with acting_as(platform), pytest.raises(NotParticipant):
        need.join_as_co_owner(platform)
    assert need.co_owners == ["skurup"]


@pytest.mark.parametrize("state", ["in_procurement", "realised", "rejected"])
def test_joining_is_closed_once_procurement_started_or_the_need_is_done(world, state):
    need = world.need(state)
    with world.as_role("officer"):
        need.share()
    with acting_as(SKURUP_OFFICER), pytest.raises(WrongState):
        need.join_as_co_owner(SKURUP_OFFICER)
    assert need.co_owners == []


# Audit metadata


def test_every_event_carries_the_audit_metadata_with_the_owner_as_tenant(world):
    need = world.need("procurement_decided", collect=False)
    co_owner = Actor("skurup-officer", "skurup", ("officer", "decision_maker"), "req-s")
    with world.as_role("officer"):
        need.share()
    with acting_as(co_owner):
        need.join_as_co_owner(co_owner)
    procurement = world.procurement("contracted", need_ids=[str(need.id)])
    with world.as_role("officer"):
        need.attach_to_procurement(str(procurement.id))
    with world.as_role("decision_maker"):
        need.mark_realised(world.decide("mark_realised", REALISED_AT), procurement)

    events = need.collect_events()
    assert len(events) == 11  # identify, 4 SWOT, 2 decisions, share, join, attach, realise
    joined = events[8]
    # A co-owner's event still belongs to the owner's tenant.
    assert joined.audit == {
        "tenant": "ystad",
        "actor": "skurup-officer",
        "actor_municipality": "skurup",
        "actor_roles": ["decision_maker", "officer"],
        "request_id": "req-s",
    }
    for event in events[:8] + events[9:]:
        role = event.audit["actor_roles"][0]
        assert event.audit == {
            "tenant": "ystad",
            "actor": f"ystad-{role.replace('_', '-')}",
            "actor_municipality": "ystad",
            "actor_roles": [role],
            "request_id": f"req-ystad-{role}",
        }
    assert [e.audit["actor_roles"] for e in events[5:7]] == [["decision_maker"]] * 2


def test_an_event_without_an_acting_context_is_refused(world):
    with pytest.raises(MissingAuditContext):
        Need.identify(
            owner="ystad",
            title="Överskottsenergi",
            problem_statement="Spillvärme tas inte till vara",
            innovation_area_id=world.area_id,
        )
    need = world.need("identified")
    record = world.decide("prioritise", PRIORITISED_AT)
    with pytest.raises(MissingAuditContext):
        need.prioritise(record, scores=SCORES)
    with pytest.raises(MissingAuditContext):
        need.add_swot_item(quadrant="threat", text="x", author="anna")
    assert need.status == "identified"
    assert need.version == 5
    assert need.collect_events() == []

"""The procurement's participants, bids, award, contract, reviews, screening, milestones,
follow-ups, market dialogue and lessons are frozen values in its state: built from the events'
own fields (a replay gives the same values), read from the dictionaries an older snapshot holds
(upcast), and standing for exactly that plain shape."""

from __future__ import annotations

import copy
import dataclasses
import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

import pytest
from eventsourcing.domain import Snapshot
from hypothesis import given
from hypothesis import strategies as st

from domain.audit import acting_as
from domain.procurement import Procurement
from domain.procurement_values import (
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
    StateValue,
    Supplier,
    plain,
)
from tests.builders import SCREEN_AT, DomainWorld, Team, authorise, registered_municipality

MALMO = "Förvaltningsrätten i Malmö"
GOTEBORG = "Kammarrätten i Göteborg"


@pytest.fixture
def world() -> DomainWorld:
    return DomainWorld("ystad")


def joint(world: DomainWorld) -> Procurement:
    """Participants in every answer: joined with a share, declined, withdrawn, invited."""
    procurement = world.procurement("planning", collect=False)
    with world.as_role("officer"):
        procurement.record_market_dialogue(
            kind="rfi", held_on=date(2018, 4, 20), supplier_count=4, summary="Förfrågan om info"
        )
    for slug in ("skurup", "kavlinge", "trelleborg", "malmo"):
        with world.as_role("officer"):
            procurement.invite_participant(
                municipality=slug, role="co_lead" if slug == "kavlinge" else "participant"
            )
    for slug, kinds, share in (
        ("skurup", ["join"], "30"),
        ("kavlinge", ["decline"], None),
        ("trelleborg", ["join", "withdraw"], None),
    ):
        team, municipality = Team(slug), registered_municipality(slug)
        for kind in kinds:
            with acting_as(team.actor("decision_maker")):
                decision = authorise(municipality, team.actor("decision_maker"), kind, SCREEN_AT)
                procurement.decide_participation(
                    decision, value_share_percent=share if kind == "join" else None
                )
    return procurement


def reviewed(world: DomainWorld) -> Procurement:
    """An award whose standstill a dismissed review extended, that review appealed with an
    interim order lifted and the appeal ruled, and a second review still pending."""
    procurement = world.procurement("awarded", collect=False)
    with world.as_role("officer"):
        first = procurement.file_review(
            filed_on=date(2018, 12, 28), court=MALMO, applicant="Torra Golv i Skåne AB",
            reference="1234-18",
        )  # fmt: skip
        procurement.issue_interim_order(review_id=first, ordered_on=date(2018, 12, 29))
        procurement.rule_on_review(
            review_id=first, ruled_on=date(2019, 1, 9), outcome="dismissed", summary="Avslås."
        )
        procurement.appeal_review(
            review_id=first, appealed_on=date(2019, 1, 14), court=GOTEBORG,
            appellant="Torra Golv i Skåne AB", reference="KR 99-19",
        )  # fmt: skip
        procurement.issue_interim_order(review_id=first, ordered_on=date(2019, 1, 15))
        procurement.lift_interim_order(review_id=first, lifted_on=date(2019, 1, 20))
        procurement.rule_on_appeal(
            review_id=first, ruled_on=date(2019, 2, 1), outcome="dismissed", summary="Avslås."
        )
        procurement.file_review(
            filed_on=date(2019, 2, 4), court=MALMO, applicant="Lärande Maskiner AB",
            reference="2000-19",
        )  # fmt: skip
    return procurement


def sole_trader(world: DomainWorld) -> Procurement:
    """Bids from an organisation and from a sole trader, who wins and signs."""
    procurement = world.procurement("tendering", collect=False)
    party_id = str(uuid.uuid4())
    with world.as_role("officer"):
        procurement.record_bid(
            tenderer_org_number=None, tenderer_name=None, tenderer_party_id=party_id,
            received_at=datetime(2018, 10, 10, 14, 0, tzinfo=UTC),
        )  # fmt: skip
    return procurement


def implemented(world: DomainWorld) -> Procurement:
    """Screened, contracted, a milestone and two follow-ups, closed."""
    procurement = world.procurement("closed", collect=False)
    with world.as_role("officer"):
        procurement.record_follow_up(
            need_id=procurement.need_ids[0], followed_up_on=date(2020, 3, 2),
            effect="Fler lärare använder stödet", measurement="90 % av lärarna",
        )  # fmt: skip
        procurement.record_lesson(text="Avsätt tid för behoven", shareable=True)
        procurement.record_lesson(
            text="Pilot först", shareable=False, phase="implementation",
            what_worked="Små steg", what_to_change="Tidigare dialog", tags=["AI", "Skola"],
        )  # fmt: skip
    return procurement


SCENARIOS = {
    "joint": joint,
    "reviewed": reviewed,
    "sole_trader": sole_trader,
    "implemented": implemented,
}


@pytest.fixture(params=sorted(SCENARIOS))
def procurement(request: pytest.FixtureRequest, world: DomainWorld) -> Procurement:
    built: Procurement = SCENARIOS[request.param](world)
    return built


def replayed(procurement: Procurement) -> Procurement:
    state = None
    for event in procurement.collect_events():
        state = event.mutate(state)
    assert isinstance(state, Procurement)
    return state


VALUES = {
    "participants": Participant,
    "bids": Bid,
    "reviews": Review,
    "milestones": Milestone,
    "follow_ups": FollowUp,
    "market_dialogue": MarketDialogue,
    "lessons": Lesson,
}
# The attributes that became values in each class version (before: dictionaries).
BECAME_VALUES = {
    3: ("contract",),
    4: ("participants", "bids", "award", "reviews"),
    5: ("screening", "milestones", "follow_ups"),
    6: ("market_dialogue", "lessons"),
}


def test_the_state_holds_values(procurement: Procurement) -> None:
    for attribute, value_type in VALUES.items():
        assert all(isinstance(item, value_type) for item in getattr(procurement, attribute))
    assert procurement.award is None or isinstance(procurement.award, Award)
    assert procurement.screening is None or isinstance(procurement.screening, Screening)
    some = [*procurement.participants, *procurement.bids, *procurement.reviews]
    some += [*procurement.milestones, *procurement.market_dialogue, *procurement.lessons]
    assert some
    with pytest.raises(dataclasses.FrozenInstanceError):
        some[0].id = "changed"  # type: ignore[union-attr]


def test_a_replay_of_the_events_gives_equal_values(procurement: Procurement) -> None:
    again = replayed(procurement)
    assert again.participants == procurement.participants
    assert again.bids == procurement.bids
    assert again.award == procurement.award
    assert again.reviews == procurement.reviews
    assert again.screening == procurement.screening
    assert again.milestones == procurement.milestones
    assert again.follow_ups == procurement.follow_ups
    assert again.market_dialogue == procurement.market_dialogue
    assert again.lessons == procurement.lessons
    assert again == procurement


def test_the_reviewed_scenario_reads_as_the_court_decided(world: DomainWorld) -> None:
    procurement = reviewed(world)
    first, second = procurement.reviews
    assert first.ruling is not None and first.ruling.outcome == "dismissed"
    assert [order.instance for order in first.interim_orders] == ["first", "appeal"]
    assert first.interim_orders[-1].lifted_on == date(2019, 1, 20)
    assert first.interim_order_in_force is None
    assert first.appeal is not None and first.appeal.ruling == AppealRuling(
        ruled_on=date(2019, 2, 1), outcome="dismissed", summary="Avslås."
    )
    assert second.pending and procurement.under_review
    assert procurement.award is not None
    assert procurement.award.extended_earliest_signing_day == first.ruling.earliest_signing_day


def old_snapshot(procurement: Procurement, class_version: int) -> Snapshot:
    """A snapshot as a version before the values took it: dictionaries where values are now
    (those that were values by `class_version` stay values)."""
    taken = Snapshot.take(procurement)
    state = {key: plain(value) for key, value in taken.state.items()}
    state["class_version"] = class_version
    for version, attributes in BECAME_VALUES.items():
        if version <= class_version:
            for attribute in attributes:
                state[attribute] = getattr(procurement, attribute)
    return Snapshot(
        originator_id=taken.originator_id,
        originator_version=taken.originator_version,
        timestamp=taken.timestamp,
        topic=taken.topic,
        state=state,
    )


@pytest.mark.parametrize("class_version", [2, 3, 4, 5])
def test_a_snapshot_from_before_the_values_is_upcast(
    procurement: Procurement, class_version: int
) -> None:
    procurement.collect_events()
    restored = old_snapshot(procurement, class_version).mutate(None)
    assert isinstance(restored, Procurement)
    assert restored.participants == procurement.participants
    assert restored.bids == procurement.bids
    assert restored.award == procurement.award
    assert restored.reviews == procurement.reviews
    assert restored.screening == procurement.screening
    assert restored.milestones == procurement.milestones
    assert restored.follow_ups == procurement.follow_ups
    assert restored.market_dialogue == procurement.market_dialogue
    assert restored.lessons == procurement.lessons
    assert restored == procurement


def test_a_follow_up_from_before_others_could_record_them_is_the_leads(
    world: DomainWorld,
) -> None:
    procurement = implemented(world)
    procurement.collect_events()
    old = old_snapshot(procurement, 4)
    for follow_up in old.state["follow_ups"]:
        del follow_up["municipality"]
    restored = old.mutate(None)
    assert [f.municipality for f in restored.follow_ups] == ["ystad", "ystad"]
    assert restored == procurement


def test_a_lesson_from_before_lessons_were_structured_is_upcast(world: DomainWorld) -> None:
    procurement = implemented(world)
    procurement.collect_events()
    old = old_snapshot(procurement, 5)
    first = old.state["lessons"][0]
    for key in ("municipality", "phase", "what_worked", "what_to_change", "tags"):
        del first[key]
    restored = old.mutate(None)
    assert restored.lessons[0] == Lesson(
        id=first["id"], text="Avsätt tid för behoven", shareable=True, municipality="ystad"
    )
    assert restored == procurement


def test_a_snapshot_of_the_current_version_keeps_the_values(procurement: Procurement) -> None:
    procurement.collect_events()
    restored = Snapshot.take(procurement).mutate(None)
    assert restored == procurement


# The plain shape each value stands for

days = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1))
moments = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2100, 1, 1), timezones=st.just(UTC)
)
texts = st.text(min_size=1, max_size=20)
ids = st.uuids().map(str)
maybe = st.none
money = st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False)
outcomes = st.sampled_from(["dismissed", "redo", "correct"])

participants = st.builds(
    Participant,
    municipality=texts,
    role=st.sampled_from(["co_lead", "participant"]),
    status=st.sampled_from(["invited", "joined", "declined", "withdrawn"]),
    value_share_percent=maybe() | st.decimals(min_value=0, max_value=100, places=2),
)
organisation_or_sole_trader = st.one_of(
    st.tuples(texts, texts, maybe()), st.tuples(maybe(), maybe(), ids)
)
bids = st.builds(
    lambda id_, who, received_at, late: Bid(id_, who[0], who[1], received_at, late, who[2]),
    ids, organisation_or_sole_trader, moments, st.booleans(),
)  # fmt: skip
suppliers = organisation_or_sole_trader.map(lambda who: Supplier(*who))
awards = st.builds(
    Award,
    suppliers=st.lists(suppliers, min_size=1, max_size=3).map(tuple),
    evaluation_summary=texts,
    notification_sent_at=moments,
    sent_electronically=st.booleans(),
    standstill_last_day=maybe() | days,
    earliest_signing_day=days,
    decided_at=moments,
    extended_standstill_last_day=maybe() | days,
    extended_earliest_signing_day=maybe() | days,
)
contracts = st.builds(
    lambda who, value, signed_on: Contract(who[0], value, signed_on, who[2]),
    organisation_or_sole_trader, money, days,
)  # fmt: skip
orders = st.builds(
    InterimOrder,
    instance=st.sampled_from(["first", "appeal"]),
    court=texts,
    ordered_on=days,
    lifted_on=maybe() | days,
)
rulings = st.builds(
    Ruling, ruled_on=days, outcome=outcomes, summary=texts,
    extended_standstill_last_day=maybe() | days, earliest_signing_day=maybe() | days,
)  # fmt: skip
appeals = st.builds(
    Appeal, appealed_on=days, court=texts, appellant=texts, reference=texts,
    ruling=maybe() | st.builds(AppealRuling, ruled_on=days, outcome=outcomes, summary=texts),
)  # fmt: skip
reviews = st.builds(
    Review, id=ids, filed_on=days, court=texts, applicant=texts, reference=texts,
    interim_orders=st.lists(orders, max_size=3).map(tuple),
    ruling=maybe() | rulings, appeal=maybe() | appeals,
)  # fmt: skip
screenings = st.one_of(
    st.builds(Screening, innovation=st.just(True), kind=texts, rationale=texts, decided_at=moments),
    st.builds(Screening, innovation=st.just(False), kind=maybe(), rationale=texts,
              decided_at=moments),
)  # fmt: skip
milestones = st.builds(Milestone, id=ids, title=texts, reached_on=days, note=maybe() | texts)
follow_ups = st.builds(
    FollowUp, id=ids, need_id=ids, followed_up_on=days, effect=texts, measurement=texts,
    municipality=texts,
)  # fmt: skip
dialogues = st.builds(
    MarketDialogue, id=ids, kind=texts, held_on=days,
    supplier_count=st.integers(min_value=0, max_value=100000), summary=texts,
)  # fmt: skip
lessons = st.builds(
    Lesson, id=ids, text=texts, shareable=st.booleans(), municipality=texts,
    phase=maybe() | texts, what_worked=maybe() | texts, what_to_change=maybe() | texts,
    tags=st.lists(texts, max_size=3).map(tuple),
)  # fmt: skip
values = st.one_of(
    participants, bids, awards, contracts, reviews, screenings, milestones, follow_ups,
    dialogues, lessons,
)


def leaves(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [leaf for value in node.values() for leaf in leaves(value)]
    if isinstance(node, list):
        return [leaf for value in node for leaf in leaves(value)]
    return [node]


@given(values)
def test_a_value_stands_for_plain_data_and_reads_back_from_it(value: Any) -> None:
    state = value.as_state()
    assert all(
        leaf is None or isinstance(leaf, (str, bool, int, Decimal, date))
        for leaf in leaves(state)
    )
    assert not any(isinstance(leaf, StateValue) for leaf in leaves(state))
    assert type(value).from_state(state) == value
    assert plain([value]) == [state]
    assert plain({"nested": [value, "text", 1, None]}) == {"nested": [state, "text", 1, None]}


@given(st.one_of(participants, bids, suppliers, contracts))
def test_an_optional_party_or_share_key_is_absent_when_unset(value: Any) -> None:
    """The shape older states had: an organisation's bid, supplier and contract carry no party
    id key, a participant without a stated share no share key."""
    optional = {
        Participant: "value_share_percent",
        Bid: "tenderer_party_id",
        Supplier: "party_id",
        Contract: "supplier_party_id",
    }[type(value)]
    assert (optional in value.as_state()) == (getattr(value, optional) is not None)


def test_a_copy_of_the_aggregate_shares_the_values_and_equals_it(procurement: Procurement) -> None:
    """The values are immutable through and through, so copying an aggregate (as the cache
    does) need not copy them; the aggregate's own lists are still copied."""
    copied = copy.deepcopy(procurement)
    assert copied == procurement
    assert copied.reviews is not procurement.reviews
    for mine, theirs in zip(copied.reviews, procurement.reviews, strict=True):
        assert mine is theirs


def test_the_plain_shape_is_the_one_the_dictionaries_had(world: DomainWorld) -> None:
    """What the API bodies, the audit's state documents and as-of answers show: the keys and
    order the state's dictionaries had before they were values."""
    procurement = reviewed(world)
    first, second = plain(procurement.reviews)
    assert first == {
        "id": first["id"],
        "filed_on": date(2018, 12, 28),
        "court": MALMO,
        "applicant": "Torra Golv i Skåne AB",
        "reference": "1234-18",
        "interim_orders": [
            {"instance": "first", "court": MALMO, "ordered_on": date(2018, 12, 29),
             "lifted_on": None},
            {"instance": "appeal", "court": GOTEBORG, "ordered_on": date(2019, 1, 15),
             "lifted_on": date(2019, 1, 20)},
        ],
        "ruling": {
            "ruled_on": date(2019, 1, 9),
            "outcome": "dismissed",
            "summary": "Avslås.",
            "extended_standstill_last_day": date(2019, 1, 21),
            "earliest_signing_day": date(2019, 1, 22),
        },
        "appeal": {
            "appealed_on": date(2019, 1, 14),
            "court": GOTEBORG,
            "appellant": "Torra Golv i Skåne AB",
            "reference": "KR 99-19",
            "ruling": {"ruled_on": date(2019, 2, 1), "outcome": "dismissed", "summary": "Avslås."},
        },
    }  # fmt: skip
    assert list(first) == ["id", "filed_on", "court", "applicant", "reference",
                           "interim_orders", "ruling", "appeal"]  # fmt: skip
    assert second["ruling"] is None and second["appeal"] is None and second["interim_orders"] == []
    award = plain(procurement.award)
    assert list(award) == [
        "suppliers", "evaluation_summary", "notification_sent_at", "sent_electronically",
        "standstill_last_day", "earliest_signing_day", "extended_standstill_last_day",
        "extended_earliest_signing_day", "decided_at",
    ]  # fmt: skip
    assert award["suppliers"] == [{"org_number": "556677-8899", "name": "Lärande Maskiner AB"}]
    assert award["extended_standstill_last_day"] == date(2019, 1, 21)
    assert plain(procurement.bids)[0] == {
        "id": procurement.bids[0].id, "tenderer_org_number": "556677-8899",
        "tenderer_name": "Lärande Maskiner AB", "received_at": procurement.bids[0].received_at,
        "late": False,
    }  # fmt: skip

    participants = plain(joint(DomainWorld("ystad")).participants)
    assert participants == [
        {"municipality": "skurup", "role": "participant", "status": "joined",
         "value_share_percent": Decimal("30")},
        {"municipality": "kavlinge", "role": "co_lead", "status": "declined"},
        {"municipality": "trelleborg", "role": "participant", "status": "withdrawn"},
        {"municipality": "malmo", "role": "participant", "status": "invited"},
    ]  # fmt: skip

    closed = implemented(DomainWorld("ystad"))
    assert list(plain(closed.screening)) == ["innovation", "kind", "rationale", "decided_at"]
    assert list(plain(closed.milestones)[0]) == ["id", "title", "reached_on", "note"]
    assert list(plain(closed.follow_ups)[0]) == [
        "id", "need_id", "followed_up_on", "effect", "measurement", "municipality"
    ]  # fmt: skip
    assert plain(closed.lessons)[1] == {
        "id": closed.lessons[1].id, "text": "Pilot först", "shareable": False,
        "municipality": "ystad", "phase": "implementation", "what_worked": "Små steg",
        "what_to_change": "Tidigare dialog", "tags": ["ai", "skola"],
    }  # fmt: skip
    dialogue = plain(joint(DomainWorld("ystad")).market_dialogue)[0]
    assert list(dialogue) == ["id", "kind", "held_on", "supplier_count", "summary"]

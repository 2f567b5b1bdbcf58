"""Publishing a need to the market: the owner's decision, distinct from sharing with the
network, withdrawn by the owner; the publication in force is what its events rebuild."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from domain.errors import NotParticipant, RuleViolation, WrongState
from tests.builders import PROCURE_AT, DomainWorld

LATER = datetime(2018, 6, 1, 10, 0, tzinfo=UTC)


def rebuilt(events: list[Any]) -> Any:
    need: Any = None
    for event in events:
        need = event.mutate(need)
    return need


@settings(max_examples=40, deadline=None)
@given(st.lists(st.booleans(), max_size=8))
def test_the_publication_in_force_follows_the_owners_decisions(publishes: list[bool]) -> None:
    world = DomainWorld()
    need = world.need("procurement_decided", collect=False)
    on_market = False
    moment = LATER
    with world.as_role("decision_maker"):
        for publish in publishes:
            moment += timedelta(days=1)
            if publish and not on_market:
                need.publish_to_market(world.decide("publish_to_market", moment),
                                       summary=f"Dialog {moment.date()}")
                on_market = True
            elif not publish and on_market:
                need.withdraw_from_market(world.decide("withdraw_from_market", moment))
                on_market = False
            else:
                with pytest.raises(RuleViolation):
                    if publish:
                        need.publish_to_market(world.decide("publish_to_market", moment))
                    else:
                        need.withdraw_from_market(world.decide("withdraw_from_market", moment))
    assert need.is_on_market == on_market
    # Sharing with the network is another matter.
    assert not need.is_shared
    events = need.collect_events()
    copy = rebuilt(events)
    assert copy.market == need.market
    if on_market:
        assert need.market["version"] == need.version
        assert need.market["summary"].startswith("Dialog")


def test_only_the_owner_publishes_and_never_a_rejected_need() -> None:
    world = DomainWorld()
    skurup = DomainWorld("skurup")
    need = world.need("prioritised")
    with skurup.as_role("decision_maker"), pytest.raises(NotParticipant):
        need.publish_to_market(skurup.decide("publish_to_market", LATER))
    rejected = world.need("rejected")
    with world.as_role("decision_maker"), pytest.raises(WrongState):
        rejected.publish_to_market(world.decide("publish_to_market", LATER))
    with world.as_role("decision_maker"), pytest.raises(RuleViolation):
        # Not dated before the need's last decision.
        need.publish_to_market(world.decide("publish_to_market", PROCURE_AT - timedelta(days=60)))
    assert need.collect_events() == [] and rejected.collect_events() == []

"""The read models show the status the aggregates have: one lifecycle (domain/lifecycle.py), not
a copy per view.

"Views equal a rebuild" cannot find a view whose idea of the lifecycle is wrong, because the
rebuild is wrong alike. So here the views are compared with the aggregates themselves: the random
command sequences of the lifecycle state machines (tests/domain/test_lifecycles.py) run, and after
every step each view that shows a status (tenant index, procurement portfolio, network needs) is
brought up to the head of the log and must show, for every need and procurement, the status the
aggregate has. And every event type of Need and Procurement must be classified by the lifecycle,
so a new one cannot slip past it.
"""

from __future__ import annotations

import inspect
import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.stateful import invariant, rule

from domain import lifecycle, topics
from domain.need import Need
from domain.procurement import WITHOUT_NOTICE, Procurement
from eventstore.sql import SqlStore
from projections.registry import projection_named
from projections.runner import ProjectionRunner
from tests.domain.test_lifecycles import NeedMachine, ProcurementMachine

STATUS_VIEWS = ("tenant_index", "procurement_portfolio", "network_needs")
# Where each view keeps a status: (table, key column) per kind of aggregate.
NEED_ROWS = (("tenant_needs", "need_id"), ("network_needs", "need_id"),
             ("network_needs_unshared", "need_id"))  # fmt: skip
PROCUREMENT_ROWS = (
    ("tenant_procurements", "procurement_id"),
    ("procurement_portfolio", "procurement_id"),
    ("procurement_portfolio_unpublished", "procurement_id"),
)


def event_topics(aggregate_class: Any) -> set[str]:
    """The topics of every event class the aggregate class defines (its @event methods')."""
    return {
        value.TOPIC
        for value in vars(aggregate_class).values()
        if inspect.isclass(value)
        and issubclass(value, aggregate_class.Event)
        and getattr(value, "TOPIC", None)
    }


def test_every_event_of_a_need_is_classified_by_its_lifecycle_once():
    classes = (
        set(lifecycle.NEED_STATUS_AFTER),
        set(lifecycle.NEED_KEEPS_STATUS),
    )
    assert set.union(*classes) == event_topics(Need)
    assert sum(len(c) for c in classes) == len(event_topics(Need))


def test_every_event_of_a_procurement_is_classified_by_its_lifecycle_once():
    classes = (
        set(lifecycle.PROCUREMENT_STATUS_AFTER),
        set(lifecycle.PROCUREMENT_RULINGS),
        set(lifecycle.PROCUREMENT_KEEPS_STATUS),
    )
    assert set.union(*classes) == event_topics(Procurement)
    assert sum(len(c) for c in classes) == len(event_topics(Procurement))


def test_the_domain_topics_are_exactly_the_aggregates_topics():
    named = {v for k, v in vars(topics).items() if k.isupper() and isinstance(v, str)}
    assert named == event_topics(Need) | event_topics(Procurement)


def test_a_ruling_of_old_sends_an_award_back_as_a_correction_does():
    upheld = lifecycle.Happened(topics.PROCUREMENT_REVIEW_RULED, {"outcome": "upheld"})
    for procedure, step in (("open", "evaluation"), ("direct_award", "planning")):
        after = lifecycle.procurement_status_after("awarded", upheld, procedure=procedure)
        assert after == step
    assert lifecycle.procurement_status_after("tendering", upheld, procedure="open") == "tendering"


class ViewsFollowTheAggregates:
    """Mixed into a lifecycle machine: after every step, the views show the aggregates' status."""

    app: Any
    tracked: Callable[[], list[str]]  # the machine's: the needs and procurements it made

    @invariant()
    def the_views_show_the_aggregates_status(self) -> None:
        store = SqlStore(self.app.recorder)
        for name in STATUS_VIEWS:
            ProjectionRunner(self.app, projection_named(name), store=store).catch_up()
        with store.reading() as cursor:
            for aggregate_id in self.tracked():
                aggregate = self.app.repository.get(uuid.UUID(aggregate_id))
                places = NEED_ROWS if isinstance(aggregate, Need) else PROCUREMENT_ROWS
                shown = {}
                for table, key in places:
                    rows = cursor.execute(
                        f"SELECT status FROM {table} WHERE {key} = ?", (aggregate_id,)
                    ).fetchall()
                    for row in rows:
                        shown[table] = row["status"]
                # The tenant index lists every one; the network lists each in one table.
                assert len(shown) == 2, shown
                assert set(shown.values()) == {aggregate.status}, (
                    f"{type(aggregate).__name__} v{aggregate.version} is {aggregate.status}"
                    f" but the views show {shown}"
                )


MIRROR_SETTINGS = settings(
    max_examples=15,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


APPEALED_ON = date(2019, 1, 7)
APPEAL_RULED_ON = date(2019, 1, 10)


class ProcurementViewsMachine(ViewsFollowTheAggregates, ProcurementMachine):
    """The procurement machine, with appeals (kammarrätten) besides: their rulings move the
    status as the first instance's do, by a separate event the views must follow too."""

    def appealable_review(self) -> str | None:
        procurement = self.app.procurement(self.lead.auditor, self.procurement_id)
        for review in procurement.reviews:
            if review.ruling is not None and review.appeal is None:
                return str(review.id)
        return None

    @rule(
        first=st.sampled_from(["dismissed", "correct", "redo"]),
        outcome=st.sampled_from(["dismissed", "correct", "redo"]),
    )
    def appeal_and_rule_on_appeal(self, first: str, outcome: str) -> None:
        review_id = self.appealable_review()
        for _ in range(4):  # along the main path to a step a review can be filed against
            if review_id is not None or self.status != "planning":
                break
            self.advance()
        if review_id is None and self.status in ("tendering", "evaluation", "awarded"):
            # Nothing to appeal yet: a review is filed and ruled on first (the base rules).
            self.file_review()
            self.rule_on_review(first)
            review_id = self.appealable_review()
        if review_id is None:
            return
        signed = self.status in ("contracted", "implementing", "closed")
        appeal = self.fact(
            "contract_signed" if signed else None,
            "appeal_review",
            review_id=review_id,
            appealed_on=APPEALED_ON,
            court="Kammarrätten i Göteborg",
            appellant="Torra Golv i Skåne AB",
            reference="Mål 9-19",
        )
        if appeal is None:
            return
        self.accepted()
        self.fact(
            None,
            "rule_on_appeal",
            review_id=review_id,
            ruled_on=APPEAL_RULED_ON,
            outcome=outcome,
            summary="Dom i kammarrätten",
        )
        if outcome == "redo" and self.status in ("tendering", "evaluation", "awarded"):
            self.awarded = None
            self.earliest_signing_day = None
            self.extended_signing_day = None
            self.published = False
            self.bids = {}
            self.status = "planning"
        elif outcome == "correct" and self.status == "awarded":
            self.awarded = None
            self.earliest_signing_day = None
            self.extended_signing_day = None
            self.status = "planning" if self.procedure in WITHOUT_NOTICE else "evaluation"
        self.accepted()


class NeedViewsMachine(ViewsFollowTheAggregates, NeedMachine):
    pass


ProcurementViewsMachine.TestCase.settings = MIRROR_SETTINGS
NeedViewsMachine.TestCase.settings = MIRROR_SETTINGS
TestProcurementViewsFollowTheLifecycle = ProcurementViewsMachine.TestCase
TestNeedViewsFollowTheLifecycle = NeedViewsMachine.TestCase

OUTCOMES = st.sampled_from(["dismissed", "correct", "redo"])


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    procedure=st.sampled_from(["open", "negotiated_without_notice", "direct_award"]),
    steps=st.integers(min_value=3, max_value=7),
    first=OUTCOMES,
    appeal=OUTCOMES,
)
def test_the_views_follow_rulings_on_appeal(procedure: str, steps: int, first: str, appeal: str):
    """Random walks meet appeals too rarely: here every example reaches one, from each step a
    review can be filed against, with every pair of outcomes."""
    machine = ProcurementViewsMachine()
    try:
        machine.walk_along_the_main_path(steps=steps, procedure=procedure, invite=False)
        machine.appeal_and_rule_on_appeal(first=first, outcome=appeal)
        machine.procurement_matches_the_model()
        machine.the_views_show_the_aggregates_status()
    finally:
        machine.teardown()

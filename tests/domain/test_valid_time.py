"""The record stays consistent in valid time, whatever order things are recorded in.

A state machine records the steps of a need and of a procurement with random valid dates and in
random order (hypothesis picks which step comes next and when it happened). The clock stands at
23:30 in Stockholm on 2021-06-30. After every step:

- nothing recorded is dated after the day of its recording;
- the valid times along each lifecycle are in order (checked from the aggregates' state by
  `tests/valid_time_order.py`, written independently of the domain's own checks);
- a refused step wrote nothing;
- and the checks are not simply refusing everything: a step dated on or after everything it
  rests on (and not in the future) is accepted whenever its state allows it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from domain.clock import clock_in_use, fixed_clock
from domain.errors import DomainError
from domain.need import Need
from domain.procurement import Procurement
from domain.values.timestamps import STOCKHOLM
from tests.builders import CONTRACT_VALUE, SCORES, SUPPLIER_A, DomainWorld, add_full_swot
from tests.valid_time_order import day_of, order_violations, recorded_moments

NOW = datetime(2021, 6, 30, 21, 30, tzinfo=UTC)  # 23:30 in Stockholm
TODAY = date(2021, 6, 30)
FIRST_DAY = date(2018, 1, 1)  # the delegation order takes effect then
# When a step happened: mostly some days before or after the latest recorded day (so that the
# lifecycle gets somewhere), sometimes any day at all, the future included.
WHEN = st.one_of(
    st.integers(min_value=-20, max_value=30).map(lambda days: ("after_latest", days)),
    st.dates(min_value=FIRST_DAY, max_value=TODAY + timedelta(days=5)).map(lambda day: ("on", day)),
)


def at_ten(day: date) -> datetime:
    return datetime.combine(day, time(10), STOCKHOLM).astimezone(UTC)


class ValidTimeMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.world = DomainWorld("ystad")
        with self.world.as_role("officer"):
            self.need = Need.identify(
                owner="ystad",
                title="Rena och torra golv",
                problem_statement="Halkolyckor i förskolans hallar",
                innovation_area_id=self.world.area_id,
            )
            add_full_swot(self.need, self.world.team.user("officer"))
            self.procurement = Procurement.start(
                lead="ystad",
                title="Torra golv",
                description="Innovationsupphandling",
                estimated_value_sek="1500000",
                need_ids=[str(self.need.id)],
            )
        self.need.collect_events()
        self.procurement.collect_events()
        self.accepted = 0

    # Recording

    @contextmanager
    def recording(self, role: str) -> Iterator[None]:
        with clock_in_use(fixed_clock(NOW)), self.world.as_role(role):
            yield

    def resolve(self, when: tuple[str, Any]) -> date:
        kind, value = when
        if kind == "on":
            return value  # type: ignore[no-any-return]
        return max(FIRST_DAY, self.latest() + timedelta(days=value))

    def latest(self) -> date:
        moments = recorded_moments(self.need, self.procurement)
        return max((day_of(m) for m in moments), default=FIRST_DAY)

    def attempt(
        self,
        aggregate: Any,
        day: date,
        allowed: bool,
        action: Callable[[], Any],
        *,
        lower_bound: date | None = None,
        free: bool = False,
    ) -> None:
        """Records one step dated `day`; `allowed` says whether its state lets it happen.

        A step dated on a later day than everything recorded (and not before `lower_bound`,
        e.g. the first signing day) rests on nothing later than itself: it must be accepted
        when its state allows it. A `free` step (market dialogue) may lie anywhere in the past.
        """
        version = aggregate.version
        in_order = (free or day > self.latest()) and day >= (lower_bound or FIRST_DAY)
        try:
            action()
        except DomainError as refusal:
            assert aggregate.version == version and aggregate.collect_events() == []
            assert not (allowed and in_order and day <= TODAY), (
                f"{refusal.rule}: {refusal.message} (dated {day}, latest {self.latest()})"
            )
            return
        assert day <= TODAY, f"accepted a step dated {day}, recorded on {TODAY}"
        aggregate.collect_events()
        self.accepted += 1

    def decide(self, kind: str, day: date, **value: Any) -> Any:
        return self.world.decide(kind, at_ten(day), **value)

    # Need

    @rule(when=WHEN)
    def prioritise(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)

        def act() -> None:
            with self.recording("decision_maker"):
                self.need.prioritise(self.decide("prioritise", day), scores=SCORES)

        self.attempt(self.need, day, self.need.status in ("identified", "prioritised"), act)

    @rule(when=WHEN)
    def park_or_reopen(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)

        def act() -> None:
            with self.recording("decision_maker"):
                if self.need.status == "parked":
                    self.need.reopen(self.decide("reopen", day))
                else:
                    self.need.park(self.decide("park", day))

        allowed = self.need.status in ("identified", "prioritised", "parked")
        self.attempt(self.need, day, allowed, act)

    @rule(when=WHEN)
    def decide_to_procure(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)

        def act() -> None:
            with self.recording("decision_maker"):
                self.need.decide_to_procure(self.decide("decide_to_procure", day))

        self.attempt(self.need, day, self.need.status == "prioritised", act)

    # Procurement

    @rule(when=WHEN)
    def screen(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)

        def act() -> None:
            with self.recording("decision_maker"):
                self.procurement.screen(
                    self.decide("screen", day), innovation=True, kind="functional_requirements"
                )

        self.attempt(self.procurement, day, self.procurement.status == "planning", act)

    @rule(when=WHEN)
    def choose_procedure(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)

        def act() -> None:
            with self.recording("decision_maker"):
                self.procurement.choose_procedure(
                    self.decide("choose_procedure", day, value_sek="1500000"), procedure="open"
                )

        self.attempt(self.procurement, day, self.procurement.status == "planning", act)

    @rule(when=WHEN)
    def market_dialogue(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)

        def act() -> None:
            with self.recording("officer"):
                self.procurement.record_market_dialogue(
                    kind="rfi", held_on=day, supplier_count=3, summary="RFI"
                )

        # A dialogue may predate everything else: only the future is refused.
        allowed = self.procurement.status in ("planning", "tendering")
        self.attempt(self.procurement, day, allowed, act, free=True)

    @rule(when=WHEN)
    def publish(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)

        def act() -> None:
            with self.recording("decision_maker"):
                self.procurement.publish(
                    self.decide("publish", day, value_sek="1500000"),
                    notice_id="TED-1",
                    tender_deadline=at_ten(day) + timedelta(days=30),
                )

        p = self.procurement
        allowed = p.status == "planning" and p.screening is not None and p.procedure is not None
        self.attempt(p, day, allowed, act)

    @rule(when=WHEN)
    def bid(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)

        def act() -> None:
            with self.recording("officer"):
                self.procurement.record_bid(
                    tenderer_org_number=SUPPLIER_A["org_number"],
                    tenderer_name=SUPPLIER_A["name"],
                    received_at=at_ten(day),
                )

        p = self.procurement
        self.attempt(p, day, p.status == "tendering" and not p.bids, act)

    @rule(when=WHEN)
    def open_bids(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)

        def act() -> None:
            with self.recording("officer"):
                self.procurement.start_evaluation(at=at_ten(day) + timedelta(hours=1))

        p = self.procurement
        deadline = day_of(p.tender_deadline) if p.tender_deadline else None
        self.attempt(p, day, p.status == "tendering", act, lower_bound=deadline)

    @rule(when=WHEN)
    def award(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)

        def act() -> None:
            with self.recording("decision_maker"):
                self.procurement.award_contract(
                    self.decide("award", day, value_sek="1500000"),
                    suppliers=[dict(SUPPLIER_A)],
                    evaluation_summary="Bäst",
                    notification_sent_at=at_ten(day) + timedelta(minutes=30),
                    sent_electronically=True,
                )

        p = self.procurement
        valid_bid = any(not b.late for b in p.bids)
        self.attempt(p, day, p.status == "evaluation" and valid_bid, act)

    @rule(when=WHEN)
    def file_review(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)

        def act() -> None:
            with self.recording("officer"):
                self.procurement.file_review(
                    filed_on=day,
                    court="Förvaltningsrätten i Malmö",
                    applicant="B AB",
                    reference="1-21",
                )

        p = self.procurement
        self.attempt(p, day, p.status in ("tendering", "evaluation", "awarded"), act)

    @rule(when=WHEN)
    def rule_on_review(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)
        pending = [r for r in self.procurement.reviews if r.ruling is None]

        def act() -> None:
            with self.recording("officer"):
                self.procurement.rule_on_review(
                    review_id=pending[0].id if pending else "none",
                    ruled_on=day,
                    outcome="dismissed",
                    summary="Avslås",
                )

        self.attempt(self.procurement, day, bool(pending), act)

    @rule(when=WHEN)
    def sign(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)

        def act() -> None:
            with self.recording("decision_maker"):
                self.procurement.sign_contract(
                    self.decide("sign_contract", day, value_sek=CONTRACT_VALUE),
                    supplier_org_number=SUPPLIER_A["org_number"],
                    contract_value_sek=CONTRACT_VALUE,
                    signed_on=day,
                )

        p = self.procurement
        allowed = p.status == "awarded" and not p.under_review
        self.attempt(p, day, allowed, act, lower_bound=p.signing_allowed_from)

    @rule(when=WHEN)
    def milestone(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)

        def act() -> None:
            with self.recording("officer"):
                self.procurement.record_milestone(title="Driftstart", reached_on=day)

        p = self.procurement
        self.attempt(p, day, p.status in ("contracted", "implementing"), act)

    @rule(when=WHEN)
    def follow_up(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)

        def act() -> None:
            with self.recording("officer"):
                self.procurement.record_follow_up(
                    need_id=str(self.need.id),
                    followed_up_on=day,
                    effect="Färre olyckor",
                    measurement="-40 %",
                )

        p = self.procurement
        self.attempt(p, day, p.status in ("implementing", "closed"), act)

    @rule(when=WHEN)
    def close(self, when: tuple[str, Any]) -> None:
        day = self.resolve(when)

        def act() -> None:
            with self.recording("decision_maker"):
                self.procurement.close(self.decide("close", day), outcome="completed")

        p = self.procurement
        self.attempt(p, day, p.status == "implementing" and bool(p.follow_ups), act)

    # Getting somewhere: the main path, each step some days after (or before) the last one

    def advance(self, when: tuple[str, Any]) -> None:
        p, need = self.procurement, self.need
        if need.status == "identified":
            self.prioritise(when)
        elif need.status == "prioritised":
            self.decide_to_procure(when)
        elif p.screening is None:
            self.screen(when)
        elif p.procedure is None:
            self.choose_procedure(when)
        elif p.status == "planning":
            self.publish(when)
        elif p.status == "tendering" and not p.bids:
            self.bid(when)
        elif p.status == "tendering":
            assert p.tender_deadline is not None
            opening = max(self.latest(), day_of(p.tender_deadline)) + timedelta(days=abs(when[1]))
            self.open_bids(("on", opening))
        elif p.status == "evaluation":
            self.award(when)
        elif p.status == "awarded" and any(r.ruling is None for r in p.reviews):
            self.rule_on_review(when)
        elif p.status == "awarded":
            self.sign(("on", max(self.latest(), p.signing_allowed_from or FIRST_DAY)))
        elif p.status == "contracted":
            self.milestone(when)
        elif p.status == "implementing" and not p.follow_ups:
            self.follow_up(when)
        elif p.status == "implementing":
            self.close(when)

    @initialize(gaps=st.lists(st.integers(min_value=-3, max_value=40), min_size=0, max_size=16))
    def walk_the_main_path(self, gaps: list[int]) -> None:
        for gap in gaps:
            self.advance(("after_latest", gap))

    @rule(gap=st.integers(min_value=-5, max_value=40))
    def advance_one_step(self, gap: int) -> None:
        self.advance(("after_latest", gap))

    # The guarantee

    @invariant()
    def nothing_is_dated_after_its_recording(self) -> None:
        for moment in recorded_moments(self.need, self.procurement):
            assert day_of(moment) <= TODAY, moment

    @invariant()
    def valid_times_are_in_order(self) -> None:
        violations = order_violations(self.need, self.procurement)
        assert violations == [], violations


TestValidTime = ValidTimeMachine.TestCase
TestValidTime.settings = settings(
    max_examples=150,
    stateful_step_count=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def test_the_checker_finds_an_order_violation() -> None:
    """The invariant is not vacuous: a record out of order (as a replay of a stored history
    written before these rules could hold one) is found."""
    machine = ValidTimeMachine()
    p = machine.procurement
    with clock_in_use(fixed_clock(NOW)), machine.world.as_role("decision_maker"):
        p.screen(machine.decide("screen", date(2019, 5, 2)), innovation=False)
    # Rewrite the screening's date in memory only, to after a publication that follows.
    with clock_in_use(fixed_clock(NOW)), machine.world.as_role("decision_maker"):
        p.choose_procedure(
            machine.decide("choose_procedure", date(2019, 5, 2), value_sek="1500000"),
            procedure="open",
        )
        p.publish(
            machine.decide("publish", date(2019, 5, 3), value_sek="1500000"),
            notice_id="X",
            tender_deadline=at_ten(date(2019, 6, 1)),
        )
    p.decisions[0]["decided_at"] = at_ten(date(2019, 5, 4))
    assert order_violations(machine.need, p) == ["publication before screening"]

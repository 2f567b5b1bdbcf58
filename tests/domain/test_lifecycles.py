"""Random command sequences through the application, checked against a small model.

One `RuleBasedStateMachine` per aggregate (Need, Procurement, Municipality). Each example runs
an `Innoledger` on a fresh SQLite file with a snapshot every three events. Every rule predicts
from the model whether the command is accepted, or which rule refuses it, and then checks that:

- the status is one of the allowed states and the one the model expects;
- a refused command changes nothing: same stored version, nothing appended to the log;
- the aggregate reloaded from the store (with snapshots) equals the live aggregate the command
  produced, and a replay of its events without snapshots; at the end, so does a new
  `Innoledger` opened on the same file;
- the decisions list grows exactly with the accepted decisions;
- a need in in_procurement always names its procurement.
"""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from domain.audit import Actor
from domain.decisions import AuthorityClaim
from domain.errors import DomainError
from domain.municipality import municipality_id
from domain.need import NEED_STATES, QUADRANTS, REJECTION_REASONS
from domain.procurement import CANCELLABLE, PROCUREMENT_STATES, WITHOUT_NOTICE
from service.errors import ApplicationError
from service.innoledger import Innoledger
from service.settings import Settings
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
    PLATFORM_ADMIN,
    PRIORITISED_AT,
    PROCEDURE_AT,
    PUBLISH_AT,
    REALISED_AT,
    SCORES,
    SCREEN_AT,
    SIGN_AT,
    SIGN_ON,
    STANDSTILL_LAST_DAY,
    SUPPLIER_A,
    SUPPLIER_B,
    SUPPLIER_C,
    TENDER_DEADLINE,
    analysed_need,
    capture_saves,
    decided_need,
    decision,
    order_adoption,
    replay,
    setup_tenant,
)
from tests.builders import (
    rule as delegation_rule,
)

MACHINE_SETTINGS = settings(
    max_examples=30,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
DIRECT_AWARD_LIMIT_2018 = Decimal("586907")
OPEN_FOR_ANALYSIS = ("identified", "prioritised", "parked")


class ApplicationMachine(RuleBasedStateMachine):
    """An application on a fresh SQLite file; subclasses name the aggregates they track."""

    def __init__(self) -> None:
        super().__init__()
        self.directory = tempfile.mkdtemp(prefix="innoledger-lifecycle-")
        self.settings = Settings(
            database="sqlite", var_dir=Path(self.directory), snapshot_interval=3, testing=True
        )
        self.app = Innoledger(self.settings)
        self.live = capture_saves(self.app)

    def tracked(self) -> list[str]:
        raise NotImplementedError

    def stored_version(self, aggregate_id: str) -> int | None:
        last = self.app.recorder.select_events(uuid.UUID(aggregate_id), desc=True, limit=1)
        return last[0].originator_version if last else None

    def attempt(self, expect: str | None, command: Callable[[], Any]) -> Any:
        """Runs `command`; `expect` is None for success or the `rule` of the expected refusal."""
        before = {i: self.stored_version(i) for i in self.tracked()}
        position = self.app.recorder.max_notification_id()
        try:
            result = command()
        except (DomainError, ApplicationError) as refusal:
            assert expect is not None, f"refused, but the model expected success: {refusal!r}"
            assert refusal.rule == expect, f"refused by {refusal.rule}, expected {expect}"
            assert {i: self.stored_version(i) for i in self.tracked()} == before
            assert self.app.recorder.max_notification_id() == position
            return None
        assert expect is None, f"accepted, but the model expected a refusal by {expect}"
        assert self.app.recorder.max_notification_id() > position
        return result

    @invariant()
    def reloading_gives_the_live_state(self) -> None:
        for aggregate_id in self.tracked():
            live = self.live[aggregate_id]
            assert live.version == self.stored_version(aggregate_id)
            reloaded = self.app.repository.get(uuid.UUID(aggregate_id))
            assert reloaded == live
            assert reloaded.version == live.version
            assert replay(self.app, aggregate_id) == live

    def teardown(self) -> None:
        try:
            reopened = Innoledger(self.settings)
            try:
                for aggregate_id in self.tracked():
                    assert (
                        reopened.repository.get(uuid.UUID(aggregate_id)) == self.live[aggregate_id]
                    )
            finally:
                reopened.close()
        finally:
            self.app.close()
            shutil.rmtree(self.directory, ignore_errors=True)


# Need


class NeedMachine(ApplicationMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tenant = setup_tenant(self.app, "ystad")
        self.need_id, self.version = analysed_need(self.app, self.tenant)
        self.status = "identified"
        self.swot: dict[str, list[str]] = {q: [] for q in QUADRANTS}
        for item in self.app.need(self.tenant.officer, self.need_id).swot:
            self.swot[item["quadrant"]].append(item["id"])
        self.title = "Lärprocess för AI"
        self.shared = False
        self.decisions = 0
        self.procurement_id: str | None = None
        self.procurement_status: str | None = None
        self.procurement_version = 0
        self.procurements: list[str] = []

    def tracked(self) -> list[str]:
        return [self.need_id, *self.procurements]

    def accepted(self, *, status: str | None = None, decision: bool = False) -> None:
        self.version += 1
        if status is not None:
            self.status = status
        if decision:
            self.decisions += 1

    def decide(self, kind: str, expect: str | None, **extra: Any) -> Any:
        at = REALISED_AT if kind == "mark_realised" else PRIORITISED_AT
        return self.attempt(
            expect,
            lambda: self.app.decide_on_need(
                self.tenant.decision_maker,
                self.need_id,
                decision=decision(kind, at, **extra),
                expected_version=self.version,
            ),
        )

    def analysis_expectation(self) -> str | None:
        return None if self.status in OPEN_FOR_ANALYSIS else "wrong_state"

    def swot_expectation(self) -> str | None:
        # Prioritisation freezes the SWOT: it changes only with a new prioritisation.
        if self.status == "prioritised":
            return "analysis_frozen"
        return None if self.status in ("identified", "parked") else "wrong_state"

    @rule(quadrant=st.sampled_from(QUADRANTS))
    def add_swot_item(self, quadrant: str) -> None:
        result = self.attempt(
            self.swot_expectation(),
            lambda: self.app.add_swot_item(
                self.tenant.officer,
                self.need_id,
                quadrant=quadrant,
                text=f"Punkt om {quadrant}",
                expected_version=self.version,
            ),
        )
        if result is not None:
            self.swot[quadrant].append(result.created["item_id"])
            self.accepted()

    @precondition(lambda self: any(self.swot.values()))
    @rule(data=st.data())
    def remove_swot_item(self, data: st.DataObject) -> None:
        quadrant = data.draw(st.sampled_from([q for q in QUADRANTS if self.swot[q]]))
        item_id = data.draw(st.sampled_from(self.swot[quadrant]))
        result = self.attempt(
            self.swot_expectation(),
            lambda: self.app.remove_swot_item(
                self.tenant.officer, self.need_id, item_id=item_id, expected_version=self.version
            ),
        )
        if result is not None:
            self.swot[quadrant].remove(item_id)
            self.accepted()

    @rule(title=st.sampled_from(["Lärprocess för AI", "AI i skolan", "Rena och torra golv"]))
    def edit_title(self, title: str) -> None:
        expect = self.analysis_expectation()
        if expect is None and title == self.title:
            expect = "no_change"
        result = self.attempt(
            expect,
            lambda: self.app.edit_need(
                self.tenant.officer,
                self.need_id,
                changes={"title": title},
                expected_version=self.version,
            ),
        )
        if result is not None:
            self.title = title
            self.accepted()

    @rule()
    def record_workshop(self) -> None:
        result = self.attempt(
            self.analysis_expectation(),
            lambda: self.app.record_workshop(
                self.tenant.officer,
                self.need_id,
                held_on=date(2018, 2, 14),
                competences_present=["pedagogik", "IT"],
                participant_count=9,
                expected_version=self.version,
            ),
        )
        if result is not None:
            self.accepted()

    @rule()
    def share_or_unshare(self) -> None:
        command = self.app.unshare_need if self.shared else self.app.share_need
        self.attempt(
            None,
            lambda: command(self.tenant.officer, self.need_id, expected_version=self.version),
        )
        self.shared = not self.shared
        self.accepted()

    @rule(unshare=st.booleans())
    def share_twice_is_refused(self, unshare: bool) -> None:
        if unshare == self.shared:
            return
        command = self.app.unshare_need if unshare else self.app.share_need
        self.attempt(
            "not_shared" if unshare else "already_shared",
            lambda: command(self.tenant.officer, self.need_id, expected_version=self.version),
        )

    @rule()
    def prioritise(self) -> None:
        if self.status not in ("identified", "prioritised"):
            expect: str | None = "wrong_state"
        elif not all(self.swot.values()):
            expect = "swot_incomplete"
        else:
            expect = None
        if self.decide("prioritise", expect, scores=SCORES) is not None:
            self.accepted(status="prioritised", decision=True)

    @precondition(lambda self: any(self.swot.values()))
    @rule(data=st.data(), add=st.sampled_from([None, *QUADRANTS]))
    def reprioritise_with_swot_changes(self, data: st.DataObject, add: str | None) -> None:
        quadrant = data.draw(st.sampled_from([q for q in QUADRANTS if self.swot[q]]))
        removed = data.draw(st.sampled_from(self.swot[quadrant]))
        after = {q: [i for i in ids if i != removed] for q, ids in self.swot.items()}
        if add is not None:
            after[add] = [*after[add], "new"]
        if self.status not in ("identified", "prioritised"):
            expect: str | None = "wrong_state"
        elif not all(after.values()):
            expect = "swot_incomplete"
        else:
            expect = None
        changes = {
            "remove": [removed],
            "add": [{"quadrant": add, "text": "Ny punkt"}] if add else [],
        }
        if self.decide("prioritise", expect, scores=SCORES, swot_changes=changes) is not None:
            self.accepted(status="prioritised", decision=True)
            need = self.app.need(self.tenant.officer, self.need_id)
            self.swot = {q: [i["id"] for i in need.swot if i["quadrant"] == q] for q in QUADRANTS}

    @rule()
    def park(self) -> None:
        ok = self.status in ("identified", "prioritised")
        if self.decide("park", None if ok else "wrong_state") is not None:
            self.accepted(status="parked", decision=True)

    @rule()
    def reopen(self) -> None:
        ok = self.status == "parked"
        if self.decide("reopen", None if ok else "wrong_state") is not None:
            self.accepted(status="identified", decision=True)

    @rule(reason=st.sampled_from(REJECTION_REASONS))
    def reject(self, reason: str) -> None:
        ok = self.status in OPEN_FOR_ANALYSIS
        if self.decide("reject", None if ok else "wrong_state", reason=reason) is not None:
            self.accepted(status="rejected", decision=True)

    @rule()
    def decide_to_procure(self) -> None:
        ok = self.status == "prioritised"
        if self.decide("decide_to_procure", None if ok else "wrong_state") is not None:
            self.accepted(status="procurement_decided", decision=True)

    @rule()
    def start_procurement(self) -> None:
        ok = self.status == "procurement_decided"
        result = self.attempt(
            None if ok else "need_not_decided",
            lambda: self.app.start_procurement(
                self.tenant.officer,
                title="Lärprocess för AI",
                description="Direktupphandling av en pilot",
                estimated_value_sek="500000",
                need_ids=[self.need_id],
            ),
        )
        if result is not None:
            self.procurement_id = result.aggregate_id
            self.procurements.append(result.aggregate_id)
            self.procurement_status = "planning"
            self.procurement_version = result.version
            self.accepted(status="in_procurement")

    def on_procurement(self, principal: Any, kind: str, at: Any, /, **extra: Any) -> None:
        assert self.procurement_id is not None
        result = self.app.decide_on_procurement(
            principal,
            self.procurement_id,
            decision=decision(kind, at, **extra),
            expected_version=self.procurement_version,
        )
        self.procurement_version = result.version

    @precondition(lambda self: self.procurement_status == "planning")
    @rule()
    def contract_the_procurement(self) -> None:
        dm = self.tenant.decision_maker
        self.on_procurement(dm, "screen", SCREEN_AT, innovation=False)
        self.on_procurement(dm, "choose_procedure", PROCEDURE_AT, procedure="direct_award")
        self.on_procurement(
            dm,
            "award",
            AWARD_AT,
            suppliers=[SUPPLIER_C],
            evaluation_summary="Enda leverantören med en färdig pilot",
            notification_sent_at=NOTIFIED_AT,
            sent_electronically=True,
        )
        self.on_procurement(
            dm,
            "sign_contract",
            SIGN_AT,
            supplier_org_number=SUPPLIER_C["org_number"],
            contract_value_sek="490000",
            signed_on=NOTIFIED_AT.date(),
        )
        self.procurement_status = "contracted"

    @precondition(lambda self: self.procurement_status in ("planning", "contracted"))
    @rule()
    def cancel_the_procurement(self) -> None:
        assert self.procurement_id is not None
        ok = self.procurement_status == "planning"
        procurement_id = self.procurement_id
        result = self.attempt(
            None if ok else "wrong_state",
            lambda: self.app.decide_on_procurement(
                self.tenant.decision_maker,
                procurement_id,
                decision=decision("cancel", CLOSE_AT),
                expected_version=self.procurement_version,
            ),
        )
        if result is not None:
            self.procurement_status = None
            self.procurement_id = None
            self.accepted(status="procurement_decided")

    @rule()
    def mark_realised(self) -> None:
        if self.status == "in_procurement":
            expect = None if self.procurement_status == "contracted" else "no_signed_contract"
        elif self.status != "realised":
            expect = "wrong_state"  # the need is in no procurement
        else:
            expect = "wrong_state"
        if self.decide("mark_realised", expect) is not None:
            self.accepted(status="realised", decision=True)

    @rule()
    def stale_write_is_refused(self) -> None:
        self.attempt(
            "version_mismatch",
            lambda: self.app.record_workshop(
                self.tenant.officer,
                self.need_id,
                held_on=date(2018, 2, 14),
                competences_present=[],
                participant_count=3,
                expected_version=self.version - 1,
            ),
        )

    # Moving along the main path, so that random commands meet every state.

    def advance(self) -> None:
        missing = [q for q in QUADRANTS if not self.swot[q]]
        if self.status == "identified" and missing:
            self.add_swot_item(missing[0])
        elif self.status == "identified":
            self.prioritise()
        elif self.status == "prioritised":
            self.decide_to_procure()
        elif self.status == "procurement_decided":
            self.start_procurement()
        elif self.status == "in_procurement" and self.procurement_status == "planning":
            self.contract_the_procurement()
        elif self.status == "in_procurement":
            self.mark_realised()
        elif self.status == "parked":
            self.reopen()

    @initialize(steps=st.integers(min_value=0, max_value=6))
    def walk_along_the_main_path(self, steps: int) -> None:
        for _ in range(steps):
            self.advance()

    @rule()
    def advance_one_step(self) -> None:
        self.advance()

    @invariant()
    def need_matches_the_model(self) -> None:
        need = self.app.need(self.tenant.auditor, self.need_id)
        assert need.status in NEED_STATES
        assert need.status == self.status
        assert need.version == self.version
        assert len(need.decisions) == self.decisions
        assert need.visibility == ("shared" if self.shared else "private")
        assert {q: sorted(ids) for q, ids in self.swot.items()} == {
            q: sorted(i["id"] for i in need.swot if i["quadrant"] == q) for q in QUADRANTS
        }
        if need.status == "in_procurement":
            assert need.procurement_id is not None
            assert need.procurement_id == self.procurement_id


# Procurement

# Rulings on reviews are dated 2019-01-03: one on a review filed during the standstill extends it
# to Sun 01-13 → Mon 01-14, so signing is allowed from Tue 2019-01-15.
RULED_ON = date(2019, 1, 3)
EXTENDED_SIGN_ON = date(2019, 1, 15)


class ProcurementMachine(ApplicationMachine):
    def __init__(self) -> None:
        super().__init__()
        self.lead = setup_tenant(self.app, "ystad")
        self.skurup = setup_tenant(self.app, "skurup")
        self.need_id, self.need_version = decided_need(self.app, self.lead)
        result = self.app.start_procurement(
            self.lead.officer,
            title="Rena och torra golv",
            description="Innovationsupphandling",
            estimated_value_sek="1500000",
            need_ids=[self.need_id],
        )
        self.procurement_id = result.aggregate_id
        self.version = result.version
        self.need_version += 1
        self.need_status = "in_procurement"
        self.status = "planning"
        self.value = Decimal("1500000")
        self.screened = False
        self.procedure: str | None = None
        self.published = False
        self.bids: dict[str, bool] = {}  # org number -> late
        self.awarded: list[str] | None = None
        self.earliest_signing_day: date | None = None
        self.pending_reviews: list[str] = []
        self.followed_up = False
        self.extended_signing_day: date | None = None
        self.ruled = False
        self.skurup_status: str | None = None
        self.decisions = 0
        self.preferred_procedure = "open"

    def tracked(self) -> list[str]:
        return [self.procurement_id, self.need_id]

    def accepted(self, *, status: str | None = None, decision: bool = False) -> None:
        self.version += 1
        if status is not None:
            self.status = status
        if decision:
            self.decisions += 1

    def decide(self, kind: str, at: Any, expect: str | None, /, **extra: Any) -> Any:
        return self.attempt(
            expect,
            lambda: self.app.decide_on_procurement(
                self.lead.decision_maker,
                self.procurement_id,
                decision=decision(kind, at, **extra),
                expected_version=self.version,
            ),
        )

    def fact(self, expect: str | None, command: str, **kwargs: Any) -> Any:
        return self.attempt(
            expect,
            lambda: getattr(self.app, command)(
                self.lead.officer, self.procurement_id, expected_version=self.version, **kwargs
            ),
        )

    def state_is(self, *allowed: str) -> str | None:
        return None if self.status in allowed else "wrong_state"

    @rule(value=st.sampled_from(["500000", "1500000", "2500000"]))
    def edit_estimated_value(self, value: str) -> None:
        expect = self.state_is("planning")
        if expect is None and Decimal(value) == self.value:
            expect = "no_change"
        if (
            expect is None
            and self.procedure == "direct_award"
            and Decimal(value) >= DIRECT_AWARD_LIMIT_2018
        ):
            expect = "direct_award_limit"
        if self.fact(expect, "edit_procurement", changes={"estimated_value_sek": value}):
            self.value = Decimal(value)
            self.accepted()

    @rule(innovation=st.booleans())
    def screen(self, innovation: bool) -> None:
        kind = "functional_requirements" if innovation else None
        if self.decide(
            "screen", SCREEN_AT, self.state_is("planning"), innovation=innovation, kind=kind
        ):
            self.screened = True
            self.accepted(decision=True)

    @rule(
        procedure=st.sampled_from(
            ["open", "restricted", "direct_award", "negotiated_without_notice", "pre_commercial"]
        )
    )
    def choose_procedure(self, procedure: str) -> None:
        expect = self.state_is("planning")
        if expect is None and procedure == "direct_award" and self.value >= DIRECT_AWARD_LIMIT_2018:
            expect = "direct_award_limit"
        exemption = "FoU-undantaget, LOU 3:23" if procedure == "pre_commercial" else None
        if self.decide(
            "choose_procedure",
            PROCEDURE_AT,
            expect,
            procedure=procedure,
            exemption_rationale=exemption,
        ):
            self.procedure = procedure
            self.accepted(decision=True)

    @rule()
    def publish(self) -> None:
        expect = self.state_is("planning")
        if expect is None:
            if not self.screened:
                expect = "not_screened"
            elif self.procedure is None:
                expect = "no_procedure"
            elif self.procedure in WITHOUT_NOTICE:
                expect = "procedure_without_notice"
        if self.decide(
            "publish", PUBLISH_AT, expect, notice_id="TED-2018/S-1", tender_deadline=TENDER_DEADLINE
        ):
            self.published = True
            self.accepted(status="tendering", decision=True)

    @rule(kind=st.sampled_from(["rfi", "meeting", "innovation_sprint"]))
    def record_market_dialogue(self, kind: str) -> None:
        if self.fact(
            self.state_is("planning", "tendering"),
            "record_market_dialogue",
            kind=kind,
            held_on=date(2018, 4, 20),
            supplier_count=5,
            summary="Dialog",
        ):
            self.accepted()

    @rule(supplier=st.sampled_from([SUPPLIER_A, SUPPLIER_B, SUPPLIER_C]), late=st.booleans())
    def record_bid(self, supplier: dict[str, str], late: bool) -> None:
        expect = self.state_is("tendering")
        if expect is None and supplier["org_number"] in self.bids:
            expect = "duplicate_bid"
        if self.fact(
            expect,
            "record_bid",
            tenderer_org_number=supplier["org_number"],
            tenderer_name=supplier["name"],
            received_at=LATE_BID_AT if late else BID_AT,
        ):
            self.bids[supplier["org_number"]] = late
            self.accepted()

    @rule()
    def start_evaluation(self) -> None:
        if self.fact(self.state_is("tendering"), "start_evaluation", at=EVALUATION_AT):
            self.accepted(status="evaluation")

    @rule(supplier=st.sampled_from([SUPPLIER_A, SUPPLIER_B, SUPPLIER_C]))
    def award(self, supplier: dict[str, str]) -> None:
        without_notice = self.procedure in WITHOUT_NOTICE
        expect = self.state_is("planning" if without_notice else "evaluation")
        if expect is None:
            valid_bidders = {org for org, late in self.bids.items() if not late}
            if not self.screened:
                expect = "not_screened"
            elif not without_notice and supplier["org_number"] not in valid_bidders:
                expect = "supplier_without_bid"
            elif self.procedure == "direct_award" and self.value >= DIRECT_AWARD_LIMIT_2018:
                expect = "direct_award_limit"
        if self.decide(
            "award",
            AWARD_AT,
            expect,
            suppliers=[supplier],
            evaluation_summary="Bäst",
            notification_sent_at=NOTIFIED_AT,
            sent_electronically=True,
        ):
            self.awarded = [supplier["org_number"]]
            self.earliest_signing_day = (
                NOTIFIED_AT.date() if self.procedure == "direct_award" else SIGN_ON
            )
            self.accepted(status="awarded", decision=True)

    @rule(
        supplier=st.sampled_from([SUPPLIER_A, SUPPLIER_C]),
        signed_on=st.sampled_from([STANDSTILL_LAST_DAY, SIGN_ON, EXTENDED_SIGN_ON]),
    )
    def sign_contract(self, supplier: dict[str, str], signed_on: date) -> None:
        value = "490000" if self.procedure == "direct_award" else CONTRACT_VALUE
        expect = self.state_is("awarded")
        if expect is None:
            assert self.awarded is not None and self.earliest_signing_day is not None
            if self.pending_reviews:
                expect = "under_review"
            elif self.extended_signing_day and signed_on < self.extended_signing_day:
                expect = "extended_standstill"
            elif self.ruled and signed_on < RULED_ON:
                expect = "signature_before_ruling"
            elif signed_on < self.earliest_signing_day:
                expect = "standstill"
            elif supplier["org_number"] not in self.awarded:
                expect = "not_awarded"
        if self.decide(
            "sign_contract",
            SIGN_AT,
            expect,
            supplier_org_number=supplier["org_number"],
            contract_value_sek=value,
            signed_on=signed_on,
        ):
            self.accepted(status="contracted", decision=True)

    @rule()
    def file_review(self) -> None:
        result = self.fact(
            self.state_is("tendering", "evaluation", "awarded"),
            "file_review",
            filed_on=date(2018, 12, 21),
            court="Förvaltningsrätten i Malmö",
            applicant="Torra Golv i Skåne AB",
            reference="Mål 1-19",
        )
        if result:
            review_id = result.created["review_id"]
            self.pending_reviews.append(review_id)
            self.accepted()

    @precondition(lambda self: bool(self.pending_reviews))
    @rule(outcome=st.sampled_from(["dismissed", "correct", "redo"]))
    def rule_on_review(self, outcome: str) -> None:
        review_id = self.pending_reviews[0]
        self.fact(
            None,
            "rule_on_review",
            review_id=review_id,
            ruled_on=RULED_ON,
            outcome=outcome,
            summary="Dom",
        )
        self.pending_reviews.remove(review_id)
        self.ruled = True
        # Every review is filed on 12-21, the day after every award notice: by valid time it
        # reached the court during the standstill of whichever award stands when it is ruled
        # on, even if it was recorded before that award was.
        in_standstill = self.status == "awarded" and self.procedure != "direct_award"
        if outcome == "dismissed" and in_standstill:
            self.extended_signing_day = EXTENDED_SIGN_ON
        elif outcome == "redo" and self.status in ("tendering", "evaluation", "awarded"):
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

    @rule()
    def record_milestone(self) -> None:
        if self.fact(
            self.state_is("contracted", "implementing"),
            "record_milestone",
            title="Driftstart",
            reached_on=MILESTONE_ON,
        ):
            self.accepted(status="implementing")

    @rule()
    def record_follow_up(self) -> None:
        if self.fact(
            self.state_is("implementing", "closed"),
            "record_follow_up",
            need_id=self.need_id,
            followed_up_on=FOLLOW_UP_ON,
            effect="Färre olyckor",
            measurement="-40 %",
        ):
            self.followed_up = True
            self.accepted()

    @rule(shareable=st.booleans())
    def record_lesson(self, shareable: bool) -> None:
        self.fact(None, "record_lesson", text="Lägg tid på behoven", shareable=shareable)
        self.accepted()

    @rule()
    def close(self) -> None:
        expect = self.state_is("implementing")
        if expect is None and not self.followed_up:
            expect = "not_followed_up"
        if self.decide("close", CLOSE_AT, expect, outcome="completed"):
            self.accepted(status="closed", decision=True)

    @rule(reason=st.sampled_from(["breach_by_supplier", "need_ceased"]))
    def terminate_early(self, reason: str) -> None:
        expect = self.state_is("contracted", "implementing")
        if self.decide("terminate_early", CLOSE_AT, expect, reason=reason):
            self.accepted(status="closed", decision=True)

    @rule()
    def cancel(self) -> None:
        if self.decide("cancel", CLOSE_AT, self.state_is(*CANCELLABLE)):
            self.accepted(status="cancelled", decision=True)
            self.need_status = "procurement_decided"
            self.need_version += 1

    @rule()
    def invite_skurup(self) -> None:
        expect = self.state_is("planning")
        if expect is None and self.skurup_status in ("invited", "joined"):
            expect = "already_invited"
        if self.fact(expect, "invite_participant", municipality="skurup", role="co_lead"):
            self.skurup_status = "invited"
            self.accepted()

    @rule(kind=st.sampled_from(["join", "decline", "withdraw"]))
    def skurup_decides(self, kind: str) -> None:
        expect: str | None = None
        if self.skurup_status is None:
            visible = self.published or self.awarded is not None
            expect = "not_own_decision" if visible else "not_found"
        elif kind in ("join", "decline"):
            if self.skurup_status != "invited" or self.status not in ("planning", "tendering"):
                expect = "wrong_state"
        elif self.skurup_status != "joined" or self.status not in (
            "planning",
            "tendering",
            "evaluation",
        ):
            expect = "wrong_state"
        result = self.attempt(
            expect,
            lambda: self.app.decide_participation(
                self.skurup.decision_maker,
                self.procurement_id,
                decision=decision(kind, SCREEN_AT),
                expected_version=self.version,
            ),
        )
        if result is not None:
            self.skurup_status = {"join": "joined", "decline": "declined"}.get(kind, "withdrawn")
            self.accepted(decision=True)

    @rule()
    def stale_write_is_refused(self) -> None:
        self.attempt(
            "version_mismatch",
            lambda: self.app.record_lesson(
                self.lead.officer,
                self.procurement_id,
                text="för sent",
                shareable=False,
                expected_version=self.version - 1,
            ),
        )

    # Moving along the main path, so that random commands meet every state.

    def advance(self) -> None:
        valid_bidders = [
            s
            for s in (SUPPLIER_A, SUPPLIER_B, SUPPLIER_C)
            if self.bids.get(s["org_number"]) is False
        ]
        newcomers = [s for s in (SUPPLIER_A, SUPPLIER_B) if s["org_number"] not in self.bids]
        if self.status == "planning":
            if not self.screened:
                self.screen(True)
            elif self.procedure is None:
                self.choose_procedure(self.preferred_procedure)
            elif self.procedure in WITHOUT_NOTICE:
                self.award(SUPPLIER_C)
            else:
                self.publish()
        elif self.status == "tendering" and newcomers:
            self.record_bid(newcomers[0], late=False)
        elif self.status == "tendering":
            self.start_evaluation()
        elif self.status == "evaluation":
            self.award(valid_bidders[0] if valid_bidders else SUPPLIER_C)
        elif self.status == "awarded" and self.pending_reviews:
            self.rule_on_review("dismissed")
        elif self.status == "awarded":
            assert self.awarded is not None
            supplier = next(
                s
                for s in (SUPPLIER_A, SUPPLIER_B, SUPPLIER_C)
                if s["org_number"] == self.awarded[0]
            )
            self.sign_contract(supplier, self.extended_signing_day or SIGN_ON)
        elif self.status == "contracted":
            self.record_milestone()
        elif self.status == "implementing" and not self.followed_up:
            self.record_follow_up()
        elif self.status == "implementing":
            self.close()
        else:
            self.record_lesson(True)

    @initialize(
        steps=st.integers(min_value=0, max_value=12),
        procedure=st.sampled_from(["open", "open", "direct_award", "negotiated_without_notice"]),
        invite=st.booleans(),
    )
    def walk_along_the_main_path(self, steps: int, procedure: str, invite: bool) -> None:
        self.preferred_procedure = procedure
        if procedure == "direct_award":
            self.edit_estimated_value("500000")
        if invite:
            self.invite_skurup()
        for _ in range(steps):
            self.advance()

    @rule()
    def advance_one_step(self) -> None:
        self.advance()

    @invariant()
    def procurement_matches_the_model(self) -> None:
        procurement = self.app.procurement(self.lead.auditor, self.procurement_id)
        assert procurement.status in PROCUREMENT_STATES
        assert procurement.status == self.status
        assert procurement.version == self.version
        assert len(procurement.decisions) == self.decisions
        assert procurement.under_review == bool(self.pending_reviews)
        assert procurement.procedure == self.procedure
        participant = procurement.participant("skurup")
        assert (participant and participant.status) == self.skurup_status
        if self.awarded is None:
            assert procurement.award is None
        else:
            assert [s.org_number for s in procurement.award.suppliers] == self.awarded
        need = self.app.need(self.lead.auditor, self.need_id)
        assert need.status == self.need_status
        assert need.version == self.need_version
        if need.status == "in_procurement":
            assert need.procurement_id == self.procurement_id


# Municipality

USERS = ("anna", "bo", "cecilia")
ORDER_DATES = (date(2018, 1, 1), date(2018, 6, 1), date(2019, 1, 1))
DECISION_DAYS = (date(2017, 12, 1), date(2018, 3, 1), date(2018, 7, 1), date(2019, 2, 1))


class MunicipalityMachine(ApplicationMachine):
    def __init__(self) -> None:
        super().__init__()
        self.tenant = setup_tenant(self.app, "ystad", rules=[])
        self.municipality_id = str(municipality_id("ystad"))
        ystad = self.app.municipality(self.tenant.admin, "ystad")
        self.version = ystad.version
        self.members = {user: list(roles) for user, roles in ystad.members.items()}
        self.areas = [dict(area) for area in ystad.innovation_areas]
        self.orders: list[dict[str, Any]] = []
        self.suspended = False

    def tracked(self) -> list[str]:
        return [self.municipality_id]

    def administer(self, expect: str | None, command: str, **kwargs: Any) -> Any:
        if self.suspended:
            # A suspended municipality's admins change nothing until it is reactivated.
            expect = "municipality_suspended"
        result = self.attempt(
            expect,
            lambda: getattr(self.app, command)(
                self.tenant.admin, "ystad", expected_version=self.version, **kwargs
            ),
        )
        if result is not None:
            self.version += 1
        return result

    @initialize(
        seat_users=st.booleans(),
        first_order=st.sampled_from([None, "decision_maker", "officer"]),
        ceiling=st.sampled_from([None, "1000000"]),
    )
    def start_with_staff_and_an_order(
        self, seat_users: bool, first_order: str | None, ceiling: str | None
    ) -> None:
        if seat_users:
            self.grant_role("anna", "decision_maker")
            self.grant_role("bo", "officer")
        if first_order is not None:
            self.adopt_delegation_order(date(2018, 1, 1), first_order, ceiling)

    @rule(
        user=st.sampled_from(USERS), role=st.sampled_from(["officer", "decision_maker", "viewer"])
    )
    def grant_role(self, user: str, role: str) -> None:
        held = role in self.members.get(user, [])
        if self.administer("role_held" if held else None, "grant_role", user_id=user, role=role):
            self.members.setdefault(user, []).append(role)

    @rule(
        user=st.sampled_from(USERS), role=st.sampled_from(["officer", "decision_maker", "viewer"])
    )
    def revoke_role(self, user: str, role: str) -> None:
        held = role in self.members.get(user, [])
        if self.administer(
            None if held else "role_not_held", "revoke_role", user_id=user, role=role
        ):
            self.members[user].remove(role)
            if not self.members[user]:
                del self.members[user]

    @rule(name=st.sampled_from(["Privat mark", "PRIVAT MARK", "Överskottsenergi"]))
    def add_innovation_area(self, name: str) -> None:
        exists = any(
            a["name"].casefold() == name.casefold() and not a["retired"] for a in self.areas
        )
        result = self.administer(
            "area_exists" if exists else None, "add_innovation_area", name=name
        )
        if result:
            self.areas.append(
                {"id": result.created["innovation_area_id"], "name": name, "retired": False}
            )

    @rule(data=st.data())
    def retire_innovation_area(self, data: st.DataObject) -> None:
        area = data.draw(st.sampled_from(self.areas))
        if self.administer(
            "area_retired" if area["retired"] else None,
            "retire_innovation_area",
            area_id=area["id"],
        ):
            area["retired"] = True

    @rule(
        effective_from=st.sampled_from(ORDER_DATES),
        role=st.sampled_from(["decision_maker", "officer"]),
        ceiling=st.sampled_from([None, "1000000"]),
    )
    def adopt_delegation_order(self, effective_from: date, role: str, ceiling: str | None) -> None:
        rule_id = f"V{len(self.orders) + 1}-award"
        if not self.administer(
            None,
            "adopt_delegation_order",
            effective_from=effective_from,
            rules=[delegation_rule(rule_id, "award", role, ceiling)],
            decision=order_adoption(effective_from),
        ):
            return
        self.orders.append(
            {
                "version": len(self.orders) + 1,
                "effective_from": effective_from,
                "rule_id": rule_id,
                "role": role,
                "ceiling": None if ceiling is None else Decimal(ceiling),
            }
        )

    @rule()
    def suspend_or_reactivate(self) -> None:
        command = "reactivate_municipality" if self.suspended else "suspend_municipality"
        self.attempt(
            None,
            lambda: getattr(self.app, command)(
                PLATFORM_ADMIN, "ystad", rationale="Avtal", expected_version=self.version
            ),
        )
        self.suspended = not self.suspended
        self.version += 1

    @rule()
    def suspending_twice_is_refused(self) -> None:
        command = "suspend_municipality" if self.suspended else "reactivate_municipality"
        self.attempt(
            "already_suspended" if self.suspended else "not_suspended",
            lambda: getattr(self.app, command)(
                PLATFORM_ADMIN, "ystad", rationale="Igen", expected_version=self.version
            ),
        )

    @rule()
    def stale_write_is_refused(self) -> None:
        self.attempt(
            "version_mismatch",
            lambda: self.app.grant_role(
                self.tenant.admin,
                "ystad",
                user_id="dora",
                role="viewer",
                expected_version=self.version - 1,
            ),
        )

    @rule(
        user=st.sampled_from(USERS),
        day=st.sampled_from(DECISION_DAYS),
        value=st.sampled_from(["500000", "5000000"]),
    )
    def authority_follows_the_order_in_force(self, user: str, day: date, value: str) -> None:
        """Read-only: the reloaded municipality authorises exactly as the model predicts."""
        roles = tuple(self.members.get(user, ()))
        in_force = [o for o in self.orders if o["effective_from"] <= day]
        order = max(in_force, key=lambda o: (o["effective_from"], o["version"]), default=None)
        if self.suspended:
            expect: str | None = "municipality_suspended"
        elif order is None:
            expect = "no_delegation_order"
        elif order["role"] not in roles:
            expect = "not_delegated"
        elif order["ceiling"] is not None and Decimal(value) > order["ceiling"]:
            expect = "above_delegated_ceiling"
        else:
            expect = None
        municipality = self.app.municipality(self.tenant.auditor, "ystad")
        try:
            record = municipality.authorise(
                Actor(user, "ystad", roles),
                decision_type="award",
                rationale="Tilldelning",
                authority=AuthorityClaim.from_dict({"kind": "delegation"}),
                decided_at=datetime(day.year, day.month, day.day, 10, tzinfo=UTC),
                value_sek=Decimal(value),
            )
        except DomainError as refusal:
            assert refusal.rule == expect
        else:
            assert expect is None, f"authorised, expected {expect}"
            assert order is not None
            assert record.authority["order_version"] == order["version"]
            assert record.authority["rule_id"] == order["rule_id"]

    @invariant()
    def municipality_matches_the_model(self) -> None:
        ystad = self.app.municipality(self.tenant.auditor, "ystad")
        assert ystad.version == self.version
        assert ystad.suspended == self.suspended
        assert ystad.members == self.members
        assert [(a["id"], a["retired"]) for a in ystad.innovation_areas] == [
            (a["id"], a["retired"]) for a in self.areas
        ]
        assert [o["version"] for o in ystad.delegation_orders] == [
            o["version"] for o in self.orders
        ]


NeedMachine.TestCase.settings = MACHINE_SETTINGS
ProcurementMachine.TestCase.settings = MACHINE_SETTINGS
MunicipalityMachine.TestCase.settings = MACHINE_SETTINGS
TestNeedLifecycle = NeedMachine.TestCase
TestProcurementLifecycle = ProcurementMachine.TestCase
TestMunicipalityLifecycle = MunicipalityMachine.TestCase

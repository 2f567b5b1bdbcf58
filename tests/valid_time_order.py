"""Which valid times of a record are out of order, checked from the aggregates' state alone.

Written independently of the domain's own checks (domain/rules/valid_time.py and the aggregates'
commands), so that the state machines testing those checks have something to compare with: each
function names every pair of dated steps that is out of order.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from domain.need import Need
from domain.procurement import Procurement
from domain.values.timestamps import stockholm_date

Moment = date | datetime


def day_of(moment: Moment) -> date:
    return stockholm_date(moment) if isinstance(moment, datetime) else moment


def is_before(later: Moment, earlier: Moment) -> bool:
    """Two date-times are compared as instants; otherwise as Stockholm calendar dates."""
    if isinstance(later, datetime) and isinstance(earlier, datetime):
        return later < earlier
    return day_of(later) < day_of(earlier)


class Violations(list[str]):
    def not_before(self, later: Moment | None, earlier: Moment | None, name: str) -> None:
        if later is not None and earlier is not None and is_before(later, earlier):
            self.append(name)


def last_decision(aggregate: Any, kind: str) -> dict[str, Any] | None:
    return next((d for d in reversed(aggregate.decisions) if d["type"] == kind), None)


def need_violations(need: Need) -> list[str]:
    found = Violations()
    for previous, decision in zip(need.decisions, need.decisions[1:], strict=False):
        found.not_before(decision["decided_at"], previous["decided_at"], f"need {decision['type']}")
    return found


def procurement_violations(p: Procurement) -> list[str]:
    """The pairs within one procurement's lifecycle."""
    found = Violations()
    not_before = found.not_before
    when = {
        kind: (last_decision(p, kind) or {}).get("decided_at")
        for kind in ("screen", "choose_procedure", "publish", "award", "sign_contract", "close")
    }
    not_before(when["publish"], when["screen"], "publication before screening")
    not_before(when["publish"], when["choose_procedure"], "publication before procedure")
    for bid in p.bids:
        not_before(bid.received_at, when["publish"], "bid before publication")
    if p.award is not None:
        not_before(p.award.decided_at, when["publish"], "award before publication")
        not_before(p.award.decided_at, p.evaluation_started_at, "award before evaluation")
    for review in p.reviews:
        not_before(review.filed_on, when["publish"], "review before publication")
        if review.ruling is not None:
            not_before(review.ruling.ruled_on, review.filed_on, "ruling before filing")
    if p.contract is not None:
        signed_on = p.contract.signed_on
        not_before(when["sign_contract"], when["award"], "signature decision before award")
        if p.award is not None:
            not_before(signed_on, p.award.earliest_signing_day, "signature in standstill")
            extended = p.award.extended_earliest_signing_day
            not_before(signed_on, extended, "signature in extended standstill")
        for review in p.reviews:
            if review.ruling is not None:
                not_before(signed_on, review.ruling.ruled_on, "signature before ruling")
        for milestone in p.milestones:
            not_before(milestone.reached_on, signed_on, "milestone before contract")
        for follow_up in p.follow_ups:
            not_before(follow_up.followed_up_on, signed_on, "follow-up before contract")
        not_before(when["close"], signed_on, "close before contract")
        for milestone in p.milestones:
            not_before(when["close"], milestone.reached_on, "close before implementation")
        if p.follow_ups:
            # Closing rests on the follow-ups made before it; more may follow it later.
            first = min(f.followed_up_on for f in p.follow_ups)
            not_before(when["close"], first, "close before follow-up")
    return found


def order_violations(need: Need, procurement: Procurement) -> list[str]:
    """Every pair of one need's and one procurement's valid times out of order, by name."""
    return need_violations(need) + procurement_violations(procurement)


LEAD_DECISIONS = (
    "screen", "choose_procedure", "publish", "award", "sign_contract", "cancel", "close",
    "terminate_early",
)  # fmt: skip
PARTICIPATION = ("join", "decline", "withdraw")


def across_aggregates_violations(needs: Iterable[Need], p: Procurement) -> list[str]:
    """The pairs between a procurement and the needs it addresses (or addressed: a participant
    that withdrew took its needs out again), and between the municipalities taking part.

    A need is in the procurement from its start (the lead's) or from its owner's joining; what
    the procurement decides rests on the decisions to procure of the needs in it then (the
    lead's decisions on the lead's needs; a join on the joining municipality's own needs and
    on the lead's, and what follows a join on the join). Each municipality's participation
    decisions follow each other. Joining and declining happen while the procurement is planned
    or tendered, withdrawing until the award: none of them is dated after the opening of the
    bids, the award or the cancellation that closed that door. A need is realised only after
    the contract is signed."""
    found = Violations()
    not_before = found.not_before
    needs = list(needs)
    lead_needs = [n for n in needs if n.owner == p.lead]
    decisions = list(p.decisions)
    for decision in decisions:
        if decision["type"] in LEAD_DECISIONS:
            for need in lead_needs:
                not_before(decision["decided_at"], need.decided_to_procure_at,
                           f"{decision['type']} before the lead's decision to procure")
    participation = [d for d in decisions if d["type"] in PARTICIPATION]
    previous: dict[str, dict[str, Any]] = {}  # each municipality's last one, in recording order
    for decision in participation:
        who = decision["municipality"]
        if who in previous:
            not_before(decision["decided_at"], previous[who]["decided_at"],
                       f"{decision['type']} before the {previous[who]['type']}")
        previous[who] = decision
        if decision["type"] == "join":
            for need in needs:
                if need.owner in (who, p.lead):
                    whose = "its own" if need.owner == who else "the lead's"
                    not_before(decision["decided_at"], need.decided_to_procure_at,
                               f"join before {whose} decision to procure")
        if decision["type"] in ("join", "decline"):
            not_before(p.evaluation_started_at, decision["decided_at"],
                       f"bids opened before the {decision['type']}")
        for kind in ("award", "cancel"):
            ending = last_decision(p, kind)
            if ending is not None:
                not_before(ending["decided_at"], decision["decided_at"],
                           f"{kind} before the {decision['type']}")
    for need in needs:
        realised = last_decision(need, "mark_realised")
        if realised is not None:
            assert p.contract is not None
            not_before(realised["decided_at"], p.contract.signed_on, "realised before contract")
    return found


def need_moments(need: Need) -> list[Moment]:
    return [d["decided_at"] for d in need.decisions]


def procurement_moments(p: Procurement) -> list[Moment]:
    moments: list[Moment] = [d["decided_at"] for d in p.decisions]
    moments += [b.received_at for b in p.bids]
    moments += [m.held_on for m in p.market_dialogue]
    moments += [m.reached_on for m in p.milestones]
    moments += [f.followed_up_on for f in p.follow_ups]
    for review in p.reviews:
        moments.append(review.filed_on)
        if review.ruling:
            moments.append(review.ruling.ruled_on)
    if p.evaluation_started_at:
        moments.append(p.evaluation_started_at)
    if p.award:
        moments.append(p.award.notification_sent_at)
    if p.contract:
        moments.append(p.contract.signed_on)
    return moments


def recorded_moments(need: Need, procurement: Procurement) -> list[Moment]:
    return need_moments(need) + procurement_moments(procurement)

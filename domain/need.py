"""Need (behov / utmaning): a solution-neutral challenge, analysed, prioritised, procured."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING, Any

from eventsourcing.domain import event

from domain.audit import Actor, AuditedAggregate
from domain.decisions import DecisionRecord
from domain.errors import InvalidValue, NotParticipant, RuleViolation, WrongState
from domain.lifecycle import (
    IDENTIFIED,
    IN_PROCUREMENT,
    PARKED,
    PRIORITISED,
    PROCUREMENT_DECIDED,
    REALISED,
    REJECTED,
    Happened,
    need_status_after,
)
from domain.rules.valid_time import not_after_today, require_not_before
from domain.topics import (
    NEED_ATTACHED,
    NEED_IDENTIFIED,
    NEED_PARKED,
    NEED_PRIORITISED,
    NEED_PROCUREMENT_DECIDED,
    NEED_REALISED,
    NEED_REJECTED,
    NEED_RELEASED,
    NEED_REOPENED,
)
from domain.values.text import optional_text, required_text, text_list

if TYPE_CHECKING:
    from domain.procurement import Procurement

NEED_STATES = (
    IDENTIFIED, PRIORITISED, PARKED, REJECTED, PROCUREMENT_DECIDED, IN_PROCUREMENT, REALISED
)  # fmt: skip
# Analysis (SWOT, workshops, edits) belongs to the time before the procurement decision.
OPEN_FOR_ANALYSIS = (IDENTIFIED, PRIORITISED, PARKED)
# The SWOT a prioritisation rests on is frozen with it: once prioritised, it changes only
# through a new prioritisation decision (which carries the changes).
SWOT_OPEN = (IDENTIFIED, PARKED)

QUADRANTS = ("strength", "weakness", "opportunity", "threat")
REJECTION_REASONS = ("met_in_house", "not_feasible", "duplicate", "other")
SCORE_CRITERIA = (
    "impact", "feasibility", "market_readiness", "cost_viability", "organisational_readiness"
)  # fmt: skip
DEFAULT_WEIGHTS = {criterion: Decimal(1) for criterion in SCORE_CRITERIA}
PRIVATE = "private"
SHARED = "shared"
# A need is opened to the market while it can still shape what is procured or shows what was.
NOT_FOR_THE_MARKET = (REJECTED,)


def _weighted_total(scores: dict[str, int], weights: dict[str, Decimal]) -> Decimal:
    total_weight = sum(weights.values(), Decimal(0))
    weighted = sum((Decimal(scores[c]) * weights[c] for c in SCORE_CRITERIA), Decimal(0))
    return (weighted / total_weight).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def parse_scores(scores: object) -> dict[str, int]:
    if not isinstance(scores, dict):
        raise InvalidValue("scores: must be an object with the five criteria", field="scores")
    unknown = set(scores) - set(SCORE_CRITERIA)
    if unknown:
        raise InvalidValue(f"scores: unknown criteria {sorted(unknown)}", field="scores")
    parsed: dict[str, int] = {}
    for criterion in SCORE_CRITERIA:
        value = scores.get(criterion)
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 5:
            raise InvalidValue(
                f"scores.{criterion}: a whole number from 1 to 5", field=f"scores.{criterion}"
            )
        parsed[criterion] = value
    return parsed


def parse_weights(weights: object) -> dict[str, Decimal]:
    if weights is None:
        return dict(DEFAULT_WEIGHTS)
    if not isinstance(weights, dict) or set(weights) != set(SCORE_CRITERIA):
        raise InvalidValue("weights: give a weight for each of the five criteria", field="weights")
    parsed = {}
    for criterion in SCORE_CRITERIA:
        try:
            value = Decimal(str(weights[criterion]))
        except ArithmeticError:
            raise InvalidValue(f"weights.{criterion}: a number", field="weights") from None
        if not value.is_finite() or value < 0 or value > 100:
            raise InvalidValue(f"weights.{criterion}: from 0 to 100", field="weights")
        parsed[criterion] = value
    if sum(parsed.values()) == 0:
        raise InvalidValue("weights: at least one weight must be above zero", field="weights")
    return parsed


class Need(AuditedAggregate):
    TOPIC = "innoledger:Need"
    TENANT_FIELD = "owner"

    @classmethod
    def identify(
        cls,
        *,
        owner: str,
        title: str,
        problem_statement: str,
        innovation_area_id: str,
        affected_end_users: object = None,
        competences: object = None,
    ) -> Need:
        return cls(
            owner=owner,
            title=required_text(title, field="title", max_length=200),
            problem_statement=required_text(
                problem_statement, field="problem_statement", max_length=10000
            ),
            innovation_area_id=str(innovation_area_id),
            affected_end_users=text_list(affected_end_users, field="affected_end_users"),
            competences=text_list(competences, field="competences"),
        )

    @event("Created", topic="innoledger:Need.Identified")
    def __init__(
        self,
        owner: str,
        title: str,
        problem_statement: str,
        innovation_area_id: str,
        affected_end_users: list[str],
        competences: list[str],
    ) -> None:
        self.owner = owner
        self.co_owners: list[str] = []
        self.title = title
        self.problem_statement = problem_statement
        self.innovation_area_id = innovation_area_id
        self.affected_end_users = list(affected_end_users)
        self.competences = list(competences)
        self.swot: list[dict[str, Any]] = []
        self.workshops: list[dict[str, Any]] = []
        self.scorings: list[dict[str, Any]] = []
        self.visibility = PRIVATE
        self.status = need_status_after(None, Happened(NEED_IDENTIFIED))
        self.decisions: list[dict[str, Any]] = []
        self.rejection_reason: str | None = None
        self.procurement_id: str | None = None

    def _lifecycle(self, topic: str) -> None:
        """The status after the event being applied (domain/lifecycle.py, which the read
        models follow too)."""
        self.status = need_status_after(self.status, Happened(topic))

    @property
    def tenant(self) -> str:
        return self.owner

    @property
    def is_shared(self) -> bool:
        return self.visibility == SHARED

    def is_owned_by(self, municipality: str | None) -> bool:
        return municipality == self.owner or municipality in self.co_owners

    def _require_status(self, *allowed: str, action: str) -> None:
        if self.status not in allowed:
            raise WrongState(
                f"cannot {action} a need that is {self.status}"
                f" (allowed when {' or '.join(allowed)})",
                subject="need",
                allowed=allowed,
            )

    # Description

    def edit(self, **changes: object) -> None:
        self._require_status(*OPEN_FOR_ANALYSIS, action="edit")
        cleaned: dict[str, Any] = {}
        for field, value in changes.items():
            if field == "title":
                cleaned[field] = required_text(value, field=field, max_length=200)
            elif field == "problem_statement":
                cleaned[field] = required_text(value, field=field, max_length=10000)
            elif field == "innovation_area_id":
                cleaned[field] = str(value)
            elif field in ("affected_end_users", "competences"):
                cleaned[field] = text_list(value, field=field)
            else:
                raise InvalidValue(f"{field}: cannot be edited", field=field)
        cleaned = {k: v for k, v in cleaned.items() if getattr(self, k) != v}
        if not cleaned:
            raise RuleViolation("the edit changes nothing", rule="no_change")
        self._edited(changes=cleaned)

    @event("Edited", topic="innoledger:Need.Edited")
    def _edited(self, changes: dict[str, Any]) -> None:
        for field, value in changes.items():
            setattr(self, field, value)

    # Analysis

    def _require_swot_open(self, action: str) -> None:
        if self.status == PRIORITISED:
            raise RuleViolation(
                f"cannot {action}: the SWOT was frozen by the prioritisation; change it"
                " through a new prioritisation decision (swot_changes)",
                rule="analysis_frozen",
            )
        self._require_status(*SWOT_OPEN, action=action)

    @staticmethod
    def _new_swot_item(
        quadrant: object, text: object, author: str, *, where: str
    ) -> dict[str, Any]:
        if quadrant not in QUADRANTS:
            raise InvalidValue(
                f"{where}quadrant: one of {', '.join(QUADRANTS)}", field=f"{where}quadrant"
            )
        return {
            "id": str(uuid.uuid4()),
            "quadrant": quadrant,
            "text": required_text(text, field=f"{where}text", max_length=2000),
            "author": author,
        }

    def add_swot_item(self, *, quadrant: str, text: str, author: str) -> str:
        self._require_swot_open("add SWOT items")
        if len(self.swot) >= 500:
            raise RuleViolation("a SWOT holds at most 500 items", rule="swot_full")
        item = self._new_swot_item(quadrant, text, author, where="")
        self._swot_item_added(
            item_id=item["id"], quadrant=item["quadrant"], text=item["text"], author=author
        )
        return str(item["id"])

    @event("SwotItemAdded", topic="innoledger:Need.SwotItemAdded")
    def _swot_item_added(self, item_id: str, quadrant: str, text: str, author: str) -> None:
        self.swot.append({"id": item_id, "quadrant": quadrant, "text": text, "author": author})

    def remove_swot_item(self, item_id: str) -> None:
        self._require_swot_open("remove SWOT items")
        if not any(item["id"] == str(item_id) for item in self.swot):
            raise InvalidValue(f"item_id: no SWOT item {item_id}", field="item_id")
        self._swot_item_removed(item_id=str(item_id))

    @event("SwotItemRemoved", topic="innoledger:Need.SwotItemRemoved")
    def _swot_item_removed(self, item_id: str) -> None:
        self.swot = [item for item in self.swot if item["id"] != item_id]

    def missing_quadrants(self) -> list[str]:
        present = {item["quadrant"] for item in self.swot}
        return [q for q in QUADRANTS if q not in present]

    def record_workshop(
        self,
        *,
        held_on: date,
        competences_present: object,
        participant_count: int,
        notes: str | None = None,
    ) -> str:
        self._require_status(*OPEN_FOR_ANALYSIS, action="record workshops for")
        held_on = not_after_today(held_on, field="held_on")
        if (
            isinstance(participant_count, bool)
            or not isinstance(participant_count, int)
            or not (1 <= participant_count <= 10000)
        ):
            raise InvalidValue("participant_count: from 1 to 10000", field="participant_count")
        workshop_id = str(uuid.uuid4())
        self._workshop_recorded(
            workshop_id=workshop_id,
            held_on=held_on,
            competences_present=text_list(competences_present, field="competences_present"),
            participant_count=participant_count,
            notes=optional_text(notes, field="notes", max_length=10000),
        )
        return workshop_id

    @event("WorkshopRecorded", topic="innoledger:Need.WorkshopRecorded")
    def _workshop_recorded(
        self,
        workshop_id: str,
        held_on: date,
        competences_present: list[str],
        participant_count: int,
        notes: str | None,
    ) -> None:
        self.workshops.append(
            {
                "id": workshop_id,
                "held_on": held_on,
                "competences_present": list(competences_present),
                "participant_count": participant_count,
                "notes": notes,
            }
        )

    # Network

    def share(self) -> None:
        if self.is_shared:
            raise RuleViolation("the need is shared already", rule="already_shared")
        self._shared()

    @event("Shared", topic="innoledger:Need.Shared")
    def _shared(self) -> None:
        self.visibility = SHARED

    def unshare(self) -> None:
        if not self.is_shared:
            raise RuleViolation("the need is not shared", rule="not_shared")
        if self.co_owners:
            raise RuleViolation(
                "co-owners have joined this need; it stays shared", rule="has_co_owners"
            )
        self._unshared()

    @event("Unshared", topic="innoledger:Need.Unshared")
    def _unshared(self) -> None:
        self.visibility = PRIVATE

    # The market (suppliers and data portals, without sign-in)

    @property
    def market(self) -> dict[str, Any] | None:
        """The publication in force: {decided_at, summary, version}; None when not published.
        Needs recorded before the market existed have no such attribute."""
        published: dict[str, Any] | None = getattr(self, "market_publication", None)
        return published

    @property
    def is_on_market(self) -> bool:
        return self.market is not None

    def publish_to_market(self, decision: DecisionRecord, *, summary: object = None) -> None:
        """The owner opens the need to suppliers: its title, problem statement, area and end
        users, with `summary` (what the municipality asks of the market). Never its analysis."""
        self._require_owner_decision(decision, "publish_to_market")
        if self.is_on_market:
            raise RuleViolation("the need is published to the market already",
                                rule="already_on_market")
        if self.status in NOT_FOR_THE_MARKET:
            raise WrongState(
                f"a need that is {self.status} is not published to the market",
                subject="need",
                allowed=tuple(s for s in NEED_STATES if s not in NOT_FOR_THE_MARKET),
            )
        self._require_after_previous_decision(decision)
        self._published_to_market(
            decision=decision.as_event_data(),
            summary=optional_text(summary, field="summary", max_length=5000),
        )

    @event("PublishedToMarket", topic="innoledger:Need.PublishedToMarket")
    def _published_to_market(self, decision: dict[str, Any], summary: str | None) -> None:
        # The version this event gives the need (applied before the version moves on): the
        # market's list tells a need's current publication from an earlier one by it.
        self.market_publication: dict[str, Any] | None = {
            "decided_at": decision["decided_at"], "summary": summary, "version": self.version + 1
        }
        self.decisions.append(decision)

    def withdraw_from_market(self, decision: DecisionRecord) -> None:
        self._require_owner_decision(decision, "withdraw_from_market")
        if not self.is_on_market:
            raise RuleViolation("the need is not published to the market", rule="not_on_market")
        self._require_after_previous_decision(decision)
        self._withdrawn_from_market(decision=decision.as_event_data())

    @event("WithdrawnFromMarket", topic="innoledger:Need.WithdrawnFromMarket")
    def _withdrawn_from_market(self, decision: dict[str, Any]) -> None:
        self.market_publication = None
        self.decisions.append(decision)

    def join_as_co_owner(self, actor: Actor) -> None:
        """A municipality joins a shared need itself: nobody else can make it a co-owner."""
        municipality = actor.municipality
        if municipality is None:
            raise NotParticipant("only a municipality can co-own a need")
        if not self.is_shared:
            raise RuleViolation("only shared needs can be co-owned", rule="not_shared")
        if municipality == self.owner:
            raise RuleViolation("the owner cannot co-own its own need", rule="is_owner")
        if municipality in self.co_owners:
            raise RuleViolation(f"{municipality} co-owns this need already", rule="co_owner")
        self._require_status(*OPEN_FOR_ANALYSIS, PROCUREMENT_DECIDED, action="join")
        self._co_owner_joined(municipality=municipality)

    @event("CoOwnerJoined", topic="innoledger:Need.CoOwnerJoined")
    def _co_owner_joined(self, municipality: str) -> None:
        self.co_owners.append(municipality)

    # Decisions

    def _require_after_previous_decision(self, decision: DecisionRecord) -> None:
        """Each decision on a need moves it on from the state the previous one left it in, so
        it cannot be dated before that decision (decide_to_procure not before prioritise...)."""
        if not self.decisions:
            return
        previous = self.decisions[-1]
        require_not_before(
            f"the {decision.type} decision",
            decision.decided_at,
            f"the {previous['type']} decision",
            previous["decided_at"],
            rule=f"{decision.type}_before_{previous['type']}",
        )

    def _require_owner_decision(self, decision: DecisionRecord, expected: str) -> None:
        decision.require_type(expected)
        if decision.municipality != self.owner:
            raise NotParticipant(f"only {self.owner}, the owner, decides on this need")

    def prioritise(
        self,
        decision: DecisionRecord,
        *,
        scores: object,
        weights: object = None,
        swot_changes: object = None,
    ) -> None:
        """Scores the need on the SWOT as it stands, or as `swot_changes` ({"add": [{quadrant,
        text}], "remove": [item ids]}) leave it: after a prioritisation that is the only way
        the SWOT changes."""
        self._require_owner_decision(decision, "prioritise")
        self._require_status(IDENTIFIED, PRIORITISED, action="prioritise")
        self._require_after_previous_decision(decision)
        added, removed = self._parse_swot_changes(swot_changes, author=decision.decided_by)
        remaining = [item for item in self.swot if item["id"] not in removed] + added
        present = {item["quadrant"] for item in remaining}
        missing = [q for q in QUADRANTS if q not in present]
        if missing:
            raise RuleViolation(
                f"the SWOT lacks items in: {', '.join(missing)}", rule="swot_incomplete"
            )
        parsed_scores = parse_scores(scores)
        parsed_weights = parse_weights(weights)
        self._prioritised(
            decision=decision.as_event_data(),
            scores=parsed_scores,
            weights=parsed_weights,
            weighted_total=_weighted_total(parsed_scores, parsed_weights),
            swot_added=added,
            swot_removed=removed,
        )

    def _parse_swot_changes(
        self, changes: object, *, author: str
    ) -> tuple[list[dict[str, Any]], list[str]]:
        if changes is None:
            return [], []
        if not isinstance(changes, dict) or set(changes) - {"add", "remove"}:
            raise InvalidValue(
                "swot_changes: an object with 'add' and/or 'remove'", field="swot_changes"
            )
        to_add = changes.get("add") or []
        to_remove = changes.get("remove") or []
        if not isinstance(to_add, list) or not isinstance(to_remove, list):
            raise InvalidValue("swot_changes: add and remove are lists", field="swot_changes")
        if len(self.swot) + len(to_add) > 500:
            raise RuleViolation("a SWOT holds at most 500 items", rule="swot_full")
        added = []
        for index, item in enumerate(to_add):
            where = f"swot_changes.add[{index}]."
            if not isinstance(item, dict):
                raise InvalidValue(f"{where[:-1]}: an object", field=where[:-1])
            added.append(self._new_swot_item(item.get("quadrant"), item.get("text"), author,
                                             where=where))
        known = {item["id"] for item in self.swot}
        removed = [str(item_id) for item_id in to_remove]
        for item_id in removed:
            if item_id not in known:
                raise InvalidValue(
                    f"swot_changes.remove: no SWOT item {item_id}", field="swot_changes.remove"
                )
        if len(set(removed)) != len(removed):
            raise InvalidValue("swot_changes.remove: an item is named twice",
                               field="swot_changes.remove")
        return added, removed

    @event("Prioritised", topic="innoledger:Need.Prioritised")
    def _prioritised(
        self,
        decision: dict[str, Any],
        scores: dict[str, int],
        weights: dict[str, Decimal],
        weighted_total: Decimal,
        swot_added: list[dict[str, Any]] | None = None,
        swot_removed: list[str] | None = None,
    ) -> None:
        # Prioritisations recorded before the SWOT could change with them carry neither list.
        gone = set(swot_removed or [])
        self.swot = [item for item in self.swot if item["id"] not in gone]
        self.swot.extend(dict(item) for item in swot_added or [])
        self.scorings.append(
            {
                "scores": dict(scores),
                "weights": dict(weights),
                "weighted_total": weighted_total,
                "decided_at": decision["decided_at"],
            }
        )
        self.decisions.append(decision)
        self._lifecycle(NEED_PRIORITISED)

    @property
    def weighted_total(self) -> Decimal | None:
        return self.scorings[-1]["weighted_total"] if self.scorings else None

    def park(self, decision: DecisionRecord) -> None:
        self._require_owner_decision(decision, "park")
        self._require_status(IDENTIFIED, PRIORITISED, action="park")
        self._require_after_previous_decision(decision)
        self._parked(decision=decision.as_event_data())

    @event("Parked", topic="innoledger:Need.Parked")
    def _parked(self, decision: dict[str, Any]) -> None:
        self.decisions.append(decision)
        self._lifecycle(NEED_PARKED)

    def reopen(self, decision: DecisionRecord) -> None:
        self._require_owner_decision(decision, "reopen")
        self._require_status(PARKED, action="reopen")
        self._require_after_previous_decision(decision)
        self._reopened(decision=decision.as_event_data())

    @event("Reopened", topic="innoledger:Need.Reopened")
    def _reopened(self, decision: dict[str, Any]) -> None:
        self.decisions.append(decision)
        self._lifecycle(NEED_REOPENED)

    def reject(self, decision: DecisionRecord, *, reason: str) -> None:
        self._require_owner_decision(decision, "reject")
        self._require_status(IDENTIFIED, PRIORITISED, PARKED, action="reject")
        self._require_after_previous_decision(decision)
        if reason not in REJECTION_REASONS:
            raise InvalidValue(f"reason: one of {', '.join(REJECTION_REASONS)}", field="reason")
        self._rejected(decision=decision.as_event_data(), reason=reason)

    @event("Rejected", topic="innoledger:Need.Rejected")
    def _rejected(self, decision: dict[str, Any], reason: str) -> None:
        self.decisions.append(decision)
        self.rejection_reason = reason
        self._lifecycle(NEED_REJECTED)

    def decide_to_procure(self, decision: DecisionRecord) -> None:
        """Anskaffningsbeslut: the need will be met by a procurement."""
        self._require_owner_decision(decision, "decide_to_procure")
        self._require_status(PRIORITISED, action="decide to procure")
        self._require_after_previous_decision(decision)
        self._procurement_decided(decision=decision.as_event_data())

    @property
    def decided_to_procure_at(self) -> datetime | None:
        """Valid time of the latest decision to procure (what a procurement rests on)."""
        decided = [d["decided_at"] for d in self.decisions if d["type"] == "decide_to_procure"]
        return decided[-1] if decided else None

    @event("ProcurementDecided", topic="innoledger:Need.ProcurementDecided")
    def _procurement_decided(self, decision: dict[str, Any]) -> None:
        self.decisions.append(decision)
        self._lifecycle(NEED_PROCUREMENT_DECIDED)

    # Facts caused by the procurement that addresses the need, saved in the same transaction.

    def attach_to_procurement(self, procurement_id: str) -> None:
        self._require_status(PROCUREMENT_DECIDED, action="start a procurement for")
        self._attached_to_procurement(procurement_id=str(procurement_id))

    @event("AttachedToProcurement", topic="innoledger:Need.AttachedToProcurement")
    def _attached_to_procurement(self, procurement_id: str) -> None:
        self.procurement_id = procurement_id
        self._lifecycle(NEED_ATTACHED)

    def release_from_procurement(self, procurement_id: str) -> None:
        """The procurement is cancelled, or the owner withdrew from it: the need is free."""
        self._require_status(IN_PROCUREMENT, action="release")
        if self.procurement_id != str(procurement_id):
            raise RuleViolation("the need is in another procurement", rule="other_procurement")
        self._released_from_procurement(procurement_id=str(procurement_id))

    @event("ReleasedFromProcurement", topic="innoledger:Need.ReleasedFromProcurement")
    def _released_from_procurement(self, procurement_id: str) -> None:
        self.procurement_id = None
        self._lifecycle(NEED_RELEASED)

    def mark_realised(self, decision: DecisionRecord, procurement: Procurement) -> None:
        self._require_owner_decision(decision, "mark_realised")
        self._require_status(IN_PROCUREMENT, action="mark realised")
        self._require_after_previous_decision(decision)
        if str(procurement.id) != self.procurement_id:
            raise RuleViolation(
                "that procurement does not address this need", rule="other_procurement"
            )
        if not procurement.has_signed_contract:
            raise RuleViolation(
                "the need is realised only once its procurement has a signed contract",
                rule="no_signed_contract",
            )
        assert procurement.contract is not None
        require_not_before(
            "the mark_realised decision", decision.decided_at,
            "the signature of the contract", procurement.contract.signed_on,
            rule="realised_before_contract",
        )
        self._realised(decision=decision.as_event_data())

    @event("Realised", topic="innoledger:Need.Realised")
    def _realised(self, decision: dict[str, Any]) -> None:
        self.decisions.append(decision)
        self._lifecycle(NEED_REALISED)

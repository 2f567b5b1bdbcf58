"""What one caller is shown of one object: the single redaction policy of every read.

The current-state read, a past version, a state as of a moment, the history's events and their
JSON Patches, the audit event stream and the decision log all show the same caller the same
things of the same object, because each of them asks `redaction_for` and applies the answer.
The answer is judged on the object's *current* state (as visibility is): a bid that is secret
now is secret in every past state too, and a member list hidden now is hidden in every role
grant of the history.

What is withheld, and from whom (see `service.access_policy` for the rules themselves):
- bids, the bid count, tenderers and review applicants (usually a tenderer) of a procurement,
  from everyone but the lead's bid readers and platform auditors until the award (OSL 19:3);
- who holds which role in a municipality (its members), from everyone outside it, and from
  its own members who hold no role any more; in its history that includes who acted;
- a sole trader's personnummer and name (kept in the party directory, never in events), from
  everyone but the people of the municipality that recorded them and the platform's auditors
  and admins: the others see the directory entry's id only.

A withheld event keeps its place (type, version, position, time and the acting municipality), so
the record stays gap-free and verifiable by its hash; only what it says is replaced by
`WITHHELD`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.municipality import Municipality
from domain.procurement import Procurement
from service.access_policy import can_see_bids, can_see_members, can_see_parties
from service.principal import Principal

WITHHELD = "withheld"
BIDS_SECRET = "secret until the award decision"
MEMBERS_WITHHELD = "members are shown only to the municipality's own people"

_BID_EVENTS = frozenset({"BidReceived"})
_MEMBER_EVENTS = frozenset({"RoleGranted", "RoleRevoked"})
_APPLICANT_EVENTS = frozenset({"ReviewFiled"})


@dataclass(frozen=True)
class Redaction:
    """What of one object is withheld from one caller."""

    bids: bool = False  # bids, bid count, tenderers, review applicants
    members: bool = False  # who holds which role
    everything: bool = False  # the object is not visible to the caller at all
    parties: bool = False  # sole traders' personnummer and names (the object refers to some)

    @property
    def withholds_anything(self) -> bool:
        return self.bids or self.members or self.everything or self.parties

    @property
    def tag(self) -> str:
        """Distinguishes differently redacted representations of one version (for ETags)."""
        marks = (("b", self.bids), ("m", self.members), ("x", self.everything), ("p", self.parties))
        return "".join(mark for mark, on in marks if on)

    def state(self, state: dict[str, Any]) -> dict[str, Any]:
        """A public state (or a representation built from one) with what is withheld removed.
        Never changes the given dict."""
        if not self.withholds_anything:
            return state
        if self.everything:
            return {}
        shown = dict(state)
        if self.bids:
            if "bids" in shown:
                shown["bids"] = None
            if "bid_count" in shown:
                shown["bid_count"] = None
            if isinstance(shown.get("reviews"), list):
                shown["reviews"] = [_without_applicant(review) for review in shown["reviews"]]
        if self.members and "members" in shown:
            shown["members"] = None
        if self.hides_actors:
            shown = _without_deciders(shown)
        return shown

    def decision(self, record: Any) -> Any:
        """A decision record as this caller may see it: who decided is who acted."""
        return _without_deciders(record) if self.hides_actors else record

    @property
    def hides_actors(self) -> bool:
        """Who acted on the object is not shown: it would name the members withheld."""
        return self.members or self.everything

    def hides_actor_of(self, event_type: str) -> bool:
        return self.hides_actors or self.withholds_event(event_type)

    def withholds_event(self, event_type: str) -> bool:
        """The whole event says something withheld (a bid, a role grant)."""
        return (
            self.everything
            or (self.bids and event_type in _BID_EVENTS)
            or (self.members and event_type in _MEMBER_EVENTS)
        )

    def event_data(self, event_type: str, data: dict[str, Any]) -> tuple[dict[str, Any], bool]:
        """An event's own fields as this caller may see them, and whether anything was
        withheld (then its stored bytes must not be shown either)."""
        if self.everything:
            return {"event": WITHHELD}, True
        if self.bids and event_type in _BID_EVENTS:
            return {"bid": BIDS_SECRET}, True
        if self.members and event_type in _MEMBER_EVENTS:
            return {"members": MEMBERS_WITHHELD}, True
        if self.bids and event_type in _APPLICANT_EVENTS and "applicant" in data:
            return {**data, "applicant": None}, True
        if self.hides_actors:
            shown = _without_deciders(data)
            if shown != data:
                return shown, True
        return data, False


def _without_deciders(node: Any) -> Any:
    """`node` with every decision record's `decided_by` cleared (state keeps the records of
    decisions, e.g. a municipality's innovation targets)."""
    if isinstance(node, dict):
        return {
            key: None if key == "decided_by" else _without_deciders(value)
            for key, value in node.items()
        }
    if isinstance(node, list):
        return [_without_deciders(item) for item in node]
    return node


def _without_applicant(review: Any) -> Any:
    if isinstance(review, dict) and "applicant" in review:
        return {**review, "applicant": None}
    return review


SHOWN_IN_FULL = Redaction()


def referred_parties(procurement: Procurement) -> set[str]:
    """The party directory entries (sole traders) a procurement refers to."""
    ids = {bid.tenderer_party_id for bid in procurement.bids}
    if procurement.award is not None:
        ids |= {supplier.party_id for supplier in procurement.award.suppliers}
    if procurement.contract is not None:
        ids.add(procurement.contract.supplier_party_id)
    return {party_id for party_id in ids if party_id}


def redaction_for(principal: Principal, current: Any) -> Redaction:
    """What `principal` may not see of the object whose current state is `current`."""
    if isinstance(current, Procurement):
        return Redaction(
            bids=not can_see_bids(principal, current),
            parties=bool(referred_parties(current))
            and not can_see_parties(principal, current.lead),
        )
    if isinstance(current, Municipality):
        return Redaction(members=not can_see_members(principal, current.slug))
    return SHOWN_IN_FULL


NOT_VISIBLE = Redaction(everything=True)

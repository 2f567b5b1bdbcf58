"""Project (utvecklingsprojekt): a joint development project of the network, e.g. the one Vinnova
funded for Skurup and Ystad to develop the work model.

A coordinating municipality establishes it by decision; other municipalities become partners by
their own decision when invited; organisations that are not tenants (a university, a region, an
agency) are recorded as partners by the coordinator; a reference group follows it. It runs in
the work model's three phases, each with its dates, and groups the needs and procurements done
under it: each linked by its owner's own decision, so a municipality links only its own work.

Reference-group members are organisations and what they bring, never persons: events hold no
personal data (spec §2).
"""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from eventsourcing.domain import event

from domain.audit import AuditedAggregate
from domain.decisions import PROJECT_DECISIONS, DecisionRecord
from domain.errors import InvalidValue, NotParticipant, RuleViolation, WrongState
from domain.rules.valid_time import require_not_before
from domain.values.dates import parse_date
from domain.values.money import parse_sek
from domain.values.org_number import InvalidOrganisationNumber, OrganisationNumber
from domain.values.text import optional_text, required_text

# The work model's three steps (the seed: "Projektet genomförs i tre steg").
NEEDS_IDENTIFICATION = "needs_identification"  # behovsidentifiering
PILOTS = "pilots"  # genomförande av innovationsupphandlingar
IMPLEMENTATION = "implementation"  # implementera och integrera
PHASES = (NEEDS_IDENTIFICATION, PILOTS, IMPLEMENTATION)

# Partners that are not municipalities of the network (they hold no tenant of their own).
ORGANISATION_KINDS = ("university", "region", "government_agency", "company", "association",
                      "other")  # fmt: skip
PARTNER_ROLES = ("co_applicant", "partner")
INVITED = "invited"
JOINED = "joined"
DECLINED = "declined"
WITHDRAWN = "withdrawn"

LINK_KINDS = ("need", "procurement")
ESTABLISH = "establish_project"
PARTNERSHIP_DECISIONS = ("join_project", "decline_project", "withdraw_from_project")
LINK_DECISIONS = ("link_to_project", "unlink_from_project")
assert set(PROJECT_DECISIONS) == {ESTABLISH, *PARTNERSHIP_DECISIONS, *LINK_DECISIONS}

MAX_PARTNERS = 200
MAX_REFERENCE_GROUP = 100
MAX_LINKS = 2000


def _funder(value: object) -> dict[str, Any] | None:
    """Who funds the project: `{name, programme?, reference?, granted_sek?}`."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidValue("funder: an object with at least a name", field="funder")
    unknown = set(value) - {"name", "programme", "reference", "granted_sek"}
    if unknown:
        raise InvalidValue(f"funder: unknown fields {sorted(unknown)}", field="funder")
    granted = value.get("granted_sek")
    return {
        "name": required_text(value.get("name"), field="funder.name", max_length=200),
        "programme": optional_text(value.get("programme"), field="funder.programme",
                                   max_length=200),
        "reference": optional_text(value.get("reference"), field="funder.reference",
                                   max_length=100),
        "granted_sek": None if granted is None else parse_sek(granted,
                                                              field="funder.granted_sek"),
    }


def _period(starts_on: object, ends_on: object, *, where: str = "") -> tuple[date, date | None]:
    start = parse_date(starts_on, field=f"{where}starts_on")
    end = None if ends_on is None else parse_date(ends_on, field=f"{where}ends_on")
    if end is not None and end < start:
        raise InvalidValue(f"{where}ends_on: not before starts_on ({start.isoformat()})",
                           field=f"{where}ends_on")
    return start, end


class Project(AuditedAggregate):
    TOPIC = "innoledger:Project"
    TENANT_FIELD = "coordinator"

    @classmethod
    def establish(
        cls,
        decision: DecisionRecord,
        *,
        title: object,
        description: object,
        starts_on: object,
        ends_on: object = None,
        funder: object = None,
    ) -> Project:
        """The coordinating municipality's decision to run the project (it is the decider's)."""
        decision.require_type(ESTABLISH)
        start, end = _period(starts_on, ends_on)
        return cls(
            coordinator=decision.municipality,
            decision=decision.as_event_data(),
            title=required_text(title, field="title", max_length=200),
            description=required_text(description, field="description", max_length=10000),
            starts_on=start,
            ends_on=end,
            funder=_funder(funder),
        )

    @event("Created", topic="innoledger:Project.Established")
    def __init__(
        self,
        coordinator: str,
        decision: dict[str, Any],
        title: str,
        description: str,
        starts_on: date,
        ends_on: date | None,
        funder: dict[str, Any] | None,
    ) -> None:
        self.coordinator = coordinator
        self.title = title
        self.description = description
        self.starts_on = starts_on
        self.ends_on = ends_on
        self.funder = dict(funder) if funder else None
        self.decisions: list[dict[str, Any]] = [decision]
        self.partners: list[dict[str, Any]] = []
        self.reference_group: list[dict[str, Any]] = []
        self.phases: dict[str, dict[str, Any]] = {}
        self.links: list[dict[str, Any]] = []

    @property
    def tenant(self) -> str:
        return self.coordinator

    @property
    def established_at(self) -> Any:
        return self.decisions[0]["decided_at"]

    # Description

    def edit(self, **changes: object) -> None:
        """The coordinator corrects or completes the description: title, description, period,
        funder (e.g. the amount granted once decided)."""
        cleaned: dict[str, Any] = {}
        for field, value in changes.items():
            if field == "title":
                cleaned[field] = required_text(value, field=field, max_length=200)
            elif field == "description":
                cleaned[field] = required_text(value, field=field, max_length=10000)
            elif field == "funder":
                cleaned[field] = _funder(value)
            elif field not in ("starts_on", "ends_on"):
                raise InvalidValue(f"{field}: cannot be edited", field=field)
        if "starts_on" in changes or "ends_on" in changes:
            start, end = _period(changes.get("starts_on", self.starts_on),
                                 changes.get("ends_on", self.ends_on))  # fmt: skip
            earliest = min((p["starts_on"] for p in self.phases.values()), default=None)
            if earliest is not None and start > earliest:
                raise InvalidValue(
                    f"starts_on: not after the first phase starts ({earliest.isoformat()})",
                    field="starts_on",
                )
            cleaned.update(starts_on=start, ends_on=end)
        cleaned = {k: v for k, v in cleaned.items() if getattr(self, k) != v}
        if not cleaned:
            raise RuleViolation("the edit changes nothing", rule="no_change")
        self._edited(changes=cleaned)

    @event("Edited", topic="innoledger:Project.Edited")
    def _edited(self, changes: dict[str, Any]) -> None:
        for field, value in changes.items():
            setattr(self, field, dict(value) if isinstance(value, dict) else value)

    # Partners

    def partner(self, municipality: str | None) -> dict[str, Any] | None:
        for partner in self.partners:
            if partner.get("municipality") == municipality and municipality is not None:
                return partner
        return None

    def takes_part(self, municipality: str | None) -> bool:
        """The coordinator and the municipalities that joined: they link their own work."""
        if municipality is None:
            return False
        if municipality == self.coordinator:
            return True
        partner = self.partner(municipality)
        return partner is not None and partner["status"] == JOINED

    def invite_municipality(self, *, municipality: str, role: str) -> str:
        if role not in PARTNER_ROLES:
            raise InvalidValue(f"role: one of {', '.join(PARTNER_ROLES)}", field="role")
        if municipality == self.coordinator:
            raise RuleViolation("the coordinator takes part already", rule="is_coordinator")
        existing = self.partner(municipality)
        if existing is not None and existing["status"] in (INVITED, JOINED):
            raise RuleViolation(f"{municipality} is invited already", rule="already_invited")
        self._require_room(self.partners, MAX_PARTNERS, "partners")
        partner_id = str(uuid.uuid4()) if existing is None else existing["id"]
        self._municipality_invited(partner_id=partner_id, municipality=municipality, role=role)
        return partner_id

    @event("MunicipalityInvited", topic="innoledger:Project.MunicipalityInvited")
    def _municipality_invited(self, partner_id: str, municipality: str, role: str) -> None:
        self.partners = [p for p in self.partners if p.get("municipality") != municipality]
        self.partners.append({
            "id": partner_id, "kind": "municipality", "municipality": municipality,
            "name": None, "organisation_number": None, "role": role, "status": INVITED,
            "decision": None,
        })  # fmt: skip

    def decide_partnership(self, decision: DecisionRecord) -> None:
        """Join, decline or withdraw: each invited municipality decides for itself."""
        if decision.type not in PARTNERSHIP_DECISIONS:
            raise InvalidValue(f"type: one of {', '.join(PARTNERSHIP_DECISIONS)}", field="type")
        partner = self.partner(decision.municipality)
        if partner is None:
            raise NotParticipant(f"{decision.municipality} is not invited to this project")
        if decision.type == "withdraw_from_project":
            if partner["status"] != JOINED:
                raise WrongState(
                    "only a municipality that joined can withdraw", subject="project",
                    allowed=(JOINED,),
                )
            if any(link["municipality"] == decision.municipality for link in self.links):
                raise RuleViolation(
                    "unlink your needs and procurements from the project before withdrawing",
                    rule="linked_work",
                )
        elif partner["status"] != INVITED:
            raise WrongState(
                f"{decision.municipality} has {partner['status']} already", subject="project",
                allowed=(INVITED,),
            )
        require_not_before(
            f"the {decision.type} decision", decision.decided_at,
            "the establishment of the project", self.established_at,
            rule="project_decision_before_establishment",
        )
        self._partnership_decided(decision=decision.as_event_data())

    @event("PartnershipDecided", topic="innoledger:Project.PartnershipDecided")
    def _partnership_decided(self, decision: dict[str, Any]) -> None:
        status = {"join_project": JOINED, "decline_project": DECLINED,
                  "withdraw_from_project": WITHDRAWN}[decision["type"]]  # fmt: skip
        for partner in self.partners:
            if partner.get("municipality") == decision["municipality"]:
                partner["status"] = status
                partner["decision"] = decision
        self.decisions.append(decision)

    def add_organisation(
        self, *, kind: object, name: object, role: object, organisation_number: object = None
    ) -> str:
        """A partner outside the network's tenants (its agreement is the coordinator's record)."""
        if kind not in ORGANISATION_KINDS:
            raise InvalidValue(f"kind: one of {', '.join(ORGANISATION_KINDS)}", field="kind")
        if role not in PARTNER_ROLES:
            raise InvalidValue(f"role: one of {', '.join(PARTNER_ROLES)}", field="role")
        name = required_text(name, field="name", max_length=200)
        number = None
        if organisation_number not in (None, ""):
            try:
                # parse refuses a value that is not text as a domain error (a 422).
                number = str(OrganisationNumber.parse(organisation_number))  # type: ignore[arg-type]
            except InvalidOrganisationNumber as exc:
                raise InvalidValue(str(exc), field="organisation_number") from None
        if any(
            p["kind"] != "municipality" and p["name"].casefold() == name.casefold()
            for p in self.partners
        ):
            raise RuleViolation(f"{name} is a partner already", rule="already_partner")
        self._require_room(self.partners, MAX_PARTNERS, "partners")
        partner_id = str(uuid.uuid4())
        self._organisation_added(
            partner_id=partner_id, kind=str(kind), name=name, organisation_number=number,
            role=str(role),
        )
        return partner_id

    @event("OrganisationAdded", topic="innoledger:Project.OrganisationAdded")
    def _organisation_added(
        self, partner_id: str, kind: str, name: str, organisation_number: str | None, role: str
    ) -> None:
        self.partners.append({
            "id": partner_id, "kind": kind, "municipality": None, "name": name,
            "organisation_number": organisation_number, "role": role, "status": JOINED,
            "decision": None,
        })  # fmt: skip

    # Reference group

    def add_reference_group_member(self, *, organisation: object, represents: object) -> str:
        organisation = required_text(organisation, field="organisation", max_length=200)
        represents = required_text(represents, field="represents", max_length=500)
        self._require_room(self.reference_group, MAX_REFERENCE_GROUP, "reference group members")
        member_id = str(uuid.uuid4())
        self._reference_member_added(
            member_id=member_id, organisation=organisation, represents=represents
        )
        return member_id

    @event("ReferenceGroupMemberAdded", topic="innoledger:Project.ReferenceGroupMemberAdded")
    def _reference_member_added(self, member_id: str, organisation: str, represents: str) -> None:
        self.reference_group.append(
            {"id": member_id, "organisation": organisation, "represents": represents}
        )

    def remove_reference_group_member(self, member_id: str) -> None:
        if not any(m["id"] == str(member_id) for m in self.reference_group):
            raise InvalidValue(f"member_id: no reference group member {member_id}",
                               field="member_id")
        self._reference_member_removed(member_id=str(member_id))

    @event("ReferenceGroupMemberRemoved", topic="innoledger:Project.ReferenceGroupMemberRemoved")
    def _reference_member_removed(self, member_id: str) -> None:
        self.reference_group = [m for m in self.reference_group if m["id"] != member_id]

    # Phases

    def plan_phase(
        self,
        phase: object,
        *,
        starts_on: object,
        ends_on: object,
        description: object = None,
        results: object = None,
    ) -> None:
        """Sets a phase's dates (planned or as it ran) and what was done and achieved in it."""
        if phase not in PHASES:
            raise InvalidValue(f"phase: one of {', '.join(PHASES)}", field="phase")
        start, end = _period(starts_on, ends_on)
        if start < self.starts_on:
            raise InvalidValue(
                f"starts_on: not before the project starts ({self.starts_on.isoformat()})",
                field="starts_on",
            )
        entry: dict[str, Any] = {
            "phase": str(phase),
            "starts_on": start,
            "ends_on": end,
            "description": optional_text(description, field="description", max_length=10000),
            "results": optional_text(results, field="results", max_length=10000),
        }
        current = self.phases.get(str(phase))
        if current is not None and all(current[k] == v for k, v in entry.items()):
            raise RuleViolation("the phase is planned like this already", rule="no_change")
        self._phase_planned(**entry)

    @event("PhasePlanned", topic="innoledger:Project.PhasePlanned")
    def _phase_planned(
        self,
        phase: str,
        starts_on: date,
        ends_on: date | None,
        description: str | None,
        results: str | None,
    ) -> None:
        self.phases[phase] = {
            "phase": phase, "starts_on": starts_on, "ends_on": ends_on,
            "description": description, "results": results,
        }  # fmt: skip

    # The work done under the project

    def link(self, decision: DecisionRecord, *, kind: str, object_id: str, owner: str) -> None:
        """The owner of a need (or lead of a procurement) puts it under the project."""
        decision.require_type("link_to_project")
        self._require_own_work(decision, kind, owner)
        if self.linked(kind, object_id) is not None:
            raise RuleViolation(f"the {kind} is linked to the project already",
                                rule="already_linked")
        if len(self.links) >= MAX_LINKS:
            raise RuleViolation(f"a project groups at most {MAX_LINKS} objects",
                                rule="project_full")
        require_not_before(
            "the link_to_project decision", decision.decided_at,
            "the establishment of the project", self.established_at,
            rule="project_decision_before_establishment",
        )
        self._linked(decision=decision.as_event_data(), kind=kind, object_id=str(object_id))

    @event("Linked", topic="innoledger:Project.Linked")
    def _linked(self, decision: dict[str, Any], kind: str, object_id: str) -> None:
        self.links.append({
            "kind": kind, "id": object_id, "municipality": decision["municipality"],
            "linked_at": decision["decided_at"],
        })  # fmt: skip
        self.decisions.append(decision)

    def unlink(self, decision: DecisionRecord, *, kind: str, object_id: str) -> None:
        decision.require_type("unlink_from_project")
        link = self.linked(kind, object_id)
        if link is None:
            raise RuleViolation(f"the {kind} is not linked to the project", rule="not_linked")
        if link["municipality"] != decision.municipality:
            raise NotParticipant(f"only {link['municipality']}, whose {kind} it is, unlinks it")
        require_not_before(
            "the unlink_from_project decision", decision.decided_at,
            "the link_to_project decision", link["linked_at"],
            rule="unlink_before_link",
        )
        self._unlinked(decision=decision.as_event_data(), kind=kind, object_id=str(object_id))

    @event("Unlinked", topic="innoledger:Project.Unlinked")
    def _unlinked(self, decision: dict[str, Any], kind: str, object_id: str) -> None:
        self.links = [
            link for link in self.links if not (link["kind"] == kind and link["id"] == object_id)
        ]
        self.decisions.append(decision)

    def linked(self, kind: str, object_id: str) -> dict[str, Any] | None:
        for link in self.links:
            if link["kind"] == kind and link["id"] == str(object_id):
                return link
        return None

    def _require_own_work(self, decision: DecisionRecord, kind: str, owner: str) -> None:
        if kind not in LINK_KINDS:
            raise InvalidValue(f"kind: one of {', '.join(LINK_KINDS)}", field="kind")
        if owner != decision.municipality:
            raise NotParticipant(
                f"the {kind} is {owner}'s: only its owner links it to a project"
            )
        if not self.takes_part(decision.municipality):
            raise RuleViolation(
                f"{decision.municipality} does not take part in the project; the coordinator "
                "invites it and it joins by its own decision first",
                rule="not_project_partner",
            )

    @staticmethod
    def _require_room(items: list[Any], limit: int, what: str) -> None:
        if len(items) >= limit:
            raise RuleViolation(f"a project has at most {limit} {what}", rule="project_full")

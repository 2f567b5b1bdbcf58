"""Municipality: the tenant. Members and roles, innovation areas, delegation order, suspension."""

from __future__ import annotations

import re
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from eventsourcing.domain import event

from domain.audit import Actor, AuditedAggregate, current_actor
from domain.decisions import (
    AUTHORITY_BOARD,
    BOARD_ONLY_DECISIONS,
    AuthorityClaim,
    DecisionRecord,
)
from domain.errors import AuthorityMissing, InvalidValue, NotParticipant, RuleViolation
from domain.innovation_areas import AREA_OWN, SHARED_AREAS, area_visibility, shared_area
from domain.innovation_share import target_measure, target_year
from domain.innovation_share import target_percent as target_percent_of
from domain.rules.delegation import find_authorising_rule, order_in_force, parse_rules
from domain.rules.valid_time import not_after_today, require_not_before
from domain.values.dates import parse_date
from domain.values.org_number import InvalidOrganisationNumber, OrganisationNumber
from domain.values.text import required_text
from domain.values.timestamps import not_in_future, stockholm_date

SLUG_PATTERN = re.compile(r"^[a-z][a-z0-9-]{1,62}$")
TENANT_ROLES = ("tenant_admin", "officer", "decision_maker", "auditor", "viewer")
# Municipality ids are derived from the slug so a slug always names the same stream.
MUNICIPALITY_NAMESPACE = uuid.UUID("6f1c3c52-7d0e-4d54-9a52-3b8f5d1e9a10")
SWEDISH_COUNTIES = (
    "Blekinge", "Dalarna", "Gotland", "Gävleborg", "Halland", "Jämtland", "Jönköping", "Kalmar",
    "Kronoberg", "Norrbotten", "Skåne", "Stockholm", "Södermanland", "Uppsala", "Värmland",
    "Västerbotten", "Västernorrland", "Västmanland", "Västra Götaland", "Örebro", "Östergötland",
)  # fmt: skip


def municipality_id(slug: str) -> uuid.UUID:
    return uuid.uuid5(MUNICIPALITY_NAMESPACE, slug)


def validate_slug(slug: object) -> str:
    if not isinstance(slug, str) or not SLUG_PATTERN.match(slug):
        raise InvalidValue(
            "slug: lower-case letters, digits and '-', starting with a letter, 2-63 characters",
            field="slug",
        )
    return slug


class Municipality(AuditedAggregate):
    TOPIC = "innoledger:Municipality"
    TENANT_FIELD = "slug"
    # Version 2: innovation areas say whose catalogue lists them. Snapshots of version 1 are
    # upcast (their areas were the municipality's own list).
    # Version 3: each delegation order carries the board's adopting decision (orders of
    # earlier snapshots have none recorded).
    class_version = 3

    @staticmethod
    def upcast_v1_v2(state: dict[str, Any]) -> None:
        for area in state.get("innovation_areas", []):
            area.setdefault("visibility", AREA_OWN)

    @staticmethod
    def upcast_v2_v3(state: dict[str, Any]) -> None:
        for order in state.get("delegation_orders", []):
            order.setdefault("decision", None)

    @staticmethod
    def create_id(slug: str) -> uuid.UUID:
        return municipality_id(slug)

    @classmethod
    def register(
        cls, *, slug: str, name: str, organisation_number: str, county: str
    ) -> Municipality:
        slug = validate_slug(slug)
        name = required_text(name, field="name", max_length=200)
        try:
            org = OrganisationNumber.parse(organisation_number)
        except InvalidOrganisationNumber as exc:
            raise InvalidValue(str(exc), field="organisation_number") from None
        if county not in SWEDISH_COUNTIES:
            raise InvalidValue(f"county: {county!r} is not a Swedish county (län)", field="county")
        return cls(slug=slug, name=name, organisation_number=str(org), county=county)

    @event("Created", topic="innoledger:Municipality.Registered")
    def __init__(self, slug: str, name: str, organisation_number: str, county: str) -> None:
        self.slug = slug
        self.name = name
        self.organisation_number = organisation_number
        self.county = county
        self.members: dict[str, list[str]] = {}
        self.innovation_areas: list[dict[str, Any]] = []
        self.delegation_orders: list[dict[str, Any]] = []
        self.suspended = False

    @property
    def tenant(self) -> str:
        return self.slug

    # Members and roles

    def grant_role(self, user_id: str, role: str) -> None:
        user_id = required_text(user_id, field="user_id", max_length=128)
        if role not in TENANT_ROLES:
            raise InvalidValue(f"role: must be one of {', '.join(TENANT_ROLES)}", field="role")
        if role in self.members.get(user_id, []):
            raise RuleViolation(f"{user_id} already holds the role {role}", rule="role_held")
        if current_actor().user_id == user_id:
            # Separation of duties: an admin who could grant itself `auditor` would read bids
            # it must not; every role is granted by someone else (another tenant admin).
            raise RuleViolation(
                "a role is granted by another admin, never by its holder", rule="self_grant"
            )
        self._role_granted(user_id=user_id, role=role)

    @event("RoleGranted", topic="innoledger:Municipality.RoleGranted")
    def _role_granted(self, user_id: str, role: str) -> None:
        self.members.setdefault(user_id, []).append(role)

    def revoke_role(self, user_id: str, role: str) -> None:
        if role not in self.members.get(user_id, []):
            raise RuleViolation(f"{user_id} does not hold the role {role}", rule="role_not_held")
        self._role_revoked(user_id=user_id, role=role)

    @event("RoleRevoked", topic="innoledger:Municipality.RoleRevoked")
    def _role_revoked(self, user_id: str, role: str) -> None:
        remaining = [held for held in self.members[user_id] if held != role]
        if remaining:
            self.members[user_id] = remaining
        else:
            del self.members[user_id]

    def roles_of(self, user_id: str) -> tuple[str, ...]:
        return tuple(self.members.get(user_id, ()))

    # Innovation areas

    def add_innovation_area(
        self, name: str, description: str | None = None, visibility: str = AREA_OWN
    ) -> str:
        """An area of this municipality's own beside the network's shared catalogue
        (domain/innovation_areas.py), listed to itself only or to the whole network."""
        name = required_text(name, field="name", max_length=200)
        if any(
            a["name"].casefold() == name.casefold() and not a["retired"]
            for a in self.innovation_areas
        ):
            raise RuleViolation(f"innovation area {name!r} exists already", rule="area_exists")
        area_id = str(uuid.uuid4())
        self._innovation_area_added(
            area_id=area_id,
            name=name,
            description=None
            if description is None
            else required_text(description, field="description", max_length=2000),
            visibility=area_visibility(visibility),
        )
        return area_id

    class InnovationAreaAdded(AuditedAggregate.Event):
        """Version 2 says whose catalogue lists the area; areas added before that were the
        municipality's own list, and read so."""

        TOPIC = "innoledger:Municipality.InnovationAreaAdded"
        class_version = 2
        area_id: str
        name: str
        description: str | None
        visibility: str

        @staticmethod
        def upcast_v1_v2(state: dict[str, Any]) -> None:
            state["visibility"] = AREA_OWN

    @event(InnovationAreaAdded)
    def _innovation_area_added(
        self, area_id: str, name: str, description: str | None, visibility: str
    ) -> None:
        self.innovation_areas.append({
            "id": area_id,
            "name": name,
            "description": description,
            "visibility": visibility,
            "retired": False,
        })

    def retire_innovation_area(self, area_id: str) -> None:
        area = self.innovation_area(area_id)
        if area["retired"]:
            raise RuleViolation("innovation area is retired already", rule="area_retired")
        self._innovation_area_retired(area_id=area_id)

    @event("InnovationAreaRetired", topic="innoledger:Municipality.InnovationAreaRetired")
    def _innovation_area_retired(self, area_id: str) -> None:
        for area in self.innovation_areas:
            if area["id"] == area_id:
                area["retired"] = True

    def innovation_area(self, area_id: str) -> dict[str, Any]:
        for area in self.innovation_areas:
            if area["id"] == str(area_id):
                return area
        raise InvalidValue(
            f"innovation_area_id: {self.slug} has no innovation area {area_id}",
            field="innovation_area_id",
        )

    def areas_to_file_under(self) -> list[dict[str, str]]:
        """What this municipality's needs may be filed under: the network's shared catalogue,
        then its own active areas."""
        shared = [{"id": area.id, "name": area.name} for area in SHARED_AREAS]
        own = [
            {"id": area["id"], "name": area["name"]}
            for area in self.innovation_areas
            if not area["retired"]
        ]
        return shared + own

    def area_name(self, area_id: str) -> str | None:
        """The name of an area this municipality's needs may name (shared or its own)."""
        shared = shared_area(area_id)
        if shared is not None:
            return shared.name
        for area in self.innovation_areas:
            if area["id"] == str(area_id):
                return str(area["name"])
        return None

    def require_active_area(self, area_id: str) -> None:
        """A need of this municipality may be filed under a shared area or an own active one."""
        if shared_area(area_id) is not None:
            return
        if self.innovation_area(area_id)["retired"]:
            raise RuleViolation(
                "innovation area is retired; choose an active one", rule="area_retired"
            )

    # Innovation targets (a policy decision: the share of innovation procurements aimed at)

    def adopt_innovation_target(
        self, decision: DecisionRecord, *, year: object, target_percent: object, measure: object
    ) -> None:
        """Sets (or replaces) the target innovation share for a year; the latest adopted
        decision for a year is the one in force."""
        decision.require_type("adopt_innovation_target")
        if decision.municipality != self.slug:
            raise NotParticipant(f"only {self.slug} adopts its own targets")
        self.require_active()
        data = decision.as_event_data()
        self._innovation_target_adopted(
            decision=data,
            year=target_year(year),
            target_percent=target_percent_of(target_percent),
            measure=target_measure(measure),
        )

    @event("InnovationTargetAdopted", topic="innoledger:Municipality.InnovationTargetAdopted")
    def _innovation_target_adopted(
        self, decision: dict[str, Any], year: int, target_percent: Decimal, measure: str
    ) -> None:
        targets = [t for t in getattr(self, "innovation_targets", []) if t["year"] != year]
        targets.append(
            {
                "year": year,
                "target_percent": target_percent,
                "measure": measure,
                "decided_at": decision["decided_at"],
                "decision": decision,
            }
        )
        self.innovation_targets = sorted(targets, key=lambda t: t["year"])

    # Delegation order

    def adopt_delegation_order(
        self, decision: DecisionRecord, *, effective_from: object, rules: object
    ) -> int:
        """Records the board's (or council's) adoption of a new version of the order.

        The order takes effect no earlier than the meeting that adopted it, so it can never
        reach back over decisions taken before it existed; a decision already recorded keeps
        the authority it was checked against (its record names the rule and order version).
        """
        decision.require_type("adopt_delegation_order")
        if decision.municipality != self.slug:
            raise NotParticipant(f"only {self.slug} adopts its own delegation order")
        self.require_active()
        effective_from = parse_date(effective_from, field="effective_from")
        require_not_before(
            "the order's effective date",
            effective_from,
            "its adoption at the board's meeting",
            decision.authority["meeting_date"],
            rule="effective_before_adoption",
        )
        parsed = parse_rules(rules)
        version = len(self.delegation_orders) + 1
        self._delegation_order_adopted(
            version=version,
            effective_from=effective_from,
            rules=[rule.as_dict() for rule in parsed],
            decision=decision.as_event_data(),
        )
        return version

    @event("DelegationOrderAdopted", topic="innoledger:Municipality.DelegationOrderAdopted")
    def _delegation_order_adopted(
        self,
        version: int,
        effective_from: date,
        rules: list[dict[str, Any]],
        decision: dict[str, Any] | None,
    ) -> None:
        self.delegation_orders.append(
            {
                "version": version,
                "effective_from": effective_from,
                "rules": rules,
                # None for orders recorded before adoptions carried the board's decision.
                "decision": decision,
            }
        )

    def delegation_order_on(self, day: date) -> dict[str, Any] | None:
        return order_in_force(self.delegation_orders, day)

    def authorise(
        self,
        actor: Actor,
        *,
        decision_type: str,
        rationale: str,
        authority: AuthorityClaim,
        decided_at: datetime,
        value_sek: Decimal | None = None,
    ) -> DecisionRecord:
        """Checks that `actor` may take this decision for this municipality, and records why."""
        if actor.municipality != self.slug:
            raise NotParticipant(f"only {self.slug} itself can take decisions for {self.slug}")
        self.require_active()
        rationale = required_text(rationale, field="rationale", max_length=10000)
        decided_at = not_in_future(decided_at, field="decided_at")
        if decision_type in BOARD_ONLY_DECISIONS and authority.kind != AUTHORITY_BOARD:
            raise InvalidValue(
                f"authority.kind: {decision_type!r} is a decision of the board or council;"
                " give 'board' with its body, meeting_date and minutes_reference",
                field="authority.kind",
            )
        if authority.kind == AUTHORITY_BOARD:
            recorders = (
                ("tenant_admin",)
                if decision_type in BOARD_ONLY_DECISIONS
                else ("officer", "decision_maker")
            )
            if not actor.has_role(*recorders):
                raise AuthorityMissing(
                    f"recording this board decision needs the {' or '.join(recorders)} role",
                    rule="role_missing",
                )
            meeting_date = not_after_today(authority.meeting_date, field="authority.meeting_date")
            require_not_before(
                "the decision",
                decided_at,
                "the board's meeting",
                meeting_date,
                rule="decided_before_meeting",
            )
            recorded: dict[str, Any] = {
                "kind": authority.kind,
                "body": authority.body,
                "meeting_date": meeting_date,
                "minutes_reference": authority.minutes_reference,
            }
        else:
            day = stockholm_date(decided_at)
            order = self.delegation_order_on(day)
            rule = find_authorising_rule(
                order,
                on=day,
                decision_type=decision_type,
                roles=actor.roles,
                value_sek=value_sek,
                rule_id=authority.rule_id,
            )
            assert order is not None
            recorded = {
                "kind": authority.kind,
                "rule_id": rule.rule_id,
                "order_version": order["version"],
                "role": rule.role,
                "max_value_sek": rule.max_value_sek,
            }
        return DecisionRecord(
            type=decision_type,
            rationale=rationale,
            authority=recorded,
            decided_at=decided_at,
            decided_by=actor.user_id,
            municipality=self.slug,
            value_sek=value_sek,
        )

    # Suspension

    def require_active(self) -> None:
        if self.suspended:
            raise RuleViolation(f"{self.slug} is suspended", rule="municipality_suspended")

    def suspend(self, rationale: str) -> None:
        if self.suspended:
            raise RuleViolation(f"{self.slug} is suspended already", rule="already_suspended")
        self._suspended(rationale=required_text(rationale, field="rationale"))

    @event("Suspended", topic="innoledger:Municipality.Suspended")
    def _suspended(self, rationale: str) -> None:
        self.suspended = True

    def reactivate(self, rationale: str) -> None:
        if not self.suspended:
            raise RuleViolation(f"{self.slug} is not suspended", rule="not_suspended")
        self._reactivated(rationale=required_text(rationale, field="rationale"))

    @event("Reactivated", topic="innoledger:Municipality.Reactivated")
    def _reactivated(self, rationale: str) -> None:
        self.suspended = False


def _upcast_order_adopted_v1_v2(state: dict[str, Any]) -> None:
    # Orders stored before adoption was a board decision have no decision record; they keep
    # the authority they gave (nothing is rewritten) and say that no board reference was kept.
    state.setdefault("decision", None)


# The event class is generated by @event; its stored version 1 lacks `decision`.
Municipality.DelegationOrderAdopted.class_version = 2  # type: ignore[attr-defined]
Municipality.DelegationOrderAdopted.upcast_v1_v2 = staticmethod(  # type: ignore[attr-defined]
    _upcast_order_adopted_v1_v2
)

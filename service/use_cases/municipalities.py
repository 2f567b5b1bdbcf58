"""Use cases of the tenant itself: registration, members and roles, areas, delegation order."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.innovation_areas import AREA_OWN
from domain.municipality import Municipality, municipality_id, validate_slug
from service.application import CommandResult, command
from service.errors import AlreadyExists, Forbidden, NotFound
from service.principal import Principal
from service.use_cases.decisions import DecisionAuthorisation


class MunicipalityUseCases(DecisionAuthorisation):
    @command
    def register_municipality(
        self, principal: Principal, *, slug: str, name: str, organisation_number: str, county: str
    ) -> CommandResult:
        if not (principal.is_platform and principal.has_role("platform_admin")):
            raise Forbidden("only a platform admin registers municipalities")
        if municipality_id(validate_slug(slug)) in self.repository:
            raise AlreadyExists(f"municipality {slug!r} is registered already")
        municipality = Municipality.register(
            slug=slug, name=name, organisation_number=organisation_number, county=county
        )
        return self._commit(municipality)

    def _administered(
        self, principal: Principal, slug: str, expected_version: int | None
    ) -> Municipality:
        municipality = self._municipality_for(principal, slug)
        if principal.municipality != slug or not principal.has_role("tenant_admin"):
            raise Forbidden(f"only a tenant admin of {slug} may do this")
        self._check_version(municipality, expected_version)
        municipality.require_active()
        return municipality

    @command
    def grant_role(
        self, principal: Principal, slug: str, *, user_id: str, role: str, expected_version: int
    ) -> CommandResult:
        municipality = self._administered(principal, slug, expected_version)
        municipality.grant_role(user_id, role)
        return self._commit(municipality)

    @command
    def grant_first_tenant_admin(
        self, principal: Principal, slug: str, *, user_id: str, expected_version: int | None
    ) -> CommandResult:
        """The platform admin may seat the first tenant admin of a new municipality."""
        if not (principal.is_platform and principal.has_role("platform_admin")):
            raise Forbidden("only a platform admin seats the first tenant admin")
        municipality = self._municipality_for(principal, slug)
        self._check_version(municipality, expected_version)
        if any("tenant_admin" in roles for roles in municipality.members.values()):
            raise Forbidden(f"{slug} has a tenant admin already; ask them")
        municipality.grant_role(user_id, "tenant_admin")
        return self._commit(municipality)

    @command
    def revoke_role(
        self, principal: Principal, slug: str, *, user_id: str, role: str, expected_version: int
    ) -> CommandResult:
        municipality = self._administered(principal, slug, expected_version)
        municipality.revoke_role(user_id, role)
        return self._commit(municipality)

    @command
    def add_innovation_area(
        self,
        principal: Principal,
        slug: str,
        *,
        name: str,
        description: str | None = None,
        visibility: str = AREA_OWN,
        expected_version: int,
    ) -> CommandResult:
        """An area of the municipality's own beside the network's shared catalogue (which
        every municipality has from the day it joins, without adding anything)."""
        municipality = self._administered(principal, slug, expected_version)
        area_id = municipality.add_innovation_area(name, description, visibility)
        return self._commit(municipality, created={"innovation_area_id": area_id})

    @command
    def retire_innovation_area(
        self, principal: Principal, slug: str, *, area_id: str, expected_version: int
    ) -> CommandResult:
        municipality = self._administered(principal, slug, expected_version)
        if not any(area["id"] == area_id for area in municipality.innovation_areas):
            raise NotFound(f"{slug} has no innovation area {area_id}")
        municipality.retire_innovation_area(area_id)
        return self._commit(municipality)

    @command
    def adopt_delegation_order(
        self,
        principal: Principal,
        slug: str,
        *,
        effective_from: date,
        rules: list[dict[str, Any]],
        decision: dict[str, Any],
        expected_version: int,
    ) -> CommandResult:
        """A tenant admin records what the board or council decided: the adopting decision
        (body, meeting date, minutes reference) travels with the order it adopted."""
        municipality = self._administered(principal, slug, expected_version)
        record = self._authorise(
            principal, {**decision, "type": "adopt_delegation_order"}, municipality=municipality
        )
        version = municipality.adopt_delegation_order(
            record, effective_from=effective_from, rules=rules
        )
        return self._commit(municipality, created={"order_version": str(version)})

    @command
    def suspend_municipality(
        self, principal: Principal, slug: str, *, rationale: str, expected_version: int
    ) -> CommandResult:
        self._require_platform_admin(principal)
        municipality = self._municipality_for(principal, slug)
        self._check_version(municipality, expected_version)
        municipality.suspend(rationale)
        return self._commit(municipality)

    @command
    def reactivate_municipality(
        self, principal: Principal, slug: str, *, rationale: str, expected_version: int
    ) -> CommandResult:
        self._require_platform_admin(principal)
        municipality = self._municipality_for(principal, slug)
        self._check_version(municipality, expected_version)
        municipality.reactivate(rationale)
        return self._commit(municipality)

    @staticmethod
    def _require_platform_admin(principal: Principal) -> None:
        if not (principal.is_platform and principal.has_role("platform_admin")):
            raise Forbidden("only a platform admin may do this")

    def municipality(
        self, principal: Principal, slug: str, *, version: int | None = None
    ) -> Municipality:
        return self._municipality_for(principal, slug, version=version)

    def roles_in(self, slug: str, user_id: str) -> tuple[str, ...]:
        """Current roles of a user, for authentication: roles revoked stop working at once."""
        # A suspended municipality keeps reading its record; its commands are refused (409).
        return self._municipality_by_slug(slug).roles_of(user_id)

    def require_registered(self, slug: str) -> Municipality:
        return self._municipality_by_slug(slug)

    def registered_name(self, slug: str) -> str:
        """A registered municipality's name (NotFound for another slug). Names are given at
        registration and never change, so each process reads a name once."""
        name = self._registered_names.get(slug)
        if name is None:
            name = str(self._municipality_by_slug(slug).name)
            self._registered_names[slug] = name
        return name

    def registered_municipalities(self) -> list[dict[str, str]]:
        """The network list. Registrations are rare, so a filtered scan of the log is enough."""
        found: list[dict[str, str]] = []
        position = 0
        while True:
            batch = self.recorder.select_notifications(
                start=position,
                limit=500,
                topics=["innoledger:Municipality.Registered"],
                inclusive_of_start=False,
            )
            if not batch:
                return found
            for notification in batch:
                event = self.mapper.to_domain_event(notification)
                found.append({"slug": event.slug, "name": event.name, "county": event.county})  # type: ignore[attr-defined]
            position = batch[-1].id

"""The innovation share's own decisions: a municipality's target share for a year."""

from __future__ import annotations

from typing import Any

from domain.errors import InvalidValue
from domain.municipality import Municipality, municipality_id
from service.application import CommandResult, command, require_role
from service.errors import Forbidden
from service.principal import Principal
from service.use_cases.decisions import DecisionAuthorisation


class ShareUseCases(DecisionAuthorisation):
    @command
    def adopt_innovation_target(
        self,
        principal: Principal,
        slug: str,
        *,
        year: int,
        target_percent: object,
        decision: dict[str, Any],
        measure: str = "started_count",
        expected_version: int,
    ) -> CommandResult:
        """A target is a decision like any other: under the delegation order in force on its
        `decided_at`, or recorded as the board's (kommunfullmäktige, kommunstyrelsen)."""
        if principal.municipality != slug:
            raise Forbidden(f"only {slug} adopts its own innovation targets")
        require_role(principal, "officer", "decision_maker", "tenant_admin")
        if not isinstance(decision, dict):
            raise InvalidValue("decision: an object", field="decision")
        record = self._authorise(principal, {**decision, "type": "adopt_innovation_target"})
        municipality = self._load(municipality_id(slug), Municipality)
        self._check_version(municipality, expected_version)
        municipality.adopt_innovation_target(
            record, year=year, target_percent=target_percent, measure=measure
        )
        return self._commit(municipality)

"""Turning a decision request into a checked decision record of the deciding municipality."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.decisions import AuthorityClaim, DecisionRecord
from domain.errors import InvalidValue
from domain.municipality import Municipality
from service.application import BaseApplication
from service.principal import Principal


class DecisionAuthorisation(BaseApplication):
    def _authorise(
        self,
        principal: Principal,
        decision: dict[str, Any],
        *,
        value_sek: Decimal | None = None,
        municipality: Municipality | None = None,
    ) -> DecisionRecord:
        """Checks the decider's authority in their own municipality's delegation order (or
        the board decision it records); `municipality` when the caller has it loaded."""
        if not isinstance(decision, dict):
            raise InvalidValue("decision: an object", field="decision")
        if "decided_at" not in decision:
            raise InvalidValue("decided_at: when the decision was taken", field="decided_at")
        if municipality is None:
            municipality = self._own_municipality(principal)
        return municipality.authorise(
            principal.as_actor(),
            decision_type=decision["type"],
            rationale=decision.get("rationale", ""),
            authority=AuthorityClaim.from_dict(decision.get("authority")),
            decided_at=decision["decided_at"],
            value_sek=value_sek,
        )

    def authority_for(
        self, principal: Principal, decision: dict[str, Any], *, value_sek: Decimal | None = None
    ) -> DecisionRecord:
        """The authority a decision would rest on, checked exactly as when it is taken, without
        taking it: the delegation rule it relies on, or the refusal saying why none does. For
        forms that show the rule before the decision is submitted."""
        return self._authorise(principal, decision, value_sek=value_sek)

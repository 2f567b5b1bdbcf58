"""Turning a decision request into a checked decision record of the deciding municipality."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from domain.decisions import AuthorityClaim, DecisionRecord
from domain.errors import InvalidValue
from service.application import BaseApplication
from service.principal import Principal


class DecisionAuthorisation(BaseApplication):
    def _authorise(
        self,
        principal: Principal,
        decision: dict[str, Any],
        *,
        value_sek: Decimal | None = None,
    ) -> DecisionRecord:
        """Checks the decider's authority in their own municipality's delegation order."""
        if "decided_at" not in decision:
            raise InvalidValue("decided_at: when the decision was taken", field="decided_at")
        municipality = self._own_municipality(principal)
        return municipality.authorise(
            principal.as_actor(),
            decision_type=decision["type"],
            rationale=decision.get("rationale", ""),
            authority=AuthorityClaim.from_dict(decision.get("authority")),
            decided_at=decision["decided_at"],
            value_sek=value_sek,
        )

"""Ordinary purchasing: any procurement of a municipality registered in one step.

The model's phase 3 makes innovation screening part of *every* procurement, so the innovation
share can be measured. A registered procurement needs no needs work: its procurement decision
(anskaffningsbeslut), innovation screening and procedure are the lead's decisions, taken under
the same authority on the same day, and saved with the procurement in one transaction. A direct
award or a call-off from a framework agreement that is already signed is registered with its
contract (award and signing on the signing day: no standstill applies to either).
"""

from __future__ import annotations

import uuid
from datetime import datetime, time
from typing import Any

from domain.errors import InvalidValue, RuleViolation
from domain.need import PROCUREMENT_DECIDED, Need
from domain.procurement import WITHOUT_STANDSTILL, Procurement
from domain.values.dates import parse_date
from domain.values.money import parse_sek
from domain.values.text import optional_text, required_text
from domain.values.timestamps import STOCKHOLM
from service.access_policy import works_on_need
from service.application import CommandResult, command, require_role
from service.errors import NotFound
from service.principal import Principal
from service.use_cases.decisions import DecisionAuthorisation

# Register references key a procurement's id, so importing the same register line again finds
# the procurement it made the first time (idempotent re-import).
_REGISTER_NAMESPACE = uuid.UUID("5b0e7c36-1f4e-4f35-9a39-2d7c1b8e6a10")


def registered_procurement_id(lead: str, register_reference: str) -> uuid.UUID:
    return uuid.uuid5(_REGISTER_NAMESPACE, f"{lead}\x1f{register_reference}")


class PurchasingUseCases(DecisionAuthorisation):
    @command
    def register_procurement(
        self,
        principal: Principal,
        *,
        title: str,
        estimated_value_sek: object,
        procedure: str,
        decision: dict[str, Any],
        screening: dict[str, Any],
        description: str | None = None,
        cpv_codes: list[str] | None = None,
        need_ids: list[str] | None = None,
        case_number: str | None = None,
        framework_agreement: str | None = None,
        exemption_rationale: str | None = None,
        contract: dict[str, Any] | None = None,
        register_reference: str | None = None,
    ) -> CommandResult:
        """Registers a procurement with its procurement decision, screening and procedure."""
        procurement, needs = self._registration(
            principal,
            title=title,
            estimated_value_sek=estimated_value_sek,
            procedure=procedure,
            decision=decision,
            screening=screening,
            description=description,
            cpv_codes=cpv_codes,
            need_ids=need_ids,
            case_number=case_number,
            framework_agreement=framework_agreement,
            exemption_rationale=exemption_rationale,
            contract=contract,
            register_reference=register_reference,
        )
        return self._commit(procurement, *needs)

    def registered_procurement(
        self, principal: Principal, register_reference: str
    ) -> Procurement | None:
        """The procurement the caller's municipality registered under this reference."""
        lead = self._own_municipality(principal)
        try:
            return self._procurement_for(
                principal, registered_procurement_id(lead.slug, register_reference)
            )
        except NotFound:
            return None

    def _registration(
        self,
        principal: Principal,
        *,
        title: str,
        estimated_value_sek: object,
        procedure: str,
        decision: dict[str, Any],
        screening: dict[str, Any],
        description: str | None,
        cpv_codes: list[str] | None,
        need_ids: list[str] | None,
        case_number: str | None,
        framework_agreement: str | None,
        exemption_rationale: str | None,
        contract: dict[str, Any] | None,
        register_reference: str | None,
    ) -> tuple[Procurement, list[Need]]:
        """Builds the procurement and its needs' changes without saving (the import checks a
        whole file this way before saving any of it)."""
        require_role(principal, "officer", "decision_maker")
        lead = self._own_municipality(principal)
        lead.require_active()
        if not isinstance(decision, dict):
            raise InvalidValue("decision: an object", field="decision")
        if not isinstance(screening, dict):
            raise InvalidValue("screening: an object", field="screening")
        value = parse_sek(estimated_value_sek, field="estimated_value_sek")
        reference = optional_text(register_reference, field="register_reference", max_length=100)
        if reference is not None and self._is_registered(lead.slug, reference):
            raise RuleViolation(
                f"register reference {reference!r} is registered already",
                rule="already_registered",
            )
        needs = self._needs_to_register(principal, need_ids or [])
        common = {
            "authority": decision.get("authority"),
            "decided_at": decision.get("decided_at"),
        }
        procure = self._authorise(
            principal,
            {**common, "type": "decide_to_procure", "rationale": decision.get("rationale", "")},
            value_sek=value,
        )
        procurement = Procurement.register(
            lead=lead.slug,
            title=title,
            description=description,
            estimated_value_sek=value,
            cpv_codes=cpv_codes,
            need_ids=[str(need.id) for need in needs],
            case_number=case_number,
            procurement_decision=procure,
            register_reference=reference,
            procurement_id=None
            if reference is None
            else registered_procurement_id(lead.slug, reference),
        )
        # The other decisions rest on the same authority; a named delegation rule is the
        # procurement decision's, so the screening and procedure find their own rule.
        shared = {**common, "authority": _without_rule(decision.get("authority"))}
        procurement.screen(
            self._authorise(
                principal,
                {**shared, "type": "screen", "rationale": screening.get("rationale", "")},
            ),
            innovation=screening.get("innovation"),  # type: ignore[arg-type]
            kind=screening.get("kind"),
        )
        procurement.choose_procedure(
            self._authorise(
                principal,
                {**shared, "type": "choose_procedure", "rationale": procure.rationale},
                value_sek=value,
            ),
            procedure=procedure,
            exemption_rationale=exemption_rationale,
            framework_agreement=framework_agreement,
        )
        if contract is not None:
            self._register_contract(principal, procurement, contract, shared)
        for owner in dict.fromkeys(need.owner for need in needs):
            if owner != lead.slug:
                procurement.invite_participant(municipality=owner, role="participant")
        for need in needs:
            need.attach_to_procurement(str(procurement.id))
        return procurement, needs

    def _is_registered(self, lead: str, reference: str) -> bool:
        try:
            self._load(registered_procurement_id(lead, reference), Procurement, read_only=True)
        except NotFound:
            return False
        return True

    def _needs_to_register(self, principal: Principal, need_ids: list[str]) -> list[Need]:
        if not isinstance(need_ids, list) or len(need_ids) > 50:
            raise InvalidValue("need_ids: a list of at most 50 needs", field="need_ids")
        needs: list[Need] = []
        for need_id in need_ids:
            try:
                need = self._need_for(principal, need_id)
            except NotFound:
                raise InvalidValue(f"need_ids: no need {need_id}", field="need_ids") from None
            if not works_on_need(principal, need):
                raise RuleViolation(
                    f"need {need_id} belongs to {need.owner}; join it as co-owner first",
                    rule="need_not_owned",
                )
            if need.status != PROCUREMENT_DECIDED:
                raise RuleViolation(
                    f"need {need_id} is {need.status}; only needs with a procurement decision"
                    " (anskaffningsbeslut) can be linked",
                    rule="need_not_decided",
                )
            needs.append(need)
        return needs

    def _register_contract(
        self,
        principal: Principal,
        procurement: Procurement,
        contract: dict[str, Any],
        shared: dict[str, Any],
    ) -> None:
        """A signed direct award or call-off: awarded and signed on the signing day."""
        if not isinstance(contract, dict):
            raise InvalidValue("contract: an object", field="contract")
        if procurement.procedure not in WITHOUT_STANDSTILL:
            raise RuleViolation(
                f"a {procurement.procedure} procurement is awarded with a standstill"
                " (avtalsspärr): register it, then record the award and the contract",
                rule="contract_needs_award",
            )
        signed_on = parse_date(contract.get("signed_on"), field="contract.signed_on")
        supplier = contract.get("supplier")
        if not isinstance(supplier, dict):
            raise InvalidValue("contract.supplier: an object", field="contract.supplier")
        amount = parse_sek(contract.get("contract_value_sek"), field="contract.contract_value_sek")
        decided = procurement.procurement_decision
        assert decided is not None
        signed_at = datetime.combine(signed_on, time(0, 0), tzinfo=STOCKHOLM)
        if signed_at < decided["decided_at"]:
            raise InvalidValue(
                "contract.signed_on: cannot come before the procurement decision",
                field="contract.signed_on",
            )
        rationale = required_text(
            contract.get("rationale") or f"Avtal tecknat {signed_on.isoformat()}",
            field="contract.rationale",
            max_length=10000,
        )
        on_signing = {**shared, "decided_at": signed_at, "rationale": rationale}
        procurement.award_contract(
            self._authorise(
                principal,
                {**on_signing, "type": "award"},
                value_sek=procurement.estimated_value_sek,
            ),
            suppliers=[supplier],
            evaluation_summary=rationale,
            notification_sent_at=signed_at,
            sent_electronically=True,
        )
        procurement.sign_contract(
            self._authorise(principal, {**on_signing, "type": "sign_contract"}, value_sek=amount),
            supplier_org_number=str(supplier.get("org_number", "")),
            contract_value_sek=amount,
            signed_on=signed_on,
        )


def _without_rule(authority: object) -> object:
    if isinstance(authority, dict) and authority.get("kind") == "delegation":
        return {"kind": "delegation"}
    return authority

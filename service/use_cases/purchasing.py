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
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, time
from typing import Any

from domain.errors import DomainError, InvalidValue, RuleViolation
from domain.need import Need
from domain.procurement import WITHOUT_STANDSTILL, Procurement
from domain.rules.thresholds import LawTable
from domain.rules.valid_time import require_after_decisions_to_procure
from domain.values.dates import parse_date
from domain.values.money import parse_sek
from domain.values.text import optional_text, required_text
from domain.values.timestamps import STOCKHOLM
from service.application import CommandResult, command, require_role
from service.errors import ApplicationError, Forbidden, NotFound
from service.principal import Principal
from service.purchasing.register_csv import RegisterLine, column_of
from service.use_cases.decisions import DecisionAuthorisation
from service.use_cases.law_amounts import LawAmountUseCases

# Register references key a procurement's id, so importing the same register line again finds
# the procurement it made the first time (idempotent re-import).
_REGISTER_NAMESPACE = uuid.UUID("5b0e7c36-1f4e-4f35-9a39-2d7c1b8e6a10")


def registered_procurement_id(lead: str, register_reference: str) -> uuid.UUID:
    return uuid.uuid5(_REGISTER_NAMESPACE, f"{lead}\x1f{register_reference}")


@dataclass
class ImportReport:
    """What an import did, line by line: nothing is saved unless every line can be."""

    municipality: str
    lines: int = 0
    registered: list[dict[str, Any]] = field(default_factory=list)
    unchanged: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    position: int | None = None

    @property
    def ok(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "municipality": self.municipality,
            "lines": self.lines,
            "registered": len(self.registered),
            "unchanged": len(self.unchanged),
            "saved": self.ok and bool(self.registered),
            "errors": self.errors,
            "procurements": self.registered + self.unchanged,
            "position": self.position,
        }


class PurchasingUseCases(DecisionAuthorisation, LawAmountUseCases):
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
        law, law_record = self._law_table_for_decisions()
        procurement, needs = self._registration(
            principal,
            law=law,
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
        return self._commit(procurement, *needs, *law_record)

    @command
    def import_purchasing_register(
        self,
        principal: Principal,
        lines: list[RegisterLine],
        *,
        progress: Callable[[str], None] = lambda _: None,
    ) -> ImportReport:
        """Registers every line of a register file in one transaction, or none of them.

        A line whose reference is registered already, with the same content, is left as it is,
        so importing the same file again changes nothing; one whose content differs is an error
        (change a registered procurement through its own commands)."""
        require_role(principal, "officer", "decision_maker")
        lead = self._own_municipality(principal)
        report = ImportReport(municipality=lead.slug, lines=len(lines))
        built: list[Any] = []
        seen: dict[str, int] = {}
        law, law_record = self._law_table_for_decisions()
        for index, line in enumerate(lines, start=1):
            if index % 25 == 0 or index == len(lines):
                progress(f"checked {index}/{len(lines)} lines")
            errors = dict(line.errors)
            reference = line.reference
            if reference is not None and reference in seen:
                errors.setdefault("Referens", f"also on line {seen[reference]}")
            if reference is not None:
                seen.setdefault(reference, line.line)
            if errors:
                report.errors.extend(_line_errors(line.line, reference, errors))
                continue
            assert reference is not None
            existing = self.registered_procurement(principal, reference)
            if existing is not None:
                differs = _differences(existing, line.body)
                if differs:
                    report.errors.extend(_line_errors(line.line, reference, {
                        column: "registered already with another value" for column in differs
                    }))
                else:
                    report.unchanged.append(_summary(line.line, existing))
                continue
            try:
                procurement, needs = self._registration(principal, law=law, **line.body)
            except Forbidden:
                raise
            except (DomainError, ApplicationError) as error:
                column = column_of(getattr(error, "field", None), error.rule)
                report.errors.extend(_line_errors(line.line, reference, {column: error.message}))
                continue
            built.extend([procurement, *needs])
            report.registered.append(_summary(line.line, procurement))
        if report.errors or not built:
            report.position = None
            return report
        progress(f"saving {len(report.registered)} procurements")
        report.position = self._commit(*built, *law_record).position
        return report

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
        law: LawTable,
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
        require_after_decisions_to_procure(
            "the procurement decision",
            procure.decided_at,
            [need.decided_to_procure_at for need in needs],
        )
        # Another municipality's need enters only by its owner's own decision (joining).
        own = [need for need in needs if need.owner == lead.slug]
        proposed: dict[str, list[str]] = {}
        for need in needs:
            if need.owner != lead.slug:
                proposed.setdefault(need.owner, []).append(str(need.id))
        procurement = Procurement.register(
            lead=lead.slug,
            title=title,
            description=description,
            estimated_value_sek=value,
            cpv_codes=cpv_codes,
            need_ids=[str(need.id) for need in own],
            proposed_need_ids=proposed,
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
            law=law,
        )
        if contract is not None:
            self._register_contract(principal, procurement, contract, shared, law)
        for owner in proposed:
            procurement.invite_participant(municipality=owner, role="participant")
        for need in own:
            need.attach_to_procurement(str(procurement.id))
        return procurement, own

    def _is_registered(self, lead: str, reference: str) -> bool:
        try:
            self._load(registered_procurement_id(lead, reference), Procurement, read_only=True)
        except NotFound:
            return False
        return True

    def _needs_to_register(self, principal: Principal, need_ids: list[str]) -> list[Need]:
        if not isinstance(need_ids, list) or len(need_ids) > 50:
            raise InvalidValue("need_ids: a list of at most 50 needs", field="need_ids")
        return self._needs_decided_for_procurement(principal, need_ids, linking="linked")

    def _register_contract(
        self,
        principal: Principal,
        procurement: Procurement,
        contract: dict[str, Any],
        shared: dict[str, Any],
        law: LawTable,
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
            law=law,
        )
        procurement.sign_contract(
            self._authorise(principal, {**on_signing, "type": "sign_contract"}, value_sek=amount),
            supplier_org_number=str(supplier.get("org_number", "")),
            contract_value_sek=amount,
            signed_on=signed_on,
            law=law,
        )


def _without_rule(authority: object) -> object:
    if isinstance(authority, dict) and authority.get("kind") == "delegation":
        return {"kind": "delegation"}
    return authority


def _line_errors(line: int, reference: str | None, errors: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {"line": line, "reference": reference, "column": column, "message": message}
        for column, message in errors.items()
    ]


def _summary(line: int, procurement: Procurement) -> dict[str, Any]:
    return {
        "line": line,
        "reference": procurement.register_reference,
        "id": str(procurement.id),
        "status": procurement.status,
    }


def _differences(procurement: Procurement, body: dict[str, Any]) -> list[str]:
    """The columns whose value differs from what the procurement was registered with."""
    decided = procurement.procurement_decision or {}
    checks = {
        "Benämning": (procurement.title, str(body.get("title", "")).strip()),
        "Uppskattat värde": (procurement.estimated_value_sek,
                             parse_sek(body.get("estimated_value_sek"),
                                       field="estimated_value_sek")),
        "Förfarande": (procurement.procedure, body.get("procedure")),
        "Beslutsdatum": (decided.get("decided_at"), body["decision"].get("decided_at")),
        "Innovation": (procurement.innovation, body["screening"].get("innovation")),
    }
    return [column for column, (now, wanted) in checks.items() if now != wanted]

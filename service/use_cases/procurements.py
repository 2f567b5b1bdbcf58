"""Use cases of carrying out a procurement: from needs to contract, follow-up and lessons."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any, assert_never

from domain.decisions import PARTICIPATION_DECISIONS
from domain.errors import InvalidValue
from domain.need import Need
from domain.procurement import Procurement
from domain.procurement_decisions import (
    Award,
    Cancel,
    ChooseProcedure,
    Close,
    LeadDecision,
    NamedSupplier,
    ProcurementDecision,
    Publish,
    Screen,
    SignContract,
    TerminateEarly,
    procurement_decision,
)
from domain.rules.valid_time import require_after_decisions_to_procure
from domain.values.money import parse_sek
from service.application import CommandResult, command, require_role, to_uuid
from service.errors import Forbidden, NotFound
from service.principal import Principal
from service.use_cases.decisions import DecisionAuthorisation
from service.use_cases.law_amounts import LawAmountUseCases
from service.use_cases.parties import PartyIdentification, identifying_parties


class ProcurementUseCases(DecisionAuthorisation, LawAmountUseCases):
    @command
    def start_procurement(
        self,
        principal: Principal,
        *,
        title: str,
        description: str,
        estimated_value_sek: object,
        need_ids: list[str],
        case_number: str | None = None,
        cpv_code: str | None = None,
    ) -> CommandResult:
        """Creates the procurement and moves the lead's own needs to in_procurement in one
        transaction.

        A need of another municipality (co-owned by the lead) enters only by its owner's own
        decision: the owner is invited, and the need is proposed until the owner joins.
        """
        require_role(principal, "officer")
        lead = self._own_municipality(principal)
        lead.require_active()
        if not isinstance(need_ids, list) or not need_ids:
            raise InvalidValue("need_ids: at least one need", field="need_ids")
        needs = self._needs_decided_for_procurement(principal, need_ids, linking="procured")
        own = [need for need in needs if need.owner == lead.slug]
        proposed: dict[str, list[str]] = {}
        for need in needs:
            if need.owner != lead.slug:
                proposed.setdefault(need.owner, []).append(str(need.id))
        procurement = Procurement.start(
            lead=lead.slug,
            title=title,
            description=description,
            estimated_value_sek=estimated_value_sek,
            need_ids=[str(need.id) for need in own],
            case_number=case_number,
            cpv_code=cpv_code,
            proposed_need_ids=proposed,
        )
        for owner in proposed:
            procurement.invite_participant(municipality=owner, role="participant")
        for need in own:
            need.attach_to_procurement(str(procurement.id))
        return self._commit(procurement, *own)

    def _procurement_to_work_on(
        self,
        principal: Principal,
        procurement_id: str,
        expected_version: int,
        *,
        co_leads_too: bool = False,
        participants_too: bool = False,
    ) -> Procurement:
        procurement = self._procurement_for(
            principal, procurement_id, expected_version=expected_version
        )
        allowed = (
            principal.municipality == procurement.lead
            or (co_leads_too and procurement.is_co_lead(principal.municipality))
            or (participants_too and procurement.has_joined(principal.municipality))
        )
        if not allowed:
            raise Forbidden(
                f"only {procurement.lead}, the lead"
                + (", and co-leads" if co_leads_too else "")
                + " may do this"
            )
        require_role(principal, "officer")
        self._check_version(procurement, expected_version)
        self._own_municipality(principal).require_active()
        return procurement

    @command
    def edit_procurement(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        changes: dict[str, Any],
        expected_version: int,
    ) -> CommandResult:
        procurement = self._procurement_to_work_on(principal, procurement_id, expected_version)
        law, law_record = self._law_table_for_decisions()
        procurement.edit(law=law, **changes)
        return self._commit(procurement, *law_record)

    @command
    def invite_participant(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        municipality: str,
        role: str,
        expected_version: int,
    ) -> CommandResult:
        procurement = self._procurement_to_work_on(principal, procurement_id, expected_version)
        try:
            self._municipality_by_slug(municipality).require_active()
        except NotFound:
            raise InvalidValue(
                f"municipality: {municipality!r} is not registered", field="municipality"
            ) from None
        procurement.invite_participant(municipality=municipality, role=role)
        return self._commit(procurement)

    @command
    def decide_participation(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        decision: dict[str, Any],
        expected_version: int,
    ) -> CommandResult:
        """A participant joins, declines or withdraws: its own decision, under its own order."""
        if decision.get("type") not in PARTICIPATION_DECISIONS:
            raise InvalidValue(f"type: one of {', '.join(PARTICIPATION_DECISIONS)}", field="type")
        procurement = self._procurement_for(principal, procurement_id)
        self._check_version(procurement, expected_version)
        record = self._authorise(principal, decision, value_sek=procurement.estimated_value_sek)
        # The participant's own needs enter with its join and leave with its withdrawal, in
        # the same transaction.
        entering = [self._load(to_uuid(n), Need) for n in procurement.needs_entering_with(record)]
        addressed = [self._load(to_uuid(n), Need) for n in procurement.need_ids]
        leaving_ids = procurement.needs_leaving_with(
            record, {str(need.id): need.owner for need in addressed}
        )
        leaving = [need for need in addressed if str(need.id) in leaving_ids]
        if record.type == "join":
            # Joining rests on the procurement's needs' decisions to procure and on the
            # joining municipality's own needs' decisions that enter with it.
            require_after_decisions_to_procure(
                "the join decision",
                record.decided_at,
                [need.decided_to_procure_at for need in (*addressed, *entering)],
            )
        procurement.decide_participation(
            record,
            value_share_percent=decision.get("value_share_percent"),
            withdrawn_need_ids=leaving_ids,
        )
        for need in entering:
            need.attach_to_procurement(str(procurement.id))
        for need in leaving:
            need.release_from_procurement(str(procurement.id))
        return self._commit(procurement, *entering, *leaving)

    def _decided_to_procure(self, procurement: Procurement) -> list[datetime | None]:
        return [
            self._load(to_uuid(n), Need, read_only=True).decided_to_procure_at
            for n in procurement.need_ids
        ]

    @command
    def decide_on_procurement(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        decision: ProcurementDecision | Mapping[str, Any],
        expected_version: int,
    ) -> CommandResult:
        """One entry point for the lead's decisions, each a typed command
        (domain/procurement_decisions.py); a mapping is read into one first."""
        command = decision if isinstance(decision, LeadDecision) else procurement_decision(decision)
        procurement = self._procurement_for(principal, procurement_id)
        if principal.municipality != procurement.lead:
            raise Forbidden(f"only {procurement.lead}, the lead, takes this decision")
        self._check_version(procurement, expected_version)
        value = procurement.decision_value(command.type)
        if isinstance(command, SignContract):
            value = command.contract_value_sek
        record = self._authorise(principal, command.claim(), value_sek=value)
        require_after_decisions_to_procure(
            f"the {command.type} decision", record.decided_at, self._decided_to_procure(procurement)
        )
        with identifying_parties(self, procurement.lead) as parties:
            changed: list[Any] = [procurement]
            match command:
                case Screen():
                    procurement.screen(record, innovation=command.innovation, kind=command.kind)
                case ChooseProcedure():
                    law, law_record = self._law_table_for_decisions()
                    procurement.choose_procedure(
                        record,
                        procedure=command.procedure,
                        exemption_rationale=command.exemption_rationale,
                        framework_agreement=command.framework_agreement,
                        law=law,
                    )
                    changed.extend(law_record)
                case Publish():
                    procurement.publish(
                        record,
                        notice_id=command.notice_id,
                        tender_deadline=command.tender_deadline,
                    )
                case Award():
                    law, law_record = self._law_table_for_decisions()
                    changed.extend(law_record)
                    procurement.award_contract(
                        record,
                        suppliers=_suppliers(parties, command.suppliers),
                        evaluation_summary=command.evaluation_summary,
                        notification_sent_at=command.notification_sent_at,
                        sent_electronically=command.sent_electronically,
                        law=law,
                    )
                case SignContract():
                    supplier = parties.identify(
                        command.supplier_org_number,
                        None,
                        field="supplier_org_number",
                        name_field="supplier_name",
                        create=False,
                    )
                    law, law_record = self._law_table_for_decisions()
                    procurement.sign_contract(
                        record,
                        supplier_org_number=supplier.org_number,
                        supplier_party_id=supplier.party_id,
                        contract_value_sek=command.contract_value_sek,
                        signed_on=command.signed_on,
                        law=law,
                    )
                    changed.extend(law_record)
                case Cancel():
                    procurement.cancel(record)
                    for need_id in procurement.need_ids:
                        need = self._load(to_uuid(need_id), Need)
                        need.release_from_procurement(str(procurement.id))
                        changed.append(need)
                case TerminateEarly():
                    procurement.terminate_early(record, reason=command.reason)
                case Close():
                    procurement.close(record, outcome=command.outcome)
                case _:
                    assert_never(command)
            return self._commit(*changed)

    # Facts

    @command
    def record_market_dialogue(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        kind: str,
        held_on: date,
        supplier_count: int,
        summary: str,
        expected_version: int,
    ) -> CommandResult:
        procurement = self._procurement_to_work_on(
            principal, procurement_id, expected_version, co_leads_too=True
        )
        activity_id = procurement.record_market_dialogue(
            kind=kind, held_on=held_on, supplier_count=supplier_count, summary=summary
        )
        return self._commit(procurement, created={"activity_id": activity_id})

    @command
    def record_bid(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        tenderer_org_number: str,
        tenderer_name: str,
        received_at: datetime,
        expected_version: int,
    ) -> CommandResult:
        procurement = self._procurement_to_work_on(principal, procurement_id, expected_version)
        with identifying_parties(self, procurement.lead) as parties:
            tenderer = parties.identify(
                tenderer_org_number,
                tenderer_name,
                field="tenderer_org_number",
                name_field="tenderer_name",
            )
            bid_id = procurement.record_bid(
                tenderer_org_number=tenderer.org_number,
                tenderer_name=tenderer.name,
                tenderer_party_id=tenderer.party_id,
                received_at=received_at,
            )
            return self._commit(procurement, created={"bid_id": bid_id})

    @command
    def start_evaluation(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        at: datetime | None = None,
        expected_version: int,
    ) -> CommandResult:
        procurement = self._procurement_to_work_on(principal, procurement_id, expected_version)
        procurement.start_evaluation(at=at)
        return self._commit(procurement)

    @command
    def file_review(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        filed_on: date,
        court: str,
        applicant: str,
        reference: str,
        expected_version: int,
    ) -> CommandResult:
        procurement = self._procurement_to_work_on(principal, procurement_id, expected_version)
        review_id = procurement.file_review(
            filed_on=filed_on, court=court, applicant=applicant, reference=reference
        )
        return self._commit(procurement, created={"review_id": review_id})

    def _review_to_work_on(
        self, principal: Principal, procurement_id: str, review_id: str, expected_version: int
    ) -> Procurement:
        procurement = self._procurement_to_work_on(principal, procurement_id, expected_version)
        if not any(review.id == review_id for review in procurement.reviews):
            raise NotFound(f"no review {review_id}")
        return procurement

    @command
    def rule_on_review(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        review_id: str,
        ruled_on: date,
        outcome: str,
        summary: str,
        expected_version: int,
    ) -> CommandResult:
        procurement = self._review_to_work_on(
            principal, procurement_id, review_id, expected_version
        )
        procurement.rule_on_review(
            review_id=review_id, ruled_on=ruled_on, outcome=outcome, summary=summary
        )
        return self._commit(procurement)

    @command
    def issue_interim_order(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        review_id: str,
        ordered_on: date,
        expected_version: int,
    ) -> CommandResult:
        procurement = self._review_to_work_on(
            principal, procurement_id, review_id, expected_version
        )
        procurement.issue_interim_order(review_id=review_id, ordered_on=ordered_on)
        return self._commit(procurement)

    @command
    def lift_interim_order(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        review_id: str,
        lifted_on: date,
        expected_version: int,
    ) -> CommandResult:
        procurement = self._review_to_work_on(
            principal, procurement_id, review_id, expected_version
        )
        procurement.lift_interim_order(review_id=review_id, lifted_on=lifted_on)
        return self._commit(procurement)

    @command
    def appeal_review(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        review_id: str,
        appealed_on: date,
        court: str,
        appellant: str,
        reference: str,
        expected_version: int,
    ) -> CommandResult:
        procurement = self._review_to_work_on(
            principal, procurement_id, review_id, expected_version
        )
        procurement.appeal_review(
            review_id=review_id,
            appealed_on=appealed_on,
            court=court,
            appellant=appellant,
            reference=reference,
        )
        return self._commit(procurement)

    @command
    def rule_on_appeal(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        review_id: str,
        ruled_on: date,
        outcome: str,
        summary: str,
        expected_version: int,
    ) -> CommandResult:
        procurement = self._review_to_work_on(
            principal, procurement_id, review_id, expected_version
        )
        procurement.rule_on_appeal(
            review_id=review_id, ruled_on=ruled_on, outcome=outcome, summary=summary
        )
        return self._commit(procurement)

    @command
    def record_milestone(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        title: str,
        reached_on: date,
        note: str | None = None,
        expected_version: int,
    ) -> CommandResult:
        procurement = self._procurement_to_work_on(
            principal, procurement_id, expected_version, co_leads_too=True
        )
        milestone_id = procurement.record_milestone(title=title, reached_on=reached_on, note=note)
        return self._commit(procurement, created={"milestone_id": milestone_id})

    @command
    def record_follow_up(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        need_id: str,
        followed_up_on: date,
        effect: str,
        measurement: str,
        expected_version: int,
    ) -> CommandResult:
        procurement = self._procurement_to_work_on(
            principal, procurement_id, expected_version, co_leads_too=True, participants_too=True
        )
        follow_up_id = procurement.record_follow_up(
            need_id=need_id,
            followed_up_on=followed_up_on,
            effect=effect,
            measurement=measurement,
            municipality=principal.municipality,
        )
        return self._commit(procurement, created={"follow_up_id": follow_up_id})

    @command
    def record_lesson(
        self,
        principal: Principal,
        procurement_id: str,
        *,
        text: str,
        shareable: bool,
        expected_version: int,
        phase: str | None = None,
        what_worked: str | None = None,
        what_to_change: str | None = None,
        tags: list[str] | None = None,
    ) -> CommandResult:
        """Every municipality taking part records its own lessons (lead, co-leads and
        participants that joined)."""
        procurement = self._procurement_to_work_on(
            principal, procurement_id, expected_version, co_leads_too=True, participants_too=True
        )
        lesson_id = procurement.record_lesson(
            text=text,
            shareable=shareable,
            municipality=principal.municipality,
            phase=phase,
            what_worked=what_worked,
            what_to_change=what_to_change,
            tags=tags,
        )
        return self._commit(procurement, created={"lesson_id": lesson_id})

    def authority_for_procurement_decision(
        self, principal: Principal, procurement_id: str, *, decision: dict[str, Any]
    ) -> Any:
        """What `decide_on_procurement` or `decide_participation` would check the decision's
        authority against, with the value it commits, without deciding."""
        procurement = self._procurement_for(principal, procurement_id)
        kind = decision.get("type")
        if kind in PARTICIPATION_DECISIONS:
            return self.authority_for(
                principal, decision, value_sek=procurement.estimated_value_sek
            )
        if principal.municipality != procurement.lead:
            raise Forbidden(f"only {procurement.lead}, the lead, takes this decision")
        value = procurement.decision_value(str(kind))
        if kind == "sign_contract":
            value = parse_sek(decision.get("contract_value_sek"), field="contract_value_sek")
        return self.authority_for(principal, decision, value_sek=value)

    def procurement(
        self, principal: Principal, procurement_id: str, *, version: int | None = None
    ) -> Procurement:
        return self._procurement_for(principal, procurement_id, version=version)


def _suppliers(
    parties: PartyIdentification, suppliers: tuple[NamedSupplier, ...]
) -> list[dict[str, Any]]:
    """Sole traders among the suppliers become directory references; the rest is the domain's."""
    return [
        parties.identify(
            supplier.org_number,
            supplier.name,
            field=f"suppliers[{index}].org_number",
            name_field=f"suppliers[{index}].name",
        ).as_supplier()
        for index, supplier in enumerate(suppliers)
    ]

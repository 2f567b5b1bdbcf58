"""A small network driven through the Innoledger use cases, on the builders' 2018-2019 timeline."""

from __future__ import annotations

import uuid
from typing import Any

from service.application import CommandResult
from service.innoledger import Innoledger
from tests.builders import (
    AWARD_AT,
    BID_AT,
    CLOSE_AT,
    CONTRACT_VALUE,
    ESTIMATED_VALUE,
    EVALUATION_AT,
    FOLLOW_UP_ON,
    MILESTONE_ON,
    NOTIFIED_AT,
    PRIORITISED_AT,
    PROCEDURE_AT,
    PROCURE_AT,
    PUBLISH_AT,
    SCORES,
    SCREEN_AT,
    SIGN_AT,
    SIGN_ON,
    SUPPLIER_A,
    SUPPLIER_B,
    SWOT_TEXTS,
    TENDER_DEADLINE,
    Tenant,
    board_decision,
    decision,
    setup_tenant,
)

PATH = ("planning", "tendering", "evaluation", "awarded", "contracted", "implementing", "closed")


class Scenario:
    """Ystad and Skurup share the innovation area "Lärprocess för AI"; Trelleborg has
    "Rena och torra golv"."""

    def __init__(self, app: Innoledger):
        self.app = app
        self.ystad = setup_tenant(app, "ystad")
        self.skurup = setup_tenant(app, "skurup")
        self.trelleborg = setup_tenant(app, "trelleborg", area="Rena och torra golv")

    def version(self, aggregate_id: str) -> int:
        return int(self.app.repository.get(uuid.UUID(aggregate_id)).version)

    # Needs

    def need(
        self,
        tenant: Tenant,
        title: str,
        *,
        statement: str | None = None,
        shared: bool = False,
        swot: bool = False,
    ) -> str:
        need_id = self.app.identify_need(
            tenant.officer,
            title=title,
            problem_statement=statement or f"Problemet bakom {title}.",
            innovation_area_id=tenant.area_id,
            affected_end_users=["elever"],
            competences=["IT"],
        ).aggregate_id
        if swot:
            for quadrant, text in SWOT_TEXTS.items():
                self.app.add_swot_item(
                    tenant.officer,
                    need_id,
                    quadrant=quadrant,
                    text=text,
                    expected_version=self.version(need_id),
                )
        if shared:
            self.share(tenant, need_id)
        return need_id

    def share(self, tenant: Tenant, need_id: str) -> CommandResult:
        return self.app.share_need(tenant.officer, need_id, expected_version=self.version(need_id))

    def decide_need(self, tenant: Tenant, need_id: str, kind: str, **extra: Any) -> CommandResult:
        at = PROCURE_AT if kind in ("decide_to_procure", "mark_realised") else PRIORITISED_AT
        if kind == "mark_realised":
            at = CLOSE_AT
        return self.app.decide_on_need(
            tenant.decision_maker,
            need_id,
            decision=decision(kind, at, **extra),
            expected_version=self.version(need_id),
        )

    def decided_need(self, tenant: Tenant, title: str, *, shared: bool = False) -> str:
        need_id = self.need(tenant, title, shared=shared, swot=True)
        self.decide_need(tenant, need_id, "prioritise", scores=SCORES)
        self.decide_need(tenant, need_id, "decide_to_procure")
        return need_id

    def join(self, tenant: Tenant, need_id: str) -> CommandResult:
        """`tenant` joins another municipality's shared need as co-owner (before procuring
        for it)."""
        return self.app.join_need_as_co_owner(
            tenant.officer, need_id, expected_version=self.version(need_id)
        )

    # Procurements

    def procurement(
        self,
        tenant: Tenant,
        need_ids: list[str],
        *,
        title: str = "AI-stöd",
        value: str = ESTIMATED_VALUE,
    ) -> str:
        return self.app.start_procurement(
            tenant.officer,
            title=title,
            description="Innovationsupphandling.",
            estimated_value_sek=value,
            need_ids=need_ids,
            case_number="KS 2018/1",
            cpv_code="48000000-8",
        ).aggregate_id

    def decide(
        self, tenant: Tenant, procurement_id: str, decision_type: str, at: Any, **extra: Any
    ) -> CommandResult:
        # "kind" is also the innovation kind of a screening: keep it out of the builder's way.
        screening_kind = extra.pop("kind", None)
        body = decision(decision_type, at, **extra)
        if decision_type == "screen":
            body["kind"] = screening_kind
        return self.app.decide_on_procurement(
            tenant.decision_maker,
            procurement_id,
            decision=body,
            expected_version=self.version(procurement_id),
        )

    def screen(self, tenant: Tenant, procurement_id: str, *, innovation: bool = True) -> None:
        self.decide(
            tenant,
            procurement_id,
            "screen",
            SCREEN_AT,
            innovation=innovation,
            kind="functional_requirements" if innovation else None,
        )

    def walk(
        self,
        tenant: Tenant,
        procurement_id: str,
        to: str,
        *,
        procedure: str = "open",
        innovation: bool = True,
        screened: bool = False,
    ) -> None:
        """Walks a planning procurement along the main path to `to`."""
        without_notice = procedure in ("direct_award", "negotiated_without_notice")
        if not screened:
            self.screen(tenant, procurement_id, innovation=innovation)
        self.decide(tenant, procurement_id, "choose_procedure", PROCEDURE_AT, procedure=procedure)
        for status in PATH[1 : PATH.index(to) + 1]:
            if without_notice and status in ("tendering", "evaluation"):
                continue
            self.step(tenant, procurement_id, status)

    def step(self, tenant: Tenant, procurement_id: str, to: str) -> None:
        """One step along the main path, to `to`, from the status before it."""
        if to == "tendering":
            self.decide(
                tenant,
                procurement_id,
                "publish",
                PUBLISH_AT,
                notice_id="TED-2018/S-123456",
                tender_deadline=TENDER_DEADLINE,
            )
        elif to == "evaluation":
            for bidder in (SUPPLIER_A, SUPPLIER_B):
                self.app.record_bid(
                    tenant.officer,
                    procurement_id,
                    tenderer_org_number=bidder["org_number"],
                    tenderer_name=bidder["name"],
                    received_at=BID_AT,
                    expected_version=self.version(procurement_id),
                )
            self.app.start_evaluation(
                tenant.officer,
                procurement_id,
                at=EVALUATION_AT,
                expected_version=self.version(procurement_id),
            )
        elif to == "awarded":
            self.decide(
                tenant,
                procurement_id,
                "award",
                AWARD_AT,
                suppliers=[SUPPLIER_A],
                evaluation_summary="Bäst.",
                notification_sent_at=NOTIFIED_AT,
                sent_electronically=True,
            )
        elif to == "contracted":
            self.decide(
                tenant,
                procurement_id,
                "sign_contract",
                SIGN_AT,
                supplier_org_number=SUPPLIER_A["org_number"],
                contract_value_sek=CONTRACT_VALUE,
                signed_on=SIGN_ON,
            )
        elif to == "implementing":
            self.app.record_milestone(
                tenant.officer,
                procurement_id,
                title="Pilot",
                reached_on=MILESTONE_ON,
                expected_version=self.version(procurement_id),
            )
        elif to == "closed":
            need_id = self.app.procurement(tenant.officer, procurement_id).need_ids[0]
            self.app.record_follow_up(tenant.officer, procurement_id, need_id=need_id,
                                      followed_up_on=FOLLOW_UP_ON, effect="Färre olyckor",
                                      measurement="-40 %",
                                      expected_version=self.version(procurement_id))
            self.decide(tenant, procurement_id, "close", CLOSE_AT, outcome="completed")
        else:
            raise ValueError(to)


__all__ = ["PATH", "Scenario", "board_decision"]

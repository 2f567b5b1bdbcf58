"""Use cases of needs identification: identify, analyse, share, decide."""

from __future__ import annotations

from datetime import date
from typing import Any

from domain.decisions import MARKET_DECISIONS, NEED_DECISIONS
from domain.errors import InvalidValue, WrongState
from domain.need import Need
from domain.procurement import Procurement
from service.access_policy import works_on_need
from service.application import CommandResult, command, require_role, to_uuid
from service.errors import Forbidden, NotFound
from service.principal import Principal
from service.use_cases.decisions import DecisionAuthorisation


class NeedUseCases(DecisionAuthorisation):
    @command
    def identify_need(
        self,
        principal: Principal,
        *,
        title: str,
        problem_statement: str,
        innovation_area_id: str,
        affected_end_users: list[str] | None = None,
        competences: list[str] | None = None,
    ) -> CommandResult:
        require_role(principal, "officer")
        municipality = self._own_municipality(principal)
        municipality.require_active()
        municipality.require_active_area(innovation_area_id)
        need = Need.identify(
            owner=municipality.slug,
            title=title,
            problem_statement=problem_statement,
            innovation_area_id=innovation_area_id,
            affected_end_users=affected_end_users,
            competences=competences,
        )
        return self._commit(need)

    def _need_to_work_on(
        self, principal: Principal, need_id: str, expected_version: int, *, owner_only: bool
    ) -> Need:
        need = self._need_for(principal, need_id, expected_version=expected_version)
        if not works_on_need(principal, need):
            raise Forbidden("only the owner and co-owners work on this need")
        if owner_only and principal.municipality != need.owner:
            raise Forbidden(f"only {need.owner}, the owner, may do this")
        require_role(principal, "officer")
        self._check_version(need, expected_version)
        self._own_municipality(principal).require_active()
        return need

    @command
    def edit_need(
        self, principal: Principal, need_id: str, *, changes: dict[str, Any], expected_version: int
    ) -> CommandResult:
        need = self._need_to_work_on(principal, need_id, expected_version, owner_only=True)
        if "innovation_area_id" in changes:
            self._own_municipality(principal).require_active_area(changes["innovation_area_id"])
        need.edit(**changes)
        return self._commit(need)

    @command
    def add_swot_item(
        self, principal: Principal, need_id: str, *, quadrant: str, text: str, expected_version: int
    ) -> CommandResult:
        need = self._need_to_work_on(principal, need_id, expected_version, owner_only=False)
        item_id = need.add_swot_item(quadrant=quadrant, text=text, author=principal.user_id)
        return self._commit(need, created={"item_id": item_id})

    @command
    def remove_swot_item(
        self, principal: Principal, need_id: str, *, item_id: str, expected_version: int
    ) -> CommandResult:
        need = self._need_to_work_on(principal, need_id, expected_version, owner_only=False)
        try:
            need.remove_swot_item(item_id)
        except InvalidValue:
            raise NotFound(f"no SWOT item {item_id}") from None
        return self._commit(need)

    @command
    def record_workshop(
        self,
        principal: Principal,
        need_id: str,
        *,
        held_on: date,
        competences_present: list[str],
        participant_count: int,
        notes: str | None = None,
        expected_version: int,
    ) -> CommandResult:
        need = self._need_to_work_on(principal, need_id, expected_version, owner_only=False)
        workshop_id = need.record_workshop(
            held_on=held_on,
            competences_present=competences_present,
            participant_count=participant_count,
            notes=notes,
        )
        return self._commit(need, created={"workshop_id": workshop_id})

    @command
    def share_need(
        self, principal: Principal, need_id: str, *, expected_version: int
    ) -> CommandResult:
        need = self._need_to_work_on(principal, need_id, expected_version, owner_only=True)
        need.share()
        return self._commit(need)

    @command
    def unshare_need(
        self, principal: Principal, need_id: str, *, expected_version: int
    ) -> CommandResult:
        need = self._need_to_work_on(principal, need_id, expected_version, owner_only=True)
        need.unshare()
        return self._commit(need)

    @command
    def join_need_as_co_owner(
        self, principal: Principal, need_id: str, *, expected_version: int
    ) -> CommandResult:
        need = self._need_for(principal, need_id, expected_version=expected_version)
        require_role(principal, "officer")
        self._check_version(need, expected_version)
        self._own_municipality(principal).require_active()
        need.join_as_co_owner(principal.as_actor())
        return self._commit(need)

    @command
    def decide_on_need(
        self,
        principal: Principal,
        need_id: str,
        *,
        decision: dict[str, Any],
        expected_version: int,
    ) -> CommandResult:
        """One entry point for every need decision; `decision["type"]` says which."""
        kind = decision.get("type")
        if kind not in NEED_DECISIONS:
            raise InvalidValue(f"type: one of {', '.join(NEED_DECISIONS)}", field="type")
        need = self._need_for(principal, need_id, expected_version=expected_version)
        if principal.municipality != need.owner:
            raise Forbidden(f"only {need.owner}, the owner, decides on this need")
        self._check_version(need, expected_version)
        record = self._authorise(principal, decision)
        if kind == "prioritise":
            need.prioritise(
                record,
                scores=decision.get("scores"),
                weights=decision.get("weights"),
                swot_changes=decision.get("swot_changes"),
            )
        elif kind == "park":
            need.park(record)
        elif kind == "reopen":
            need.reopen(record)
        elif kind == "reject":
            need.reject(record, reason=decision.get("reason", ""))
        elif kind == "decide_to_procure":
            need.decide_to_procure(record)
        else:
            if need.procurement_id is None:
                raise WrongState(f"a need that is {need.status} is in no procurement")
            procurement = self._load(to_uuid(need.procurement_id), Procurement)
            need.mark_realised(record, procurement)
        return self._commit(need)

    @command
    def decide_market_publication(
        self,
        principal: Principal,
        need_id: str,
        *,
        decision: dict[str, Any],
        expected_version: int,
    ) -> CommandResult:
        """The owner publishes the need to the market (open without sign-in) or withdraws it:
        a decision like any other, distinct from sharing the need with the network."""
        kind = decision.get("type")
        if kind not in MARKET_DECISIONS:
            raise InvalidValue(f"type: one of {', '.join(MARKET_DECISIONS)}", field="type")
        need = self._need_for(principal, need_id, expected_version=expected_version)
        if principal.municipality != need.owner:
            raise Forbidden(f"only {need.owner}, the owner, decides on this need")
        self._check_version(need, expected_version)
        record = self._authorise(principal, decision)
        if kind == "publish_to_market":
            need.publish_to_market(record, summary=decision.get("summary"))
        else:
            need.withdraw_from_market(record)
        return self._commit(need)

    def authority_for_need_decision(
        self, principal: Principal, need_id: str, *, decision: dict[str, Any]
    ) -> Any:
        """What `decide_on_need` would check the decision's authority against, without
        deciding (see `authority_for`)."""
        need = self._need_for(principal, need_id)
        if principal.municipality != need.owner:
            raise Forbidden(f"only {need.owner}, the owner, decides on this need")
        return self.authority_for(principal, decision)

    def need(self, principal: Principal, need_id: str, *, version: int | None = None) -> Need:
        return self._need_for(principal, need_id, version=version)

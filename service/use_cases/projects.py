"""Use cases of a joint development project: establish it, gather partners and a reference group,
plan its phases, and group the needs and procurements done under it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from domain.errors import InvalidValue
from domain.project import LINK_DECISIONS, PARTNERSHIP_DECISIONS, Project
from service.application import CommandResult, command, require_role
from service.errors import Forbidden, NotFound
from service.principal import Principal
from service.use_cases.decisions import DecisionAuthorisation

ESTABLISHED_TOPIC = "innoledger:Project.Established"
LOG_BATCH = 500


@dataclass(frozen=True)
class ProjectPage:
    projects: list[Project]
    next_cursor: str | None


@dataclass(frozen=True)
class LinkedWork:
    """One need or procurement under a project, as the caller may see it: every caller sees that
    it is linked and by whom; its title and status only a caller who may see the object."""

    kind: str
    id: str
    municipality: str
    linked_at: Any
    title: str | None
    status: str | None
    innovation: bool | None = None


class ProjectUseCases(DecisionAuthorisation):
    @command
    def establish_project(
        self,
        principal: Principal,
        *,
        title: str,
        description: str,
        starts_on: object,
        ends_on: object = None,
        funder: dict[str, Any] | None = None,
        decision: dict[str, Any],
    ) -> CommandResult:
        """The coordinating municipality's decision: the caller's own municipality coordinates."""
        self._own_municipality(principal)
        record = self._authorise(principal, {**_decision(decision), "type": "establish_project"})
        project = Project.establish(
            record, title=title, description=description, starts_on=starts_on,
            ends_on=ends_on, funder=funder,
        )  # fmt: skip
        return self._commit(project)

    def _project_to_coordinate(
        self, principal: Principal, project_id: str, expected_version: int
    ) -> Project:
        project = self._project_for(principal, project_id)
        if principal.municipality != project.coordinator:
            raise Forbidden(f"only {project.coordinator}, the coordinator, may do this")
        require_role(principal, "officer")
        self._check_version(project, expected_version)
        self._own_municipality(principal).require_active()
        return project

    @command
    def edit_project(
        self,
        principal: Principal,
        project_id: str,
        *,
        changes: dict[str, Any],
        expected_version: int,
    ) -> CommandResult:
        project = self._project_to_coordinate(principal, project_id, expected_version)
        project.edit(**changes)
        return self._commit(project)

    @command
    def add_project_partner(
        self,
        principal: Principal,
        project_id: str,
        *,
        kind: str,
        role: str,
        municipality: str | None = None,
        name: str | None = None,
        organisation_number: str | None = None,
        expected_version: int,
    ) -> CommandResult:
        """Invites a municipality of the network (it joins by its own decision), or records an
        organisation outside it (a university, a region) as a partner."""
        project = self._project_to_coordinate(principal, project_id, expected_version)
        if kind == "municipality":
            if not municipality:
                raise InvalidValue("municipality: the slug of the municipality to invite",
                                   field="municipality")
            try:
                self._municipality_by_slug(municipality).require_active()
            except NotFound:
                raise InvalidValue(
                    f"municipality: {municipality!r} is not registered", field="municipality"
                ) from None
            partner_id = project.invite_municipality(municipality=municipality, role=role)
        else:
            if municipality:
                raise InvalidValue("municipality: only for kind 'municipality'",
                                   field="municipality")
            partner_id = project.add_organisation(
                kind=kind, name=name, role=role, organisation_number=organisation_number
            )
        return self._commit(project, created={"partner_id": partner_id})

    @command
    def add_reference_group_member(
        self,
        principal: Principal,
        project_id: str,
        *,
        organisation: str,
        represents: str,
        expected_version: int,
    ) -> CommandResult:
        project = self._project_to_coordinate(principal, project_id, expected_version)
        member_id = project.add_reference_group_member(
            organisation=organisation, represents=represents
        )
        return self._commit(project, created={"member_id": member_id})

    @command
    def remove_reference_group_member(
        self, principal: Principal, project_id: str, *, member_id: str, expected_version: int
    ) -> CommandResult:
        project = self._project_to_coordinate(principal, project_id, expected_version)
        try:
            project.remove_reference_group_member(member_id)
        except InvalidValue:
            raise NotFound(f"no reference group member {member_id}") from None
        return self._commit(project)

    @command
    def plan_project_phase(
        self,
        principal: Principal,
        project_id: str,
        phase: str,
        *,
        starts_on: object,
        ends_on: object = None,
        description: str | None = None,
        results: str | None = None,
        expected_version: int,
    ) -> CommandResult:
        project = self._project_to_coordinate(principal, project_id, expected_version)
        project.plan_phase(
            phase, starts_on=starts_on, ends_on=ends_on, description=description, results=results
        )
        return self._commit(project)

    @command
    def decide_on_project(
        self,
        principal: Principal,
        project_id: str,
        *,
        decision: dict[str, Any],
        expected_version: int,
    ) -> CommandResult:
        """A municipality's own decision on the project: to join, decline or withdraw, or to
        link or unlink one of its own needs or procurements."""
        kind = decision.get("type")
        allowed = (*PARTNERSHIP_DECISIONS, *LINK_DECISIONS)
        if kind not in allowed:
            raise InvalidValue(f"type: one of {', '.join(allowed)}", field="type")
        project = self._project_for(principal, project_id)
        self._own_municipality(principal)
        self._check_version(project, expected_version)
        if kind in PARTNERSHIP_DECISIONS:
            record = self._authorise(principal, decision)
            project.decide_partnership(record)
            return self._commit(project)
        object_kind = decision.get("kind")
        object_id = str(decision.get("object_id") or "")
        if kind == "link_to_project":
            owner = self._owner_of(principal, object_kind, object_id)
            record = self._authorise(principal, decision)
            project.link(record, kind=str(object_kind), object_id=object_id, owner=owner)
        else:
            record = self._authorise(principal, decision)
            project.unlink(record, kind=str(object_kind), object_id=object_id)
        return self._commit(project)

    def _owner_of(self, principal: Principal, kind: object, object_id: str) -> str:
        """The municipality whose need (owner) or procurement (lead) this is, if the caller may
        see it; another tenant's private object is absent, as everywhere."""
        try:
            if kind == "need":
                return self._need_for(principal, object_id).owner
            if kind == "procurement":
                return self._procurement_for(principal, object_id).lead
        except NotFound:
            raise InvalidValue(f"object_id: no {kind} {object_id}", field="object_id") from None
        raise InvalidValue("kind: need or procurement", field="kind")

    # Reads

    def project(self, principal: Principal, project_id: str, *, version: int | None = None
                ) -> Project:  # fmt: skip
        return self._project_for(principal, project_id, version=version)

    def linked_work(self, principal: Principal, project: Project) -> list[LinkedWork]:
        shown: list[LinkedWork] = []
        for link in project.links:
            title = status = innovation = None
            try:
                if link["kind"] == "need":
                    need = self._need_for(principal, link["id"])
                    title, status = need.title, need.status
                else:
                    procurement = self._procurement_for(principal, link["id"])
                    title, status = procurement.title, procurement.status
                    innovation = procurement.innovation
            except NotFound:
                pass
            shown.append(LinkedWork(
                kind=link["kind"], id=link["id"], municipality=link["municipality"],
                linked_at=link["linked_at"], title=title, status=status, innovation=innovation,
            ))  # fmt: skip
        return shown

    def projects(
        self, principal: Principal, *, cursor: str | None = None, limit: int = 50,
        municipality: str | None = None,
    ) -> ProjectPage:  # fmt: skip
        """Projects in the order they were established; `municipality`: those it coordinates or
        joined. Projects are few, so a filtered scan of the log serves the list."""
        position = _position(cursor)
        found: list[tuple[int, Project]] = []
        while len(found) <= limit:
            batch = self.recorder.select_notifications(
                start=position, limit=LOG_BATCH, topics=[ESTABLISHED_TOPIC],
                inclusive_of_start=False,
            )
            if not batch:
                break
            for notification in batch:
                position = notification.id
                try:
                    project = self._project_for(principal, notification.originator_id)
                except NotFound:
                    continue
                if municipality is None or project.takes_part(municipality):
                    found.append((notification.id, project))
                if len(found) > limit:
                    break
        more = len(found) > limit
        page = found[:limit]
        return ProjectPage(
            projects=[project for _, project in page],
            next_cursor=str(page[-1][0]) if more and page else None,
        )


def _decision(decision: object) -> dict[str, Any]:
    if not isinstance(decision, dict):
        raise InvalidValue("decision: an object", field="decision")
    return decision


def _position(cursor: str | None) -> int:
    if cursor in (None, ""):
        return 0
    assert cursor is not None
    if not (cursor.isascii() and cursor.isdigit()) or len(cursor) > 18:
        raise InvalidValue("cursor: the next_cursor of a previous page", field="cursor")
    return int(cursor)


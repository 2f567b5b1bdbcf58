"""Joint development projects (utvecklingsprojekt): the coordinator, partners, reference group,
phases, and the needs and procurements done under a project."""

from __future__ import annotations

import dataclasses
from typing import Any

from flask import jsonify
from flask.views import MethodView

from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.dumping import dumped
from service.api.historical import shown
from service.api.representations import project_representation
from service.api.resources.audit import history_answer
from service.api.schemas.audit import HistoryPageSchema, HistoryQuerySchema
from service.api.schemas.common import CommandResultSchema, VersionQuerySchema
from service.api.schemas.projects import (
    PartnerCreateSchema,
    PhasePlanSchema,
    ProjectCreateSchema,
    ProjectDecisionSchema,
    ProjectEditSchema,
    ProjectListSchema,
    ProjectQuerySchema,
    ProjectSchema,
    ReferenceGroupMemberCreateSchema,
)
from service.api.versioning import IF_MATCH, command_response, expected_version, object_answer
from service.api.views import log_answer
from service.innoledger import Innoledger
from service.use_cases.projects import LinkedWork
from service.use_cases.reads import Shown

blp = Blueprint(
    "projects",
    __name__,
    url_prefix="/api/v1/projects",
    description="Joint development projects (utvecklingsprojekt), e.g. a Vinnova-funded one: "
    "the coordinating municipality, partners (municipalities by their own decision, and other "
    "organisations), a reference group, the phases behovsidentifiering, pilots and "
    "implementation, and the needs and procurements each partner links to it.",
)
TYPED_UNIONS = (ProjectDecisionSchema,)
DECISION_FIELDS = ("rationale", "authority", "decided_at")


def _names(app: Innoledger, slugs: set[str]) -> dict[str, str]:
    names = {}
    for slug in slugs:
        names[slug] = app.require_registered(slug).name
    return names


def _made_of(app: Innoledger, project_shown: Shown) -> tuple[list[LinkedWork], dict[str, str]]:
    """What a project's answer shows beside the project itself: its linked needs and
    procurements as the caller may see them now, and the municipalities' names."""
    project = project_shown.aggregate
    slugs = {project.coordinator} | {
        p["municipality"] for p in project.partners if p.get("municipality")
    }
    return app.linked_work(current_principal(), project), _names(app, slugs)


@blp.route("")
class Projects(MethodView):
    @blp.arguments(ProjectCreateSchema)
    @blp.response(201, CommandResultSchema)
    def post(self, body: dict[str, Any]) -> Any:
        """Establish a project: the caller's municipality coordinates it, by decision"""
        decision = {k: body.pop(k) for k in DECISION_FIELDS}
        body.pop("type", None)
        result = services().innoledger.establish_project(
            current_principal(), decision=decision, **body
        )
        return command_response(result, status=201)

    @blp.conditional
    @blp.arguments(ProjectQuerySchema, location="query")
    @blp.response(200, ProjectListSchema)
    def get(self, query: dict[str, Any]) -> Any:
        """Projects of the network, in the order they were established"""
        return log_answer(lambda: _project_list(query))


def _project_list(query: dict[str, Any]) -> Any:
    """A page of the projects the caller may see, as the list shows them."""
    page = services().innoledger.projects(current_principal(), **query)
    items = []
    for project in page.projects:
        partners = [
            p["municipality"] or p["name"] for p in project.partners if p["status"] == "joined"
        ]
        items.append({
            "id": str(project.id), "version": project.version, "title": project.title,
            "coordinator": project.coordinator, "starts_on": project.starts_on,
            "ends_on": project.ends_on,
            "funder": project.funder["name"] if project.funder else None,
            "partners": partners,
        })  # fmt: skip
    return jsonify(dumped(ProjectListSchema, {"items": items, "next_cursor": page.next_cursor}))


@blp.route("/<project_id>")
class ProjectResource(MethodView):
    @blp.conditional
    @blp.arguments(VersionQuerySchema, location="query")
    @blp.response(200, ProjectSchema)
    def get(self, query: dict[str, Any], project_id: str) -> Any:
        """One project: now, or as of a version or a moment (auditors)"""
        project = shown("project", project_id, query)
        linked, names = _made_of(services().innoledger, project)
        if linked:
            # The linked work is shown as it is now, also beside a past state of the project:
            # such an answer can change, so no cache may keep it as settled.
            project = dataclasses.replace(project, immutable=False)
        # The linked work's titles and status and the names are part of the answer: its
        # validator names them, so a change of a linked need answers anew.
        made_of = (repr(sorted(names.items())), *(repr(sorted(vars(w).items())) for w in linked))
        return object_answer(
            project,
            lambda: jsonify(dumped(ProjectSchema, project_representation(project, linked, names))),
            *made_of,
        )

    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(ProjectEditSchema)
    @blp.response(200, CommandResultSchema)
    def patch(self, body: dict[str, Any], project_id: str) -> Any:
        """Edit the description, period or funder (coordinator's officer)"""
        result = services().innoledger.edit_project(
            current_principal(), project_id, changes=body, expected_version=expected_version()
        )
        return command_response(result)


@blp.route("/<project_id>/partners")
class Partners(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(PartnerCreateSchema)
    @blp.response(201, CommandResultSchema)
    def post(self, body: dict[str, Any], project_id: str) -> Any:
        """Invite a municipality as partner, or record another organisation as one
        (coordinator's officer)"""
        result = services().innoledger.add_project_partner(
            current_principal(), project_id, expected_version=expected_version(), **body
        )
        return command_response(result, status=201)


@blp.route("/<project_id>/reference-group")
class ReferenceGroup(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(ReferenceGroupMemberCreateSchema)
    @blp.response(201, CommandResultSchema)
    def post(self, body: dict[str, Any], project_id: str) -> Any:
        """Add an organisation to the reference group (coordinator's officer)"""
        result = services().innoledger.add_reference_group_member(
            current_principal(), project_id, expected_version=expected_version(), **body
        )
        return command_response(result, status=201)


@blp.route("/<project_id>/reference-group/<member_id>")
class ReferenceGroupMember(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.response(200, CommandResultSchema)
    def delete(self, project_id: str, member_id: str) -> Any:
        """Remove an organisation from the reference group (coordinator's officer)"""
        result = services().innoledger.remove_reference_group_member(
            current_principal(), project_id, member_id=member_id,
            expected_version=expected_version(),
        )
        return command_response(result)


@blp.route("/<project_id>/phases/<phase>")
class Phase(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(PhasePlanSchema)
    @blp.response(200, CommandResultSchema)
    def put(self, body: dict[str, Any], project_id: str, phase: str) -> Any:
        """Set a phase's dates, what it does and what it achieved: needs_identification
        (behovsidentifiering), pilots or implementation (coordinator's officer)"""
        result = services().innoledger.plan_project_phase(
            current_principal(), project_id, phase, expected_version=expected_version(), **body
        )
        return command_response(result)


@blp.route("/<project_id>/decisions")
class Decisions(MethodView):
    @blp.doc(parameters=[IF_MATCH])
    @blp.arguments(ProjectDecisionSchema)
    @blp.doc(requestBody=ProjectDecisionSchema.request_body_doc())
    @blp.response(200, CommandResultSchema)
    def post(self, body: dict[str, Any], project_id: str) -> Any:
        """Take the caller's municipality's own decision on the project: join_project,
        decline_project, withdraw_from_project, link_to_project, unlink_from_project"""
        result = services().innoledger.decide_on_project(
            current_principal(), project_id, decision=body, expected_version=expected_version()
        )
        return command_response(result)


@blp.route("/<project_id>/history")
class ProjectHistory(MethodView):
    @blp.conditional
    @blp.arguments(HistoryQuerySchema, location="query")
    @blp.response(200, HistoryPageSchema)
    def get(self, query: dict[str, Any], project_id: str) -> Any:
        """Every event of a project: who, when, the decision record, what changed"""
        return history_answer("project", project_id, query)

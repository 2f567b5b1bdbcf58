"""Joint development projects over HTTP: established by the coordinator's decision, partners by
their own decisions, phases, reference group, and each partner linking only its own work."""

from __future__ import annotations

from typing import Any

from tests.api.conftest import (
    PROCURE_AT,
    Tenant,
    World,
    assert_problem,
    board,
    decision,
)

ESTABLISHED_AT = "2018-01-10T10:00:00+01:00"
JOINED_AT = "2018-02-15T10:00:00+01:00"
LINKED_AT = "2018-06-01T10:00:00+02:00"


def establish(tenant: Tenant, **overrides: Any) -> str:
    body = {
        **decision("establish_project", ESTABLISHED_AT),
        "title": "Arbetsmodell för innovationsupphandling",
        "description": "Utveckla en resurseffektiv modell för små och medelstora kommuner",
        "starts_on": "2018-01-15",
        "ends_on": "2019-12-31",
        "funder": {"name": "Vinnova", "programme": "Innovationsupphandling",
                   "granted_sek": "1900000.00"},
    }
    body.pop("type")
    body.update(overrides)
    return tenant.dm.ok("POST", "projects", 201, json=body)["id"]


def invite(coordinator: Tenant, project: str, slug: str) -> None:
    coordinator.officer.ok(
        "POST", f"projects/{project}/partners", 201,
        json={"kind": "municipality", "municipality": slug, "role": "co_applicant"},
    )


def join(tenant: Tenant, project: str) -> None:
    tenant.dm.ok("POST", f"projects/{project}/decisions", 200,
                 json=decision("join_project", JOINED_AT))


def link(tenant: Tenant, project: str, kind: str, object_id: str) -> Any:
    return tenant.dm.post(
        f"projects/{project}/decisions",
        json=decision("link_to_project", LINKED_AT, kind=kind, object_id=object_id),
    )


def test_a_project_with_partners_reference_group_phases_and_linked_work(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    project = establish(ystad)
    invite(ystad, project, "skurup")
    join(skurup, project)
    ystad.officer.ok(
        "POST", f"projects/{project}/partners", 201,
        json={"kind": "university", "name": "Lunds universitet", "role": "partner",
              "organisation_number": "202100-3211"},
    )
    member = ystad.officer.ok(
        "POST", f"projects/{project}/reference-group", 201,
        json={"organisation": "Region Skåne", "represents": "Regional utveckling"},
    )["created"]["member_id"]
    ystad.officer.ok("POST", f"projects/{project}/reference-group", 201,
                     json={"organisation": "Upphandlingsmyndigheten", "represents": "Stöd"})
    ystad.officer.ok("DELETE", f"projects/{project}/reference-group/{member}", 200)
    for phase, start, end in (
        ("pilots", "2018-03-01", "2018-12-31"),
        ("needs_identification", "2018-01-15", "2018-03-31"),
    ):
        ystad.officer.ok(
            "PUT", f"projects/{project}/phases/{phase}", 200,
            json={"starts_on": start, "ends_on": end, "description": "Workshops i båda kommunerna",
                  "results": "Nio utmaningar"},
        )
    need = world.need(ystad, "procurement_decided", title="Lärprocess för AI")
    procurement = world.procurement(skurup, title="Rena golv")
    assert link(ystad, project, "need", need).status_code == 200
    assert link(skurup, project, "procurement", procurement).status_code == 200

    shown = skurup.viewer.read(f"projects/{project}")
    assert shown["coordinator"] == {"slug": "ystad", "name": "Ystads kommun"}
    assert shown["funder"]["name"] == "Vinnova" and shown["funder"]["granted_sek"] == "1900000.00"
    assert [(p["kind"], p["municipality"], p["name"], p["status"]) for p in shown["partners"]] == [
        ("municipality", "skurup", "Skurups kommun", "joined"),
        ("university", None, "Lunds universitet", "joined"),
    ]
    assert shown["partners"][0]["decision"]["type"] == "join_project"
    assert [m["organisation"] for m in shown["reference_group"]] == ["Upphandlingsmyndigheten"]
    # The work model's order, whatever the order they were planned in.
    assert [p["phase"] for p in shown["phases"]] == ["needs_identification", "pilots"]
    assert shown["phases"][0]["starts_on"] == "2018-01-15"
    # Ystad's need is private: Skurup sees that it is linked, and by whom, not what it is.
    assert shown["needs"] == [{"id": need, "municipality": "ystad", "title": None,
                               "status": None, "innovation": None,
                               "linked_at": shown["needs"][0]["linked_at"]}]
    assert shown["procurements"][0]["title"] == "Rena golv"
    assert ystad.viewer.read(f"projects/{project}")["needs"][0]["title"] == "Lärprocess för AI"
    assert [d["type"] for d in shown["decisions"]] == [
        "establish_project", "join_project", "link_to_project", "link_to_project"
    ]
    assert shown["decisions"][0]["authority"]["rule_id"] == "DM-establish_project"

    listed = world.platform_auditor.read("projects")
    assert [(p["id"], p["coordinator"], p["funder"]) for p in listed["items"]] == [
        (project, "ystad", "Vinnova")
    ]
    assert listed["items"][0]["partners"] == ["skurup", "Lunds universitet"]
    assert world.platform_auditor.read("projects", query={"municipality": "trelleborg"})[
        "items"] == []


def test_a_municipality_links_only_its_own_work_and_only_as_a_partner(
    world: World, ystad: Tenant, skurup: Tenant, trelleborg: Tenant
) -> None:
    project = establish(ystad)
    ystad_need = world.need(ystad, "identified", title="Delad utmaning", shared=True)
    skurup_need = world.need(skurup, "identified", title="Skurups behov")
    # Not invited yet: no link.
    assert_problem(link(skurup, project, "need", skurup_need), 409, rule="not_project_partner")
    invite(ystad, project, "skurup")
    assert_problem(link(skurup, project, "need", skurup_need), 409, rule="not_project_partner")
    join(skurup, project)
    # Ystad's shared need is visible to Skurup, but it is Ystad's to link.
    assert_problem(link(skurup, project, "need", ystad_need), 403, rule="not_own_decision")
    # Another municipality's private object is as absent as one that does not exist.
    private = world.need(trelleborg, "identified", title="Hemligt")
    assert_problem(link(skurup, project, "need", private), 422, field="object_id")
    assert link(skurup, project, "need", skurup_need).status_code == 200
    assert_problem(link(skurup, project, "need", skurup_need), 409, rule="already_linked")
    # Only the municipality that linked it unlinks it; and leaving needs the work unlinked.
    unlink = decision("unlink_from_project", LINKED_AT, kind="need", object_id=skurup_need)
    assert_problem(ystad.dm.post(f"projects/{project}/decisions", json=unlink), 403,
                   rule="not_own_decision")
    withdraw = decision("withdraw_from_project", LINKED_AT)
    assert_problem(skurup.dm.post(f"projects/{project}/decisions", json=withdraw), 409,
                   rule="linked_work")
    skurup.dm.ok("POST", f"projects/{project}/decisions", 200, json=unlink)
    skurup.dm.ok("POST", f"projects/{project}/decisions", 200, json=withdraw)
    assert world.platform_auditor.read(f"projects/{project}")["partners"][0]["status"] == (
        "withdrawn"
    )


def test_decisions_need_authority_and_keep_valid_time_order(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    body = {
        **decision("establish_project", ESTABLISHED_AT),
        "title": "Projekt", "description": "Beskrivning", "starts_on": "2018-01-15",
    }
    # A viewer holds no delegation for it.
    assert_problem(ystad.viewer.post("projects", json=body), 403)
    # The board's decision, recorded by an officer.
    project = ystad.officer.ok(
        "POST", "projects", 201,
        json={**board("establish_project", ESTABLISHED_AT), "title": "Projekt",
              "description": "Beskrivning", "starts_on": "2018-01-15"},
    )["id"]
    invite(ystad, project, "skurup")
    early = decision("join_project", "2018-01-05T10:00:00+01:00")
    assert_problem(skurup.dm.post(f"projects/{project}/decisions", json=early), 409,
                   rule="project_decision_before_establishment")
    # Only the invited municipality decides for itself; the coordinator cannot join for it.
    assert_problem(
        ystad.dm.post(f"projects/{project}/decisions", json=decision("join_project", JOINED_AT)),
        403, rule="not_own_decision",
    )
    join(skurup, project)
    assert_problem(
        skurup.dm.post(f"projects/{project}/decisions", json=decision("decline_project",
                                                                      JOINED_AT)),
        409, rule="wrong_state",
    )
    # Only the coordinator's officer manages partners and phases.
    assert_problem(skurup.officer.put(
        f"projects/{project}/phases/pilots", json={"starts_on": "2018-01-01"}), 403)
    assert_problem(ystad.officer.post(
        f"projects/{project}/partners",
        json={"kind": "municipality", "municipality": "ystad", "role": "partner"}), 409,
        rule="is_coordinator")
    assert_problem(ystad.officer.put(
        f"projects/{project}/phases/pilots", json={"starts_on": "2018-05-01",
                                                   "ends_on": "2018-04-01"}), 422,
        field="ends_on")
    assert_problem(ystad.officer.put(
        f"projects/{project}/phases/launch", json={"starts_on": "2018-05-01"}), 422,
        field="phase")
    assert_problem(ystad.officer.post(
        f"projects/{project}/partners",
        json={"kind": "region", "name": "Region", "role": "partner",
              "organisation_number": "19121212-1212"}), 422)
    assert_problem(world.platform_auditor.get(f"projects/{PROCURE_AT[:8]}"), 404)


def test_project_decisions_are_in_the_decision_log_and_its_history(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    project = establish(ystad)
    invite(ystad, project, "skurup")
    joined = skurup.dm.ok("POST", f"projects/{project}/decisions", 200,
                          json=decision("join_project", JOINED_AT))
    rows = skurup.auditor.read("audit/decisions", query={"type": "join_project",
                                                         "position": joined["position"]})
    assert [(r["aggregate_id"], r["municipality"]) for r in rows["items"]] == [
        (project, "skurup")
    ]
    history = ystad.auditor.read(f"projects/{project}/history")
    assert [e["type"] for e in history["entries"]] == [
        "Established", "MunicipalityInvited", "PartnershipDecided"
    ]
    past = ystad.auditor.read(f"projects/{project}", query={"version": 1})
    assert past["partners"] == [] and past["version"] == 1


WRITE_BODIES: dict[str, Any] = {
    "PATCH /api/v1/projects/{project_id}": {"title": "Kapad"},
    "POST /api/v1/projects/{project_id}/partners": {
        "kind": "municipality", "municipality": "trelleborg", "role": "partner"},
    "POST /api/v1/projects/{project_id}/reference-group": {
        "organisation": "Kapad", "represents": "Kapad"},
    "DELETE /api/v1/projects/{project_id}/reference-group/{member_id}": None,
    "PUT /api/v1/projects/{project_id}/phases/{phase}": {"starts_on": "2018-02-01"},
    "POST /api/v1/projects/{project_id}/decisions": None,  # every decision type, below
}


def test_no_municipality_acts_on_a_project_for_another_generated_from_the_document(
    world: World, ystad: Tenant, skurup: Tenant, trelleborg: Tenant
) -> None:
    """Every write on a project in the OpenAPI document, by every role of a municipality that
    is not invited (Trelleborg) and of one that joined (Skurup, for what only the coordinator
    does): refused, and nothing is written."""
    project = establish(ystad)
    invite(ystad, project, "skurup")
    join(skurup, project)
    added = ystad.officer.ok("POST", f"projects/{project}/reference-group", 201, json={
        "organisation": "Region Skåne", "represents": "Regional utveckling"})
    member = added["created"]["member_id"]
    ystad_need = world.need(ystad, title="Ystads behov", shared=True)
    document = world.platform_auditor.get("/api/openapi.json").get_json()
    writes = [
        (method.upper(), path) for path, item in document["paths"].items()
        if path.startswith("/api/v1/projects/{project_id}") for method in item
        if method in ("post", "put", "patch", "delete")
    ]
    assert {f"{m} {p}" for m, p in writes} == set(WRITE_BODIES)
    decisions = [decision(kind, JOINED_AT) for kind in
                 ("join_project", "decline_project", "withdraw_from_project")]
    decisions += [decision(kind, LINKED_AT, kind="need", object_id=ystad_need)
                  for kind in ("link_to_project", "unlink_from_project")]
    head = world.app.extensions["innoledger"].innoledger.recorder.max_notification_id
    before = head()
    problems = []
    for method, template in writes:
        path = template.replace("{project_id}", project).replace(
            "{member_id}", member).replace("{phase}", "pilots")
        bodies = decisions if template.endswith("/decisions") else [WRITE_BODIES[
            f"{method} {template}"]]
        for attacker in (trelleborg, skurup):
            for role, client in attacker.clients.items():
                for body in bodies:
                    if attacker is skurup and template.endswith("/decisions"):
                        continue  # Skurup's own decisions are its to take
                    response = client.request(method, path, json=body)
                    if response.status_code not in (403, 404, 409):
                        problems.append(f"{attacker.slug} {role} {method} {template}: "
                                        f"{response.status_code} {response.get_data(True)[:90]}")
    assert not problems, "\n".join(problems)
    assert head() == before


def test_the_coordinator_edits_the_description_period_and_funder(
    world: World, ystad: Tenant
) -> None:
    project = establish(ystad)
    ystad.officer.ok("PUT", f"projects/{project}/phases/pilots", 200,
                     json={"starts_on": "2018-03-01", "ends_on": "2018-12-31"})
    ystad.officer.ok("PATCH", f"projects/{project}", 200, json={
        "funder": {"name": "Vinnova", "reference": "2017-04321", "granted_sek": "2100000.00"},
        "ends_on": "2020-06-30"})
    shown = ystad.viewer.read(f"projects/{project}")
    assert shown["funder"]["granted_sek"] == "2100000.00" and shown["ends_on"] == "2020-06-30"
    assert_problem(ystad.officer.patch(f"projects/{project}", json={"ends_on": "2020-06-30"}),
                   409, rule="no_change")
    # The period still holds its phases.
    assert_problem(ystad.officer.patch(f"projects/{project}", json={"starts_on": "2018-04-01"}),
                   422, field="starts_on")
    assert_problem(ystad.dm.patch(f"projects/{project}", json={"title": "Ny"}), 403)
    history = ystad.auditor.read(f"projects/{project}/history")
    assert history["entries"][-1]["type"] == "Edited"

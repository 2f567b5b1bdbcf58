"""Loads the demo network through the real HTTP API, as the municipalities' own people would.

Only the first platform-admin token is made directly in the token store (there is nobody yet to
ask for one); everything else goes through the endpoints, with If-Match on every change.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from flask import Flask
from flask.testing import FlaskClient

from domain.innovation_areas import shared_area_named
from service.demo.network import (
    AUTHORISED_DECISIONS,
    CHALLENGES,
    DELEGATED_CEILING_SEK,
    FIRST_NAMES,
    LAST_NAMES,
    MUNICIPALITIES,
    PROJECT,
    PROJECT_PHASES,
    PROJECT_REFERENCE_GROUP,
    ROLES,
    SCORES,
    SWOT,
)

SUPPLIERS = {
    "floors": {"org_number": "556677-8899", "name": "Golvteknik Syd AB"},
    "floors_runner_up": {"org_number": "556123-4567", "name": "Renhållning Österlen AB"},
    "sharing": {"org_number": "559012-3450", "name": "Delbar Kommuntjänst AB"},
}


class DemoError(RuntimeError):
    pass


@dataclass
class DemoResult:
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)  # slug -> role -> token
    platform_tokens: dict[str, str] = field(default_factory=dict)
    needs: dict[str, str] = field(default_factory=dict)  # title -> id
    procurements: dict[str, str] = field(default_factory=dict)  # pilot -> id
    projects: dict[str, str] = field(default_factory=dict)  # "vinnova" -> id


class Api:
    """A thin HTTP client that keeps versions for If-Match and fails loudly."""

    def __init__(self, client: FlaskClient):
        self.client = client
        self.versions: dict[str, int] = {}

    def call(
        self,
        method: str,
        path: str,
        token: str,
        body: Any = None,
        *,
        versioned: str | None = None,
        expect: tuple[int, ...] = (200, 201),
    ) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {token}"}
        if versioned is not None:
            if versioned not in self.versions:
                self.versions[versioned] = self._current_version(path, token)
            headers["If-Match"] = f'"{self.versions[versioned]}"'
        response = self.client.open(path, method=method, json=body, headers=headers)
        if response.status_code not in expect:
            raise DemoError(f"{method} {path}: {response.status_code} {response.get_data(True)}")
        payload = response.get_json(silent=True) or {}
        if versioned is not None and "version" in payload:
            self.versions[versioned] = payload["version"]
        return payload

    def _current_version(self, path: str, token: str) -> int:
        parts = path.split("/")
        resource = "/".join(parts[:5])  # /api/v1/<collection>/<id>
        response = self.client.get(resource, headers={"Authorization": f"Bearer {token}"})
        if response.status_code != 200:
            raise DemoError(f"GET {resource}: {response.status_code} {response.get_data(True)}")
        return int(response.headers["ETag"].strip('"').split("-")[0])


def decision(decision_type: str, decided_at: str, rationale: str, **details: Any) -> dict[str, Any]:
    return {
        "type": decision_type,
        "rationale": rationale,
        "authority": {"kind": "delegation"},
        "decided_at": decided_at,
        **details,
    }


def load_demo(app: Flask, progress: Callable[[str], None] = lambda _: None) -> DemoResult:
    svc = app.extensions["innoledger"]
    result = DemoResult()
    root = svc.tokens.issue(
        user_id="platform-admin",
        municipality=None,
        platform_roles=("platform_admin",),
        label="demo",
        created_by="demo",
        lifetime=timedelta(days=30),
    ).secret
    result.platform_tokens["platform_admin"] = root
    result.platform_tokens["auditor"] = svc.tokens.issue(
        user_id="riksrevisor",
        municipality=None,
        platform_roles=("auditor",),
        label="demo",
        created_by="demo",
        lifetime=timedelta(days=30),
    ).secret
    api = Api(app.test_client())

    for municipality in MUNICIPALITIES:
        slug = municipality["slug"]
        progress(f"registering {municipality['name']}")
        api.call("POST", "/api/v1/municipalities", root, {**municipality, "county": "Skåne"})
        admin = f"{slug}-admin"
        api.call(
            "POST",
            f"/api/v1/municipalities/{slug}/members",
            root,
            {"user_id": admin, "role": "tenant_admin"},
            versioned=slug,
        )
        admin_token = api.call(
            "POST",
            f"/api/v1/municipalities/{slug}/tokens",
            root,
            {"user_id": admin, "label": "demo"},
        )["token"]
        tokens = {"tenant_admin": admin_token}
        for role in ROLES[1:]:
            user = f"{slug}-{role.replace('_', '-')}"
            api.call(
                "POST",
                f"/api/v1/municipalities/{slug}/members",
                admin_token,
                {"user_id": user, "role": role},
                versioned=slug,
            )
            tokens[role] = api.call(
                "POST",
                f"/api/v1/municipalities/{slug}/tokens",
                admin_token,
                {"user_id": user, "label": "demo"},
            )["token"]
        result.tokens[slug] = tokens
        for index, role in enumerate(ROLES):
            user = admin if role == "tenant_admin" else f"{slug}-{role.replace('_', '-')}"
            first = FIRST_NAMES[index % len(FIRST_NAMES)]
            last = LAST_NAMES[(index + len(slug)) % len(LAST_NAMES)]
            api.call(
                "PUT",
                f"/api/v1/people/{user}",
                admin_token,
                {
                    "display_name": f"{first} {last}",
                    "email": f"{first.lower()}.{last.lower()}@{slug}.example",
                },
            )
        api.call(
            "PUT",
            f"/api/v1/municipalities/{slug}/delegation-order",
            admin_token,
            {
                # The board adopted the order in December; it took effect with the new year.
                "effective_from": "2018-01-01",
                "rationale": "Delegationsordning för upphandling och innovationsarbete",
                "authority": {
                    "kind": "board",
                    "body": "Kommunstyrelsen",
                    "meeting_date": "2017-12-13",
                    "minutes_reference": "Kommunstyrelsen 2017-12-13 § 212",
                },
                "decided_at": "2017-12-13T15:00:00+01:00",
                "rules": [
                    {
                        "rule_id": f"{slug}-{i + 1}",
                        "decision_type": kind,
                        "role": "decision_maker",
                        "max_value_sek": DELEGATED_CEILING_SEK,
                    }
                    for i, kind in enumerate(AUTHORISED_DECISIONS)
                ],
            },
            versioned=slug,
        )

    # Every municipality files its needs under the network's shared catalogue from the day it
    # joins; one adds an area of its own and lists it for the whole network.
    api.call(
        "POST",
        "/api/v1/municipalities/trelleborg/innovation-areas",
        result.tokens["trelleborg"]["tenant_admin"],
        {
            "name": "Hållbara måltider",
            "description": "Skol- och äldreomsorgens måltider: matsvinn, närproducerat, klimat",
            "visibility": "network",
        },
        versioned="trelleborg",
    )

    progress("identifying the nine challenges")
    for owner, area, title, statement in CHALLENGES:
        officer = result.tokens[owner]["officer"]
        need_id = api.call(
            "POST",
            "/api/v1/needs",
            officer,
            {
                "title": title,
                "problem_statement": statement,
                "innovation_area_id": shared_area_named(area).id,
                "affected_end_users": ["medborgare", "medarbetare"],
                "competences": ["verksamhet", "upphandling", "IT", "ekonomi"],
            },
        )["id"]
        result.needs[title] = need_id
        path = f"/api/v1/needs/{need_id}"
        api.call(
            "POST",
            f"{path}/workshops",
            officer,
            {
                "held_on": "2018-02-14",
                "competences_present": ["verksamhet", "upphandling", "IT"],
                "participant_count": 14,
                "notes": "Tvärfunktionell workshop, Skurup och Ystad",
            },
            versioned=need_id,
        )
        for quadrant, text in SWOT.items():
            api.call(
                "POST",
                f"{path}/swot",
                officer,
                {"quadrant": quadrant, "text": text},
                versioned=need_id,
            )
        api.call("POST", f"{path}/share", officer, versioned=need_id)

    # Joint identification: the AI learning process was found together by the five
    # municipalities that then procured it, so the need is theirs jointly from the start.
    progress("joint identification: lärprocess för AI, co-owned by five municipalities")
    ai_need_id = result.needs["Lärprocess för AI"]
    for slug in ("trelleborg", "staffanstorp", "kavlinge", "burlov"):
        api.call(
            "POST",
            f"/api/v1/needs/{ai_need_id}/co-owners",
            result.tokens[slug]["officer"],
            versioned=ai_need_id,
        )

    # Network building: Trelleborg finds a need much like Skurup's floors and shares it; the
    # similar needs of either suggest that the other co-own it.
    progress("a similar need in Trelleborg: wet floors in the schools' entrances")
    trelleborg_officer = result.tokens["trelleborg"]["officer"]
    entrances = api.call(
        "POST",
        "/api/v1/needs",
        trelleborg_officer,
        {
            "title": "Torra golv i skolornas entréer",
            "problem_statement": "Blöta och smutsiga golv i skolornas entréer ger halkrisk och "
            "slitage under vinterhalvåret.",
            "innovation_area_id": shared_area_named("Rena och torra golv").id,
            "affected_end_users": ["elever", "lokalvårdare"],
            "competences": ["lokalvård", "fastighet", "upphandling"],
        },
    )["id"]
    api.call("POST", f"/api/v1/needs/{entrances}/share", trelleborg_officer, versioned=entrances)

    def prioritise_and_decide(owner: str, title: str, day: str) -> str:
        need_id = result.needs[title]
        maker = result.tokens[owner]["decision_maker"]
        path = f"/api/v1/needs/{need_id}/decisions"
        api.call(
            "POST",
            path,
            maker,
            decision(
                "prioritise",
                f"{day}T09:00:00+01:00",
                "Högt prioriterat i behovsanalysen",
                scores=SCORES,
            ),
            versioned=need_id,
        )
        api.call(
            "POST",
            path,
            maker,
            decision(
                "decide_to_procure",
                f"{day}T10:00:00+01:00",
                "Anskaffningsbeslut: behovet ska mötas genom innovationsupphandling",
            ),
            versioned=need_id,
        )
        return need_id

    progress("pilot 1: rena golv i förskolan (Skurup)")
    floors_need = prioritise_and_decide("skurup", "Rena och torra golv i förskolan", "2018-03-14")
    skurup = result.tokens["skurup"]
    floors = api.call(
        "POST",
        "/api/v1/procurements",
        skurup["officer"],
        {
            "title": "Rena golv i förskolan",
            "description": "Funktionsupphandling av lösning för rena och torra golv i förskolan",
            "estimated_value_sek": "1200000.00",
            "need_ids": [floors_need],
            "case_number": "KS 2018/123",
            "cpv_code": "39713000-3",
        },
    )["id"]
    result.procurements["floors"] = floors
    api.versions.pop(floors_need)  # starting the procurement moved the need on
    p = f"/api/v1/procurements/{floors}"
    maker = skurup["decision_maker"]
    api.call(
        "POST",
        f"{p}/decisions",
        maker,
        decision(
            "screen",
            "2018-04-03T09:00:00+02:00",
            "Funktionskrav öppnar för nya lösningar",
            innovation=True,
            kind="functional_requirements",
        ),
        versioned=floors,
    )
    api.call(
        "POST",
        f"{p}/market-dialogue",
        skurup["officer"],
        {
            "kind": "rfi",
            "held_on": "2018-04-20",
            "supplier_count": 7,
            "summary": "RFI med sju leverantörer om golvlösningar",
        },
        versioned=floors,
    )
    api.call(
        "POST",
        f"{p}/decisions",
        maker,
        decision(
            "choose_procedure",
            "2018-05-02T09:00:00+02:00",
            "Öppet förfarande passar marknaden",
            procedure="open",
        ),
        versioned=floors,
    )
    api.call(
        "POST",
        f"{p}/decisions",
        maker,
        decision(
            "publish",
            "2018-09-03T09:00:00+02:00",
            "Upphandlingsdokumenten godkänns",
            notice_id="2018-SKU-0042",
            tender_deadline="2018-10-15T23:59:00+02:00",
        ),
        versioned=floors,
    )
    for supplier, at in (
        ("floors", "2018-10-10T14:00:00+02:00"),
        ("floors_runner_up", "2018-10-14T09:30:00+02:00"),
    ):
        api.call(
            "POST",
            f"{p}/bids",
            skurup["officer"],
            {
                "tenderer_org_number": SUPPLIERS[supplier]["org_number"],
                "tenderer_name": SUPPLIERS[supplier]["name"],
                "received_at": at,
            },
            versioned=floors,
        )
    api.call(
        "POST",
        f"{p}/evaluation",
        skurup["officer"],
        {"at": "2018-10-16T09:00:00+02:00"},
        versioned=floors,
    )
    api.call(
        "POST",
        f"{p}/decisions",
        maker,
        decision(
            "award",
            "2018-12-20T08:00:00+01:00",
            "Bäst förhållande mellan pris och kvalitet",
            suppliers=[SUPPLIERS["floors"]],
            evaluation_summary="Högst poäng på funktion och pris",
            notification_sent_at="2018-12-20T10:00:00+01:00",
            sent_electronically=True,
        ),
        versioned=floors,
    )
    # The runner-up applied for review during the standstill (last day 2019-01-02). The court
    # dismissed it on 2019-01-15, which extended the standstill by ten days from the ruling
    # (förlängd avtalsspärr, LOU 20 kap. 10 §): last day 2019-01-25, signing from 2019-01-26.
    review = api.call(
        "POST",
        f"{p}/reviews",
        skurup["officer"],
        {
            "filed_on": "2018-12-28",
            "court": "Förvaltningsrätten i Malmö",
            "applicant": SUPPLIERS["floors_runner_up"]["name"],
            "reference": "12345-18",
        },
        versioned=floors,
    )["created"]["review_id"]
    api.call(
        "POST",
        f"{p}/reviews/{review}/ruling",
        skurup["officer"],
        {
            "ruled_on": "2019-01-15",
            "outcome": "dismissed",
            "summary": "Ansökan avslås: utvärderingen följde upphandlingsdokumenten",
        },
        versioned=floors,
    )
    api.call(
        "POST",
        f"{p}/decisions",
        maker,
        decision(
            "sign_contract",
            "2019-01-28T09:00:00+01:00",
            "Den förlängda avtalsspärren har löpt ut",
            supplier_org_number=SUPPLIERS["floors"]["org_number"],
            contract_value_sek="1150000.00",
            signed_on="2019-01-28",
        ),
        versioned=floors,
    )
    api.call(
        "POST",
        f"{p}/milestones",
        skurup["officer"],
        {"title": "Pilot i två förskolor", "reached_on": "2019-03-01"},
        versioned=floors,
    )
    api.call(
        "POST",
        f"{p}/follow-ups",
        skurup["officer"],
        {
            "need_id": floors_need,
            "followed_up_on": "2019-06-15",
            "effect": "Färre halkolyckor och torrare golv i hallen",
            "measurement": "Halkincidenter per månad: 6 före, 1 efter",
        },
        versioned=floors,
    )
    api.call(
        "POST",
        f"{p}/lessons",
        skurup["officer"],
        {
            "text": "Lägg tid på behovsidentifiering och samla flera kompetenser tidigt.",
            "shareable": True,
        },
        versioned=floors,
    )
    api.call(
        "POST",
        f"/api/v1/needs/{floors_need}/decisions",
        maker,
        decision(
            "mark_realised", "2019-06-20T09:00:00+02:00", "Uppföljningen visar att behovet är mött"
        ),
        versioned=floors_need,
    )

    progress("pilot 2: delningstjänst mellan kommuner (Ystad)")
    sharing_need = prioritise_and_decide("ystad", "Delningstjänst mellan kommuner", "2018-03-20")
    ystad = result.tokens["ystad"]
    sharing = api.call(
        "POST",
        "/api/v1/procurements",
        ystad["officer"],
        {
            "title": "Delningstjänst för att låna och byta tjänster kommunerna emellan",
            "description": "Digital tjänst där kommuner lånar och byter tjänster och resurser",
            "estimated_value_sek": "2800000.00",
            "need_ids": [sharing_need],
            "case_number": "KS 2018/311",
        },
    )["id"]
    result.procurements["sharing"] = sharing
    p = f"/api/v1/procurements/{sharing}"
    maker = ystad["decision_maker"]
    api.call(
        "POST",
        f"{p}/decisions",
        maker,
        decision(
            "screen",
            "2018-04-10T09:00:00+02:00",
            "Ny tjänst som inte finns på marknaden",
            innovation=True,
            kind="market_dialogue",
        ),
        versioned=sharing,
    )
    api.call(
        "POST",
        f"{p}/decisions",
        maker,
        decision(
            "choose_procedure",
            "2018-05-15T09:00:00+02:00",
            "Förhandlat förfarande med annons",
            procedure="negotiated_with_notice",
        ),
        versioned=sharing,
    )
    api.call(
        "POST",
        f"{p}/decisions",
        maker,
        decision(
            "publish",
            "2018-10-01T09:00:00+02:00",
            "Upphandlingsdokumenten godkänns",
            notice_id="2018-YST-0117",
            tender_deadline="2018-11-30T23:59:00+01:00",
        ),
        versioned=sharing,
    )
    api.call(
        "POST",
        f"{p}/bids",
        ystad["officer"],
        {
            "tenderer_org_number": SUPPLIERS["sharing"]["org_number"],
            "tenderer_name": SUPPLIERS["sharing"]["name"],
            "received_at": "2018-11-28T16:00:00+01:00",
        },
        versioned=sharing,
    )

    progress("pilot 3: lärprocess för AI (Ystad with four municipalities)")
    ai_need = prioritise_and_decide("ystad", "Lärprocess för AI", "2018-04-05")
    ai = api.call(
        "POST",
        "/api/v1/procurements",
        ystad["officer"],
        {
            "title": "Lärprocess för artificiell intelligens",
            "description": "Innovationspartnerskap: en lärprocess som underlättar digitalisering",
            "estimated_value_sek": "4500000.00",
            "need_ids": [ai_need],
            "case_number": "KS 2018/402",
        },
    )["id"]
    result.procurements["ai"] = ai
    p = f"/api/v1/procurements/{ai}"
    for slug, role in (
        ("trelleborg", "co_lead"),
        ("staffanstorp", "participant"),
        ("kavlinge", "participant"),
        ("burlov", "participant"),
    ):
        api.call(
            "POST",
            f"{p}/participants",
            ystad["officer"],
            {"municipality": slug, "role": role},
            versioned=ai,
        )
    for slug in ("trelleborg", "staffanstorp", "kavlinge", "burlov"):
        api.call(
            "POST",
            f"{p}/participation",
            result.tokens[slug]["decision_maker"],
            decision(
                "join",
                "2018-05-08T13:00:00+02:00",
                "Vi har samma behov och deltar i pilotens lärprocess",
            ),
            versioned=ai,
        )
    api.call(
        "POST",
        f"{p}/decisions",
        maker,
        decision(
            "screen",
            "2018-05-20T09:00:00+02:00",
            "Lösningen behöver utvecklas tillsammans",
            innovation=True,
            kind="innovation_partnership",
        ),
        versioned=ai,
    )
    api.call(
        "POST",
        f"{p}/market-dialogue",
        result.tokens["trelleborg"]["officer"],
        {
            "kind": "innovation_sprint",
            "held_on": "2018-06-12",
            "supplier_count": 5,
            "summary": "Innovationssprint med fem leverantörer och alla fem kommuner",
        },
        versioned=ai,
    )
    api.call(
        "POST",
        f"{p}/decisions",
        maker,
        decision(
            "choose_procedure",
            "2018-08-28T09:00:00+02:00",
            "Innovationspartnerskap",
            procedure="innovation_partnership",
        ),
        versioned=ai,
    )
    load_project(api, result, progress)
    publish_to_market(api, result, progress)
    load_ordinary_purchasing(api, result, progress)
    progress("done")
    return result


def load_project(api: Api, result: DemoResult, progress: Callable[[str], None]) -> None:
    """The Vinnova-funded project: Skurup coordinates (its board's decision), Ystad and the AI
    pilot's four municipalities join by their own decisions, and each links its own work: the
    nine challenges and the three pilots."""
    progress("the Vinnova-funded development project")
    skurup = result.tokens["skurup"]
    established = {
        "rationale": "Kommunen samordnar utvecklingsprojektet med stöd av Vinnova",
        "authority": {
            "kind": "board",
            "body": "Kommunstyrelsen",
            "meeting_date": "2018-01-22",
            "minutes_reference": "Kommunstyrelsen i Skurup 2018-01-22 § 12",
        },
        "decided_at": "2018-01-22T18:00:00+01:00",
    }
    project = api.call("POST", "/api/v1/projects", skurup["decision_maker"],
                       {**PROJECT, **established})["id"]
    result.projects["vinnova"] = project
    path = f"/api/v1/projects/{project}"
    with_the_ai_pilot = "2018-05-08T14:00:00+02:00"
    joining = {"ystad": ("co_applicant", "2018-01-25T14:00:00+01:00"),
               "trelleborg": ("partner", with_the_ai_pilot),
               "staffanstorp": ("partner", with_the_ai_pilot),
               "kavlinge": ("partner", with_the_ai_pilot),
               "burlov": ("partner", with_the_ai_pilot)}  # fmt: skip
    for slug, (role, _) in joining.items():
        api.call("POST", f"{path}/partners", skurup["officer"],
                 {"kind": "municipality", "municipality": slug, "role": role}, versioned=project)
    for slug, (_, decided_at) in joining.items():
        api.call("POST", f"{path}/decisions", result.tokens[slug]["decision_maker"],
                 decision("join_project", decided_at,
                          "Kommunen deltar i utvecklingsprojektet"), versioned=project)
    for organisation, represents in PROJECT_REFERENCE_GROUP:
        api.call("POST", f"{path}/reference-group", skurup["officer"],
                 {"organisation": organisation, "represents": represents}, versioned=project)
    for phase, plan in PROJECT_PHASES.items():
        api.call("PUT", f"{path}/phases/{phase}", skurup["officer"], plan, versioned=project)
    linked: list[tuple[str, str, str]] = [
        (owner, "need", result.needs[title]) for owner, _, title, _ in CHALLENGES
    ]
    linked += [("skurup", "procurement", result.procurements["floors"]),
               ("ystad", "procurement", result.procurements["sharing"]),
               ("ystad", "procurement", result.procurements["ai"])]  # fmt: skip
    for owner, kind, object_id in linked:
        api.call("POST", f"{path}/decisions", result.tokens[owner]["decision_maker"],
                 decision("link_to_project", "2018-06-01T10:00:00+02:00",
                          "Arbetet görs inom utvecklingsprojektet", kind=kind,
                          object_id=object_id), versioned=project)


# Needs their owners open to suppliers (GET /api/open/v1/needs, without sign-in).
ON_THE_MARKET = (
    ("skurup", "AR i stadsplanering", "2018-04-16T10:00:00+02:00",
     "Vi vill höra hur AR kan visa planerad bebyggelse på plats; leverantörsdialog i maj."),
    ("ystad", "Samutnyttjade lokaler", "2018-04-18T10:00:00+02:00",
     "Vi söker lösningar för bokning och tillträde till lokaler som står tomma kvällar."),
)


def publish_to_market(api: Api, result: DemoResult, progress: Callable[[str], None]) -> None:
    progress("needs published to the market")
    for owner, title, decided_at, summary in ON_THE_MARKET:
        need_id = result.needs[title]
        api.call("POST", f"/api/v1/needs/{need_id}/market",
                 result.tokens[owner]["decision_maker"],
                 decision("publish_to_market", decided_at,
                          "Behovet öppnas för marknaden inför en dialog", summary=summary),
                 versioned=need_id)


DATA = Path(__file__).parent / "data"
# Each municipality's target share of innovation procurements (started, by count) for 2019,
# adopted by its council with the budget in November 2018.
TARGETS_2019 = {
    "ystad": "25", "skurup": "20", "trelleborg": "20",
    "staffanstorp": "15", "kavlinge": "10", "burlov": "10",
}  # fmt: skip


def load_ordinary_purchasing(
    api: Api, result: DemoResult, progress: Callable[[str], None]
) -> None:
    """Two years of each municipality's ordinary purchasing, imported from its register's CSV
    export through the same import a municipality uses, and its target for 2019."""
    for municipality in MUNICIPALITIES:
        slug = municipality["slug"]
        progress(f"importing the purchasing register of {municipality['name']}")
        maker = result.tokens[slug]["decision_maker"]
        response = api.client.post(
            "/api/v1/purchasing-register/imports",
            data=(DATA / f"inkopsregister-{slug}.csv").read_bytes(),
            headers={"Authorization": f"Bearer {maker}", "Content-Type": "text/csv"},
        )
        if response.status_code != 200:
            raise DemoError(f"import of {slug}: {response.status_code} {response.get_data(True)}")
        api.call(
            "POST",
            f"/api/v1/municipalities/{slug}/innovation-targets",
            maker,
            {
                "year": 2019,
                "target_percent": TARGETS_2019[slug],
                "rationale": "Andelen innovationsupphandlingar ska öka enligt arbetsmodellen",
                "authority": {
                    "kind": "board",
                    "body": "Kommunfullmäktige",
                    "meeting_date": "2018-11-26",
                    "minutes_reference": "Kommunfullmäktige 2018-11-26 § 150 (budget 2019)",
                },
                "decided_at": "2018-11-26T19:00:00+01:00",
            },
            versioned=slug,
        )


def is_store_empty(app: Flask) -> bool:
    recorder = app.extensions["innoledger"].innoledger.recorder
    return not recorder.max_notification_id()

"""HTTP-level fixtures: a small network of municipalities built through the API itself.

Only the two platform tokens (admin and auditor) are issued directly from the token store, as a
deployment would bootstrap them; every other token, member, role, innovation area and delegation
order is created over HTTP, with the tenant admins the platform admin seats.

`Client` wraps Flask's test client with one bearer token. Commands on an existing aggregate send
`If-Match` with the aggregate's current ETag (read by the platform auditor, who sees everything),
unless a test names the version itself (`if_match="3"`, `if_match='"3"'`) or wants none
(`if_match=None`).

Everything happens in 2018-2019, the time of the Skurup/Ystad pilots, so decisions are never in
the future. The award notice of the seed is sent electronically on Thu 2018-12-20: the standstill
(avtalsspärr) runs to Wed 2019-01-02 (day 10 is Sun 12-30; Mon 12-31 nyårsafton and Tue 01-01
nyårsdagen move it) and the contract may be signed from Thu 2019-01-03.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from werkzeug.test import TestResponse

from domain.decisions import DELEGABLE_DECISION_TYPES
from service.api import create_app
from service.settings import Settings

API = "/api/v1"
PROBLEM = "application/problem+json"

MUNICIPALITIES: dict[str, tuple[str, str]] = {
    "ystad": ("Ystads kommun", "212000-1249"),
    "skurup": ("Skurups kommun", "212000-1181"),
    "trelleborg": ("Trelleborgs kommun", "212000-1173"),
    "staffanstorp": ("Staffanstorps kommun", "212000-1132"),
    "kavlinge": ("Kävlinge kommun", "212000-1108"),
    "burlov": ("Burlövs kommun", "212000-1116"),
}
COUNTY = "Skåne"
ROLES = ("officer", "decision_maker", "viewer", "auditor")
SHORT = {
    "tenant_admin": "admin",
    "officer": "officer",
    "decision_maker": "dm",
    "viewer": "viewer",
    "auditor": "auditor",
}

# The timeline of the pilots.
ORDER_EFFECTIVE = "2018-01-01"
PRIORITISED_AT = "2018-03-14T10:00:00+01:00"
PROCURE_AT = "2018-04-10T10:00:00+02:00"
SCREEN_AT = "2018-05-02T09:00:00+02:00"
PROCEDURE_AT = "2018-05-02T10:00:00+02:00"
PUBLISH_AT = "2018-09-03T10:00:00+02:00"
TENDER_DEADLINE = "2018-10-15T12:00:00+02:00"
BID_AT = "2018-10-10T13:00:00+02:00"
LATE_BID_AT = "2018-10-15T12:30:00+02:00"
EVALUATION_AT = "2018-10-16T09:00:00+02:00"
AWARD_AT = "2018-12-20T08:00:00+01:00"
NOTIFIED_AT = "2018-12-20T09:00:00+01:00"
STANDSTILL_LAST_DAY = "2019-01-02"
SIGN_ON = "2019-01-03"
SIGN_AT = "2019-01-03T10:00:00+01:00"
MILESTONE_ON = "2019-03-01"
FOLLOW_UP_ON = "2019-09-02"
CLOSE_AT = "2019-12-16T10:00:00+01:00"
REALISED_AT = "2019-12-17T10:00:00+01:00"

ESTIMATED_VALUE = "1500000.00"
CONTRACT_VALUE = "1450000.00"
SUPPLIER_A = {"org_number": "556677-8899", "name": "Lärande Maskiner AB"}
SUPPLIER_B = {"org_number": "556012-3456", "name": "Torra Golv i Skåne AB"}
SCORES = {
    "impact": 5,
    "feasibility": 4,
    "market_readiness": 3,
    "cost_viability": 4,
    "organisational_readiness": 4,
}
SWOT = {
    "strength": "Engagerade pedagoger",
    "weakness": "Splittrade IT-system",
    "opportunity": "Fem kommuner delar behovet",
    "threat": "Leverantörsinlåsning",
}


def rule(
    rule_id: str, decision_type: str, role: str = "decision_maker", max_value_sek: str | None = None
) -> dict[str, Any]:
    return {
        "rule_id": rule_id,
        "decision_type": decision_type,
        "role": role,
        "max_value_sek": max_value_sek,
    }


def full_delegation(
    role: str = "decision_maker", max_value_sek: str | None = None, prefix: str = "DM"
) -> list[dict[str, Any]]:
    """A delegation order giving `role` every decision type."""
    return [
        rule(f"{prefix}-{kind}", kind, role, max_value_sek) for kind in DELEGABLE_DECISION_TYPES
    ]


def order_adoption(meeting: str, *, body: str = "Kommunstyrelsen") -> dict[str, Any]:
    """The board's decision adopting a delegation order at its meeting on `meeting`
    (YYYY-MM-DD), as the body of PUT .../delegation-order carries it."""
    return {
        "rationale": "Delegationsordning antagen",
        "authority": {
            "kind": "board",
            "body": body,
            "meeting_date": meeting,
            "minutes_reference": f"{body} {meeting} § 12",
        },
        "decided_at": f"{meeting}T18:00:00+01:00",
    }


def decision(
    decision_type: str,
    decided_at: str,
    /,
    *,
    rationale: str | None = None,
    rule_id: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A decision body under the delegation order."""
    authority: dict[str, Any] = {"kind": "delegation"}
    if rule_id is not None:
        authority["rule_id"] = rule_id
    return {
        "type": decision_type,
        "rationale": rationale or f"Motivering: {decision_type}",
        "authority": authority,
        "decided_at": decided_at,
        **extra,
    }


def board(
    decision_type: str,
    decided_at: str,
    /,
    *,
    body: str = "Kommunstyrelsen",
    minutes_reference: str = "Kommunstyrelsen 2018-03-14 § 45",
    meeting_date: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """A decision body recording a board decision (no delegation needed), taken at a meeting
    on the day of `decided_at` unless `meeting_date` says otherwise."""
    return {
        "type": decision_type,
        "rationale": f"Beslut i {body}: {decision_type}",
        "authority": {
            "kind": "board",
            "body": body,
            "meeting_date": meeting_date or decided_at[:10],
            "minutes_reference": minutes_reference,
        },
        "decided_at": decided_at,
        **extra,
    }


def now_iso(delta: timedelta = timedelta(0)) -> str:
    return (datetime.now(UTC) + delta).isoformat()


_ROOT = re.compile(r"^(/api/v1/(?:needs|procurements|municipalities|projects)/[^/?]+)")

AUTO = object()


class Client:
    """The test client of one caller: a bearer token, If-Match handling, JSON in and out."""

    def __init__(
        self,
        world: World,
        token: str | None,
        *,
        name: str = "",
        user_id: str | None = None,
        token_id: str | None = None,
    ):
        self.world = world
        self.http = world.app.test_client()
        self.token = token
        self.name = name
        self.user_id = user_id
        self.token_id = token_id
        self.last: TestResponse | None = None
        self.last_etag: str | None = None

    def __repr__(self) -> str:
        return f"Client({self.name})"

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {} if self.token is None else {"Authorization": f"Bearer {self.token}"}
        headers.update(extra or {})
        return headers

    def request(
        self,
        method: str,
        path: str,
        *,
        json: Any = None,
        data: Any = None,
        query: dict[str, Any] | None = None,
        if_match: Any = AUTO,
        headers: dict[str, str] | None = None,
    ) -> TestResponse:
        url = path if path.startswith("/") else f"{API}/{path}"
        extra = dict(headers or {})
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            if if_match is AUTO:
                root = _ROOT.match(url)
                if root is not None and not url.endswith("/tokens"):
                    extra["If-Match"] = self.world.current_etag(root.group(1))
            elif if_match is not None:
                text = str(if_match)
                extra["If-Match"] = text if text.startswith(('"', "W/", "*")) else f'"{text}"'
        kwargs: dict[str, Any] = {"headers": self.headers(extra), "query_string": query}
        if json is not None:
            kwargs["json"] = json
        elif data is not None:
            kwargs["data"] = data
        response = self.http.open(url, method=method, **kwargs)
        self.last = response
        if "ETag" in response.headers:
            self.last_etag = response.headers["ETag"]
        return response

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("PUT", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", path, **kwargs)

    # Expectations

    def ok(
        self, method: str, path: str, status: int | tuple[int, ...] = (200, 201), **kwargs: Any
    ) -> dict[str, Any]:
        """The request must succeed with `status`; returns its JSON body."""
        response = self.request(method, path, **kwargs)
        expected = (status,) if isinstance(status, int) else status
        assert response.status_code in expected, (
            f"{self.name} {method} {path}: {response.status_code} {response.get_data(as_text=True)}"
        )
        return response.get_json(silent=True) or {}

    def read(self, path: str, **kwargs: Any) -> dict[str, Any]:
        return self.ok("GET", path, 200, **kwargs)


def assert_problem(
    response: TestResponse, status: int, *, rule: str | None = None, field: str | None = None
) -> dict[str, Any]:
    """`response` is an RFC 9457 problem with `status` (and the `rule` / `field` it names)."""
    text = response.get_data(as_text=True)
    assert response.status_code == status, f"expected {status}, got {response.status_code}: {text}"
    assert response.mimetype == PROBLEM, f"{response.mimetype}: {text}"
    body = response.get_json(force=True)
    assert body["status"] == status
    assert body["title"]
    # The type is this service's page explaining the rule (GET it: 200, Swedish and English).
    assert re.fullmatch(r"https?://[^/]+/problems/[a-z0-9-]+", body["type"]), body["type"]
    if rule is not None:
        assert body.get("rule") == rule, text
    if field is not None:
        named = body.get("errors", {})
        assert any(key == field or key.startswith((f"{field}.", f"{field}[")) for key in named), (
            f"no error named {field!r}: {text}"
        )
    return body


@dataclasses.dataclass
class Tenant:
    """One municipality with a member (and a token) per role."""

    slug: str
    area_id: str
    clients: dict[str, Client]

    @property
    def admin(self) -> Client:
        return self.clients["tenant_admin"]

    @property
    def officer(self) -> Client:
        return self.clients["officer"]

    @property
    def dm(self) -> Client:
        return self.clients["decision_maker"]

    @property
    def viewer(self) -> Client:
        return self.clients["viewer"]

    @property
    def auditor(self) -> Client:
        return self.clients["auditor"]

    def user(self, role: str) -> str:
        return f"{self.slug}-{SHORT[role]}"

    @property
    def path(self) -> str:
        return f"{API}/municipalities/{self.slug}"


class World:
    """The platform and the municipalities a test asked for, all set up over HTTP."""

    def __init__(self, app: Flask):
        self.app = app
        store = app.extensions["innoledger"].tokens
        admin = store.issue(
            user_id="root",
            municipality=None,
            platform_roles=("platform_admin",),
            label="t",
            created_by="test",
            lifetime=timedelta(days=1),
        )
        auditor = store.issue(
            user_id="revisor",
            municipality=None,
            platform_roles=("auditor",),
            label="t",
            created_by="test",
            lifetime=timedelta(days=1),
        )
        self.platform = Client(
            self,
            admin.secret,
            name="platform-admin",
            user_id="root",
            token_id=admin.record.token_id,
        )
        self.platform_auditor = Client(
            self,
            auditor.secret,
            name="platform-auditor",
            user_id="revisor",
            token_id=auditor.record.token_id,
        )
        self.tenants: dict[str, Tenant] = {}

    def anonymous(self) -> Client:
        return Client(self, None, name="anonymous")

    def current_etag(self, root: str) -> str:
        """The aggregate's ETag now; '"1"' for one that does not exist (to provoke a 404)."""
        response = self.platform_auditor.http.get(root, headers=self.platform_auditor.headers())
        if response.status_code == 404:
            return '"1"'
        assert response.status_code == 200, (root, response.get_data(as_text=True))
        return response.headers["ETag"]

    def version(self, root: str) -> int:
        return int(self.current_etag(root).strip('"').split("-")[0])

    # Municipalities

    def register(self, slug: str) -> None:
        name, org = MUNICIPALITIES[slug]
        self.platform.ok(
            "POST",
            "municipalities",
            201,
            json={"slug": slug, "name": name, "organisation_number": org, "county": COUNTY},
        )

    def issue_token(self, tenant_admin: Client, slug: str, user_id: str, **body: Any) -> Client:
        issued = tenant_admin.ok(
            "POST", f"municipalities/{slug}/tokens", 201, json={"user_id": user_id, **body}
        )
        return Client(
            self, issued["token"], name=user_id, user_id=user_id, token_id=issued["token_id"]
        )

    def grant(self, admin: Client, slug: str, user_id: str, role: str) -> None:
        admin.ok(
            "POST", f"municipalities/{slug}/members", 200, json={"user_id": user_id, "role": role}
        )

    def tenant(
        self,
        slug: str,
        *,
        rules: list[dict[str, Any]] | None = None,
        effective_from: str = ORDER_EFFECTIVE,
        area: str = "Lärprocess för AI",
        roles: tuple[str, ...] = ROLES,
    ) -> Tenant:
        """`slug` registered, with a tenant admin, a member per role, an innovation area and
        (unless `rules=[]`) a delegation order giving the decision maker every decision."""
        if slug in self.tenants:
            return self.tenants[slug]
        self.register(slug)
        admin_id = f"{slug}-admin"
        self.platform.ok(
            "POST",
            f"municipalities/{slug}/members",
            200,
            json={"user_id": admin_id, "role": "tenant_admin"},
        )
        admin = self.issue_token(self.platform, slug, admin_id)
        clients = {"tenant_admin": admin}
        for role in roles:
            user_id = f"{slug}-{SHORT[role]}"
            self.grant(admin, slug, user_id, role)
            clients[role] = self.issue_token(admin, slug, user_id)
        created = admin.ok(
            "POST",
            f"municipalities/{slug}/innovation-areas",
            201,
            json={"name": area, "description": "Ett av de nio områdena"},
        )
        area_id = created["created"]["innovation_area_id"]
        if rules is None:
            rules = full_delegation()
        if rules:
            admin.ok(
                "PUT",
                f"municipalities/{slug}/delegation-order",
                200,
                json={
                    "effective_from": effective_from,
                    "rules": rules,
                    **order_adoption(effective_from),
                },
            )
        tenant = Tenant(slug=slug, area_id=area_id, clients=clients)
        self.tenants[slug] = tenant
        return tenant

    # Needs

    def need(
        self,
        tenant: Tenant,
        state: str = "identified",
        *,
        title: str = "Lärprocess för AI",
        shared: bool = False,
        swot: bool = True,
    ) -> str:
        """A need of `tenant` walked to `state` (identified, prioritised, procurement_decided,
        parked, rejected); returns its id."""
        created = tenant.officer.ok(
            "POST",
            "needs",
            201,
            json={
                "title": title,
                "problem_statement": "Lärare saknar stöd för att använda AI i undervisningen.",
                "innovation_area_id": tenant.area_id,
                "affected_end_users": ["elever", "lärare"],
                "competences": ["pedagogik", "IT", "upphandling"],
            },
        )
        need_id = created["id"]
        path = f"needs/{need_id}"
        if swot:
            for quadrant, text in SWOT.items():
                tenant.officer.ok(
                    "POST", f"{path}/swot", 201, json={"quadrant": quadrant, "text": text}
                )
        if shared:
            tenant.officer.ok("POST", f"{path}/share", 200)
        if state in ("prioritised", "procurement_decided"):
            tenant.dm.ok(
                "POST",
                f"{path}/decisions",
                200,
                json=decision("prioritise", PRIORITISED_AT, scores=SCORES),
            )
        if state == "procurement_decided":
            tenant.dm.ok(
                "POST", f"{path}/decisions", 200, json=decision("decide_to_procure", PROCURE_AT)
            )
        elif state == "parked":
            tenant.dm.ok("POST", f"{path}/decisions", 200, json=decision("park", PRIORITISED_AT))
        elif state == "rejected":
            tenant.dm.ok(
                "POST",
                f"{path}/decisions",
                200,
                json=decision("reject", PRIORITISED_AT, reason="duplicate"),
            )
        assert tenant.officer.read(path)["status"] == state
        return need_id

    # Procurements

    def procurement(
        self,
        tenant: Tenant,
        state: str = "planning",
        *,
        need_ids: list[str] | None = None,
        procedure: str = "open",
        value: str = ESTIMATED_VALUE,
        bidders: tuple[dict[str, str], ...] = (SUPPLIER_A, SUPPLIER_B),
        title: str = "AI-stöd för lärande",
    ) -> str:
        """A procurement led by `tenant` walked along the main path to `state` (planning,
        screened, tendering, evaluation, awarded, contracted, implementing, closed)."""
        if need_ids is None:
            need_ids = [self.need(tenant, "procurement_decided")]
        created = tenant.officer.ok(
            "POST",
            "procurements",
            201,
            json={
                "title": title,
                "description": "Innovationsupphandling av ett AI-stöd för lärprocesser.",
                "estimated_value_sek": value,
                "need_ids": need_ids,
                "case_number": "KS 2018/123",
                "cpv_code": "48000000-8",
            },
        )
        procurement_id = created["id"]
        path = f"procurements/{procurement_id}/decisions"
        order = (
            "planning",
            "screened",
            "tendering",
            "evaluation",
            "awarded",
            "contracted",
            "implementing",
            "closed",
        )
        target = order.index(state)
        dm, officer = tenant.dm, tenant.officer
        if target >= 1:
            dm.ok(
                "POST",
                path,
                200,
                json=decision("screen", SCREEN_AT, innovation=True, kind="functional_requirements"),
            )
            dm.ok(
                "POST",
                path,
                200,
                json=decision("choose_procedure", PROCEDURE_AT, procedure=procedure),
            )
        if target >= 2:
            dm.ok(
                "POST",
                path,
                200,
                json=decision(
                    "publish",
                    PUBLISH_AT,
                    notice_id="TED-2018/S-123456",
                    tender_deadline=TENDER_DEADLINE,
                ),
            )
        if target >= 3:
            for bidder in bidders:
                officer.ok(
                    "POST",
                    f"procurements/{procurement_id}/bids",
                    201,
                    json={
                        "tenderer_org_number": bidder["org_number"],
                        "tenderer_name": bidder["name"],
                        "received_at": BID_AT,
                    },
                )
            officer.ok(
                "POST", f"procurements/{procurement_id}/evaluation", 201, json={"at": EVALUATION_AT}
            )
        if target >= 4:
            dm.ok(
                "POST",
                path,
                200,
                json=decision(
                    "award",
                    AWARD_AT,
                    suppliers=[SUPPLIER_A],
                    evaluation_summary="Bästa förhållande mellan pris och kvalitet.",
                    notification_sent_at=NOTIFIED_AT,
                    sent_electronically=True,
                ),
            )
        if target >= 5:
            dm.ok(
                "POST",
                path,
                200,
                json=decision(
                    "sign_contract",
                    SIGN_AT,
                    supplier_org_number=SUPPLIER_A["org_number"],
                    contract_value_sek=CONTRACT_VALUE,
                    signed_on=SIGN_ON,
                ),
            )
        if target >= 6:
            officer.ok(
                "POST",
                f"procurements/{procurement_id}/milestones",
                201,
                json={"title": "Pilot i tre skolor", "reached_on": MILESTONE_ON},
            )
        if target >= 7:
            officer.ok(
                "POST",
                f"procurements/{procurement_id}/follow-ups",
                201,
                json={
                    "need_id": need_ids[0],
                    "followed_up_on": FOLLOW_UP_ON,
                    "effect": "Lärarna lägger mindre tid på rättning",
                    "measurement": "-30 % rättningstid",
                },
            )
            dm.ok("POST", path, 200, json=decision("close", CLOSE_AT, outcome="completed"))
        return procurement_id


# Fixtures


@pytest.fixture
def make_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Callable[..., Flask]]:
    """Builds an app on a fresh SQLite store; keyword arguments override Settings."""
    apps: list[Flask] = []

    def make(settings: Settings | None = None, **overrides: Any) -> Flask:
        base = settings or Settings(
            database="sqlite", var_dir=tmp_path_factory.mktemp("var"), testing=True
        )
        app = create_app(dataclasses.replace(base, **overrides))
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["innoledger"].close()


@pytest.fixture
def app(make_app: Callable[..., Flask], sqlite_settings: Settings) -> Flask:
    return make_app(sqlite_settings)


@pytest.fixture
def world(app: Flask) -> World:
    return World(app)


@pytest.fixture
def ystad(world: World) -> Tenant:
    return world.tenant("ystad")


@pytest.fixture
def skurup(world: World) -> Tenant:
    return world.tenant("skurup", area="Rena och torra golv")


@pytest.fixture
def trelleborg(world: World) -> Tenant:
    return world.tenant("trelleborg")

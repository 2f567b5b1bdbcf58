"""§3 and §8: no token reaches another tenant's private data on any endpoint, over HTTP.

The matrix: every operation of the served OpenAPI document (so a new endpoint joins the matrix
by itself) x every object of Ystad's it can name (a private need, a need inside a private
procurement, a private procurement, a joint procurement Skurup was not invited to, a shared need,
a published procurement with a secret bid, the municipality, a token, a person) x every role of
Skurup's. Reads of private objects answer 404; reads of shared work answer without Ystad's
secrets; writes are refused (403/404) and nothing is written. Expired and revoked tokens get
401 everywhere. Afterwards no token appears in the service's logs.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.reliability.checks import FIGURES, server_errors
from tests.reliability.conftest import ROLES, Served, served_demo

ATTACKER = "skurup"
DECIDED = "2019-02-01T10:00:00+01:00"
WRITES = ("post", "put", "patch", "delete")


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with served_demo("sqlite", tmp_path_factory.mktemp("isolation")) as s:
        yield s


def get(served: Served, path: str, token: str, **params: Any) -> requests.Response:
    return requests.get(
        f"{served.server.url}{path}",
        params=params,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def head(served: Served) -> int:
    return int(requests.get(f"{served.server.url}/readyz", timeout=30).json()["head_position"])


def decision(kind: str, **extra: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "rationale": "Försök från en annan kommun",
        "authority": {"kind": "delegation"},
        "decided_at": DECIDED,
        **extra,
    }


BODIES: dict[tuple[str, str], Any] = {
    ("post", "/api/v1/municipalities"): {
        "slug": "spion",
        "name": "Spionkommun",
        "organisation_number": "212000-1124",
        "county": "Skåne",
    },
    ("post", "/api/v1/municipalities/{slug}/members"): {"user_id": "spy", "role": "tenant_admin"},
    ("put", "/api/v1/municipalities/{slug}/delegation-order"): {
        "effective_from": "2019-01-01",
        "rules": [{"rule_id": "x", "decision_type": "award", "role": "officer"}],
        "rationale": "Kapad delegationsordning",
        "authority": {
            "kind": "board",
            "body": "Kommunstyrelsen",
            "meeting_date": "2018-12-12",
            "minutes_reference": "KS 2018-12-12 § 1",
        },
        "decided_at": "2018-12-12T15:00:00+01:00",
    },
    ("post", "/api/v1/municipalities/{slug}/innovation-areas"): {"name": "Spion"},
    ("post", "/api/v1/law/amounts"): {
        "series": "direct_award_limit",
        "effective_from": "2026-07-01",
        "amount": "1",
        "source": "Kapad",
    },
    ("post", "/api/v1/municipalities/{slug}/suspend"): {"rationale": "Kapning"},
    ("post", "/api/v1/municipalities/{slug}/reactivate"): {"rationale": "Kapning"},
    ("post", "/api/v1/municipalities/{slug}/tokens"): {"user_id": "ystad-officer"},
    ("post", "/api/v1/municipalities/{slug}/innovation-targets"): decision(
        "adopt_innovation_target", year=2019, target_percent="90"
    ),
    ("post", "/api/v1/procurements"): {
        "title": "Kapad",
        "description": "Med Ystads behov",
        "estimated_value_sek": "100000.00",
        "need_ids": ["{need_id}"],
    },
    ("patch", "/api/v1/needs/{need_id}"): {"title": "Kapad"},
    ("post", "/api/v1/needs/{need_id}/swot"): {"quadrant": "threat", "text": "Kapad"},
    ("post", "/api/v1/needs/{need_id}/workshops"): {
        "held_on": "2019-01-10",
        "participant_count": 3,
    },
    ("post", "/api/v1/needs/{need_id}/decisions"): decision("park"),
    ("post", "/api/v1/needs/{need_id}/market"): decision("publish_to_market"),
    ("patch", "/api/v1/procurements/{procurement_id}"): {"title": "Kapad"},
    ("post", "/api/v1/procurements/{procurement_id}/participants"): {
        "municipality": ATTACKER,
        "role": "co_lead",
    },
    ("post", "/api/v1/procurements/{procurement_id}/participation"): decision("join"),
    ("post", "/api/v1/procurements/{procurement_id}/decisions"): decision("cancel"),
    ("post", "/api/v1/procurements/{procurement_id}/market-dialogue"): {
        "kind": "rfi",
        "held_on": "2019-01-10",
        "supplier_count": 2,
        "summary": "Kapad",
    },
    ("post", "/api/v1/procurements/{procurement_id}/bids"): {
        "tenderer_org_number": "556677-8899",
        "tenderer_name": "Kapad AB",
        "received_at": "2018-11-01T10:00:00+01:00",
    },
    ("post", "/api/v1/procurements/{procurement_id}/evaluation"): {},
    ("post", "/api/v1/procurements/{procurement_id}/reviews"): {
        "filed_on": "2019-01-02",
        "court": "Förvaltningsrätten i Malmö",
        "applicant": "Kapad AB",
        "reference": "1-19",
    },
    ("post", "/api/v1/procurements/{procurement_id}/reviews/{review_id}/ruling"): {
        "ruled_on": "2019-01-05",
        "outcome": "dismissed",
        "summary": "Kapad",
    },
    ("post", "/api/v1/procurements/{procurement_id}/reviews/{review_id}/interim-order"): {
        "ordered_on": "2019-01-03",
    },
    ("post", "/api/v1/procurements/{procurement_id}/reviews/{review_id}/interim-order/lifting"): {
        "lifted_on": "2019-01-04",
    },
    ("post", "/api/v1/procurements/{procurement_id}/reviews/{review_id}/appeal"): {
        "appealed_on": "2019-01-08",
        "court": "Kammarrätten i Göteborg",
        "appellant": "Kapad AB",
        "reference": "2-19",
    },
    ("post", "/api/v1/procurements/{procurement_id}/reviews/{review_id}/appeal/ruling"): {
        "ruled_on": "2019-01-09",
        "outcome": "dismissed",
        "summary": "Kapad",
    },
    ("post", "/api/v1/procurements/{procurement_id}/milestones"): {
        "title": "Kapad",
        "reached_on": "2019-01-10",
    },
    ("post", "/api/v1/procurements/{procurement_id}/follow-ups"): {
        "need_id": "{need_id}",
        "followed_up_on": "2019-01-10",
        "effect": "Kapad",
        "measurement": "Kapad",
    },
    ("post", "/api/v1/procurements/{procurement_id}/lessons"): {"text": "Kapad", "shareable": True},
    ("put", "/api/v1/people/{user_id}"): {"display_name": "Kapad", "email": "kapad@example.org"},
}
# Writes another municipality may legitimately make on shared work.
ALLOWED_ON_SHARED = {("post", "/api/v1/needs/{need_id}/co-owners")}
# The other tenant's object is named in the body: answered as if it did not exist.
ABSENT_IN_BODY = {("post", "/api/v1/procurements")}
# Operations that act on the caller's own municipality only (nothing of Ystad's to name).
OWN_ONLY = {
    ("post", "/api/v1/needs"),
    ("post", "/api/v1/procurements/register"),
    ("post", "/api/v1/purchasing-register/imports"),
    ("post", "/api/v1/projects"),
}


def operations(served: Served) -> list[tuple[str, str, dict[str, Any]]]:
    document = requests.get(f"{served.server.url}/api/openapi.json", timeout=30).json()
    out = []
    for path, item in document["paths"].items():
        if not path.startswith("/api/v1/"):
            continue
        for method, operation in item.items():
            if method in ("get", *WRITES):
                out.append((method, path, operation))
    assert len(out) >= 55, len(out)
    return out


@pytest.fixture(scope="module")
def targets(served: Served) -> dict[str, Any]:
    """Ystad's objects, and the texts of its private ones that Skurup must never see."""
    demo = served.demo
    auditor = demo.platform["auditor"]
    private = get(served, f"/api/v1/procurements/{demo.procurements['private']}", auditor).json()
    private_need = get(served, f"/api/v1/needs/{demo.private_need}", auditor).json()
    viewer_token_id = demo.token("ystad", "viewer").split("_")[1]
    shared_need = demo.needs["Ökat samutnyttjande"]
    swot = get(served, f"/api/v1/needs/{shared_need}", auditor).json()["swot"]
    objects: dict[str, dict[str, str]] = {
        "private need": {"need_id": demo.private_need},
        "need of a private procurement": {"need_id": private["need_ids"][0]},
        "private procurement": {"procurement_id": demo.procurements["private"]},
        "joint procurement, not invited": {"procurement_id": demo.procurements["ai"]},
        "shared need": {"need_id": shared_need, "item_id": swot[0]["id"]},
        "published procurement": {"procurement_id": demo.procurements["sharing"]},
        "municipality": {"slug": "ystad", "area_id": demo.areas["ystad"]},
        "member": {"slug": "ystad", "user_id": "ystad-officer", "role": "officer"},
        "token": {"token_id": viewer_token_id},
        "person": {"user_id": "ystad-officer"},
    }
    private_kinds = {
        "private need",
        "need of a private procurement",
        "private procurement",
        "joint procurement, not invited",
    }
    secrets = [
        demo.private_need,
        private["need_ids"][0],
        demo.procurements["private"],
        private["title"],
        private["case_number"],
        private_need["title"],
        "Hemlig intern utmaning",
        "Lärprocess för artificiell intelligens",
        # The published procurement's bid, secret until the award.
        "Delbar Kommuntjänst AB",
        "559012-3450",
    ]
    return {"objects": objects, "private": private_kinds, "secrets": secrets}


def fill(path: str, params: dict[str, str]) -> str | None:
    defaults = {
        "review_id": str(uuid.uuid4()),
        "item_id": str(uuid.uuid4()),
        "role": "officer",
        "year": "2019",
    }
    values = {**defaults, **params}
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    if not names or not all(name in values for name in names):
        return None
    if not set(names) <= set(params) | {"review_id", "item_id", "role", "year"}:
        return None
    for name in names:
        path = path.replace("{" + name + "}", values[name])
    return path


def body_for(method: str, template: str, params: dict[str, str], fallback_need: str) -> Any:
    body = BODIES.get((method, template))
    if body is None:
        return None if method == "delete" else {}
    need = params.get("need_id", fallback_need)
    text = str(body).replace("{need_id}", need)
    import ast

    return ast.literal_eval(text)


def current_etag(served: Served, path: str) -> str:
    parts = path.split("/")
    root = "/".join(parts[:5])
    response = get(served, root, served.demo.platform["auditor"])
    return response.headers.get("ETag", '"1"')


def refused_for_absent(served: Served, template: str, params: dict[str, str], token: str) -> bool:
    """The same read of an object that does not exist is refused with 403 too."""
    absent = {name: str(uuid.uuid4()) for name in params}
    path = fill(template, absent)
    return path is not None and get(served, path, token).status_code == 403


def leaks(text: str, secrets: list[str]) -> list[str]:
    return [secret for secret in secrets if secret in text]


def test_every_endpoint_refuses_every_role_of_another_municipality(
    served: Served, targets: dict[str, Any]
) -> None:
    demo = served.demo
    objects, secrets = targets["objects"], targets["secrets"]
    problems: list[str] = []
    probes = 0
    before = head(served)
    session = requests.Session()
    for method, template, _operation in operations(served):
        if (method, template) in OWN_ONLY:
            continue
        bindings: list[tuple[str, dict[str, str]]] = []
        if "{" not in template:
            bindings.append(("-", {}))
        else:
            bindings += [(kind, params) for kind, params in objects.items()]
        for kind, params in bindings:
            path = fill(template, params) if params else template
            if path is None:
                continue
            for role in ROLES:
                token = demo.token(ATTACKER, role)
                headers = {"Authorization": f"Bearer {token}"}
                if method in WRITES and path.split("/")[3] in (
                    "needs",
                    "procurements",
                    "municipalities",
                ):
                    headers["If-Match"] = current_etag(served, path)
                body = body_for(method, template, params, demo.private_need)
                response = session.request(
                    method.upper(),
                    f"{served.server.url}{path}",
                    json=body,
                    headers=headers,
                    timeout=30,
                )
                probes += 1
                what = f"{role} {method.upper()} {template} on {kind}: {response.status_code}"
                if response.status_code >= 500:
                    problems.append(what)
                    continue
                # An answer may echo what was asked (the id in the path); nothing else.
                asked = f"{path} {body}"
                found = [s for s in leaks(response.text, secrets) if s not in asked]
                if found:
                    problems.append(f"{what} shows {found}")
                if method == "get":
                    # A role that may not read this kind of thing at all gets 403 for any id,
                    # existing or not: that tells nothing about Ystad's object.
                    if (
                        kind in targets["private"]
                        and response.status_code != 404
                        and (
                            response.status_code != 403
                            or not refused_for_absent(served, template, params, token)
                        )
                    ):
                        problems.append(f"{what} (expected 404)")
                    continue
                allowed = (method, template) in ALLOWED_ON_SHARED and kind == "shared need"
                if allowed:
                    continue
                expected = {404} if kind in targets["private"] else {403, 404}
                if (method, template) in ABSENT_IN_BODY:
                    expected = {403, 422}  # 422: as for a need that does not exist
                if response.status_code not in expected:
                    problems.append(f"{what} (expected {sorted(expected)}) {response.text[:120]}")
    session.close()
    FIGURES.isolation_probes += probes
    FIGURES.requests += probes
    # Nothing was written, apart from the co-owner joins that shared needs invite.
    joins = len(ROLES)
    assert head(served) - before <= joins
    assert not problems, f"{len(problems)} of {probes} probes:\n" + "\n".join(problems[:40])
    # The person and the token Skurup tried to change are untouched.
    viewer = get(served, "/api/v1/municipalities/ystad", demo.token("ystad", "viewer"))
    assert viewer.status_code == 200
    person = get(served, "/api/v1/people/ystad-officer", demo.platform["platform_admin"])
    assert "Kapad" not in person.text


def test_expired_and_revoked_tokens_are_refused_everywhere(
    served: Served, targets: dict[str, Any]
) -> None:
    demo = served.demo
    admin = demo.token("ystad", "tenant_admin")
    issued = requests.post(
        f"{served.server.api}/municipalities/ystad/tokens",
        json={"user_id": "ystad-auditor", "label": "revoked in a test"},
        headers={"Authorization": f"Bearer {admin}"},
        timeout=30,
    ).json()
    revoked = issued["token"]
    done = requests.delete(
        f"{served.server.api}/tokens/{issued['token_id']}",
        headers={"Authorization": f"Bearer {admin}"},
        timeout=30,
    )
    assert done.status_code == 204
    before = head(served)
    problems = []
    probes = 0
    for method, template, _ in operations(served):
        params = {
            **targets["objects"]["private need"],
            **targets["objects"]["member"],
            "procurement_id": demo.procurements["sharing"],
            "token_id": "0" * 16,
        }
        path = fill(template, params) if "{" in template else template
        if path is None:
            continue
        for name, token in (("expired", demo.expired_token), ("revoked", revoked)):
            response = requests.request(
                method.upper(),
                f"{served.server.url}{path}",
                json=body_for(method, template, params, demo.private_need),
                headers={"Authorization": f"Bearer {token}", "If-Match": '"1"'},
                timeout=30,
            )
            probes += 1
            if response.status_code != 401 or "invalid_token" not in response.headers.get(
                "WWW-Authenticate", ""
            ):
                problems.append(f"{name} {method.upper()} {template}: {response.status_code}")
    FIGURES.isolation_probes += probes
    FIGURES.requests += probes
    assert head(served) == before
    assert not problems, "\n".join(problems)


def test_no_token_reaches_the_logs(served: Served) -> None:
    """After every request above (and the demo's), the service's log holds no bearer token."""
    log = served.server.log_text()
    assert log, "the service wrote no log"
    tokens = served.demo.all_secrets()
    found = [token[:12] + "…" for token in tokens if token in log]
    assert found == []
    # Nor any secret part of one (the part after the token id).
    assert [t[:12] for t in tokens if t.split("_", 2)[2] in log] == []
    assert server_errors(served.server) == []

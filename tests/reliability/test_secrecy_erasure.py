"""§2, §8: bids stay secret before the award, and an erased person's name is gone, everywhere.

Over HTTP against gunicorn, on SQLite and PostgreSQL, every read operation of the served OpenAPI
document is called by every role of the lead, of another municipality and of the platform, on
the demo's published, not yet awarded procurement (one bid received), its need, Ystad and the
person: procurement and history reads, as-of reads, OCDS releases and records, the network
views, the decision log and the raw audit event stream. Only the lead's officers, decision
makers and auditors (and platform auditors) may see the tenderer; nobody sees an erased
person's name or e-mail. The read models' tables are searched too.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from tests.reliability.checks import FIGURES, catch_up_views, dump, opened, server_errors
from tests.reliability.conftest import Served, served_demo

TENDERER = ("Delbar Kommuntjänst AB", "559012-3450")
BID_READERS = {
    ("ystad", "officer"),
    ("ystad", "decision_maker"),
    ("ystad", "auditor"),
    ("platform", "auditor"),
}
NAME, EMAIL = "Ingrid Hemligsson", "ingrid.hemligsson@ystad.example"


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def served(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    with served_demo(request.param, tmp_path_factory.mktemp(f"secrecy-{request.param}")) as s:
        with opened(s.settings) as app:
            catch_up_views(app)
        yield s


def callers(served: Served) -> dict[tuple[str, str], str]:
    """Every role of the lead (Ystad) and of another municipality (Skurup), and the platform."""
    out = {
        (slug, role): token
        for slug, roles in served.demo.tokens.items()
        for role, token in roles.items()
        if slug in ("ystad", "skurup")
    }
    out[("platform", "platform_admin")] = served.demo.platform["platform_admin"]
    out[("platform", "auditor")] = served.demo.platform["auditor"]
    return out


def read_paths(served: Served) -> list[str]:
    """Every read of the document, bound to the procurement under secrecy, its need, Ystad and
    the person; lists with their largest pages."""
    demo = served.demo
    procurement = demo.procurements["sharing"]
    auditor = demo.platform["auditor"]
    need = requests.get(
        f"{served.server.api}/procurements/{procurement}",
        headers={"Authorization": f"Bearer {auditor}"},
        timeout=30,
    ).json()["need_ids"][0]
    values = {
        "procurement_id": procurement,
        "need_id": need,
        "slug": "ystad",
        "user_id": "ystad-officer",
    }
    document = requests.get(f"{served.server.url}/api/openapi.json", timeout=30).json()
    paths = []
    for template, item in document["paths"].items():
        if "get" not in item or not template.startswith("/api/v1/"):
            continue
        names = [part[1:-1] for part in template.split("/") if part.startswith("{")]
        if not set(names) <= set(values):
            continue
        path = template
        for name in names:
            path = path.replace("{" + name + "}", values[name])
        query = {p["name"] for p in item["get"].get("parameters", []) if p.get("in") == "query"}
        if "limit" in query:
            path += "?limit=200" if "/audit/events" not in path else "?limit=1000"
        paths.append(path)
        if "version" in query:
            paths += [f"{path}?version=1", f"{path}?version=8"]
        if "as_of" in query:
            paths.append(f"{path}?as_of=2030-01-01T00:00:00Z")
    assert len(paths) >= 25, paths
    return paths


def crawl(served: Served, secrets: tuple[str, ...], allowed: set[tuple[str, str]]) -> list[str]:
    """Every read by every caller; where a secret showed to someone not allowed."""
    problems = []
    count = 0
    session = requests.Session()
    paths = read_paths(served)
    for caller, token in callers(served).items():
        for path in paths:
            response = session.get(
                f"{served.server.url}{path}",
                headers={"Authorization": f"Bearer {token}"},
                timeout=30,
            )
            count += 1
            if response.status_code >= 500:
                problems.append(f"{caller} GET {path}: {response.status_code}")
            shown = [secret for secret in secrets if secret in response.text]
            if shown and caller not in allowed:
                problems.append(f"{caller} GET {path}: {response.status_code} shows {shown}")
    session.close()
    FIGURES.requests += count
    FIGURES.isolation_probes += count
    return problems


def views_text(served: Served) -> str:
    from eventstore.sql import SqlStore
    from projections.registry import all_projections

    with opened(served.settings) as app:
        catch_up_views(app)
        store = SqlStore(app.recorder)
        return repr([dump(store, projection) for projection in all_projections()])


def test_bids_are_seen_only_by_the_lead_before_the_award(served: Served) -> None:
    problems = crawl(served, TENDERER, BID_READERS)
    assert not problems, "\n".join(problems[:40])
    # The control: the lead's officer does see the bid (so the search would have found it).
    officer = served.demo.token("ystad", "officer")
    own = requests.get(
        f"{served.server.api}/procurements/{served.demo.procurements['sharing']}",
        headers={"Authorization": f"Bearer {officer}"},
        timeout=30,
    )
    assert TENDERER[0] in own.text
    # The network's read models never hold a tenderer before the award.
    assert not [secret for secret in TENDERER if secret in views_text(served)]


def person(served: Served, method: str, token: str, body: Any = None) -> requests.Response:
    return requests.request(
        method,
        f"{served.server.api}/people/ystad-officer",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def test_an_erased_name_appears_in_no_answer(served: Served) -> None:
    demo = served.demo
    admin = demo.token("ystad", "tenant_admin")
    assert person(served, "PUT", admin, {"display_name": NAME, "email": EMAIL}).status_code == 200
    # The control: before the erasure the name shows (history names the actors).
    before = requests.get(
        f"{served.server.api}/procurements/{demo.procurements['sharing']}/history",
        headers={"Authorization": f"Bearer {demo.token('ystad', 'auditor')}"},
        timeout=30,
    )
    assert NAME in before.text or NAME in person(served, "GET", admin).text
    assert person(served, "DELETE", admin).status_code == 204

    problems = crawl(served, (NAME, EMAIL), allowed=set())
    assert not problems, "\n".join(problems[:40])
    after = person(served, "GET", admin).json()
    assert after["erased"] is True and after["display_name"] is None and after["email"] is None
    # Nor can the name be recorded again, nor does any read model or the log hold it.
    again = person(served, "PUT", admin, {"display_name": NAME, "email": EMAIL})
    assert again.status_code == 409, again.text
    assert NAME not in views_text(served)
    assert NAME not in served.server.log_text() and EMAIL not in served.server.log_text()


def test_no_read_failed(served: Served) -> None:
    errors = [f"{e['method']} {e['path']} -> {e['status']}" for e in server_errors(served.server)]
    assert not errors, "\n".join(errors)

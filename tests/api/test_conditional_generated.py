"""Every authenticated GET of the served OpenAPI document answers with a validator and honours
it, only for its caller: generated from the document, so a new endpoint is covered by itself.

Every GET path is called with real objects (a shared need with its SWOT, a procurement with bids
of a company and of a sole trader, a project with a partner and linked work, the municipality, a
member, an innovation area, a person, a party, the law's amounts, reports), now and, where the
operation takes `version`, at a past version, by callers who are shown different things: an
officer, a viewer (no sole trader's number) and an auditor of the owner, another municipality's
officer (no bids) and a platform auditor. Each operation answers at least one of them 200, and
every 200 with a body carries an ETag (but for the operations `WITHOUT_VALIDATOR` names, each
with why): single objects, views, histories, OCDS exports, reports, ledger proofs, directory
entries. Each answer with an ETag:

- sent back with `If-None-Match` by the same caller answers 304 with the same ETag and the
  caching headers of the 200 (private, `Vary: Authorization`), and the document lists 304 among
  the operation's answers;
- sent by any other of these callers never answers 304;
- after a change of every object (and of work a project links to), and again after changes
  that write no event (a person's name, a token, a sole trader's entry erased), answers 200
  with the new representation whenever that differs from the one the ETag named;
- asked again without it, answers what a process that has answered nothing yet answers (a
  second app on the same store): nothing a process keeps in memory outlives a change.

On SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask

from service.settings import Settings
from tests.api.conftest import API, SUPPLIER_A, Client, Tenant, World
from tests.api.test_law_amounts_http import SEK_2026
from tests.api.test_projects import establish, invite, join, link
from tests.api.test_sole_traders import NAME, PERSONNUMMER

# The GET operations whose 200 may come without a validator, each with why (none so far:
# every answer, even a signed tree head or a PDF, is decided by what the validator names).
WITHOUT_VALIDATOR: dict[str, str] = {}

# The query an operation cannot answer without (the rest are called without one).
REQUIRED_QUERY: dict[str, str] = {
    f"{API}/audit/ledger/inclusion": "leaf_index=1&tree_size=3",
    f"{API}/audit/ledger/consistency": "first=2&second=3",
    f"{API}/audit/reports/decisions": "from=2018-01-01&until=2019-12-31",
}

PLACEHOLDER = re.compile(r"\{(\w+)\}")


@pytest.fixture
def app(make_app: Callable[..., Flask], store_settings: Settings) -> Flask:
    """On SQLite and on PostgreSQL (whose log positions have gaps)."""
    return make_app(store_settings)


@dataclass
class Seen:
    caller: Client
    path: str
    etag: str
    body: bytes


# The GET operations of the served document under /api/v1, by path template.
Operations = dict[str, dict[str, Any]]


def _operations(client: Client) -> Operations:
    document: dict[str, Any] = client.http.get("/api/openapi.json").get_json()
    return {
        template: operations["get"]
        for template, operations in document["paths"].items()
        if "get" in operations and template.startswith(API)
    }


def _parameters(operation: dict[str, Any]) -> set[str]:
    return {p.get("name") for p in operation.get("parameters", []) if isinstance(p, dict)}


def _paths(operations: Operations, ids: dict[str, str]) -> list[tuple[str, str]]:
    """(template, path) for every GET, now and — where it takes `version` — at version 1."""
    paths = []
    for template, operation in operations.items():
        missing = [name for name in PLACEHOLDER.findall(template) if name not in ids]
        assert not missing, f"GET {template}: no real object for {missing}: add one to the test"
        path = PLACEHOLDER.sub(lambda m: ids[m.group(1)], template)
        if template in REQUIRED_QUERY:
            path = f"{path}?{REQUIRED_QUERY[template]}"
        paths.append((template, path))
        if "version" in _parameters(operation):
            paths.append((template, f"{path}?version=1"))
    return paths


def _catch_up(world: World, operations: Operations, ids: dict[str, str]) -> None:
    """Every view reflects the whole log (a view answer waits for the `position` it is given)."""
    head = world.anonymous().get("/readyz").get_json()["head_position"]
    for template, path in _paths(operations, ids):
        if "position" in _parameters(operations[template]):
            world.platform_auditor.get(path, query={"position": head})


def _network(world: World, ystad: Tenant, skurup: Tenant) -> dict[str, str]:
    """Ystad's objects, seen by Skurup only where shared (the project, the published procurement,
    the shared need)."""
    need_id = world.need(ystad, shared=True)
    swot = ystad.officer.read(f"needs/{need_id}")["swot"]
    procurement_id = world.procurement(
        ystad, "evaluation", bidders=(SUPPLIER_A, {"org_number": PERSONNUMMER, "name": NAME})
    )
    bids = ystad.officer.read(f"procurements/{procurement_id}")["bids"]
    party_id = next(bid["tenderer_party_id"] for bid in bids if bid.get("tenderer_party_id"))
    project_id = establish(ystad)
    invite(ystad, project_id, "skurup")
    join(skurup, project_id)
    linked_need = world.need(ystad, "prioritised", title="Digitala lärresurser")
    assert link(ystad, project_id, "need", linked_need).status_code == 200
    assert link(ystad, project_id, "procurement", procurement_id).status_code == 200
    ystad.admin.ok("PUT", "people/ystad-officer", 200, json={"display_name": "Anna Andersson"})
    return {
        "slug": "ystad",
        "need_id": need_id,
        "item_id": swot[0]["id"],
        "procurement_id": procurement_id,
        "project_id": project_id,
        "party_id": party_id,
        "user_id": "ystad-officer",
        "role": "officer",
        "area_id": ystad.area_id,
        "token_id": ystad.officer.token_id or "",
        "review_id": "00000000-0000-4000-8000-000000000000",
        "year": "2018",
        "linked_need": linked_need,
    }


def _change_everything(world: World, ystad: Tenant, ids: dict[str, str]) -> None:
    """A change to each object; the project changes only by the work it links to (its own
    version stays: its answer shows the linked need's new title, now and at its version 1)."""
    ystad.officer.ok("PATCH", f"needs/{ids['need_id']}", 200, json={"title": "Ny rubrik"})
    ystad.officer.ok(
        "PATCH", f"needs/{ids['linked_need']}", 200, json={"title": "Lärresurser, ny rubrik"}
    )
    ystad.officer.ok(
        "PATCH", f"procurements/{ids['procurement_id']}", 200, json={"description": "Ändrad"}
    )
    ystad.admin.ok(
        "POST",
        f"municipalities/{ids['slug']}/innovation-areas",
        201,
        json={"name": "Trygg skolväg", "description": "Ett nytt område"},
    )
    world.platform.ok("POST", "law/amounts", 201, json=SEK_2026)


def _change_without_events(ystad: Tenant, ids: dict[str, str]) -> None:
    """Changes the log does not hold: a person's name corrected (histories and reports name
    the people who acted), a token issued, the sole trader's entry erased (GDPR)."""
    ystad.admin.ok("PUT", "people/ystad-officer", 200, json={"display_name": "Anna Berg"})
    ystad.admin.ok("POST", "municipalities/ystad/tokens", 201, json={"user_id": "ystad-officer"})
    ystad.admin.ok("DELETE", f"parties/{ids['party_id']}", 204)


def _representation(body: bytes) -> bytes:
    """An answer's body, less the moment a report says it was made (`generated_at`): two
    copies of one report made at different moments are the same representation."""
    try:
        document = json.loads(body)
    except ValueError:
        return body
    if isinstance(document, dict) and "generated_at" in document:
        document.pop("generated_at")
        return json.dumps(document, sort_keys=True).encode()
    return body


def test_every_answer_with_a_validator_answers_304_to_its_caller_only(
    world: World,
    ystad: Tenant,
    skurup: Tenant,
    make_app: Callable[..., Flask],
    store_settings: Settings,
) -> None:
    ids = _network(world, ystad, skurup)
    # Each is shown something else: the viewer no sole trader's number, Skurup no bids, ...
    callers = [ystad.officer, ystad.viewer, ystad.auditor, skurup.officer, world.platform_auditor]
    operations = _operations(ystad.officer)
    _catch_up(world, operations, ids)
    documented_304 = {
        template for template, operation in operations.items() if "304" in operation["responses"]
    }
    seen: list[Seen] = []
    validated: set[str] = set()  # the templates whose answers carry an ETag
    answered: set[str] = set()  # the templates that answered some caller 200 with a body
    problems: dict[str, None] = {}  # in order, each once
    for template, path in _paths(operations, ids):
        answers: list[tuple[Client, str]] = []
        for caller in callers:
            first = caller.get(path)
            etag = first.headers.get("ETag")
            if first.status_code == 200 and first.get_data():
                answered.add(template)
            if first.status_code != 200 or not etag:
                continue
            validated.add(template)
            if template not in documented_304:
                problems.setdefault(f"GET {template}: answers an ETag, but 304 is not documented")
            again = caller.get(path, headers={"If-None-Match": etag})
            if again.status_code != 304:
                problems.setdefault(f"{caller} GET {path}: {again.status_code} to its own ETag")
                continue
            assert again.headers["ETag"] == etag, path
            assert "authorization" in again.headers.get("Vary", "").lower(), path
            assert again.headers.get("Cache-Control", "").startswith("private"), path
            assert not again.get_data(), path
            answers.append((caller, etag))
            seen.append(Seen(caller, path, etag, _representation(first.get_data())))
        for caller, etag in answers:
            for other in callers:
                if other is caller:
                    continue
                stranger = other.get(path, headers={"If-None-Match": etag})
                if stranger.status_code == 304:
                    problems.setdefault(f"{other} GET {path} validated {caller}'s ETag")
    for template in sorted(set(operations) - answered):
        problems.setdefault(f"GET {template}: no caller got a 200: give it what it needs")
    for template in sorted(answered - validated - set(WITHOUT_VALIDATOR)):
        problems.setdefault(f"GET {template}: answers 200 without an ETag")
    for template in sorted(documented_304 - validated):
        problems.setdefault(f"GET {template}: documents 304, but no answer carries an ETag")
    assert not problems, "\n".join(problems)
    objects = {
        f"{API}/needs/{ids['need_id']}",
        f"{API}/procurements/{ids['procurement_id']}",
        f"{API}/projects/{ids['project_id']}",
        f"{API}/municipalities/{ids['slug']}",
    }
    assert objects <= {s.path for s in seen}, objects - {s.path for s in seen}
    assert len({s.path for s in seen}) >= 15  # the objects, their past versions, the views...

    _change_everything(world, ystad, ids)
    _catch_up(world, operations, ids)
    changed, seen = _answers_after_a_change(seen, make_app(store_settings))
    must_change = objects | {f"{API}/law/amounts", f"{API}/needs/{ids['need_id']}/history"}
    assert must_change <= changed, must_change - changed

    head = world.anonymous().get("/readyz").get_json()["head_position"]
    _change_without_events(ystad, ids)
    assert world.anonymous().get("/readyz").get_json()["head_position"] == head
    changed, _ = _answers_after_a_change(seen, make_app(store_settings))
    must_change = {
        f"{API}/needs/{ids['need_id']}/history",  # the actor's name
        f"{API}/people/ystad-officer",
        f"{API}/parties/{ids['party_id']}",
        f"{API}/procurements/{ids['procurement_id']}",  # the tenderer's entry
        f"{API}/municipalities/ystad/members/ystad-officer/tokens",
    }
    assert must_change <= changed, must_change - changed


def _answers_after_a_change(seen: list[Seen], fresh: Flask) -> tuple[set[str], list[Seen]]:
    """The paths whose answers changed; each changed answer has a new ETag, and its old ETag
    gets the new representation (never a 304); every answer is the one `fresh`, an app on the
    same store that has answered nothing yet, gives. With the answers as they are now."""
    changed: set[str] = set()
    now_seen: list[Seen] = []
    problems: dict[str, None] = {}
    for old in seen:
        now = old.caller.get(old.path)
        assert now.status_code == 200, (old.caller, old.path, now.status_code)
        first_answer = fresh.test_client().get(old.path, headers=old.caller.headers())
        if _representation(first_answer.get_data()) != _representation(now.get_data()):
            problems.setdefault(f"{old.caller} GET {old.path}: answered what no longer is")
        now_seen.append(
            Seen(old.caller, old.path, now.headers["ETag"], _representation(now.get_data()))
        )
        if _representation(now.get_data()) == old.body:
            continue
        changed.add(old.path)
        assert now.headers["ETag"] != old.etag, f"{old.caller} GET {old.path}: ETag kept"
        stale = old.caller.get(old.path, headers={"If-None-Match": old.etag})
        if stale.status_code == 304:
            problems.setdefault(f"{old.caller} GET {old.path}: 304 confirmed a copy that changed")
        elif _representation(stale.get_data()) != _representation(now.get_data()):
            problems.setdefault(f"{old.caller} GET {old.path}: not the new representation")
    assert not problems, "\n".join(problems)
    return changed, now_seen

"""Generated from the OpenAPI document: every operation, aimed at another municipality's private
objects by every role, answers exactly as it does for an id that does not exist.

For each operation of the served document (so a new endpoint is covered without anyone adding
it) and each of Ystad's private objects it can name, every Skurup role sends the request twice:
once with Ystad's ids and once with unknown ids of the same form. The two answers must have the
same status and the same problem (ids aside); no answer is a 5xx; nothing is written (the log
head is the same before and after each request); and no answer holds a private marker of Ystad.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from tests.api.conftest import API, ROLES, Client, Tenant, World

NEED_MARKER = "Hemligt behov 7f3a"
PROCUREMENT_MARKER = "Hemlig upphandling 9c1e"
PLACEHOLDER = re.compile(r"\{(\w+)\}")
WRITES = ("post", "put", "patch", "delete")


def _private_objects(world: World, ystad: Tenant) -> dict[str, dict[str, str]]:
    need_id = world.need(ystad, "procurement_decided", title=NEED_MARKER)
    swot_item = ystad.officer.read(f"needs/{need_id}")["swot"][0]["id"]
    procurement_id = world.procurement(ystad, "planning", title=PROCUREMENT_MARKER)
    return {
        "private need": {"need_id": need_id, "item_id": swot_item},
        "private procurement": {"procurement_id": procurement_id},
    }


def _unknown(params: dict[str, str]) -> dict[str, str]:
    return {name: str(uuid.uuid4()) for name in params}


def _operations(client: Client) -> list[tuple[str, str]]:
    document: dict[str, Any] = client.http.get("/api/openapi.json").get_json()
    found = []
    for template, item in document["paths"].items():
        if not template.startswith(API):
            continue
        for method in item:
            if method in ("get", *WRITES):
                found.append((method, template))
    return found


def _fill(template: str, params: dict[str, str]) -> str | None:
    names = PLACEHOLDER.findall(template)
    if not names or not set(names) <= set(params) | {"review_id", "role"}:
        return None
    values = {"review_id": "00000000-0000-4000-8000-000000000000", "role": "officer", **params}
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], template)


def _head(world: World) -> int:
    return int(world.anonymous().get("/readyz").get_json()["head_position"])


def _comparable(response: Any, ids: dict[str, str]) -> tuple[int, dict[str, Any] | str]:
    body = response.get_json(silent=True)
    if not isinstance(body, dict):
        return response.status_code, ""
    shown = {k: v for k, v in body.items() if k not in ("instance", "request_id")}
    text = str(shown)
    for value in ids.values():
        text = text.replace(value, "<id>")
    return response.status_code, text


def test_every_operation_answers_another_tenants_objects_as_unknown_ones(
    world: World, ystad: Tenant, skurup: Tenant
) -> None:
    objects = _private_objects(world, ystad)
    operations = _operations(ystad.officer)
    assert len(operations) >= 50
    problems: list[str] = []
    probes = 0
    for method, template in operations:
        for kind, params in objects.items():
            path = _fill(template, params)
            if path is None:
                continue
            unknown = _unknown(params)
            unknown_path = _fill(template, unknown)
            assert unknown_path is not None
            for role in ("tenant_admin", *ROLES):
                client = skurup.clients[role]
                before = _head(world)
                real = client.request(method.upper(), path, json={}, if_match='"1"')
                absent = client.request(method.upper(), unknown_path, json={}, if_match='"1"')
                probes += 1
                what = f"{role} {method.upper()} {template} on {kind}"
                if _head(world) != before:
                    problems.append(f"{what}: wrote to the log")
                if real.status_code >= 500:
                    problems.append(f"{what}: {real.status_code}")
                text = real.get_data(as_text=True)
                if NEED_MARKER in text or PROCUREMENT_MARKER in text:
                    problems.append(f"{what}: shows a private marker")
                if _comparable(real, params) != _comparable(absent, unknown):
                    problems.append(
                        f"{what}: {real.status_code} {text[:100]} but {absent.status_code} "
                        f"{absent.get_data(as_text=True)[:100]} for an unknown id"
                    )
    assert probes >= 100
    assert not problems, f"{len(problems)} of {probes}:\n" + "\n".join(problems[:30])

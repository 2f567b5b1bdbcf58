"""The document's links (service.api.links): every operation that works on an object can be
reached from an answer that names it, every link fills exactly its target's path parameters,
and a command on the object an answer is about gets that answer's ETag as its If-Match."""

from __future__ import annotations

import re
from typing import Any

import schemathesis

from tests.api.conftest import World

METHODS = ("get", "post", "put", "patch", "delete")


def _document(world: World) -> dict[str, Any]:
    response = world.anonymous().http.get("/api/openapi.json")
    assert response.status_code == 200
    return response.get_json()  # type: ignore[no-any-return]


def _links(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in METHODS:
                continue
            for status, response in operation["responses"].items():
                for link in response.get("links", {}).values():
                    if "$ref" in link:
                        link = document["components"]["links"][link["$ref"].split("/")[-1]]
                    found.append((f"{method.upper()} {path} {status}", path, link))
    return found


def _target(link: dict[str, Any]) -> tuple[str, str]:
    pointer = link["operationRef"].removeprefix("#/paths/")
    path, method = pointer.rsplit("/", 1)
    return path.replace("~1", "/").replace("~0", "~"), method


def test_every_operation_on_an_object_is_reached_by_a_link(world: World) -> None:
    document = _document(world)
    links = _links(document)
    targets = {_target(link) for _, _, link in links}
    on_objects = {
        (path, method)
        for path, item in document["paths"].items()
        for method in item
        if method in METHODS and "{" in path
    }
    assert on_objects - targets == set()
    for source, _path, link in links:
        path, _method = _target(link)
        names = set(re.findall(r"\{(\w+)\}", path))
        given = {key.split(".", 1)[1] for key in link["parameters"] if key.startswith("path.")}
        assert given == names, (source, path, link)


def test_commands_on_the_object_answered_take_its_etag(world: World) -> None:
    document = _document(world)
    ops = document["paths"]
    creation = ops["/api/v1/needs"]["post"]["responses"]["201"]["links"]
    decide = next(
        document["components"]["links"][link["$ref"].split("/")[-1]]
        for name, link in creation.items()
        if name == "post_api_v1_needs_need_id_decisions"
    )
    assert decide["parameters"] == {
        "path.need_id": "$response.body#/id",
        "header.If-Match": "$response.header.ETag",
    }
    # An id given in the request body leads on (a role grant to the person it names).
    grant = ops["/api/v1/municipalities/{slug}/members"]["post"]["responses"]["200"]["links"]
    person = document["components"]["links"][
        grant["get_api_v1_people_user_id"]["$ref"].split("/")[-1]
    ]
    assert person["parameters"] == {"path.user_id": "$request.body#/user_id"}


def test_schemathesis_builds_its_state_machine_from_the_links(world: World) -> None:
    schema = schemathesis.openapi.from_dict(_document(world))
    machine = schema.as_state_machine()
    # A bundle per answer that links on: the steps of a sequence feed the next ones.
    assert len(machine.bundles) > 50, len(machine.bundles)

"""OpenAPI links: where each answer leads, so a client (or a test generator) can follow the work.

Derived from the paths themselves, so every operation added later takes part: an answer links to
every operation whose path parameters it can fill —

- from the request it answered (`$request.path.need_id`, or a field of its body such as the
  `user_id` of a role grant),
- from what it created: the object's `id` (`POST /api/v1/needs` → `/api/v1/needs/{need_id}`…),
  the ids in `created` (`review_id`, `item_id`, `innovation_area_id`) or a top-level field of
  the same name (`token_id`), or the first item of a list (`items/0/id`);

and a command on the same object gets `If-Match` from the answer's `ETag`, the version it
must name. Operations without path parameters need nothing from an answer and are not linked to.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from apispec import APISpec

METHODS = ("get", "post", "put", "patch", "delete")
_PARAMETER = re.compile(r"\{(\w+)\}")
# Ids a command reports in `created`, by the path parameter that names them.
CREATED = {"innovation_area_id": "area_id"}


def _operations(paths: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in paths.items():
        for method, operation in item.items():
            if method in METHODS:
                yield path, method, operation


def _pointer(path: str, method: str) -> str:
    return "#/paths/" + path.replace("~", "~0").replace("/", "~1") + "/" + method


def _resolve(spec: dict[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = spec
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _properties(spec: dict[str, Any], schema: Any) -> set[str]:
    """The top-level fields a JSON schema names (in any of its alternatives)."""
    schema = _resolve(spec, schema)
    if not isinstance(schema, dict):
        return set()
    names = set(schema.get("properties", {}))
    for alternative in schema.get("oneOf", []) + schema.get("allOf", []):
        names |= _properties(spec, alternative)
    return names


def _json_schema(spec: dict[str, Any], node: Any) -> Any:
    content = (_resolve(spec, node) or {}).get("content", {})
    return content.get("application/json", {}).get("schema")


def _root(path: str) -> str | None:
    """The object a path works on: `/api/v1/needs/{need_id}` for every path under it."""
    match = re.match(r"^(/api/v1/[a-z-]+/\{\w+\})", path)
    return match.group(1) if match else None


def _parameter_of(paths: dict[str, Any], collection: str) -> str | None:
    """The path parameter naming one object of a collection (`needs` -> `need_id`)."""
    for template in paths:
        match = re.fullmatch(rf"/api/v1/{re.escape(collection)}/\{{(\w+)\}}", template)
        if match:
            return match.group(1)
    return None


def _known(
    spec: dict[str, Any], path: str, method: str, operation: dict[str, Any], status: str
) -> tuple[dict[str, str], str | None]:
    """What an answer can tell: path parameter name -> runtime expression, and the parameter
    naming a new object it created (whose version its ETag is)."""
    paths = spec["paths"]
    found = {name: f"$request.path.{name}" for name in _PARAMETER.findall(path)}
    body = operation.get("requestBody")
    if body is not None:
        for name in _properties(spec, _json_schema(spec, body)):
            found.setdefault(name, f"$request.body#/{name}")
    answer = _properties(spec, _json_schema(spec, operation["responses"][status]))
    if "created" in answer:
        for created in ("review_id", "item_id", "innovation_area_id"):
            found.setdefault(CREATED.get(created, created), f"$response.body#/created/{created}")
    for name in answer:
        if name.endswith("_id") or name == "slug":
            found.setdefault(name, f"$response.body#/{name}")
    new_object = None
    if "{" not in path:
        segments = path.removeprefix("/api/v1/").split("/")
        if method == "post" and "id" in answer:
            new_object = _parameter_of(paths, segments[0])
            if new_object is not None:
                found[new_object] = "$response.body#/id"
        elif method == "get" and "items" in answer:
            listed = _parameter_of(paths, segments[-1])
            if listed is not None:
                page = _resolve(spec, _json_schema(spec, operation["responses"][status]))
                item = _properties(spec, page["properties"]["items"].get("items"))
                field = listed if listed in item else "id"
                found.setdefault(listed, f"$response.body#/items/0/{field}")
    return found, new_object


def add_links(api_spec: APISpec) -> None:
    """Writes `links` into every 2xx answer of the document (see the module's docstring)."""
    spec = api_spec.to_dict()
    paths: dict[str, Any] = spec["paths"]  # the document's own dict: written in place
    component = _Components(api_spec)
    targets = [
        (path, method, operation)
        for path, method, operation in _operations(paths)
        if _PARAMETER.search(path)
    ]
    for path, method, operation in _operations(paths):
        for status, response in operation.get("responses", {}).items():
            if not status.startswith("2") or "$ref" in response:
                continue
            known, new_object = _known(spec, path, method, operation, status)
            links: dict[str, Any] = {}
            for target, target_method, target_op in targets:
                names = _PARAMETER.findall(target)
                if not all(name in known for name in names):
                    continue
                parameters = {f"path.{name}": known[name] for name in names}
                root = _root(target)
                # The answer's ETag is the version of the object it is about.
                same_object = root is not None and (
                    _root(path) == root or (new_object is not None and names[0] == new_object)
                )
                takes_version = any(
                    _resolve(spec, p).get("name") == "If-Match"
                    for p in target_op.get("parameters", [])
                )
                if same_object and takes_version:
                    parameters["header.If-Match"] = "$response.header.ETag"
                name = re.sub(r"[^A-Za-z0-9]+", "_", f"{target_method}{target}").strip("_")
                links[name] = {"$ref": component(name, target, target_method, parameters)}
            if links:
                response["links"] = links


class _Components:
    """Each distinct link once, under components/links (the document stays small)."""

    def __init__(self, api_spec: APISpec):
        self.api_spec = api_spec
        self.names: dict[tuple[str, tuple[tuple[str, str], ...]], str] = {}
        self.count: dict[str, int] = {}

    def __call__(self, name: str, target: str, method: str, parameters: dict[str, str]) -> str:
        key = (name, tuple(sorted(parameters.items())))
        if key not in self.names:
            self.count[name] = self.count.get(name, 0) + 1
            component = f"{name}_{self.count[name]}"
            link = {"operationRef": _pointer(target, method), "parameters": parameters}
            self.api_spec.components.link(component, link)
            self.names[key] = component
        return f"#/components/links/{self.names[key]}"

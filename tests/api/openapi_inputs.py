"""Inputs of the API found in its own OpenAPI document: every query parameter and body field whose
schema a predicate picks (a date, a date-time, money), with what it takes to send one.

Tests generated from this list cover a new parameter or field without anyone adding it.
"""

from __future__ import annotations

import dataclasses
import tempfile
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from service.api import create_app
from service.settings import Settings

Kind = Callable[[dict[str, Any]], str | None]


@dataclasses.dataclass(frozen=True)
class ApiInput:
    method: str
    path: str
    location: str  # "query" or "body"
    name: tuple[str, ...]  # the field's path in the body (one element for a query parameter)
    kind: str  # what the predicate called it, e.g. "date-time"
    body_type: str | None  # the discriminator value of a typed union's branch

    @property
    def id(self) -> str:
        branch = f"[{self.body_type}]" if self.body_type else ""
        return f"{self.method} {self.path} {self.location}{branch}:{'.'.join(self.name)}"

    @property
    def field(self) -> str:
        return self.name[-1]

    def body(self, value: Any) -> dict[str, Any]:
        """The smallest body that carries `value` in this field (and the union's type); a "0"
        in the field's path is the first item of a list."""
        body: dict[str, Any] = {"type": self.body_type} if self.body_type else {}

        def nest(parts: tuple[str, ...]) -> Any:
            if not parts:
                return value
            inner = nest(parts[1:])
            return [inner] if parts[0] == "0" else {parts[0]: inner}

        top = nest(self.name)
        assert isinstance(top, dict), "a body is an object"
        body.update(top)
        return body

    def url(self, params: dict[str, str]) -> str:
        """The path with `params` filled in; an unknown parameter gets a fresh UUID."""
        url = self.path
        while "{" in url:
            start, end = url.index("{"), url.index("}")
            value = params.get(url[start + 1 : end], str(uuid.uuid4()))
            url = url[:start] + value + url[end + 1 :]
        return url

    def named_in(self, errors: Any) -> bool:
        """Whether a problem's field errors name this field (nested bodies nest their errors)."""
        for part in self.name:
            if not isinstance(errors, dict) or part not in errors:
                return False
            errors = errors[part]
        return True


def openapi_document() -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as var:
        app = create_app(Settings(database="sqlite", var_dir=Path(var), testing=True))
        try:
            return app.test_client().get("/api/openapi.json").get_json()  # type: ignore[no-any-return]
        finally:
            app.extensions["innoledger"].close()


def _walk(
    document: dict[str, Any], schema: dict[str, Any], name: tuple[str, ...], kind_of: Kind
) -> Iterator[tuple[tuple[str, ...], str, str | None]]:
    components = document["components"]["schemas"]
    if "$ref" in schema:
        ref = components[schema["$ref"].rsplit("/", 1)[-1]]
        yield from _walk(document, ref, name, kind_of)
        return
    mapping = schema.get("discriminator", {}).get("mapping", {})
    if mapping:
        for branch, ref in mapping.items():
            for found, kind, _ in _walk(document, {"$ref": ref}, name, kind_of):
                yield found, kind, branch
        return
    for key in ("allOf", "anyOf", "oneOf"):
        for sub in schema.get(key, []):
            yield from _walk(document, sub, name, kind_of)
    kind = kind_of(schema)
    if kind is not None and name:
        yield name, kind, None
    for prop, sub in schema.get("properties", {}).items():
        yield from _walk(document, sub, (*name, prop), kind_of)
    if "items" in schema:
        yield from _walk(document, schema["items"], (*name, "0"), kind_of)


def api_inputs(document: dict[str, Any], kind_of: Kind) -> list[ApiInput]:
    found: dict[str, ApiInput] = {}
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if not isinstance(operation, dict):
                continue
            for parameter in operation.get("parameters", []):
                kind = kind_of(parameter.get("schema", {}))
                if kind is not None:
                    entry = ApiInput(
                        method.upper(), path, parameter["in"], (parameter["name"],), kind, None
                    )
                    found[entry.id] = entry
            body = operation.get("requestBody", {}).get("content", {}).get("application/json")
            if body:
                for name, kind, branch in _walk(document, body["schema"], (), kind_of):
                    entry = ApiInput(method.upper(), path, "body", name, kind, branch)
                    found[entry.id] = entry
    return list(found.values())

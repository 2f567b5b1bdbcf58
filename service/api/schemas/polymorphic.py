"""A request body whose schema is chosen by its `type` (decisions: one schema per type)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from marshmallow import Schema, ValidationError


class TypedUnionSchema(Schema):
    """Loads with the schema its `type` names; documented as oneOf with a discriminator."""

    TYPES: ClassVar[Mapping[str, type[Schema]]] = {}
    COMPONENT_PREFIX: ClassVar[str] = ""

    def load(
        self,
        data: Any,
        *,
        many: bool | None = None,
        partial: Any = None,
        unknown: str | None = None,
    ) -> Any:
        if not isinstance(data, Mapping):
            raise ValidationError({"_schema": ["the body must be a JSON object"]})
        kind = data.get("type")
        if not isinstance(kind, str) or kind not in self.TYPES:
            raise ValidationError({"type": [f"must be one of: {', '.join(self.TYPES)}"]})
        return self.TYPES[kind]().load(data)

    @classmethod
    def component_name(cls, kind: str) -> str:
        return cls.COMPONENT_PREFIX + "".join(part.title() for part in kind.split("_"))

    @classmethod
    def request_body_doc(cls) -> dict[str, Any]:
        refs = {kind: f"#/components/schemas/{cls.component_name(kind)}" for kind in cls.TYPES}
        return {
            "required": True,
            "content": {
                "application/json": {
                    "schema": {
                        "oneOf": [{"$ref": ref} for ref in refs.values()],
                        "discriminator": {"propertyName": "type", "mapping": refs},
                    }
                }
            },
        }

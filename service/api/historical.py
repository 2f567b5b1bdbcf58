"""Reads of a past state: as of a version, or as of a moment (transaction time)."""

from __future__ import annotations

from typing import Any

from service.access_policy import can_read_history
from service.api.context import services
from service.errors import Forbidden, NotFound
from service.principal import Principal


def historical_read(
    principal: Principal, kind: str, object_id: str, query: dict[str, Any]
) -> tuple[Any | None, bool]:
    """The aggregate at the asked version or moment, or (None, False) for a current read."""
    version = query.get("version")
    as_of = query.get("as_of")
    if version is None and as_of is None:
        return None, False
    if version is not None and as_of is not None:
        from domain.errors import InvalidValue

        raise InvalidValue("give version or as_of, not both", field="as_of")
    if not can_read_history(principal):
        raise Forbidden("past states are for auditors, officers, decision makers and admins")
    app = services().innoledger
    load = {"need": app.need, "procurement": app.procurement, "municipality": app.municipality}[
        kind
    ]
    current = load(principal, object_id)
    if as_of is not None:
        version = app.version_as_of(current.id, as_of)
        if version is None:
            raise NotFound(f"{object_id} did not exist yet at {as_of.isoformat()}")
    assert version is not None
    if version > current.version:
        raise NotFound(f"{object_id} has no version {version} yet")
    return load(principal, object_id, version=version), True

"""Reads of a past state: as of a version, or as of a moment (transaction time)."""

from __future__ import annotations

from typing import Any

from domain.errors import InvalidValue
from service.api.context import services
from service.audit.as_of import state_as_of, state_at_version
from service.principal import Principal


def historical_read(
    principal: Principal, kind: str, object_id: str, query: dict[str, Any]
) -> tuple[Any | None, bool]:
    """The aggregate at the asked version or moment and whether the answer can never change;
    (None, False) for a current read."""
    version = query.get("version")
    as_of = query.get("as_of")
    if version is None and as_of is None:
        return None, False
    if version is not None and as_of is not None:
        raise InvalidValue("give version or as_of, not both", field="as_of")
    app = services().innoledger
    if version is not None:
        past = state_at_version(app, principal, kind, object_id, version)
    else:
        assert as_of is not None
        past = state_as_of(app, principal, kind, object_id, as_of)
    return past.aggregate, past.immutable

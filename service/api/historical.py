"""Single-object reads over HTTP: now, or as of a version or a moment (transaction time)."""

from __future__ import annotations

from typing import Any

from service.api.context import current_principal, services
from service.use_cases.reads import Shown


def shown(kind: str, object_id: str, query: dict[str, Any]) -> Shown:
    """The object as the caller may see it (see `Innoledger.show`)."""
    return services().innoledger.show(
        current_principal(),
        kind,
        object_id,
        version=query.get("version"),
        as_of=query.get("as_of"),
    )

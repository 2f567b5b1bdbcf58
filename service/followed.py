"""Everything the projection runner follows: the read models, the audit ledger and the index
behind the auditors' event stream. The ledger needs the application (its signing key and
settings), so this list is built per application."""

from __future__ import annotations

from typing import Any

from projections.base import Projection
from projections.registry import all_projections


def followed_projections(app: Any) -> list[Projection]:
    from service.audit.events_stream import AuditIndexProjection
    from service.ledger.projection import LedgerProjection

    return [*all_projections(), LedgerProjection.for_app(app), AuditIndexProjection()]

"""Ledger proofs as a caller may read them: hashes for everyone who reads history, and which
event a leaf stands for only to whoever may read that event in the audit event stream.

A proof needs only hashes; naming the event (aggregate id, version, position) of another
municipality's record would tell a municipality's auditor what happens there and when.
"""

from __future__ import annotations

from typing import Any

from eventstore.eventlog import EventLog
from eventstore.sql import SqlStore
from service.audit.access import require_auditor
from service.audit.events_stream import municipalities_concerned
from service.ledger.ledger import Ledger
from service.principal import Principal


def current_ledger(app: Any, principal: Principal) -> Ledger:
    require_auditor(principal)
    ledger = Ledger.of(app)
    # Normally the projection runner has appended everything; catching up here makes the
    # answer current even when it lags, and is a no-op when it does not.
    ledger.catch_up()
    return ledger


def may_name_event(app: Any, principal: Principal, position: int) -> bool:
    """The rule of the audit event stream: platform auditors read every event; a
    municipality's people the events their municipality owns or took part in."""
    if principal.is_platform_auditor:
        return True
    if principal.municipality is None:
        return False
    found = EventLog(app.recorder, SqlStore(app.recorder)).by_positions([position])
    if not found:
        return False
    event = app.mapper.to_domain_event(found[0].stored())
    return principal.municipality in municipalities_concerned(getattr(event, "audit", None))


def inclusion_proof(
    app: Any, principal: Principal, leaf_index: int, tree_size: int
) -> dict[str, Any]:
    proof = current_ledger(app, principal).inclusion(leaf_index, tree_size)
    body = proof.to_json()
    if not may_name_event(app, principal, proof.leaf.position):
        body["event"] = None
    return body

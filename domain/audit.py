"""Who is acting: carried in a context so every event records it without each method passing it.

Events keep user ids only; names and e-mails live in the erasable people directory.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from eventsourcing.domain import Aggregate

from domain.clock import next_timestamp
from domain.errors import MissingAuditContext


@dataclass(frozen=True)
class Actor:
    user_id: str
    municipality: str | None  # None for platform principals (platform admins and auditors)
    roles: tuple[str, ...]
    request_id: str | None = None

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)


_current_actor: ContextVar[Actor | None] = ContextVar("innoledger_actor", default=None)


@contextmanager
def acting_as(actor: Actor) -> Iterator[Actor]:
    token = _current_actor.set(actor)
    try:
        yield actor
    finally:
        _current_actor.reset(token)


def current_actor() -> Actor:
    actor = _current_actor.get()
    if actor is None:
        raise MissingAuditContext("no actor in context: wrap the command in acting_as(...)")
    return actor


def audit_metadata(tenant: str) -> dict[str, Any]:
    actor = current_actor()
    return {
        "tenant": tenant,
        "actor": actor.user_id,
        "actor_municipality": actor.municipality,
        "actor_roles": sorted(actor.roles),
        "request_id": actor.request_id,
    }


class AuditedAggregate(Aggregate):
    """Aggregate whose every event carries the audit metadata of the command that caused it.

    Subclasses name the created event's field holding the owning municipality in `TENANT_FIELD`
    and expose the owner as `tenant`.
    """

    TENANT_FIELD = "tenant"

    class Event(Aggregate.Event):
        audit: dict[str, Any]

    class Created(Event, Aggregate.Created):
        pass

    @property
    @abstractmethod
    def tenant(self) -> str:
        """The municipality whose record this aggregate is (every aggregate class names it)."""

    def trigger_event(self, event_class: Any, **kwargs: Any) -> None:
        kwargs["audit"] = audit_metadata(self.tenant)
        if kwargs.get("timestamp") is None:
            # Never earlier than this aggregate's last event (domain/clock.py).
            kwargs["timestamp"] = next_timestamp(self.modified_on)
        super().trigger_event(event_class, **kwargs)

    @classmethod
    def _create(cls, event_class: Any, **kwargs: Any) -> Any:
        kwargs["audit"] = audit_metadata(kwargs[cls.TENANT_FIELD])
        if kwargs.get("timestamp") is None:
            kwargs["timestamp"] = next_timestamp(None)
        return super()._create(event_class, **kwargs)

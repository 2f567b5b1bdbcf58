"""The Innoledger application: one eventsourcing Application holding all three aggregates.

Every use case takes the calling `Principal` first. Aggregates are reached only through the
tenant-scoped accessors here, which make another tenant's private object indistinguishable from
an absent one; nothing outside this package loads aggregates by id.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import date
from typing import Any, ParamSpec, TypeVar, cast
from uuid import UUID

from eventsourcing.application import (
    AggregateNotFoundError,
    Repository,
)
from eventsourcing.domain import Aggregate
from eventsourcing.persistence import IntegrityError, JSONTranscoder, Transcoding
from eventsourcing.utils import Environment

from domain.audit import acting_as
from domain.clock import clock_in_use
from domain.errors import InvalidValue, RuleViolation
from domain.municipality import Municipality, municipality_id
from domain.need import PROCUREMENT_DECIDED as NEED_PROCUREMENT_DECIDED
from domain.need import Need
from domain.procurement import Procurement
from domain.procurement_values import (
    Award,
    Bid,
    Contract,
    FollowUp,
    Lesson,
    MarketDialogue,
    Milestone,
    Participant,
    Review,
    Screening,
)
from domain.project import Project
from eventstore.config import closed_environment
from eventstore.repository import CopyOnWriteRepository, replay
from eventstore.saving import SavesAggregates
from service.access_policy import (
    can_see_need,
    can_see_procurement,
    can_see_project,
    works_on_need,
)
from service.errors import ConcurrentUpdate, Forbidden, NotFound, VersionMismatch
from service.principal import Principal
from service.settings import Settings
from service.storage.eventstore_env import eventsourcing_env

P = ParamSpec("P")
R = TypeVar("R")
A = TypeVar("A", bound=Aggregate)


class DateAsISO(Transcoding):
    type = date
    name = "date_iso"

    def encode(self, obj: date) -> str:
        return obj.isoformat()

    def decode(self, data: str) -> date:
        return date.fromisoformat(data)


class StateValueAsState(Transcoding):
    """A value of a procurement's state in a snapshot, kept in the shape its dictionary had
    (domain/procurement_values.py)."""

    def __init__(self, value_type: Any, name: str) -> None:
        self.type = value_type
        self.name = name
        self._from_state = value_type.from_state

    def encode(self, obj: Any) -> dict[str, Any]:
        state: dict[str, Any] = obj.as_state()
        return state

    def decode(self, data: dict[str, Any]) -> Any:
        return self._from_state(data)


# The names snapshots carry: stable, like topics.
STATE_VALUE_NAMES = {
    Contract: "procurement_contract",
    Participant: "procurement_participant",
    Bid: "procurement_bid",
    Award: "procurement_award",
    Review: "procurement_review",
    Screening: "procurement_screening",
    Milestone: "procurement_milestone",
    FollowUp: "procurement_follow_up",
    MarketDialogue: "procurement_market_dialogue",
    Lesson: "procurement_lesson",
}


@dataclass(frozen=True)
class CommandResult:
    """What a command answers: the aggregate's new version and the log position it reached."""

    aggregate_id: str
    version: int
    position: int
    created: dict[str, str] = field(default_factory=dict)


def command(method: Callable[P, R]) -> Callable[P, R]:
    """Runs a use case in the principal's audit context, so every event records who caused it,
    and on the application's clock, so every event is stamped by it."""

    @functools.wraps(method)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        principal = args[1]
        assert isinstance(principal, Principal), "use cases take the principal first"
        application = args[0]
        assert isinstance(application, BaseApplication)
        with acting_as(principal.as_actor()), clock_in_use(application.event_clock):
            if _command_scope.get() is not None:  # within another use case: that one decides
                return method(*args, **kwargs)
            scope = _CommandScope(trusts_if_match=True)
            token = _command_scope.set(scope)
            try:
                return method(*args, **kwargs)
            except Exception:
                if not scope.unconfirmed or scope.committed:
                    raise
            finally:
                _command_scope.reset(token)
            # It failed having decided on a cached state the store did not confirm (see
            # `_CommandScope`): decided again on the stored state, it answers what it would
            # have answered without the shortcut. Nothing was stored: the use case failed.
            token = _command_scope.set(_CommandScope(trusts_if_match=False))
            try:
                return method(*args, **kwargs)
            finally:
                _command_scope.reset(token)

    return wrapper


@dataclass
class _CommandScope:
    """One run of a use case.

    A command names the version it changes (If-Match). When the process has that very version
    cached, the use case may take it without asking the store whether it is still the newest
    (`trusts_if_match`): if it is not, the save of its new events clashes with the newer ones
    stored, and nothing is stored. So a command is only ever stored as decided on the current
    state — the store's unique (aggregate, version) key confirms it — and a use case that fails
    having used such an unconfirmed state (`unconfirmed`: id -> version) runs again on the
    stored state, so that its refusal (412, 404, 409, ...) is the one the stored state gives
    (never once anything is stored: `committed`)."""

    trusts_if_match: bool
    unconfirmed: dict[UUID, int] = field(default_factory=dict)
    # Once something is stored, the use case is never run again (stored exactly once).
    committed: bool = False


_command_scope: ContextVar[_CommandScope | None] = ContextVar(
    "innoledger_command_scope", default=None
)


class UnconfirmedState(Exception):
    """A use case was about to store a decision resting on a cached state that its own save
    would not confirm (the aggregate was not among those it saves with new events)."""


def to_uuid(value: str | UUID) -> UUID:
    if isinstance(value, UUID):
        return value
    try:
        return UUID(str(value))
    except ValueError:
        raise NotFound(f"no object with id {value!r}") from None


# The municipalities loaded while one request is served: authentication reads the caller's live
# roles from its municipality and most use cases load it again; one request sees one state of it.
_loaded_in_request: ContextVar[dict[str, Municipality] | None] = ContextVar(
    "innoledger_loaded_in_request", default=None
)
# The versions of municipalities the database confirmed current within this request (the
# principal cache reads the caller's with the revocation counter): a cached municipality of
# that version is loaded without reading its events again.
_confirmed_in_request: ContextVar[dict[str, int] | None] = ContextVar(
    "innoledger_confirmed_in_request", default=None
)


class BaseApplication(SavesAggregates):
    name = "Innoledger"
    snapshotting_projectors = {
        Need: replay, Procurement: replay, Municipality: replay, Project: replay
    }

    def __init__(self, settings: Settings):
        settings.validate()
        self.settings = settings
        self.event_clock = settings.event_clock()
        # A municipality's name is given at registration and never changes: kept once read.
        self._registered_names: dict[str, str] = {}
        self.snapshotting_intervals = {  # type: ignore[misc]
            Need: settings.snapshot_interval,
            Procurement: settings.snapshot_interval,
            Municipality: settings.snapshot_interval,
            Project: settings.snapshot_interval,
        }
        super().__init__(env=eventsourcing_env(settings))

    def construct_env(self, name: str, env: Any = None) -> Environment:
        """Our settings only: the library would merge os.environ in (see eventstore_env)."""
        return closed_environment(name, env or {})

    def construct_repository(self) -> Repository[UUID]:
        return CopyOnWriteRepository(
            self.events, snapshot_store=self.snapshots,
            cache_size=self.settings.aggregate_cache_size,
        )

    def register_transcodings(self, transcoder: JSONTranscoder) -> None:
        super().register_transcodings(transcoder)
        transcoder.register(DateAsISO())
        for value_type, name in STATE_VALUE_NAMES.items():
            transcoder.register(StateValueAsState(value_type, name))

    # Loading and saving

    def _load(
        self,
        aggregate_id: UUID,
        kind: type[A],
        version: int | None = None,
        *,
        read_only: bool = False,
        current_version: int | None = None,
        expected_version: int | None = None,
    ) -> A:
        """`read_only` hands out the cached instance itself instead of a copy (a third of a
        load): only for callers that never change it. `current_version`: the version the
        database confirmed current within this request, if known. `expected_version`: the
        version the command changes (If-Match), taken from the cache as it stands when the
        use case may trust it (`_CommandScope`)."""
        repository = cast(CopyOnWriteRepository, self.repository)
        scope = _command_scope.get()
        if (
            expected_version is not None
            and version is None
            and not read_only
            and scope is not None
            and scope.trusts_if_match
        ):
            cached = repository.cached_copy(aggregate_id, expected_version)
            if isinstance(cached, kind):
                scope.unconfirmed[aggregate_id] = expected_version
                return cached
        try:
            aggregate: Aggregate = repository.get(
                aggregate_id,
                version=version,
                deepcopy_from_cache=not read_only,
                current_version=current_version,
            )
        except AggregateNotFoundError:
            raise NotFound(f"no {kind.__name__.lower()} {aggregate_id}") from None
        if not isinstance(aggregate, kind):
            raise NotFound(f"no {kind.__name__.lower()} {aggregate_id}")
        return aggregate

    @staticmethod
    def _check_version(aggregate: Aggregate, expected_version: int | None) -> None:
        if expected_version is None:
            return
        if aggregate.version != expected_version:
            raise VersionMismatch(
                f"the object is at version {aggregate.version}, not {expected_version}",
                current_version=aggregate.version,
            )

    def _commit(
        self, *aggregates: Aggregate, created: dict[str, str] | None = None
    ) -> CommandResult:
        """Saves every changed aggregate in one transaction (all or nothing)."""
        scope = _command_scope.get()
        if scope is not None and scope.unconfirmed:
            confirmed = {a.id for a in aggregates if a.pending_events}
            if not confirmed.issuperset(scope.unconfirmed):
                raise UnconfirmedState(sorted(map(str, set(scope.unconfirmed) - confirmed)))
        try:
            recordings = self.save(*aggregates)
        except IntegrityError:
            raise ConcurrentUpdate(
                "another change to this object was saved first; reload and try again"
            ) from None
        if scope is not None:
            scope.committed = True
            scope.unconfirmed.clear()  # the save confirmed them
        # What was just stored is the newest state of each: the next command on them starts
        # here (a use case ends with its commit and never changes them afterwards).
        repository = cast(CopyOnWriteRepository, self.repository)
        for aggregate in aggregates:
            repository.keep(aggregate)
        primary = aggregates[0]
        position = max((r.notification.id for r in recordings), default=0)
        return CommandResult(
            aggregate_id=str(primary.id),
            version=primary.version,
            position=position,
            created=created or {},
        )

    # Tenant-scoped accessors: the only way to reach an aggregate.

    @contextmanager
    def request_scope(self) -> Iterator[None]:
        """Within it, the caller's municipality is loaded once (see `_loaded_in_request`)."""
        token = _loaded_in_request.set({})
        confirmed = _confirmed_in_request.set({})
        try:
            yield
        finally:
            _confirmed_in_request.reset(confirmed)
            _loaded_in_request.reset(token)

    def confirm_current_version(self, slug: str, version: int) -> None:
        """Within a request scope: the database said just now that `slug` is at `version`."""
        confirmed = _confirmed_in_request.get()
        if confirmed is not None:
            confirmed[slug] = version

    def _municipality_by_slug(self, slug: str) -> Municipality:
        """A municipality to read (roles, active areas, delegation order), never to change:
        commands on a municipality load their own copy through `_municipality_for`."""
        loaded = _loaded_in_request.get()
        if loaded is None:
            return self._load(municipality_id(slug), Municipality, read_only=True)
        if slug not in loaded:
            current = (_confirmed_in_request.get() or {}).get(slug)
            loaded[slug] = self._load(
                municipality_id(slug), Municipality, read_only=True, current_version=current
            )
        return loaded[slug]

    def _own_municipality(self, principal: Principal) -> Municipality:
        if principal.municipality is None:
            raise Forbidden("this action is taken by a municipality, not by the platform")
        return self._municipality_by_slug(principal.municipality)

    def _municipality_for(
        self, principal: Principal, slug: str, *, version: int | None = None
    ) -> Municipality:
        """Municipalities are public to everyone authenticated (the network list)."""
        try:
            return self._load(municipality_id(slug), Municipality, version)
        except NotFound:
            raise NotFound(f"no municipality {slug!r}") from None

    def _need_for(
        self,
        principal: Principal,
        need_id: str | UUID,
        *,
        version: int | None = None,
        expected_version: int | None = None,
    ) -> Need:
        """`expected_version`: the version a command changes (see `_load`)."""
        need = self._load(to_uuid(need_id), Need, version, expected_version=expected_version)
        # Visibility is judged on the current state: a need shared once and unshared later is
        # private now, history included.
        current = need if version is None else self._load(need.id, Need)
        if not can_see_need(principal, current):
            raise NotFound(f"no need {need_id}")
        return need

    def _needs_decided_for_procurement(
        self, principal: Principal, need_ids: list[str], *, linking: str
    ) -> list[Need]:
        """The needs a procurement of the caller's municipality may address: each visible, worked
        on by the caller's municipality (owner or co-owner) and past its decision to procure.
        `linking` says what is being done with them, for the refusal's text."""
        needs: list[Need] = []
        for need_id in need_ids:
            try:
                need = self._need_for(principal, need_id)
            except NotFound:
                raise InvalidValue(f"need_ids: no need {need_id}", field="need_ids") from None
            if not works_on_need(principal, need):
                raise RuleViolation(
                    f"need {need_id} belongs to {need.owner}; join it as co-owner first",
                    rule="need_not_owned",
                )
            if need.status != NEED_PROCUREMENT_DECIDED:
                raise RuleViolation(
                    f"need {need_id} is {need.status}; only needs with a procurement decision"
                    f" (anskaffningsbeslut) can be {linking}",
                    rule="need_not_decided",
                )
            needs.append(need)
        return needs

    def _procurement_for(
        self,
        principal: Principal,
        procurement_id: str | UUID,
        *,
        version: int | None = None,
        expected_version: int | None = None,
    ) -> Procurement:
        """`expected_version`: the version a command changes (see `_load`)."""
        procurement = self._load(
            to_uuid(procurement_id), Procurement, version, expected_version=expected_version
        )
        current = procurement if version is None else self._load(procurement.id, Procurement)
        if not can_see_procurement(principal, current):
            raise NotFound(f"no procurement {procurement_id}")
        return procurement

    def _project_for(
        self, principal: Principal, project_id: str | UUID, *, version: int | None = None
    ) -> Project:
        project = self._load(to_uuid(project_id), Project, version)
        if not can_see_project(principal, project):
            raise NotFound(f"no project {project_id}")
        return project


def require_role(principal: Principal, *roles: str) -> None:
    if not principal.has_role(*roles):
        raise Forbidden(f"this needs one of the roles: {', '.join(roles)}")


def pick(values: dict[str, Any], *names: str) -> dict[str, Any]:
    return {name: values[name] for name in names if name in values}

"""Reading one object — now, as of a version, or as of a moment — as the caller may see it.

Every single-object read of the API comes here, so the visibility rules (another tenant's
private object is absent), the history rule (past states for everyone but viewers) and the
redaction policy (`service.redaction`) are applied once, in the core, whatever path asked.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.errors import InvalidValue
from domain.municipality import Municipality
from domain.procurement import Procurement
from service.application import BaseApplication
from service.audit.as_of import state_as_of, state_at_version
from service.audit.parties import Party, PartyDirectory
from service.principal import Principal
from service.redaction import Redaction, redaction_for, referred_parties


@dataclass(frozen=True)
class Shown:
    """One object as one caller is shown it."""

    aggregate: Any  # at the version read
    redaction: Redaction  # what of it is withheld from this caller
    past: bool = False  # read as of a version or moment
    immutable: bool = False  # the answer can never change (a settled past state)
    # The sole traders it refers to, by entry id, when the caller may see who they are.
    parties: Mapping[str, Party] = field(default_factory=dict)

    @property
    def version(self) -> int:
        version: int = self.aggregate.version
        return version

    @property
    def etag(self) -> str:
        """Strong and distinct per redaction: a participant's copy without bids and the lead's
        copy with them never share an ETag. The version leads, so If-Match takes it back."""
        tag = self.redaction.tag
        return f'"{self.version}-{tag}"' if tag else f'"{self.version}"'

    @property
    def holds_secrets(self) -> bool:
        """Bids, a sole trader's number or a member list (personal data) are in the answer:
        no cache may keep it."""
        aggregate = self.aggregate
        if isinstance(aggregate, Procurement):
            shown_bids = not self.redaction.bids and bool(aggregate.bids or aggregate.reviews)
            return shown_bids or bool(self.parties)
        if isinstance(aggregate, Municipality):
            return not self.redaction.members and bool(aggregate.members)
        return False

    def representation(self, body: dict[str, Any]) -> dict[str, Any]:
        """A representation built from `aggregate`, with what is withheld removed."""
        return self.redaction.state(body)


class ReadUseCases(BaseApplication):
    def show(
        self,
        principal: Principal,
        kind: str,
        object_id: str,
        *,
        version: int | None = None,
        as_of: datetime | None = None,
    ) -> Shown:
        """A need, procurement, project or municipality (by slug): now, at `version`, or
        `as_of`."""
        if version is not None and as_of is not None:
            raise InvalidValue("give version or as_of, not both", field="as_of")
        if version is not None or as_of is not None:
            past = (
                state_at_version(self, principal, kind, object_id, version)
                if version is not None
                else state_as_of(self, principal, kind, object_id, as_of)  # type: ignore[arg-type]
            )
            return Shown(
                past.aggregate,
                past.redaction,
                past=True,
                immutable=past.immutable,
                parties=self._parties_shown(past.aggregate, past.redaction),
            )
        loaders: dict[str, Callable[[Principal, str], Any]] = {
            "need": self._need_for,
            "procurement": self._procurement_for,
            "municipality": self._municipality_for,
            "project": self._project_for,
        }
        loader = loaders[kind]
        current = loader(principal, object_id)
        redaction = redaction_for(principal, current)
        return Shown(
            current,
            redaction,
            past=False,
            immutable=False,
            parties=self._parties_shown(current, redaction),
        )

    def _parties_shown(self, aggregate: Any, redaction: Redaction) -> Mapping[str, Party]:
        """The directory entries of the sole traders `aggregate` refers to, unless withheld."""
        if not isinstance(aggregate, Procurement) or redaction.parties:
            return {}
        referred = referred_parties(aggregate)
        return PartyDirectory.of(self).get_many(referred) if referred else {}

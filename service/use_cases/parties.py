"""Who tendered or was awarded: an organisation by its number, a sole trader through the party
directory (service.audit.parties), so that a person's number never reaches an event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from domain.errors import InvalidValue, RuleViolation
from domain.values.org_number import InvalidOrganisationNumber, OrganisationNumber
from domain.values.personal_identity import parse_party_number
from service.access_policy import can_erase_parties, can_see_parties
from service.application import BaseApplication
from service.audit.parties import Party, PartyDirectory
from service.errors import NotFound
from service.principal import Principal


@dataclass(frozen=True)
class PartyRef:
    """What the domain is given: an organisation's number and name, or a directory entry's id."""

    org_number: str | None
    name: Any  # as given: the domain checks an organisation's name
    party_id: str | None

    def as_supplier(self) -> dict[str, Any]:
        if self.party_id is not None:
            return {"party_id": self.party_id}
        return {"org_number": self.org_number, "name": self.name}


class PartyIdentification:
    """Identifies the parties of one command; entries it made are removed if the command fails."""

    def __init__(self, directory: PartyDirectory, tenant: str):
        self.directory = directory
        self.tenant = tenant
        self.made: list[str] = []

    def identify(
        self, number: object, name: object, *, field: str, name_field: str, create: bool = True
    ) -> PartyRef:
        try:
            parsed = parse_party_number(number)
        except InvalidOrganisationNumber as exc:
            raise InvalidValue(f"{field}: {exc}", field=field) from None
        if isinstance(parsed, OrganisationNumber):
            return PartyRef(str(parsed), name, None)
        if create:
            party, made = self.directory.record_person(
                self.tenant, parsed, name, name_field=name_field
            )
            if made:
                self.made.append(party.party_id)
        else:
            found = self.directory.find_person(self.tenant, parsed)
            if found is None:
                raise RuleViolation(
                    f"{field}: this sole trader was not awarded this contract", rule="not_awarded"
                )
            party = found
        return PartyRef(None, None, party.party_id)


@contextmanager
def identifying_parties(app: Any, tenant: str) -> Iterator[PartyIdentification]:
    identification = PartyIdentification(PartyDirectory.of(app), tenant)
    try:
        yield identification
    except BaseException:
        for party_id in identification.made:
            identification.directory.forget_unused(party_id)
        raise


class PartyUseCases(BaseApplication):
    """The party directory's entries, as the redaction policy decides (`can_see_parties`): an
    entry is there for those who may see who it is, and absent (404) for everyone else, as
    another tenant's object is."""

    def party(self, principal: Principal, party_id: str) -> Party:
        party = PartyDirectory.of(self).get(party_id)
        if party is None or not can_see_parties(principal, party.tenant):
            raise NotFound(f"no party {party_id}")
        return party

    def erase_party(self, principal: Principal, party_id: str) -> Party:
        """Clears a sole trader's number and name for good (GDPR art. 17)."""
        party = self.party(principal, party_id)
        if not can_erase_parties(principal, party.tenant):
            raise NotFound(f"no party {party_id}")
        erased = PartyDirectory.of(self).erase(party_id)
        assert erased is not None
        return erased

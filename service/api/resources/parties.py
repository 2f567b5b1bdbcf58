"""The party directory: sole traders' personnummer and names, erasable (GDPR art. 17).

Bids, awards and contracts refer to a sole trader by the entry's id only, so erasing the entry
never rewrites history: the number and name are gone from every answer, the events are unchanged.
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.schemas.parties import PartySchema
from service.audit.parties import Party, PartyDirectory
from service.errors import NotFound
from service.principal import Principal

blp = Blueprint(
    "parties",
    __name__,
    url_prefix="/api/v1/parties",
    description="Party directory: sole traders (enskilda näringsidkare) who tendered or were"
    " awarded, with the personnummer that events never hold; erasable.",
)

READERS = ("tenant_admin", "officer", "decision_maker", "auditor")


def _entry_for(principal: Principal, party_id: str, *roles: str) -> tuple[PartyDirectory, Party]:
    """The entry, for people of the municipality that recorded it with one of `roles`;
    anyone else is told it does not exist, as for another tenant's object."""
    directory = PartyDirectory.of(services().innoledger)
    party = directory.get(party_id)
    if party is None:
        raise NotFound(f"no party {party_id}")
    own = principal.municipality == party.tenant and principal.has_role(*roles)
    platform = principal.is_platform and (
        principal.has_role("platform_admin") if roles == ("tenant_admin",) else True
    )
    if not (own or platform):
        raise NotFound(f"no party {party_id}")
    return directory, party


@blp.route("/<party_id>")
class PartyEntry(MethodView):
    @blp.response(200, PartySchema)
    def get(self, party_id: str) -> Any:
        """A sole trader's entry (the recording municipality's staff and platform auditors)"""
        _, party = _entry_for(current_principal(), party_id, *READERS)
        return party.as_dict()

    @blp.response(204)
    def delete(self, party_id: str) -> Any:
        """Erase a sole trader's number and name (the recording municipality's tenant admin,
        or the platform admin); bids, awards and contracts then show the entry as erased"""
        directory, _ = _entry_for(current_principal(), party_id, "tenant_admin")
        directory.erase(party_id)
        return "", 204

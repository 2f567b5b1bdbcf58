"""The party directory: sole traders' personnummer and names, erasable (GDPR art. 17).

Bids, awards and contracts refer to a sole trader by the entry's id only, so erasing the entry
never rewrites history: the number and name are gone from every answer, the events are unchanged.
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.views import MethodView

from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.dumping import dumped
from service.api.schemas.parties import PartySchema
from service.api.views import answer_made_of

blp = Blueprint(
    "parties",
    __name__,
    url_prefix="/api/v1/parties",
    description="Party directory: sole traders (enskilda näringsidkare) who tendered or were"
    " awarded, with the personnummer that events never hold; erasable.",
)


@blp.route("/<party_id>")
class PartyEntry(MethodView):
    @blp.conditional
    @blp.response(200, PartySchema)
    def get(self, party_id: str) -> Any:
        """A sole trader's entry (the recording municipality's staff and platform auditors)"""
        entry = services().innoledger.party(current_principal(), party_id).as_dict()
        # The entry read by its key is the validator: erasing it writes no event.
        return answer_made_of(lambda: jsonify(dumped(PartySchema, entry)), repr(entry))

    @blp.response(204)
    def delete(self, party_id: str) -> Any:
        """Erase a sole trader's number and name (the recording municipality's tenant admin,
        or the platform admin); bids, awards and contracts then show the entry as erased"""
        services().innoledger.erase_party(current_principal(), party_id)
        return "", 204

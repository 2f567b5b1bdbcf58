"""The people directory: display names and e-mail addresses, erasable (GDPR art. 17).

Each municipality keeps its own entries (see `service.audit.people`); a caller reaches only its
own municipality's. Events hold user ids only, so erasure never rewrites history: it shows the
person as "erased". The rules are the core's (`service.use_cases.access`).
"""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask.views import MethodView

from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.dumping import dumped
from service.api.schemas.audit import PersonSchema, PersonUpdateSchema
from service.api.views import answer_made_of

blp = Blueprint(
    "people",
    __name__,
    url_prefix="/api/v1/people",
    description="People directory: each municipality's own entries for its members",
)


@blp.route("/<user_id>")
class Person(MethodView):
    @blp.conditional
    @blp.response(200, PersonSchema)
    def get(self, user_id: str) -> Any:
        """Your municipality's entry for a person (e-mail for themself and their admins)"""
        entry = services().access.person(current_principal(), user_id).to_json()
        # The entry read by its key is the validator: the directory is not in the log.
        return answer_made_of(lambda: jsonify(dumped(PersonSchema, entry)), repr(entry))

    @blp.arguments(PersonUpdateSchema)
    @blp.response(200, PersonSchema)
    def put(self, body: dict[str, Any], user_id: str) -> Any:
        """Record or correct your municipality's entry for a member (themself or an admin)"""
        person = services().access.record_person(
            current_principal(),
            user_id,
            display_name=body["display_name"],
            email=body.get("email"),
        )
        return person.to_json()

    @blp.response(204)
    def delete(self, user_id: str) -> Any:
        """Erase your municipality's entry for a member or former member: history shows
        "erased" """
        services().access.erase_person(current_principal(), user_id)
        return "", 204

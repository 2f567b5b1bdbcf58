"""The people directory: display names and e-mail addresses, erasable (GDPR art. 17).

Events hold user ids only, so erasure never rewrites history: it shows the person as "erased".
"""

from __future__ import annotations

from typing import Any

from flask.views import MethodView

from service.api.blueprint import Blueprint
from service.api.context import current_principal, services
from service.api.schemas.audit import PersonSchema, PersonUpdateSchema
from service.audit.people import PeopleDirectory
from service.errors import NotFound
from service.principal import Principal

blp = Blueprint("people", __name__, url_prefix="/api/v1/people", description="People directory")


def _administers(principal: Principal, user_id: str) -> bool:
    """The person themself, a tenant admin of a municipality they belong to, or the platform."""
    if principal.user_id == user_id:
        return True
    if principal.is_platform:
        return principal.has_role("platform_admin")
    if not principal.has_role("tenant_admin") or principal.municipality is None:
        return False
    return bool(services().innoledger.roles_in(principal.municipality, user_id))


def _shown(principal: Principal, person: Any) -> dict[str, Any]:
    body = person.to_json()
    if not _administers(principal, person.user_id):
        body["email"] = None  # names are shown in histories; addresses only to those who manage
    return body


@blp.route("/<user_id>")
class Person(MethodView):
    @blp.response(200, PersonSchema)
    def get(self, user_id: str) -> Any:
        """A person's display name (and e-mail, for themself and their admins)"""
        principal = current_principal()
        person = PeopleDirectory.of(services().innoledger).get(user_id)
        if person is None:
            raise NotFound(f"no person {user_id}")
        return _shown(principal, person)

    @blp.arguments(PersonUpdateSchema)
    @blp.response(200, PersonSchema)
    def put(self, body: dict[str, Any], user_id: str) -> Any:
        """Set a person's display name and e-mail (themself or their admins)"""
        principal = current_principal()
        if not _administers(principal, user_id):
            raise NotFound(f"no person {user_id}")
        person = PeopleDirectory.of(services().innoledger).upsert(
            user_id, display_name=body["display_name"], email=body.get("email")
        )
        return _shown(principal, person)

    @blp.response(204)
    def delete(self, user_id: str) -> Any:
        """Erase a person: name and e-mail are removed; history shows "erased" """
        principal = current_principal()
        directory = PeopleDirectory.of(services().innoledger)
        if not _administers(principal, user_id) or directory.get(user_id) is None:
            raise NotFound(f"no person {user_id}")
        directory.erase(user_id)
        return "", 204

"""Administration of access: members and roles, bearer tokens, the people directory.

The rules of who may grant, issue, list, revoke, read, correct and erase live here, in the core,
and take the calling principal as every use case does; the HTTP handlers only translate.

- A municipality's tenant admins administer its members, its tokens and its directory entries;
  the platform admin seats a new municipality's first tenant admin and issues that admin's
  first token, and keeps the platform's own people.
- A token acts only in the municipality that issued it: its holder's roles are read live from
  that municipality, so a token Skurup issued carries no rights in Ystad, and a holder without
  any role there is not authenticated at all.
- Revoking a member's last role revokes every token of theirs in that municipality.
- Revoking any of a member's roles, or an admin revoking one of their tokens, ends every browser
  session of theirs there at once (they sign in again with what they still hold); a tenant admin
  may also end a member's browser sessions alone, and a member their own.
- The people directory keeps one entry per municipality and person (see `service.audit.people`):
  each municipality reads, corrects and erases only its own entries, its tenant admins also those
  of former members; a person reads and corrects their own entry in the municipality their token
  is from.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from service.application import CommandResult
from service.audit.people import PLATFORM, PeopleDirectory, Person
from service.auth.sessions import BrowserSessions
from service.auth.tokens import IssuedToken, TokenRecord, TokenStore
from service.errors import Forbidden, NotFound
from service.principal import Principal


@dataclass
class AccessAdministration:
    app: Any  # the Innoledger application
    tokens: TokenStore
    people: PeopleDirectory
    sessions: BrowserSessions

    # Members and roles

    def grant_role(
        self, principal: Principal, slug: str, *, user_id: str, role: str, expected_version: int
    ) -> CommandResult:
        if principal.is_platform:
            if role != "tenant_admin":
                raise Forbidden("the platform seats only the first tenant admin")
            result: CommandResult = self.app.grant_first_tenant_admin(
                principal, slug, user_id=user_id, expected_version=expected_version
            )
            return result
        granted: CommandResult = self.app.grant_role(
            principal, slug, user_id=user_id, role=role, expected_version=expected_version
        )
        return granted

    def revoke_role(
        self, principal: Principal, slug: str, *, user_id: str, role: str, expected_version: int
    ) -> CommandResult:
        """Revokes the role; with the member's last role go all their tokens there."""
        result: CommandResult = self.app.revoke_role(
            principal, slug, user_id=user_id, role=role, expected_version=expected_version
        )
        if not self.app.municipality(principal, slug).roles_of(user_id):
            self.tokens.revoke_all_of(user_id=user_id, municipality=slug)
        self.sessions.end_all_of(user_id=user_id, municipality=slug, reason="revoked")
        return result

    # Browser sessions

    def end_sessions(self, principal: Principal, slug: str, user_id: str) -> int:
        """Ends every browser session of a member (a tenant admin of `slug`, or the member
        themself); how many were open. Anyone else is told the member does not exist."""
        self.app.municipality(principal, slug)  # 404 for an unknown municipality
        own = principal.municipality == slug and principal.user_id == user_id
        if not own and not self._administers_tokens_of(principal, slug):
            raise Forbidden(f"only a tenant admin of {slug} ends its members' sessions")
        return self.sessions.end_all_of(user_id=user_id, municipality=slug, reason="revoked")

    # Tokens

    def _administers_tokens_of(self, principal: Principal, slug: str) -> bool:
        return principal.municipality == slug and principal.has_role("tenant_admin")

    def issue_token(
        self,
        principal: Principal,
        slug: str,
        *,
        user_id: str,
        label: str | None = None,
        expires_in_days: int,
    ) -> IssuedToken:
        roles = self.app.municipality(principal, slug).roles_of(user_id)
        if principal.is_platform:
            if not principal.has_role("platform_admin") or "tenant_admin" not in roles:
                raise Forbidden("the platform issues tokens only for a tenant admin")
        elif not self._administers_tokens_of(principal, slug):
            raise Forbidden(f"only a tenant admin of {slug} issues its tokens")
        if not roles:
            raise NotFound(f"{user_id} is not a member of {slug}")
        return self.tokens.issue(
            user_id=user_id,
            municipality=slug,
            label=label,
            created_by=principal.user_id,
            lifetime=timedelta(days=expires_in_days),
        )

    def member_tokens(self, principal: Principal, slug: str, user_id: str) -> list[TokenRecord]:
        """A member's tokens in `slug` (never their secrets), to find the one to revoke."""
        self.app.municipality(principal, slug)  # 404 for an unknown municipality
        if not self._administers_tokens_of(principal, slug) and not (
            principal.municipality == slug and principal.user_id == user_id
        ):
            raise Forbidden(f"only a tenant admin of {slug} lists its members' tokens")
        return self.tokens.of_member(user_id=user_id, municipality=slug)

    def revoke_token(self, principal: Principal, token_id: str) -> None:
        """Its holder, a tenant admin of its municipality, or the platform admin; anyone else
        is told it does not exist."""
        record = self.tokens.get(token_id)
        if record is None:
            raise NotFound(f"no token {token_id}")
        own = record.user_id == principal.user_id and record.municipality == principal.municipality
        admin = (
            record.municipality is not None
            and self._administers_tokens_of(principal, record.municipality)
        ) or (principal.is_platform and principal.has_role("platform_admin"))
        if not (own or admin):
            raise NotFound(f"no token {token_id}")
        self.tokens.revoke(token_id)
        if not own and record.municipality is not None:
            # Taken away by an admin: whatever the holder is signed in with goes too.
            self.sessions.end_all_of(
                user_id=record.user_id, municipality=record.municipality, reason="revoked"
            )

    # The people directory

    @staticmethod
    def _directory_of(principal: Principal) -> str:
        """Whose entries the caller reaches: its own municipality's, never another's."""
        return PLATFORM if principal.municipality is None else principal.municipality

    def _manages(self, principal: Principal, user_id: str) -> bool:
        """The person themself, a tenant admin of the entry's municipality, the platform admin
        for the platform's people."""
        if principal.user_id == user_id:
            return True
        if principal.is_platform:
            return principal.has_role("platform_admin")
        return principal.has_role("tenant_admin")

    def _shown(self, principal: Principal, person: Person) -> Person:
        if self._manages(principal, person.user_id):
            return person
        # Names are shown in histories; addresses only to the person and their admins.
        return Person(
            user_id=person.user_id,
            municipality=person.municipality,
            display_name=person.display_name,
            email=None,
            updated_at=person.updated_at,
            erased_at=person.erased_at,
        )

    def person(self, principal: Principal, user_id: str) -> Person:
        found = self.people.get(user_id, municipality=self._directory_of(principal))
        if found is None or not self._reads_directory(principal, user_id):
            raise NotFound(f"no person {user_id}")
        return self._shown(principal, found)

    def _reads_directory(self, principal: Principal, user_id: str) -> bool:
        if principal.user_id == user_id or principal.is_platform:
            return principal.user_id == user_id or principal.has_role("platform_admin", "auditor")
        return bool(principal.roles)

    def record_person(
        self, principal: Principal, user_id: str, *, display_name: str, email: str | None
    ) -> Person:
        """Records or corrects the caller's municipality's entry for `user_id`: of one of its
        members (or former members), by the person or a tenant admin."""
        municipality = self._directory_of(principal)
        if not self._manages(principal, user_id) or not self._known_here(principal, user_id):
            raise NotFound(f"no person {user_id}")
        person = self.people.upsert(
            user_id, municipality=municipality, display_name=display_name, email=email
        )
        return self._shown(principal, person)

    def erase_person(self, principal: Principal, user_id: str) -> None:
        """Erases the caller's municipality's entry for `user_id` (GDPR art. 17): a tenant
        admin erases its members' and former members' entries, a person their own."""
        municipality = self._directory_of(principal)
        known = self.people.get(user_id, municipality=municipality)
        if known is None or not self._manages(principal, user_id):
            raise NotFound(f"no person {user_id}")
        self.people.erase(user_id, municipality=municipality)

    def _known_here(self, principal: Principal, user_id: str) -> bool:
        """A member of the caller's municipality now, or one with an entry there already
        (a former member); the platform keeps entries of anyone it names."""
        if principal.municipality is None:
            return True
        if self.app.municipality(principal, principal.municipality).roles_of(user_id):
            return True
        return self.people.get(user_id, municipality=principal.municipality) is not None

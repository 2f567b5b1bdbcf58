"""Who is calling: established from the bearer token only, never from the URL or the body."""

from __future__ import annotations

from dataclasses import dataclass

from domain.audit import Actor

PLATFORM_ROLES = ("platform_admin", "auditor")
# Whoever reads what is open to the market, without signing in (suppliers, data portals).
PUBLIC_ROLE = "public"


@dataclass(frozen=True)
class Principal:
    user_id: str
    municipality: str | None  # None: a platform principal
    roles: tuple[str, ...]
    token_id: str | None = None
    request_id: str | None = None

    @property
    def is_platform(self) -> bool:
        return self.municipality is None

    def has_role(self, *roles: str) -> bool:
        return any(role in self.roles for role in roles)

    @property
    def is_public(self) -> bool:
        """The anonymous reader of the open endpoints: sees what is published, nothing else."""
        return self.municipality is None and self.roles == (PUBLIC_ROLE,)

    @classmethod
    def public(cls, request_id: str | None = None) -> Principal:
        return cls(user_id="public", municipality=None, roles=(PUBLIC_ROLE,),
                   request_id=request_id)

    @property
    def is_platform_auditor(self) -> bool:
        return self.is_platform and "auditor" in self.roles

    def as_actor(self) -> Actor:
        return Actor(
            user_id=self.user_id,
            municipality=self.municipality,
            roles=self.roles,
            request_id=self.request_id,
        )

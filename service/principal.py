"""Who is calling: established from the bearer token only, never from the URL or the body."""

from __future__ import annotations

from dataclasses import dataclass

from domain.audit import Actor

PLATFORM_ROLES = ("platform_admin", "auditor")


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
    def is_platform_auditor(self) -> bool:
        return self.is_platform and "auditor" in self.roles

    def as_actor(self) -> Actor:
        return Actor(
            user_id=self.user_id,
            municipality=self.municipality,
            roles=self.roles,
            request_id=self.request_id,
        )

"""A municipality of the benchmark's own, set up through the use cases, with needs to work on and
bearer tokens for its officer."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from domain.audit import Actor
from domain.values.org_number import luhn_check_digit
from service.principal import Principal

PLATFORM_ADMIN = Principal("bench-platform-admin", None, ("platform_admin",), request_id="bench")
PLATFORM_AUDITOR = Principal("bench-auditor", None, ("auditor",), request_id="bench-audit")
NEED_TITLE = "Tillgängliga lekplatser"


def org_number(n: int) -> str:
    first = f"2120{88000 + n % 10000:05d}"
    return f"{first[:6]}-{first[6:]}{luhn_check_digit(first)}"


@dataclass
class Tenant:
    slug: str
    area_id: str
    officer: Principal
    need_ids: list[str] = field(default_factory=list)
    need_versions: dict[str, int] = field(default_factory=dict)
    token: str = ""

    @property
    def actor(self) -> Actor:
        return self.officer.as_actor()


def setup_tenant(app: Any, slug: str, *, needs: int, number: int = 1) -> Tenant:
    """Registers `slug` with an admin and an officer, an innovation area and `needs` needs."""
    admin = Principal(f"{slug}-admin", slug, ("tenant_admin",), request_id="bench-setup")
    officer = Principal(f"{slug}-officer", slug, ("officer",), request_id="bench-setup")
    result = app.register_municipality(
        PLATFORM_ADMIN,
        slug=slug,
        name=f"Benchmarks kommun {number}",
        organisation_number=org_number(number),
        county="Skåne",
    )
    result = app.grant_first_tenant_admin(
        PLATFORM_ADMIN, slug, user_id=admin.user_id, expected_version=result.version
    )
    result = app.grant_role(
        admin, slug, user_id=officer.user_id, role="officer", expected_version=result.version
    )
    result = app.add_innovation_area(
        admin, slug, name="Välfärd och omsorg", expected_version=result.version
    )
    tenant = Tenant(slug, result.created["innovation_area_id"], officer)
    add_needs(app, tenant, needs)
    return tenant


def add_needs(app: Any, tenant: Tenant, count: int) -> list[str]:
    created = []
    for index in range(count):
        result = app.identify_need(
            tenant.officer,
            title=NEED_TITLE,
            problem_statement=f"Barn med funktionsnedsättning kan inte använda lekplats {index}",
            innovation_area_id=tenant.area_id,
        )
        tenant.need_ids.append(result.aggregate_id)
        tenant.need_versions[result.aggregate_id] = result.version
        created.append(result.aggregate_id)
    return created


def issue_token(
    app: Any, user_id: str, municipality: str | None, roles: tuple[str, ...] = ()
) -> str:
    from eventstore.sql import SqlStore
    from service.auth.tokens import TokenStore

    tokens = TokenStore(SqlStore(app.recorder))
    tokens.create_tables()
    return tokens.issue(
        user_id=user_id,
        municipality=municipality,
        platform_roles=roles,
        label="bench",
        created_by="bench",
        lifetime=timedelta(days=1),
    ).secret

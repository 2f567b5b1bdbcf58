"""Who may see what: the visibility rules of the spec in one place, used by every accessor.

Another tenant's private object must look absent (404), so these answer "visible or not";
role checks for actions on visible objects come after.
"""

from __future__ import annotations

from domain.need import Need
from domain.procurement import Procurement
from domain.project import Project
from service.principal import Principal

READERS = ("tenant_admin", "officer", "decision_maker", "auditor", "viewer")
BID_READERS = ("officer", "decision_maker", "auditor")
PARTY_READERS = ("tenant_admin", "officer", "decision_maker", "auditor")


def _reads_for_a_municipality(principal: Principal) -> bool:
    """A member whose roles were all revoked keeps a valid token but reads nothing private."""
    return principal.municipality is not None and principal.has_role(*READERS)


def can_see_need(principal: Principal, need: Need) -> bool:
    """Own and co-owned needs, needs shared with the network, and — for everyone, signed in or
    not — needs their owner published to the market."""
    if principal.is_platform_auditor:
        return True
    if principal.is_public:
        return need.is_on_market
    if not _reads_for_a_municipality(principal):
        return False
    return need.is_owned_by(principal.municipality) or need.is_shared or need.is_on_market


def works_on_need(principal: Principal, need: Need) -> bool:
    """Owner or co-owner: sees and analyses the need in full."""
    return _reads_for_a_municipality(principal) and need.is_owned_by(principal.municipality)


def can_see_procurement(principal: Principal, procurement: Procurement) -> bool:
    if principal.is_platform_auditor:
        return True
    if principal.is_public:
        return procurement.is_published
    if not _reads_for_a_municipality(principal):
        return False
    if procurement.lead == principal.municipality:
        return True
    if procurement.participant(principal.municipality) is not None:
        return True
    return procurement.is_published


def can_see_project(principal: Principal, project: Project) -> bool:
    """A joint development project is the network's public work (a funded project, its
    partners, phases and reference group): everyone of the network sees it. What it links is
    shown as each linked object's own visibility allows (see the project use cases)."""
    return principal.is_platform_auditor or _reads_for_a_municipality(principal)


def can_see_bids(principal: Principal, procurement: Procurement) -> bool:
    """Absolute secrecy (OSL 19:3) until the award decision: only the lead's officers,
    decision makers and auditors, and platform auditors, see bids and tenderers before it."""
    if not can_see_procurement(principal, procurement):
        return False
    if procurement.bids_disclosed:
        return True
    if principal.is_platform_auditor:
        return True
    return procurement.lead == principal.municipality and principal.has_role(*BID_READERS)


def can_see_members(principal: Principal, slug: str) -> bool:
    """Who holds which role is the municipality's own business: its members with a role, the
    platform admin (who seats tenant admins) and platform auditors see it; nobody else."""
    if principal.is_platform:
        return principal.has_role("platform_admin", "auditor")
    return principal.municipality == slug and _reads_for_a_municipality(principal)


def can_see_parties(principal: Principal, tenant: str) -> bool:
    """A sole trader's personnummer and name (the party directory) are personal data of the
    municipality that recorded them: its people but viewers see them, and on the platform its
    auditors and admins (who erase them); everyone else sees the entry's id only."""
    if principal.is_platform:
        return principal.has_role("auditor", "platform_admin")
    return principal.municipality == tenant and principal.has_role(*PARTY_READERS)


def can_erase_parties(principal: Principal, tenant: str) -> bool:
    """The recording municipality's tenant admins and the platform admin."""
    if principal.is_platform:
        return principal.has_role("platform_admin")
    return principal.municipality == tenant and principal.has_role("tenant_admin")


def sees_own_objects_in_full(principal: Principal, tenant: str | None) -> bool:
    """Whether every object owned by `tenant` is shown to `principal` unredacted, without
    looking at the object: platform auditors, and the tenant's own bid readers (who see its
    members and, on the procurements it leads, the bids). A shortcut for bulk reads; it must
    agree with `redaction_for` on every object of that tenant (a test checks it)."""
    if principal.is_platform_auditor:
        return True
    return (
        tenant is not None
        and principal.municipality == tenant
        and _reads_for_a_municipality(principal)
        and principal.has_role(*BID_READERS)
    )


def can_read_history(principal: Principal) -> bool:
    """Past states and histories: everyone but viewers, who read the current state only."""
    return principal.has_role("auditor", "officer", "decision_maker", "tenant_admin")

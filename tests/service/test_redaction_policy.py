"""The redaction policy's shortcut for bulk reads agrees with the policy itself."""

from __future__ import annotations

import itertools

import pytest

from service.access_policy import sees_own_objects_in_full
from service.principal import Principal
from service.redaction import redaction_for
from tests.builders import PLATFORM_ADMIN, PLATFORM_AUDITOR, PROCUREMENT_PATH, DomainWorld

ROLES = ("tenant_admin", "officer", "decision_maker", "auditor", "viewer")


def _callers() -> list[Principal]:
    callers = [PLATFORM_ADMIN, PLATFORM_AUDITOR]
    for slug in ("ystad", "skurup"):
        for size in (0, 1, 2):
            for roles in itertools.combinations(ROLES, size):
                callers.append(Principal(user_id=f"{slug}-x", municipality=slug, roles=roles))
    return callers


@pytest.fixture(scope="module")
def ystad_objects() -> list[object]:
    world = DomainWorld("ystad")
    objects: list[object] = [world.municipality, world.need(), world.need("prioritised")]
    objects += [world.procurement(state) for state in PROCUREMENT_PATH]
    return objects


def test_whoever_sees_a_tenants_objects_in_full_is_shown_each_of_them_in_full(
    ystad_objects: list[object],
) -> None:
    for caller in _callers():
        if not sees_own_objects_in_full(caller, "ystad"):
            continue
        for current in ystad_objects:
            assert not redaction_for(caller, current).withholds_anything, (caller, current)


def test_the_shortcut_is_taken_by_someone() -> None:
    assert sees_own_objects_in_full(PLATFORM_AUDITOR, "ystad")
    assert sees_own_objects_in_full(Principal("a", "ystad", ("auditor",)), "ystad")
    assert not sees_own_objects_in_full(Principal("a", "skurup", ("auditor",)), "ystad")
    assert not sees_own_objects_in_full(Principal("a", "ystad", ()), "ystad")
    assert not sees_own_objects_in_full(Principal("a", "ystad", ("viewer",)), "ystad")

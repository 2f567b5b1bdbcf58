"""Answers dumped through response schemas that every thread of a worker shares: concurrent
reads of different objects each get their own object, whole."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

from tests.api.conftest import Tenant, World


def test_concurrent_reads_of_different_needs_each_get_their_own(
    world: World, skurup: Tenant, ystad: Tenant
) -> None:
    needs = {
        world.need(tenant, title=f"Behov {index} i {tenant.slug}"): (tenant, index)
        for index in range(4)
        for tenant in (skurup, ystad)
    }
    expected = {
        need_id: tenant.officer.read(f"needs/{need_id}") for need_id, (tenant, _) in needs.items()
    }

    def read(need_id: str) -> tuple[str, dict[str, Any]]:
        # A test client per call: the app and its shared schemas are what the threads share.
        officer = needs[need_id][0].officer
        answer = world.app.test_client().get(
            f"/api/v1/needs/{need_id}", headers=officer.headers()
        )
        assert answer.status_code == 200, answer.get_data(as_text=True)
        return need_id, answer.get_json()

    with ThreadPoolExecutor(max_workers=8) as pool:
        for need_id, body in pool.map(read, [n for n in needs for _ in range(25)]):
            assert body == expected[need_id]
            tenant, index = needs[need_id]
            assert body["title"] == f"Behov {index} i {tenant.slug}"

"""Threads sharing one application never get a torn aggregate from its cache while another
process keeps changing the same aggregates: every loaded copy (and every cached aggregate
handed out to readers) equals a fresh replay of the stored events at its version."""

from __future__ import annotations

import copy
import multiprocessing
import threading
from typing import Any

from domain.municipality import Municipality, municipality_id
from domain.need import Need
from service.innoledger import Innoledger
from service.settings import Settings
from tests.builders import comparable_state, identify_need, replay, setup_tenant
from tests.integration.cache_writer import write

ROUNDS = 150
READERS = 4


def test_loads_under_threads_equal_a_replay_at_their_version(store_settings: Settings) -> None:
    app = Innoledger(store_settings)
    try:
        tenant = setup_tenant(app)
        need_id = identify_need(app, tenant)
        need_uuid = app.need(tenant.officer, need_id).id
        town_id = municipality_id(tenant.slug)

        spawn = multiprocessing.get_context("spawn")
        started = spawn.Event()
        writer = spawn.Process(
            target=write, args=(store_settings, tenant.slug, need_id, ROUNDS, started)
        )
        writer.start()
        assert started.wait(60)

        seen: list[tuple[Any, int, dict[str, Any]]] = []
        failures: list[BaseException] = []
        seen_lock = threading.Lock()

        def read() -> None:
            try:
                while writer.is_alive():
                    # A copy for a command, and the cached aggregate itself for a reader.
                    need = app._load(need_uuid, Need)
                    town = app._load(town_id, Municipality, read_only=True)
                    states = [
                        (need_uuid, need.version, comparable_state(need)),
                        (town_id, town.version, copy.deepcopy(comparable_state(town))),
                    ]
                    with seen_lock:
                        seen.extend(states)
            except BaseException as error:
                failures.append(error)

        readers = [threading.Thread(target=read) for _ in range(READERS)]
        for thread in readers:
            thread.start()
        writer.join(300)
        for thread in readers:
            thread.join(60)
        assert writer.exitcode == 0
        assert not failures, failures

        replays: dict[tuple[Any, int], dict[str, Any]] = {}
        torn = []
        for aggregate_id, version, state in seen:
            key = (aggregate_id, version)
            if key not in replays:
                replays[key] = comparable_state(replay(app, aggregate_id, lte=version))
            if state != replays[key]:
                torn.append(key)
        versions = {v for a, v, _ in seen if a == need_uuid}
        assert len(versions) > 10, "the readers saw the need change while they loaded it"
        assert torn == [], f"{len(torn)} of {len(seen)} loads differ from a replay"
    finally:
        app.close()

"""The topology itself: hosts reach each other over the switch and nothing else, a cut cable
cuts, the machine's own network is left as it was, and nothing outlives the run (also what a
killed run left behind is removed by the next)."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest
import requests

from tests.hosts.deployment import wait_until
from tests.hosts.netns import (
    PREFIX,
    Topology,
    TopologyUnavailable,
    ip,
    namespace_pids,
    remove_stale,
)

pytestmark = pytest.mark.hosts


def own_network() -> tuple[str, str]:
    return ip("-o", "link", "show").stdout, ip("-o", "addr", "show").stdout


def built(*roles: str) -> Topology:
    try:
        return Topology.build(roles)
    except TopologyUnavailable as exc:
        pytest.fail(f"the several-host topology cannot be built here: {exc}")


def test_hosts_reach_each_other_a_cut_cuts_and_nothing_is_left_behind() -> None:
    before = own_network()
    topology = built("client", "server")
    server = topology["server"]
    try:
        assert own_network() == before, "the machine's own network changed"
        process = subprocess.Popen(
            server.command([sys.executable, "-m", "http.server", "--bind", server.address,
                            "8000"]),
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        url = f"http://{server.address}:8000/"
        with topology.visiting("client"):

            def answers() -> bool:
                try:
                    return requests.get(url, timeout=2).status_code == 200
                except requests.RequestException:
                    return False

            wait_until(answers, 30, "the server host answers the client host")
            topology.cut("server")
            with pytest.raises(requests.RequestException):
                requests.get(url, timeout=1)
            topology.reconnect("server")
            wait_until(answers, 30, "the server host answers again after reconnection")
        assert process.pid in server.pids()
    finally:
        topology.close()
    assert topology.leftovers() == []
    assert process.wait(timeout=10) is not None  # killed with its host
    assert own_network() == before


def test_what_a_killed_run_left_behind_is_removed() -> None:
    gone = subprocess.Popen(["true"])
    gone.wait()  # a pid whose process is gone, as that of a run killed with SIGKILL
    stale = f"{PREFIX}{gone.pid}-dead-app1"
    ip("netns", "add", stale)
    try:
        sleeper = subprocess.Popen(["ip", "netns", "exec", stale, "sleep", "300"],
                                   start_new_session=True)
        wait_until(lambda: sleeper.pid in namespace_pids(stale), 10, "the sleeper runs there")
        assert stale in remove_stale()
        assert sleeper.wait(timeout=10) == -9
    finally:
        ip("netns", "delete", stale, check=False)
    time.sleep(0.1)
    assert stale not in ip("netns", "list").stdout

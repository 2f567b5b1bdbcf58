"""The several-host deployment the tests in this directory run against (see conftest.py)."""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from service.ledger.signing import load_or_create_private_key
from service.settings import PostgresSettings, Settings
from tests.hosts.database import APP_USER, DATABASE, PORT, ReplicatedPostgres
from tests.hosts.netns import SUBNET, Host, Topology
from tests.reliability.conftest import Demo, build_demo
from tests.reliability.server import Gunicorn, ProjectionRunnerProcess

APP_HOSTS = ("app1", "app2")
ROLES = ("client", *APP_HOSTS, "db1", "db2")
HTTP_PORT = 8000


def on_host(host: Host) -> list[str]:
    """The command prefix that runs a program on `host`, under the host's own name (so the
    projection lease's holder reads `app1:<pid>`)."""
    return host.command(
        ["unshare", "--uts", "--", "sh", "-c", 'hostname "$0" && exec "$@"', host.role]
    )


@dataclass
class Deployment:
    topology: Topology
    database: ReplicatedPostgres
    settings: Settings
    demo: Demo
    apps: dict[str, Gunicorn]
    runners: dict[str, ProjectionRunnerProcess]
    log_dir: Path

    def apis(self) -> list[str]:
        return [self.apps[role].api for role in APP_HOSTS]

    def host_settings(self, role: str) -> Settings:
        return dataclasses.replace(self.settings, var_dir=self.log_dir.parent / role)


@contextlib.contextmanager
def deployed(
    topology: Topology, tmp_path: Path, *, clock_offsets: dict[str, float] | None = None
) -> Iterator[Deployment]:
    """Builds the database pair, the demo network and both app hosts on `topology`, the
    calling thread working from its client host; stops it all afterwards. `clock_offsets`
    sets an app host's clock off by that many seconds (INNOLEDGER_CLOCK_OFFSET_S)."""
    with contextlib.ExitStack() as stack:
        stack.enter_context(topology.visiting("client"))
        database = ReplicatedPostgres.create(topology["db1"], topology["db2"], subnet=SUBNET)
        stack.callback(database.close)
        log_dir = tmp_path / "logs"
        log_dir.mkdir()
        settings = Settings(
            database="postgres",
            var_dir=tmp_path / "client",
            postgres=PostgresSettings(
                host=database.hosts_value(),
                port=PORT,
                user=APP_USER,
                password=database.password,
                dbname=DATABASE,
                pool_size=4,
            ),
            testing=True,
            snapshot_interval=10,
            # One signing key for every host (distributed like any other secret).
            ledger_key_path=tmp_path / "ledger-key.pem",
        )
        load_or_create_private_key(tmp_path / "ledger-key.pem")
        demo = build_demo(settings)
        apps: dict[str, Gunicorn] = {}
        runners: dict[str, ProjectionRunnerProcess] = {}
        deployment = Deployment(topology, database, settings, demo, apps, runners, log_dir)
        for role in APP_HOSTS:
            host = topology[role]
            host_settings = deployment.host_settings(role)
            offset = (clock_offsets or {}).get(role)
            env = {"INNOLEDGER_CLOCK_OFFSET_S": str(offset)} if offset else {}
            apps[role] = Gunicorn(
                host_settings, log_dir, name=f"gunicorn-{role}", host=host.address,
                prefix=on_host(host), workers=2, threads=4, env=env,
            )
            stack.callback(apps[role].stop)
            apps[role].start(port=HTTP_PORT)
            runners[role] = ProjectionRunnerProcess(
                host_settings, log_dir, name=f"runner-{role}", prefix=on_host(host),
                batch_size=20, env=env,
            )
            stack.callback(runners[role].stop)
            runners[role].start().wait_following()
        yield deployment


def wait_until(predicate: Any, timeout_s: float, what: str, step_s: float = 0.1) -> float:
    """Polls `predicate` until true; the seconds it took."""
    started = time.monotonic()
    while time.monotonic() - started < timeout_s:
        if predicate():
            return time.monotonic() - started
        time.sleep(step_s)
    raise AssertionError(f"not within {timeout_s} s: {what}")



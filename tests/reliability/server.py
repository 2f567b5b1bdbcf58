"""The service as it runs in production, for the reliability tests: gunicorn (gthread workers,
the project's gunicorn.conf.py) on a free loopback port, in a process group of its own, on the
test's SQLite file or PostgreSQL schema; and the projection runner as its own process.

Every process started here is started in a new session (its own process group) so that a
fixture's teardown can end it and everything it forked with one `killpg`, and is never looked
for by name. gunicorn's control socket is always disabled (two servers on one host must not
collide on it).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import requests

from service.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
LOOPBACK = "127.0.0.1"
READY_TIMEOUT_S = 40.0


def settings_env(settings: Settings, **extra: str) -> dict[str, str]:
    """The environment that makes Settings.from_env() give `settings` in a child process."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("INNOLEDGER_", "POSTGRES_"))}
    # Keep the test cluster's coordinates (they name no store the child would use).
    env.update({k: v for k, v in os.environ.items() if k.startswith("INNOLEDGER_TEST_")})
    env["PYTHONPATH"] = str(ROOT)
    env["INNOLEDGER_DATABASE"] = settings.database
    env["INNOLEDGER_VAR_DIR"] = str(settings.var_dir)
    env["INNOLEDGER_SQLITE_PATH"] = str(settings.sqlite_file)
    env["INNOLEDGER_MAX_BODY_BYTES"] = str(settings.max_body_bytes)
    env["INNOLEDGER_SNAPSHOT_INTERVAL"] = str(settings.snapshot_interval)
    if settings.ledger_key_path is not None:
        env["INNOLEDGER_LEDGER_KEY"] = str(settings.ledger_key_path)
    if settings.database == "postgres":
        pg = settings.postgres
        env.update(
            {
                "POSTGRES_HOST": pg.host,
                "POSTGRES_PORT": str(pg.port),
                "POSTGRES_USER": pg.user,
                "POSTGRES_PASSWORD": pg.password,
                "POSTGRES_DBNAME": pg.dbname,
                "POSTGRES_SCHEMA": pg.schema,
                "POSTGRES_POOL_SIZE": str(pg.pool_size),
                "POSTGRES_TARGET_SESSION_ATTRS": pg.target_session_attrs,
            }
        )
    env.update(extra)
    return env


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((LOOPBACK, 0))
        return int(sock.getsockname()[1])


def children_of(pid: int) -> list[int]:
    """Live child processes of `pid` (from /proc: no names involved)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        state, ppid = fields[0], int(fields[1])
        if ppid == pid and state not in ("Z", "X"):
            found.append(int(entry.name))
    return sorted(found)


def end_group(process: subprocess.Popen[Any], *, grace_s: float = 10.0) -> None:
    """SIGTERM to the process group, then SIGKILL to whatever is left; reaps the leader."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=grace_s)
    # Workers or threads the leader left behind (or a leader that was killed) go too.
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        process.wait(timeout=5)


class Gunicorn:
    """One gunicorn master with `workers` gthread workers on 127.0.0.1:<free port>."""

    def __init__(
        self,
        settings: Settings,
        log_dir: Path,
        *,
        workers: int = 2,
        threads: int = 4,
        timeout_s: int = 30,
        name: str = "gunicorn",
        host: str = LOOPBACK,
        prefix: Sequence[str] = (),
        env: dict[str, str] | None = None,
    ):
        """`host` is the address to bind; `prefix` runs the command elsewhere (e.g. on another
        network host: `ip netns exec NAME ...`); `env` adds to its environment."""
        self.settings = settings
        self.host = host
        self.prefix = list(prefix)
        self.extra_env = dict(env or {})
        self.workers = workers
        self.threads = threads
        self.timeout_s = timeout_s
        self.log_path = log_dir / f"{name}.log"
        self.metrics_dir = Path(tempfile.mkdtemp(prefix="rel-metrics-", dir=log_dir))
        self.process: subprocess.Popen[bytes] | None = None
        self.port = 0
        self.starts = 0

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def api(self) -> str:
        return f"{self.url}/api/v1"

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def start(self, *, wait: bool = True, port: int | None = None) -> Gunicorn:
        """Starts the master on a free port (or on `port`, to come back where clients wait)."""
        for _attempt in range(5 if port is None else 1):
            self.port = port or free_port()
            env = settings_env(
                self.settings,
                PROMETHEUS_MULTIPROC_DIR=str(self.metrics_dir),
                WEB_CONCURRENCY=str(self.workers),
                GUNICORN_THREADS=str(self.threads),
                LOG_LEVEL="info",
                **self.extra_env,
            )
            argv = [
                *self.prefix,
                str(BIN / "gunicorn"),
                "--config",
                str(ROOT / "gunicorn.conf.py"),
                "--no-control-socket",
                "--bind",
                f"{self.host}:{self.port}",
                "--workers",
                str(self.workers),
                "--threads",
                str(self.threads),
                "--timeout",
                str(self.timeout_s),
                "--graceful-timeout",
                "5",
                "--chdir",
                str(ROOT),
                "wsgi:app",
            ]
            log = self.log_path.open("ab")
            self.process = subprocess.Popen(
                argv,
                cwd=ROOT,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            log.close()
            self.starts += 1
            if not wait:
                return self
            try:
                self.wait_ready()
                return self
            except PortTaken:
                end_group(self.process)
                continue
        raise RuntimeError("gunicorn could not bind a free loopback port")

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> dict[str, Any]:
        """Waits until /readyz answers 200 (and every worker is up); its body."""
        assert self.process is not None
        deadline = time.monotonic() + timeout_s
        last = "no answer"
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                text = self.log_text()
                if "Address already in use" in text[-4000:]:
                    raise PortTaken(self.port)
                raise AssertionError(
                    f"gunicorn exited ({self.process.returncode}):\n{text[-4000:]}"
                )
            try:
                response = requests.get(f"{self.url}/readyz", timeout=5)
                last = f"{response.status_code} {response.text[:200]}"
                if response.status_code == 200 and len(self.worker_pids()) >= self.workers:
                    return response.json()  # type: ignore[no-any-return]
            except requests.RequestException as exc:
                last = type(exc).__name__
            time.sleep(0.1)
        raise AssertionError(
            f"gunicorn not ready in {timeout_s} s ({last}):\n{self.log_text()[-4000:]}"
        )

    def worker_pids(self) -> list[int]:
        return children_of(self.pid)

    def kill_worker(self, pid: int) -> None:
        assert pid in self.worker_pids(), (pid, self.worker_pids())
        os.kill(pid, signal.SIGKILL)

    def kill_all(self) -> None:
        """SIGKILL to the master and its workers at once: a crash, not a shutdown."""
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            end_group(self.process)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""

    def log_lines(self) -> list[dict[str, Any]]:
        """The JSON lines of the log (application and access logs)."""
        out = []
        for line in self.log_text().splitlines():
            if line.startswith("{"):
                with contextlib.suppress(ValueError):
                    out.append(json.loads(line))
        return out


class PortTaken(RuntimeError):
    pass


class ProjectionRunnerProcess:
    """`innoledger projections run` as its own process (SIGTERM stops it after its batches)."""

    def __init__(
        self,
        settings: Settings,
        log_dir: Path,
        *,
        batch_size: int = 50,
        name: str = "runner",
        prefix: Sequence[str] = (),
        env: dict[str, str] | None = None,
    ):
        self.settings = settings
        self.prefix = list(prefix)
        self.extra_env = dict(env or {})
        self.batch_size = batch_size
        self.log_path = log_dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> ProjectionRunnerProcess:
        log = self.log_path.open("ab")
        self.process = subprocess.Popen(
            [
                *self.prefix,
                sys.executable,
                "-m",
                "tests.reliability.projections_cli",
                "run",
                "--batch-size",
                str(self.batch_size),
            ],
            cwd=ROOT,
            env=settings_env(self.settings, **self.extra_env),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        log.close()
        self.starts += 1
        return self

    def wait_following(self, timeout_s: float = READY_TIMEOUT_S) -> ProjectionRunnerProcess:
        """Waits until the process has opened the store and started its runners (a test that
        takes the database away must not do so while the process is still starting)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if "projections: following" in self.log_text():
                return self
            if not self.alive():
                raise AssertionError(f"the runner exited:\n{self.log_text()[-3000:]}")
            time.sleep(0.1)
        raise AssertionError(f"the runner did not start in {timeout_s} s")

    def kill(self) -> None:
        assert self.process is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process is not None:
            end_group(self.process, grace_s=20)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return ""


@contextlib.contextmanager
def running(server: Gunicorn) -> Iterator[Gunicorn]:
    try:
        yield server.start()
    finally:
        server.stop()


class PostgresCluster:
    """The throwaway test cluster of scripts/with-test-postgres, stopped and started by pg_ctl
    as its owner (as root that is `runuser -u postgres -- pg_ctl ...`)."""

    VARIABLES = ("BINDIR", "DATADIR", "LOGFILE", "RUNDIR", "OSUSER", "PORT")

    def __init__(self, env: dict[str, str]):
        self.bindir = Path(env["BINDIR"])
        self.datadir = env["DATADIR"]
        self.logfile = env["LOGFILE"]
        self.rundir = env["RUNDIR"]
        self.osuser = env["OSUSER"]
        self.port = env["PORT"]

    @classmethod
    def from_env(cls) -> PostgresCluster | None:
        names = {name: f"INNOLEDGER_TEST_POSTGRES_{name}" for name in cls.VARIABLES}
        if not all(os.environ.get(var) for var in names.values()):
            return None
        return cls({name: os.environ[var] for name, var in names.items()})

    def pg_ctl(self, *args: str, timeout_s: float = 90) -> subprocess.CompletedProcess[str]:
        command = [str(self.bindir / "pg_ctl"), *args]
        import pwd

        if pwd.getpwuid(os.getuid()).pw_name != self.osuser:
            command = ["runuser", "-u", self.osuser, "--", *command]
        env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        return subprocess.run(
            command,
            cwd=self.rundir,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout_s,
        )

    def running(self) -> bool:
        return self.pg_ctl("-D", self.datadir, "status").returncode == 0

    def stop(self, mode: str = "immediate") -> None:
        done = self.pg_ctl("-D", self.datadir, "-m", mode, "-w", "-t", "30", "stop")
        assert done.returncode == 0, done.stderr

    def start(self) -> None:
        done = self.pg_ctl(
            "-D",
            self.datadir,
            "-l",
            self.logfile,
            "-o",
            f"-p {self.port}",
            "-w",
            "-t",
            "60",
            "start",
        )
        assert done.returncode == 0, done.stderr + done.stdout

"""gunicorn on a free loopback port, with the project's gunicorn.conf.py (gthread workers, no
preload, no control socket), the way `innoledger serve` runs it; its log goes to a file."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from bench.stores import PROJECT_ROOT


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Server:
    host: str
    port: int
    pid: int
    workers: int
    threads: int
    log: Path


class ServerFailed(RuntimeError):
    pass


def _get(host: str, port: int, path: str, timeout: float = 1.0) -> int:
    import http.client

    conn = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status
    finally:
        conn.close()


@contextmanager
def gunicorn(
    app_spec: str,
    env: Mapping[str, str],
    *,
    workers: int = 2,
    threads: int = 4,
    ready_path: str = "/livez",
    settle_s: float = 1.0,
    boot_timeout_s: float = 60.0,
) -> Iterator[Server]:
    """Serves `app_spec` (e.g. "bench.wsgi:innoledger_app()") until the block ends."""
    port = free_port()
    scratch = Path(tempfile.mkdtemp(prefix="innoledger-bench-gunicorn-"))
    log = scratch / "gunicorn.log"
    metrics = scratch / "metrics"
    metrics.mkdir()
    child_env = {
        **os.environ,
        **env,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics),
        "WEB_CONCURRENCY": str(workers),
        "GUNICORN_THREADS": str(threads),
        "PYTHONPATH": os.pathsep.join(
            p for p in (str(PROJECT_ROOT), os.environ.get("PYTHONPATH", "")) if p
        ),
    }
    argv = [
        sys.executable, "-m", "gunicorn",
        "--config", str(PROJECT_ROOT / "gunicorn.conf.py"),
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--threads", str(threads),
        "--no-control-socket",
        "--chdir", str(PROJECT_ROOT),
        app_spec,
    ]  # fmt: skip
    with open(log, "wb") as out:
        process = subprocess.Popen(argv, env=child_env, stdout=out, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + boot_timeout_s
        while True:
            if process.poll() is not None:
                raise ServerFailed(f"gunicorn exited with {process.returncode}:\n{_tail(log)}")
            try:
                if _get("127.0.0.1", port, ready_path) == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise ServerFailed(f"gunicorn did not answer {ready_path}:\n{_tail(log)}")
            time.sleep(0.05)
        # The first worker answers; give the others the time to boot too.
        time.sleep(settle_s)
        yield Server("127.0.0.1", port, process.pid, workers, threads, log)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        shutil.rmtree(scratch, ignore_errors=True)


def _tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""

"""Separate network hosts on one machine: Linux network namespaces joined by one switch.

Every host is a namespace of its own with a loopback and one interface (`eth0`) on a private
/24 that exists only inside these namespaces. The switch is a bridge in a namespace of its own,
so nothing is added to the machine's own network namespace: no address, no route, no
interface. Pulling a host's cable is setting its port on the switch down.

Names carry the pid of the process that made them, so that several runs can go on at once and a
later run can remove what a killed one (SIGKILL, no teardown) left behind: namespaces whose
owner is gone. Needs root (CAP_NET_ADMIN) and iproute2.
"""

from __future__ import annotations

import contextlib
import ctypes
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

PREFIX = "ilh"
NETNS_DIR = Path("/run/netns")
SUBNET = "10.231.17"  # only inside the namespaces
CLONE_NEWNET = 0x40000000


class TopologyUnavailable(RuntimeError):
    """The machine cannot build the topology (not root, no iproute2, no namespaces)."""


def ip(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    done = subprocess.run(
        ["ip", *args], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=30
    )
    if check and done.returncode != 0:
        raise RuntimeError(f"ip {' '.join(args)}: {done.stderr.strip()}")
    return done


def missing_prerequisite() -> str | None:
    """Why the topology cannot be built here, or None."""
    if os.geteuid() != 0:
        return "network namespaces need root"
    if shutil.which("ip") is None:
        return "iproute2 (`ip`) is not installed"
    probe = f"{PREFIX}{os.getpid()}-probe"
    made = ip("netns", "add", probe, check=False)
    if made.returncode != 0:
        return f"cannot create a network namespace: {made.stderr.strip()}"
    ip("netns", "delete", probe, check=False)
    return None


def namespace_pids(name: str) -> list[int]:
    done = ip("netns", "pids", name, check=False)
    return [int(pid) for pid in done.stdout.split() if pid.isdigit()]


def _kill_namespace_processes(name: str) -> None:
    """SIGKILL to every process that lives in namespace `name` (only processes this suite
    started there can be in it), never to the caller."""
    for _round in range(20):
        pids = [pid for pid in namespace_pids(name) if pid != os.getpid()]
        if not pids:
            return
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)


def remove_stale() -> list[str]:
    """Deletes the namespaces of earlier runs whose process is gone; their names."""
    removed = []
    if not NETNS_DIR.is_dir():
        return removed
    pattern = re.compile(rf"^{PREFIX}(\d+)-")
    for entry in sorted(NETNS_DIR.iterdir()):
        match = pattern.match(entry.name)
        if match and not Path(f"/proc/{match.group(1)}").exists():
            _kill_namespace_processes(entry.name)
            ip("netns", "delete", entry.name, check=False)
            removed.append(entry.name)
    return removed


_libc = ctypes.CDLL(None, use_errno=True)


def _setns(fd: int) -> None:
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))


@dataclass
class Host:
    """One network host: a namespace, its address and its port on the switch."""

    role: str  # e.g. "app1", "db1", "client"
    namespace: str
    address: str
    port: str  # the switch's end of its cable

    def command(self, argv: Sequence[str]) -> list[str]:
        """`argv` run on this host (`ip netns exec` enters its network namespace)."""
        return ["ip", "netns", "exec", self.namespace, *argv]

    def pids(self) -> list[int]:
        return [pid for pid in namespace_pids(self.namespace) if pid != os.getpid()]

    def kill_everything(self, timeout_s: float = 10.0) -> int:
        """SIGKILL to every process on this host at once (the machine dies); how many. Returns
        once none of them runs any more (a killed process takes a moment to go)."""
        pids = self.pids()
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        deadline = time.monotonic() + timeout_s
        while any(_running(pid) for pid in pids) and time.monotonic() < deadline:
            time.sleep(0.01)
        return len(pids)


def _running(pid: int) -> bool:
    """Whether `pid` is a process that still runs (not gone, not a zombie awaiting its parent)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


@dataclass
class Topology:
    """Hosts on one switch. Build with `Topology.build(roles)`; `close()` removes it all."""

    run_id: str
    switch: str
    hosts: dict[str, Host] = field(default_factory=dict)
    _home: int | None = None  # the caller's own network namespace, while it visits a host
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @classmethod
    def build(cls, roles: Sequence[str]) -> Topology:
        reason = missing_prerequisite()
        if reason:
            raise TopologyUnavailable(reason)
        remove_stale()
        run_id = f"{PREFIX}{os.getpid()}-{os.urandom(2).hex()}"
        topology = cls(run_id=run_id, switch=f"{run_id}-sw")
        try:
            ip("netns", "add", topology.switch)
            ip("-n", topology.switch, "link", "set", "lo", "up")
            ip("-n", topology.switch, "link", "add", "br0", "type", "bridge")
            ip("-n", topology.switch, "link", "set", "br0", "up")
            for number, role in enumerate(roles, start=10):
                topology._add_host(role, f"{SUBNET}.{number}", f"p{number}")
        except BaseException:
            topology.close()
            raise
        return topology

    def _add_host(self, role: str, address: str, port: str) -> None:
        namespace = f"{self.run_id}-{role}"
        ip("netns", "add", namespace)
        self.hosts[role] = Host(role, namespace, address, port)
        # The cable: one end is the host's eth0, the other a port of the switch's bridge.
        ip("-n", self.switch, "link", "add", port, "type", "veth",
           "peer", "name", "eth0", "netns", namespace)
        ip("-n", self.switch, "link", "set", port, "master", "br0")
        ip("-n", self.switch, "link", "set", port, "up")
        ip("-n", namespace, "link", "set", "lo", "up")
        ip("-n", namespace, "addr", "add", f"{address}/24", "dev", "eth0")
        ip("-n", namespace, "link", "set", "eth0", "up")

    def __getitem__(self, role: str) -> Host:
        return self.hosts[role]

    # Faults

    def cut(self, role: str) -> None:
        """Pulls the host's cable: its port on the switch goes down (its processes live on)."""
        ip("-n", self.switch, "link", "set", self.hosts[role].port, "down")

    def reconnect(self, role: str) -> None:
        ip("-n", self.switch, "link", "set", self.hosts[role].port, "up")

    # The calling thread on a host

    @contextlib.contextmanager
    def visiting(self, role: str) -> Iterator[Host]:
        """The calling thread's network is `role`'s while inside: sockets it opens (and threads
        it starts, such as a connection pool's) live on that host."""
        host = self.hosts[role]
        home = os.open("/proc/thread-self/ns/net", os.O_RDONLY)
        target = os.open(str(NETNS_DIR / host.namespace), os.O_RDONLY)
        try:
            _setns(target)
            try:
                yield host
            finally:
                _setns(home)
        finally:
            os.close(target)
            os.close(home)

    # Teardown

    def close(self) -> None:
        """Kills every process left on the hosts and deletes the namespaces (the cables go with
        them). Safe to call twice, and after a partial build."""
        with self._lock:
            for host in list(self.hosts.values()):
                _kill_namespace_processes(host.namespace)
                ip("netns", "delete", host.namespace, check=False)
            self.hosts.clear()
            ip("netns", "delete", self.switch, check=False)

    def leftovers(self) -> list[str]:
        if not NETNS_DIR.is_dir():
            return []
        return [p.name for p in NETNS_DIR.iterdir() if p.name.startswith(self.run_id)]

"""A PostgreSQL primary and a streaming-replication standby, each on a host of its own.

The primary commits only once the standby has applied the commit (`synchronous_commit =
remote_apply`, the standby named in `synchronous_standby_names`), so a command the service
acknowledged is on both machines. The standby is made from the primary with `pg_basebackup
--write-recovery-conf` over the network, as an operator would. Failover is `pg_ctl promote` on
the standby once the primary is gone.

The servers run as the `postgres` system user when the caller is root (initdb refuses root),
from a temporary directory that is deleted afterwards; durability against an operating-system
crash (fsync) is off, as in the other throwaway test clusters: the faults here are processes
and machines dying, and a killed process loses nothing the kernel already has.
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from tests.hosts.netns import Host

PORT = 5432
DATABASE = "innoledger"
APP_USER = "innoledger"
REPLICATION_USER = "replicator"
SYNCHRONOUS_STANDBYS = "FIRST 1 (standby)"


def server_bindir() -> Path:
    """The newest PostgreSQL server binaries (Debian layout, then PATH)."""
    override = os.environ.get("INNOLEDGER_PG_BINDIR")
    candidates = [Path(override)] if override else []
    candidates += sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True,
                         key=lambda p: int(p.parent.name) if p.parent.name.isdigit() else 0)
    found = shutil.which("initdb")
    if found:
        candidates.append(Path(found).parent)
    for candidate in candidates:
        if all((candidate / tool).exists() for tool in
               ("initdb", "pg_ctl", "postgres", "psql", "pg_basebackup")):
            return candidate
    raise FileNotFoundError("PostgreSQL server binaries (initdb, pg_ctl, pg_basebackup) not found")


@dataclass
class PostgresNode:
    """One PostgreSQL server on `host`, listening on its address."""

    name: str
    host: Host
    bindir: Path
    root: Path  # the run's temporary directory (owned by the cluster's OS user)

    @property
    def datadir(self) -> Path:
        return self.root / f"{self.name}-data"

    @property
    def socket_dir(self) -> Path:
        return self.root / f"{self.name}-sock"

    @property
    def logfile(self) -> Path:
        return self.root / f"{self.name}.log"

    def as_owner(self, argv: Sequence[str], *, env: dict[str, str] | None = None,
                 timeout: float = 120) -> subprocess.CompletedProcess[str]:
        """Runs a PostgreSQL program on this node's host as the cluster's OS user."""
        clean = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
        clean.update(env or {})
        clean["HOME"] = str(self.root)
        command = list(argv)
        if os.geteuid() == 0:
            command = ["runuser", "-u", "postgres", "--", *command]
        return subprocess.run(
            self.host.command(command), cwd=self.root, env=clean, capture_output=True,
            text=True, stdin=subprocess.DEVNULL, timeout=timeout,
        )

    def must(self, argv: Sequence[str], *, timeout: float = 120) -> str:
        done = self.as_owner(argv, timeout=timeout)
        if done.returncode != 0:
            raise RuntimeError(
                f"{self.name}: {' '.join(argv[:2])} failed:\n{done.stdout}\n{done.stderr}"
                f"\n{self.log_tail()}"
            )
        return done.stdout

    def tool(self, name: str) -> str:
        return str(self.bindir / name)

    def start(self) -> None:
        self.must([self.tool("pg_ctl"), "-D", str(self.datadir), "-l", str(self.logfile),
                   "-w", "-t", "60", "start"])

    def promote(self) -> None:
        self.must([self.tool("pg_ctl"), "-D", str(self.datadir), "-w", "-t", "60", "promote"])

    def sql(self, statement: str, *, database: str = "postgres") -> str:
        return self.must([self.tool("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1",
                          "-h", str(self.socket_dir), "-p", str(PORT), "-U", "postgres",
                          "-d", database, "-c", statement]).strip()

    def in_recovery(self) -> bool:
        return self.sql("SELECT pg_is_in_recovery()") == "t"

    def log_tail(self, chars: int = 3000) -> str:
        try:
            return self.logfile.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    def append_conf(self, text: str, file: str = "postgresql.conf") -> None:
        path = self.datadir / file
        with path.open("a") as conf:
            conf.write(text)


@dataclass
class ReplicatedPostgres:
    """A primary on one host and its synchronous standby on another."""

    primary: PostgresNode
    standby: PostgresNode
    password: str
    root: Path

    @classmethod
    def create(cls, primary_host: Host, standby_host: Host, *, subnet: str) -> ReplicatedPostgres:
        bindir = server_bindir()
        root = Path(tempfile.mkdtemp(prefix="innoledger-hosts-pg."))
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(root, owner.pw_uid, owner.pw_gid)
        root.chmod(0o700)
        pair = cls(
            primary=PostgresNode("primary", primary_host, bindir, root),
            standby=PostgresNode("standby", standby_host, bindir, root),
            password=secrets.token_hex(16),
            root=root,
        )
        try:
            pair._make_primary(subnet)
            pair._make_standby()
        except BaseException:
            pair.close()
            raise
        return pair

    def _make_primary(self, subnet: str) -> None:
        node = self.primary
        pwfile = self.root / "pw"
        pwfile.write_text(self.password)
        self._own(pwfile)
        for path in (node.socket_dir, self.standby.socket_dir):
            path.mkdir()
            self._own(path)
        node.must([node.tool("initdb"), "-D", str(node.datadir), "-U", "postgres", "-E", "UTF8",
                   "--no-locale", "--auth-local=trust", "--auth-host=scram-sha-256",
                   "--no-sync"])
        node.append_conf(f"""
# --- primary of the several-host tests ---
listen_addresses = '{node.host.address}'
port = {PORT}
unix_socket_directories = '{node.socket_dir}'
max_connections = 200
wal_level = replica
max_wal_senders = 4
wal_keep_size = '256MB'
hot_standby = on
# A commit returns once the standby has applied it: an acknowledged command survives the
# loss of the primary, and is visible on the standby the moment it is promoted. (The standby
# is named in synchronous_standby_names once it exists; see _make_standby.)
synchronous_commit = remote_apply
fsync = off
full_page_writes = off
shared_buffers = 64MB
log_min_messages = warning
""")
        node.append_conf(f"""
host replication {REPLICATION_USER} {subnet}.0/24 scram-sha-256
host {DATABASE} {APP_USER} {subnet}.0/24 scram-sha-256
""", "pg_hba.conf")
        node.start()
        node.sql(f"CREATE ROLE {APP_USER} LOGIN PASSWORD '{self.password}'")
        node.sql(f"CREATE ROLE {REPLICATION_USER} REPLICATION LOGIN PASSWORD '{self.password}'")
        node.sql(f"CREATE DATABASE {DATABASE} OWNER {APP_USER}")

    def _make_standby(self) -> None:
        primary, node = self.primary, self.standby
        conninfo = (f"host={primary.host.address} port={PORT} user={REPLICATION_USER}"
                    f" password={self.password} application_name=standby")
        node.must([node.tool("pg_basebackup"), "-d", conninfo, "-D", str(node.datadir),
                   "-X", "stream", "--write-recovery-conf", "--checkpoint=fast", "--no-sync"])
        node.append_conf(f"""
# --- standby of the several-host tests ---
listen_addresses = '{node.host.address}'
unix_socket_directories = '{node.socket_dir}'
# Once promoted it is alone: it must not wait for a standby of its own.
synchronous_standby_names = ''
""")
        node.start()
        # From now on every commit waits for the standby.
        primary.sql(f"ALTER SYSTEM SET synchronous_standby_names = '{SYNCHRONOUS_STANDBYS}'")
        primary.sql("SELECT pg_reload_conf()")
        self.wait_synchronous()

    def wait_synchronous(self, timeout_s: float = 60) -> None:
        deadline = time.monotonic() + timeout_s
        state = ""
        while time.monotonic() < deadline:
            state = self.primary.sql(
                "SELECT string_agg(application_name || ':' || state || ':' || sync_state, ',')"
                " FROM pg_stat_replication"
            )
            if state == "standby:streaming:sync":
                return
            time.sleep(0.2)
        raise AssertionError(f"the standby is not synchronous: {state!r}\n"
                             f"{self.standby.log_tail()}")

    def _own(self, path: Path) -> None:
        if os.geteuid() == 0:
            owner = pwd.getpwnam("postgres")
            os.chown(path, owner.pw_uid, owner.pw_gid)

    def hosts_value(self) -> str:
        """POSTGRES_HOST of the app hosts: libpq's multi-host list, primary first."""
        return f"{self.primary.host.address},{self.standby.host.address}"

    def close(self) -> None:
        """Stops both servers (whatever is left of them) and deletes their files."""
        for node in (self.standby, self.primary):
            if (node.datadir / "postmaster.pid").exists():
                with contextlib.suppress(Exception):
                    node.as_owner([node.tool("pg_ctl"), "-D", str(node.datadir), "-m",
                                   "immediate", "-w", "-t", "20", "stop"], timeout=30)
            node.host.kill_everything()
        shutil.rmtree(self.root, ignore_errors=True)

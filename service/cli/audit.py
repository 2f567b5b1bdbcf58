"""`innoledger audit`: verify the ledger against the stored events; show its signed tree head."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from service.cli.common import opened_application
from service.ledger.ledger import Ledger
from service.ledger.signing import TreeHead, TreeHeadFormatError
from service.ledger.verify import verify


class ProgressLine:
    """Progress on stderr, at most a few times a second, so stdout stays clean for reports."""

    def __init__(self, label: str, *, interval: float = 0.5):
        self.label = label
        self.interval = interval
        self._last = 0.0
        self._shown = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last < self.interval and done < total:
            return
        self._last = now
        share = f" ({100 * done // total}%)" if total else ""
        click.echo(f"\r{self.label}: {done}/{total} events{share}", err=True, nl=False)
        self._shown = True

    def close(self) -> None:
        if self._shown:
            click.echo(err=True)


def _read_tree_head(path: Path) -> TreeHead:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise click.BadParameter(f"cannot read {path}: {exc}", param_hint="--tree-head") from None
    if isinstance(data, dict) and isinstance(data.get("tree_head"), dict):
        data = data["tree_head"]
    try:
        return TreeHead.from_json(data)
    except TreeHeadFormatError as exc:
        raise click.BadParameter(f"{path}: {exc}", param_hint="--tree-head") from None


@click.group("audit")
def audit_group() -> None:
    """Verify the ledger; print its signed tree head (for an auditor to keep)."""


@audit_group.command("verify")
@click.option(
    "--tree-head",
    "tree_head_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A tree head saved earlier (JSON as `audit tree-head` or"
    " GET /api/v1/audit/ledger/tree-head gave it): the store must still hold exactly the"
    " events it committed to.",
)
@click.option(
    "--deep",
    is_flag=True,
    help="Also compare every leaf and interior node of the ledger's own tables (which proofs"
    " are served from), and every event's log position. Slower.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--quiet", is_flag=True, help="No progress output.")
@click.option(
    "--remote",
    metavar="URL",
    help="Verify a live service over its API instead of the local store, trusting nothing of "
    "it: its public key, signed tree head and event stream are fetched and recomputed here.",
)
@click.option("--token", help="With --remote: a platform auditor's bearer token.")
def verify_command(
    tree_head_file: Path | None,
    deep: bool,
    as_json: bool,
    quiet: bool,
    remote: str | None,
    token: str | None,
) -> None:
    """Recompute the ledger from the stored events and check every stored tree head.

    Reports the first event that was altered, removed, inserted or reordered. Exits with 1 on
    any mismatch, 0 when everything agrees. With --remote, checks a live service from outside
    (the same check as the standalone service/ledger/remote_verify.py).
    """
    if remote is not None:
        from service.ledger import remote_verify

        if not token:
            raise click.UsageError("--remote needs --token")
        arguments = ["--remote", remote, "--token", token]
        if tree_head_file is not None:
            arguments += ["--tree-head", str(tree_head_file)]
        if quiet:
            arguments.append("--quiet")
        sys.exit(remote_verify.main(arguments))
    saved = _read_tree_head(tree_head_file) if tree_head_file else None
    progress = None if quiet else ProgressLine("verify")
    with opened_application() as app:
        report = verify(Ledger.of(app), saved, progress=progress, deep=deep)
    if progress is not None:
        progress.close()
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2))
    else:
        rate = report.events / report.seconds if report.seconds else 0.0
        click.echo(
            f"{report.events} events, {report.leaves} in the ledger ({report.pending} pending),"
            f" {report.tree_heads_checked} tree heads checked in {report.seconds:.2f} s"
            f" ({rate:,.0f} events/s)"
        )
        click.echo(f"root {report.root_hash.hex()}")
        if saved is not None:
            click.echo(f"saved tree head of size {saved.tree_size} checked")
        if report.ok:
            click.echo("OK: the ledger matches the stored events")
        else:
            first = report.first_problem
            click.echo(f"MISMATCH: {first}", err=True)
            for finding in report.findings:
                if finding is not first:
                    click.echo(f"  also {finding}", err=True)
    sys.exit(0 if report.ok else 1)


@audit_group.command("tree-head")
def tree_head_command() -> None:
    """Print the ledger's current signed tree head as JSON (save it to verify against later)."""
    with opened_application() as app:
        head = Ledger.of(app).tree_head()
    click.echo(json.dumps(head.to_json(), indent=2))


@audit_group.command("catch-up")
@click.option("--quiet", is_flag=True, help="No progress output.")
def catch_up_command(quiet: bool) -> None:
    """Append the events the ledger has not reached yet (the projection runner does this
    continuously; use this where no runner runs)."""
    progress = None if quiet else ProgressLine("ledger")
    with opened_application() as app:
        appended = Ledger.of(app).catch_up(progress=progress)
    if progress is not None:
        progress.close()
    click.echo(f"{appended} events appended to the ledger")

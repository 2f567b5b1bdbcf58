"""`innoledger projections`: run, inspect and rebuild the read models.

Attach `projections_group` to the main CLI. Settings come from the environment
(Settings.from_env()); `create_app_from_settings` builds the application, and a caller may put
another factory in the click context object under "create_app".
"""

from __future__ import annotations

import json
import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import asdict
from types import FrameType
from typing import Any

import click

from eventstore.sql import SqlStore
from projections.base import Projection
from projections.group import RunnerGroup
from projections.queries import view_status
from projections.rebuild import RebuildInProgress, RebuildProgress, rebuild, rebuild_many
from projections.registry import all_projections
from projections.runner import ProjectionRunner
from service.followed import followed_projections
from service.heap import freeze_start_up_heap
from service.innoledger import Innoledger
from service.settings import Settings


def create_app_from_settings(settings: Settings | None = None) -> Innoledger:
    return Innoledger(settings or Settings.from_env())


def _open_app(ctx: click.Context) -> Innoledger:
    factory: Callable[[], Innoledger] = create_app_from_settings
    if isinstance(ctx.obj, dict) and callable(ctx.obj.get("create_app")):
        factory = ctx.obj["create_app"]
    return factory()


def _chosen(
    names: tuple[str, ...], app: Innoledger, *, views_only: bool = False
) -> list[Projection]:
    """The named projections; by default all the runner follows (views, ledger, audit index),
    or only the views (a full rebuild leaves the ledger alone unless it is named)."""
    projections = followed_projections(app)
    known = {p.name: p for p in projections}
    unknown = [name for name in names if name not in known]
    if unknown:
        raise click.BadParameter(f"unknown view(s) {', '.join(unknown)}; known: {', '.join(known)}")
    if names:
        return [known[name] for name in names]
    views = {p.name for p in all_projections()}
    return [p for p in projections if p.name in views] if views_only else projections


@click.group("projections", context_settings={"help_option_names": ["-h", "--help"]})
def projections_group() -> None:
    """Read models (network views, decision log, tenant lists): follow, inspect, rebuild."""


@projections_group.command("status")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
@click.pass_context
def status_command(ctx: click.Context, as_json: bool) -> None:
    """Position and lag of every view against the head of the event log."""
    app = _open_app(ctx)
    try:
        statuses = view_status(SqlStore(app.recorder), app.recorder)
    finally:
        app.close()
    if as_json:
        click.echo(json.dumps([asdict(s) for s in statuses], indent=2))
        return
    click.echo(f"{'view':<38} {'position':>10} {'head':>10} {'lag':>8}  updated")
    for s in statuses:
        label = s.name + (" (rebuild in progress)" if s.rebuilding else "")
        click.echo(f"{label:<38} {s.position:>10} {s.head:>10} {s.lag:>8}  {s.updated_at or '-'}")


@projections_group.command("rebuild")
@click.argument("name", required=False)
@click.option(
    "--batch-size",
    default=1000,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Events per transaction.",
)
@click.pass_context
def rebuild_command(ctx: click.Context, name: str | None, batch_size: int) -> None:
    """Rebuild NAME (or every view, in one pass over the log) from the start of the log into
    new tables, then swap each in atomically. The old tables keep answering until the swap."""
    app = _open_app(ctx)
    try:
        projections = _chosen((name,) if name else (), app, views_only=True)
        last: dict[str, float] = {}

        def show(p: RebuildProgress) -> None:
            now = time.monotonic()
            if p.phase == "building" and now - last.get(p.name, 0.0) < 1.0:
                return
            last[p.name] = now
            rate = p.events / p.seconds if p.seconds > 0 else 0.0
            click.echo(
                f"{p.name}: {p.phase} at {p.position}/{p.head},"
                f" {p.events} events, {rate:,.0f} events/s",
                err=True,
            )

        try:
            if name:
                results = [rebuild(app, projections[0], batch_size=batch_size, progress=show)]
            else:
                # All views in one pass over the log: it reads and decodes each event once.
                results = rebuild_many(app, projections, batch_size=batch_size, progress=show)
        except RebuildInProgress as exc:
            raise click.ClickException(str(exc)) from None
        for result in results:
            click.echo(
                f"{result.name}: rebuilt to position {result.position}"
                f" ({result.events} events in {result.seconds:.1f} s)"
            )
    finally:
        app.close()


@projections_group.command("run")
@click.option(
    "--only",
    "names",
    multiple=True,
    metavar="NAME",
    help="Follow only this view (repeatable); default: all.",
)
@click.option(
    "--batch-size",
    default=500,
    show_default=True,
    type=click.IntRange(1, 10_000),
    help="Events per transaction.",
)
@click.pass_context
def run_command(ctx: click.Context, names: tuple[str, ...], batch_size: int) -> None:
    """Follow the event log and keep the views up to date until SIGTERM or Ctrl-C.

    One thread reads the log for every view and applies each batch to all of them in one
    transaction; the ledger, which signs a tree head per batch, follows in a thread of its
    own. Start as many of these processes as you like: per view, one is
    active and the others stand by and take over when it dies (an advisory lock on
    PostgreSQL, a lock file beside the SQLite database).
    """
    if not logging.getLogger().handlers:
        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
        )
    app = _open_app(ctx)
    try:
        projections = _chosen(names, app)
    except click.BadParameter:
        app.close()
        raise
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        click.echo(
            f"projections: {signal.Signals(signum).name}, stopping after the current batches",
            err=True,
        )
        stop.set()

    previous: dict[int, Any] = {
        sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)
    }
    # A projection that asks for larger batches (the ledger: a signature per batch) follows
    # on its own; the others together. Neither flushes its commits one by one (see SqlStore):
    # each re-applies what a power loss undid, and the events' commits keep the write lock to
    # themselves.
    alone = [p for p in projections if getattr(p, "min_batch_interval_s", 0.0)]
    together = [p for p in projections if p not in alone]
    followers: list[tuple[str, Callable[[threading.Event], None]]] = [
        (p.name, ProjectionRunner(app, p, batch_size=batch_size).run_forever) for p in alone
    ]
    if together:
        group = RunnerGroup(app, together, batch_size=batch_size)
        followers.append(("views", group.run_forever))
    threads = [
        threading.Thread(target=follow, args=(stop,), name=f"projection-{name}", daemon=True)
        for name, follow in followers
    ]
    # The application and the runners live until the process ends: out of the collector's
    # way, so a full collection does not stop a runner holding the write lock for long.
    freeze_start_up_heap()
    try:
        for thread in threads:
            thread.start()
        click.echo(f"projections: following {', '.join(p.name for p in projections)}", err=True)
        while any(thread.is_alive() for thread in threads) and not stop.is_set():
            stop.wait(0.5)
        stop.set()
        for thread in threads:
            thread.join(timeout=30)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        app.close()

"""`innoledger demo`: loads the seed's network through the real API and prints tokens."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from service.demo.install import Renewal


@click.command("demo")
@click.option(
    "--if-empty",
    is_flag=True,
    help="When the store holds events already, load nothing: renew the expired tokens of the "
    "tokens file instead (or say what to do when the store holds no complete demo).",
)
@click.option(
    "--tokens-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the tokens as JSON to this file (mode 0600), before the demo becomes "
    "visible in the store.",
)
def demo_command(if_empty: bool, tokens_file: Path | None) -> None:
    """Load the demo network: six municipalities, nine challenges, three pilots.

    On SQLite the demo is loaded into a copy beside the store and moved into place when it is
    complete, so a load that is stopped half-way leaves an empty store, and the next run loads
    everything again.
    """
    from service.api import create_app
    from service.demo.install import (
        DemoStateError,
        load_demo_completely,
        renew_demo_tokens,
    )
    from service.demo.scenario import is_store_empty
    from service.settings import Settings

    settings = Settings.from_env()
    # The demo's own requests would flood the terminal with access lines.
    logging.getLogger("innoledger.access").setLevel(logging.WARNING)
    app = create_app(settings)
    try:
        empty = is_store_empty(app)
        if not empty:
            if not if_empty:
                raise click.ClickException("the store holds events already; use an empty store")
            if tokens_file is None:
                click.echo("the store holds events already; demo not loaded")
                return
            try:
                renewal = renew_demo_tokens(app, tokens_file)
            except DemoStateError as problem:
                click.echo(f"Demo not loaded: {problem}", err=True)
                return
            _report_renewal(renewal, tokens_file)
            return
    finally:
        app.extensions["innoledger"].close()

    result = load_demo_completely(
        settings,
        tokens_file,
        create_app=create_app,
        progress=lambda step: click.echo(f"  {step}", err=True),
    )
    click.echo("Demo network loaded. Tokens (shown once):")
    for role, token in result.platform_tokens.items():
        click.echo(f"  platform {role:<15} {token}")
    for slug, tokens in result.tokens.items():
        for role, token in tokens.items():
            click.echo(f"  {slug:<12} {role:<15} {token}")
    if tokens_file is not None:
        click.echo(f"Tokens written to {tokens_file}")


def _report_renewal(renewal: Renewal, tokens_file: Path) -> None:
    if renewal.renewed:
        until = renewal.valid_until.date().isoformat() if renewal.valid_until else "?"
        click.echo(
            f"Demo store found. Renewed {len(renewal.renewed)} demo tokens that had expired "
            f"(or would within two days), valid until {until}; new tokens in {tokens_file}."
        )
    else:
        click.echo(f"Demo store found; its tokens are in {tokens_file}.")
    if renewal.revoked:
        click.echo(f"  revoked, left revoked: {', '.join(renewal.revoked)}")
    if renewal.without_roles:
        click.echo(f"  no longer members, not renewed: {', '.join(renewal.without_roles)}")

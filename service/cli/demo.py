"""`innoledger demo`: loads the seed's network through the real API and prints tokens."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import click


@click.command("demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the store holds events already.")
@click.option(
    "--tokens-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Also write the tokens as JSON to this file.",
)
def demo_command(if_empty: bool, tokens_file: Path | None) -> None:
    """Load the demo network: six municipalities, nine challenges, three pilots."""
    from service.api import create_app
    from service.demo.scenario import is_store_empty, load_demo

    app = create_app()
    # The demo's own requests would flood the terminal with access lines.
    logging.getLogger("innoledger.access").setLevel(logging.WARNING)
    try:
        if not is_store_empty(app):
            if if_empty:
                click.echo("the store holds events already; demo not loaded")
                return
            raise click.ClickException("the store holds events already; use an empty store")
        result = load_demo(app, progress=lambda step: click.echo(f"  {step}", err=True))
    finally:
        app.extensions["innoledger"].close()
    click.echo("Demo network loaded. Tokens (shown once):")
    for role, token in result.platform_tokens.items():
        click.echo(f"  platform {role:<15} {token}")
    for slug, tokens in result.tokens.items():
        for role, token in tokens.items():
            click.echo(f"  {slug:<12} {role:<15} {token}")
    if tokens_file is not None:
        tokens_file.parent.mkdir(parents=True, exist_ok=True)
        tokens_file.write_text(
            json.dumps(
                {
                    "platform": result.platform_tokens,
                    "municipalities": result.tokens,
                    "procurements": result.procurements,
                    "needs": result.needs,
                },
                indent=2,
                ensure_ascii=False,
            )
        )
        tokens_file.chmod(0o600)
        click.echo(f"Tokens written to {tokens_file}")

"""`innoledger token`: bootstrap tokens for platform principals (the first platform admin)."""

from __future__ import annotations

from datetime import timedelta

import click

from eventstore.sql import SqlStore
from service.auth.tokens import TokenStore
from service.cli.common import opened_application
from service.principal import PLATFORM_ROLES


@click.group("token")
def token_group() -> None:
    """Create and revoke bearer tokens from the command line."""


@token_group.command("create")
@click.option("--user", "user_id", required=True, help="User id the token acts as.")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice(PLATFORM_ROLES),
    default=("platform_admin",),
    show_default=True,
    help="Platform role(s) of the token; repeat for several.",
)
@click.option("--days", default=30, show_default=True, type=click.IntRange(1, 366))
@click.option("--label", default="created on the command line", show_default=True)
def create_token(user_id: str, roles: tuple[str, ...], days: int, label: str) -> None:
    """Create a platform token (e.g. the first platform admin). The secret is shown once."""
    with opened_application() as app:
        tokens = TokenStore(SqlStore(app.recorder))
        tokens.create_tables()
        issued = tokens.issue(
            user_id=user_id,
            municipality=None,
            platform_roles=tuple(dict.fromkeys(roles)),
            label=label,
            created_by="command line",
            lifetime=timedelta(days=days),
        )
    click.echo(f"token id: {issued.record.token_id}")
    click.echo(f"expires:  {issued.record.expires_at.isoformat()}")
    click.echo(issued.secret)


@token_group.command("revoke")
@click.argument("token_id")
def revoke_token(token_id: str) -> None:
    """Revoke a token by its id."""
    with opened_application() as app:
        tokens = TokenStore(SqlStore(app.recorder))
        tokens.create_tables()
        if not tokens.revoke(token_id):
            raise click.ClickException(f"no active token {token_id}")
    click.echo(f"revoked {token_id}")

"""`innoledger purchasing`: import a municipality's purchasing register from its CSV export."""

from __future__ import annotations

from pathlib import Path

import click

from service.cli.common import opened_application
from service.principal import Principal
from service.purchasing.register_csv import COLUMNS, RegisterFileError, read_register, template


@click.group("purchasing")
def purchasing_group() -> None:
    """Ordinary purchasing: the municipality's register, every line screened."""


@purchasing_group.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--municipality", required=True, help="Slug of the municipality the file is of.")
@click.option("--user", "user_id", required=True,
              help="Member (officer or decision maker) the import is recorded as.")
def import_register(file: Path, municipality: str, user_id: str) -> None:
    """Import FILE (CSV): all lines or none; lines imported before are left as they are."""
    try:
        lines = read_register(file.read_bytes())
    except RegisterFileError as error:
        raise click.ClickException(f"{file}: {error}") from None
    click.echo(f"read {len(lines)} lines from {file}", err=True)
    with opened_application() as app:
        roles = app.roles_in(municipality, user_id)
        if not roles:
            raise click.ClickException(f"{user_id} is not a member of {municipality}")
        principal = Principal(user_id=user_id, municipality=municipality, roles=roles)
        report = app.import_purchasing_register(
            principal, lines, progress=lambda message: click.echo(message, err=True)
        )
    for refusal in report.errors:
        click.echo(f"line {refusal['line']} ({refusal['reference'] or '-'}), "
                   f"{refusal['column']}: {refusal['message']}")
    if not report.ok:
        raise click.ClickException(
            f"{len(report.errors)} problems; nothing was imported")
    click.echo(f"registered {len(report.registered)}, unchanged {len(report.unchanged)}"
               + (f", position {report.position}" if report.position else ""))


@purchasing_group.command("template")
def print_template() -> None:
    """Print the header line of a register file, then what each column holds."""
    click.echo(template(), nl=False)
    for name, (required, meaning) in COLUMNS.items():
        click.echo(f"# {name}{' (required)' if required else ''}: {meaning}", err=True)

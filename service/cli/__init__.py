"""The `innoledger` command: every subcommand has --help."""

from __future__ import annotations

import click

from service.cli.audit import audit_group
from service.cli.demo import demo_command
from service.cli.projections import projections_group
from service.cli.purchasing import purchasing_group
from service.cli.serve import serve_command
from service.cli.tokens import token_group
from service.cli.transfer import export_command, import_command


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """Innoledger: event-sourced ledger of municipal innovation procurement.

    Settings come from the environment: INNOLEDGER_DATABASE (sqlite or postgres),
    INNOLEDGER_VAR_DIR, INNOLEDGER_SQLITE_PATH, POSTGRES_HOST, POSTGRES_PORT, POSTGRES_USER,
    POSTGRES_PASSWORD, POSTGRES_DBNAME.
    """


main.add_command(serve_command)
main.add_command(token_group)
main.add_command(demo_command)
main.add_command(projections_group)
main.add_command(audit_group)
main.add_command(export_command)
main.add_command(import_command)
main.add_command(purchasing_group)

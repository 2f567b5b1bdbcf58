"""`innoledger export FILE` and `innoledger import FILE`: the whole store as JSON Lines."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from service.cli.audit import ProgressLine
from service.cli.common import opened_application
from service.transfer import ImportRefused, export_store, import_store


class _StageProgress:
    """One progress line per stage (validate, write, ledger) on stderr."""

    def __init__(self, quiet: bool):
        self.quiet = quiet
        self.stage = ""
        self.line: ProgressLine | None = None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.quiet:
            return
        if stage != self.stage:
            self.close()
            self.stage = stage
            self.line = ProgressLine(stage)
        assert self.line is not None
        self.line(done, total)

    def close(self) -> None:
        if self.line is not None:
            self.line.close()
            self.line = None


@click.command("export")
@click.argument("file", type=click.Path(dir_okay=False, writable=True, allow_dash=True))
@click.option("--quiet", is_flag=True, help="No progress output.")
def export_command(file: str, quiet: bool) -> None:
    """Export every stored event and the ledger's tree heads to FILE (JSON Lines; - for stdout).

    The file is a backup, a restore source and an auditor's offline copy: `innoledger import`
    reads it into an empty store with the same ledger root.
    """
    progress = _StageProgress(quiet)
    with opened_application() as app:
        if file == "-":
            trailer = export_store(app, sys.stdout, progress)
        else:
            target = Path(file)
            partial = target.with_name(target.name + ".partial")
            # Written aside and renamed, so an interrupted export never leaves a file that
            # looks complete.
            with partial.open("w", encoding="utf-8") as out:
                trailer = export_store(app, out, progress)
            partial.replace(target)
    progress.close()
    click.echo(f"exported {trailer['events']} events, ledger root {trailer['root_hash']}", err=True)


@click.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--quiet", is_flag=True, help="No progress output.")
def import_command(file: Path, quiet: bool) -> None:
    """Import an export FILE into an EMPTY store.

    The whole file is checked first; a damaged file is refused, naming its first wrong line,
    and nothing is written. Afterwards the ledger is rebuilt: its root equals the exported one.
    """
    progress = _StageProgress(quiet)
    try:
        with opened_application() as app:
            summary = import_store(app, file, progress)
    except ImportRefused as exc:
        progress.close()
        click.echo(f"import refused: {exc}", err=True)
        sys.exit(1)
    progress.close()
    click.echo(
        f"imported {summary['events']} events, ledger root {summary['root_hash']}"
        f" ({summary['tree_heads_imported']} tree heads of the source kept)"
    )

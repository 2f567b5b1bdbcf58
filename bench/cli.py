"""`python -m bench` (`make bench`): the benchmark suite of spec §8 (see docs/benchmarks.md).

Every quality target is measured against its baseline in the same run, on SQLite and on
PostgreSQL, and printed as one table (measure, ours, baseline, ratio, target, met). A full run
takes half an hour or so on two cores and writes docs/benchmarks.md; `--smoke` runs every measure
at tiny sizes in seconds (what CI runs, so the suite cannot rot).

PostgreSQL: the throwaway cluster of scripts/with-test-postgres when INNOLEDGER_TEST_POSTGRES_*
is set; else POSTGRES_* as the service reads them (a fresh schema per store, dropped after);
else, unless --no-postgres-cluster, the command re-runs itself under scripts/with-test-postgres.
"""

from __future__ import annotations

import os
import shlex
import signal
import sys
from pathlib import Path
from typing import Any

import click

PROJECT_ROOT = Path(__file__).resolve().parents[1]
WRAPPED = "INNOLEDGER_BENCH_IN_CLUSTER"
GROUP_NAMES = ("commands", "reads", "rebuild", "audit", "ledger", "crud", "mixed", "peer", "pages")


def _groups(value: str | None) -> tuple[str, ...]:
    if not value:
        return GROUP_NAMES
    chosen = tuple(dict.fromkeys(v.strip() for v in value.split(",") if v.strip()))
    unknown = [g for g in chosen if g not in GROUP_NAMES]
    if unknown:
        raise click.BadParameter(
            f"unknown {', '.join(unknown)}; choose from {', '.join(GROUP_NAMES)}",
            param_hint="--only",
        )
    return chosen


def _argv(params: dict[str, object]) -> list[str]:
    argv: list[str] = []
    for name, value in params.items():
        option = "--" + name.replace("_", "-")
        if isinstance(value, bool):
            if name == "postgres_cluster":
                continue
            if value:
                argv.append(option)
        elif value is not None:
            argv += [option, str(value)]
    return argv


def _in_cluster(params: dict[str, object]) -> None:
    """Re-runs this command under scripts/with-test-postgres (a throwaway PostgreSQL)."""
    script = PROJECT_ROOT / "scripts" / "with-test-postgres"
    run = "import sys; from bench.cli import bench_command; sys.exit(bench_command())"
    argv = [str(script), sys.executable, "-c", run, *_argv(params)]
    click.echo("bench: no PostgreSQL configured; starting a throwaway cluster", err=True)
    os.environ[WRAPPED] = "1"
    os.execv(str(script), argv)


@click.command("bench")
@click.option(
    "--smoke", is_flag=True, help="Tiny sizes and short windows: every measure in seconds."
)
@click.option(
    "--database",
    type=click.Choice(["sqlite", "postgres", "both"]),
    default="both",
    show_default=True,
    help="Which store(s) to measure.",
)
@click.option(
    "--sizes",
    help="small,medium,large store sizes in events [10k,100k,1M; smoke: 400,800,1600]. "
    "small: history baseline, long aggregate, web store; medium: first rebuild size, verify; "
    "large: second rebuild size, history, the CRUD as-of store.",
)
@click.option("--only", help=f"Comma-separated groups: {', '.join(GROUP_NAMES)} [all].")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Markdown report to write (its results section) [docs/benchmarks.md; none with --smoke]."
    " '-' writes none.",
)
@click.option("--duration", type=float, help="Measured seconds per load phase [5; smoke 0.4].")
@click.option("--warmup", type=float, help="Warm-up seconds per load phase [2; smoke 0.1].")
@click.option(
    "--rounds",
    type=click.IntRange(1, 20),
    help="Alternations of ours and its baseline for the rate measures; the median counts"
    " [5; smoke 1].",
)
@click.option("--clients", type=click.IntRange(1, 64), help="HTTP load processes [4; smoke 2].")
@click.option("--workers", type=click.IntRange(1, 64), help="gunicorn workers [2].")
@click.option("--strict", is_flag=True, help="Exit 1 when a target is missed.")
@click.option(
    "--postgres-cluster/--no-postgres-cluster",
    default=True,
    show_default=True,
    help="Without a configured PostgreSQL, start a throwaway one (scripts/with-test-postgres).",
)
def bench_command(
    smoke: bool,
    database: str,
    sizes: str | None,
    only: str | None,
    output: Path | None,
    duration: float | None,
    warmup: float | None,
    rounds: int | None,
    clients: int | None,
    workers: int | None,
    strict: bool,
    postgres_cluster: bool,
) -> None:
    """Measure every quality target of spec §8 against its baseline; print one table."""
    # SIGTERM ends the run through its finally blocks: servers stopped, stores dropped.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    from bench.context import Config, Sizes
    from bench.stores import postgres_configured
    from bench.suite import run, write_markdown

    params = click.get_current_context().params
    names = ["sqlite", "postgres"] if database == "both" else [database]
    script = PROJECT_ROOT / "scripts" / "with-test-postgres"
    if (
        "postgres" in names
        and postgres_cluster
        and not postgres_configured()
        and not os.environ.get(WRAPPED)
        and script.exists()
    ):
        _in_cluster(params)
    overrides: dict[str, Any] = {}
    if sizes:
        try:
            overrides["sizes"] = Sizes.parse(sizes)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--sizes") from None
    for name, value in (
        ("measure_s", duration),
        ("warmup_s", warmup),
        ("rounds", rounds),
        ("clients", clients),
        ("workers", workers),
    ):
        if value is not None:
            overrides[name] = value
    overrides["only"] = _groups(only)
    config = Config.for_smoke(names, **overrides) if smoke else Config(names, **overrides)
    command = "python -m bench " + shlex.join(_argv(params))
    click.echo(f"bench: {command.strip()} — sizes {config.sizes}", err=True)
    report = run(config)
    target = output if output is not None else (None if smoke else Path("docs/benchmarks.md"))
    path = (
        None
        if target is None or str(target) == "-"
        else (target if target.is_absolute() else PROJECT_ROOT / target)
    )
    report.pair_with(path)
    click.echo()
    click.echo(report.table())
    click.echo()
    click.echo(
        f"{len(report.missed)} target(s) missed; {len(report.errors)} error(s);"
        f" {report.seconds / 60:.1f} min"
    )
    if path is not None:
        write_markdown(report, path, command.strip())
        click.echo(f"wrote {path}")
    if report.errors:
        sys.exit(2)
    if strict and report.missed:
        sys.exit(1)


if __name__ == "__main__":
    bench_command()

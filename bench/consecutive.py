"""A target counts as met only when its ratio holds in two consecutive full runs.

One run on a shared machine can land on either side of a bound by chance; so each report keeps
the run before it (the results section of docs/benchmarks.md holds the previous run's table and,
in a comment, its ratios), and a row reads "yes" only when this run and the previous one both met
it. The previous run counts only if it was made with the same configuration (sizes, windows,
rounds, processes, the mixed load's requests per round): a smoke run or a run with other sizes
is never the other half of a pair.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from bench.context import Config
from bench.mixed import patterns_per_round
from bench.results import Measure

RUN_DATA = "bench:run-data"
PREVIOUS_BEGIN = "<!-- bench:previous:begin -->"
PREVIOUS_END = "<!-- bench:previous:end -->"
_RUN_DATA = re.compile(r"<!-- " + RUN_DATA + r" (\{.*?\}) -->", re.DOTALL)


def signature(config: Config) -> dict[str, Any]:
    """What must be equal for two runs to be a pair."""
    return {
        "sizes": str(config.sizes),
        "smoke": config.smoke,
        "warmup_s": config.warmup_s,
        "measure_s": config.measure_s,
        "rounds": config.rounds,
        "clients": config.clients,
        "workers": config.workers,
        "threads": config.threads,
        # How long the mixed load's open loop runs: its p99s are read from as many requests.
        "mixed_patterns_per_round": patterns_per_round(config.smoke),
    }


def run_data(config: Config, measures: list[Measure], started: str) -> str:
    """This run's ratios and verdicts, as a comment the next run reads."""
    rows = [
        {"key": m.key, "database": m.database, "ratio": m.ratio, "met": m.met}
        for m in measures
        if not m.informative
    ]
    data = {"started": started, "signature": signature(config), "rows": rows}
    return f"<!-- {RUN_DATA} {json.dumps(data, separators=(',', ':'))} -->"


def previous_section(section: str) -> str:
    """A results section without its own previous run (only one run back is kept)."""
    if PREVIOUS_BEGIN in section and PREVIOUS_END in section:
        head, rest = section.split(PREVIOUS_BEGIN, 1)
        _, tail = rest.split(PREVIOUS_END, 1)
        section = head.rstrip() + "\n" + tail.lstrip()
    return section.strip()


def previous_run(section: str | None, config: Config) -> dict[str, Any] | None:
    """The run data of `section` (a results section written earlier), if it can pair with a
    run of `config`."""
    if not section or config.smoke:
        return None
    found = _RUN_DATA.search(previous_section(section))
    if found is None:
        return None
    try:
        data: dict[str, Any] = json.loads(found.group(1))
    except ValueError:
        return None
    if data.get("signature") != signature(config):
        return None
    return data


def confirm(measures: list[Measure], previous: dict[str, Any] | None) -> None:
    """Sets each targeted row's previous ratio and verdict (None: no comparable earlier run)."""
    before = {
        (row["key"], row["database"]): row for row in (previous or {}).get("rows", [])
    }
    for measure in measures:
        row = before.get((measure.key, measure.database))
        if row is not None and not measure.informative:
            measure.previous_ratio = row.get("ratio")
            measure.previous_met = row.get("met")


def read_section(path: Path, begin: str, end: str) -> str | None:
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    if begin not in text or end not in text:
        return None
    return text.split(begin, 1)[1].split(end, 1)[0]

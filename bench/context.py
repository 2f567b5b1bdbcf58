"""What a run is configured with, and what its measures share per database."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.loadgen import Window
from bench.results import Measure
from bench.stores import Database, Store, cached_network

GROUPS = ("commands", "reads", "rebuild", "audit", "ledger", "crud", "mixed", "peer", "pages")


def parse_size(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    factor = 1
    if text.endswith("k"):
        factor, text = 1_000, text[:-1]
    elif text.endswith("m"):
        factor, text = 1_000_000, text[:-1]
    value = int(float(text) * factor)
    if value < 100:
        raise ValueError(f"size {text!r}: at least 100 events")
    return value


def size_label(events: int) -> str:
    if events >= 1_000_000 and events % 100_000 == 0:
        return f"{events / 1_000_000:g}M"
    if events >= 1_000 and events % 100 == 0:
        return f"{events / 1_000:g}k"
    return str(events)


@dataclass(frozen=True)
class Sizes:
    """small: history baseline store, the long aggregate and the web store; medium: the first
    rebuild size and verify; large: the second rebuild size, history and the CRUD as-of store."""

    small: int
    medium: int
    large: int

    @classmethod
    def parse(cls, text: str) -> Sizes:
        parts = [parse_size(p) for p in text.split(",") if p.strip()]
        if len(parts) != 3:
            raise ValueError("--sizes takes three sizes: small,medium,large (e.g. 10k,100k,1M)")
        small, medium, large = parts
        if not small <= medium <= large:
            raise ValueError("--sizes: small <= medium <= large")
        return cls(small, medium, large)

    def __str__(self) -> str:
        return ",".join(size_label(s) for s in (self.small, self.medium, self.large))


FULL_SIZES = Sizes(10_000, 100_000, 1_000_000)
SMOKE_SIZES = Sizes(400, 800, 1_600)


@dataclass
class Config:
    databases: list[str]
    sizes: Sizes = FULL_SIZES
    only: tuple[str, ...] = GROUPS
    smoke: bool = False
    warmup_s: float = 2.0
    measure_s: float = 5.0
    # Ours and its baseline are measured alternately this many times; the median counts, so
    # a slow moment of a shared machine hits both sides alike.
    rounds: int = 5
    clients: int = 4  # HTTP load processes
    workers: int = 2  # gunicorn workers, and processes of the in-process baselines
    threads: int = 4  # gunicorn threads per worker
    repeats: int = 3  # repetitions of short in-process timings (the best or the median counts)
    # In-process baselines run with each of these process counts (0 = as many as gunicorn
    # workers); the fastest counts.
    baseline_processes: tuple[int, ...] = (1, 0)
    profile_dir: Path | None = None
    progress: Callable[[str], None] = field(default=lambda line: print(line, file=sys.stderr))

    @classmethod
    def for_smoke(cls, databases: list[str], **overrides: Any) -> Config:
        values: dict[str, Any] = {
            "sizes": SMOKE_SIZES,
            "smoke": True,
            # The warm-up absorbs each process's first-use costs (ORM mapper set-up, the first
            # connection): on a busy machine 0.1 s left a 0.4 s window with no operation at all.
            "warmup_s": 0.5,
            "measure_s": 0.4,
            "clients": 2,
            "repeats": 1,
            "rounds": 1,
            "baseline_processes": (1,),
        }
        values.update(overrides)
        return cls(databases=databases, **values)

    def process_counts(self, available: int) -> list[int]:
        counts = {self.workers if n == 0 else n for n in self.baseline_processes}
        return sorted({min(n, available) for n in counts})

    @property
    def window(self) -> Window:
        return Window(self.warmup_s, self.measure_s)


@dataclass
class Context:
    """One database's part of a run: its stores (made on first use) and what measures share."""

    config: Config
    database: Database
    measures: list[Measure] = field(default_factory=list)
    shared: dict[str, Any] = field(default_factory=dict)
    _networks: dict[int, Store] = field(default_factory=dict)

    @property
    def db(self) -> str:
        return self.database.name

    def say(self, line: str) -> None:
        self.config.progress(f"[{time.strftime('%H:%M:%S')}] {self.db}: {line}")

    def add(self, measure: Measure) -> Measure:
        self.measures.append(measure)
        shown = measure.note if measure.ours is None else f"{measure.ours:,.4g} {measure.unit}"
        ratio = "" if measure.ratio is None else f" (ratio {measure.ratio:.2f})"
        self.say(f"  {measure.name}: {shown}{ratio}")
        return measure

    def network(self, events: int) -> Store:
        """A private copy of the cached generated network of `events` events (made once)."""
        if events not in self._networks:
            cache = cached_network(events, self.say)
            self._networks[events] = self.database.copy_of(cache, f"network-{events}", self.say)
        return self._networks[events]

    def fresh_network(self, events: int, label: str) -> Store:
        """Another copy, for a measure that must not see what others wrote."""
        cache = cached_network(events, self.say)
        return self.database.copy_of(cache, label, self.say)

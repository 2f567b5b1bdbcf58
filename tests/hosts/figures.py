"""How long each fault took to recover from, summed over the run and printed at its end beside
the reliability figures (a module of its own: conftest modules may be imported twice)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Recovery:
    fault: str
    what: str
    seconds: float


@dataclass
class HostFigures:
    recoveries: list[Recovery] = field(default_factory=list)

    def record(self, fault: str, what: str, seconds: float) -> None:
        self.recoveries.append(Recovery(fault, what, round(seconds, 2)))

    def lines(self) -> list[str]:
        return [f"recovered from {r.fault}: {r.what} after {r.seconds} s" for r in self.recoveries]


HOST_FIGURES = HostFigures()

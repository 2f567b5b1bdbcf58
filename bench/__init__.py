"""The benchmark suite of spec §8: every quality target measured against its baseline, in the
same run and the same process tree, and reported as ratios (never wall-clock thresholds).

Run it with `python -m bench` (or `make bench`); `python -m bench --smoke` runs every measure
at tiny sizes in seconds (CI runs it through tests/bench_smoke). See docs/benchmarks.md.

Modules:

* `results`  — one measured row, the table (text and Markdown), the machine description;
* `stores`   — the two databases, fresh stores, and the bulk-generated stores cached under
  var/bench-cache/ (keyed by size and schema fingerprint);
* `servers`, `wsgi`, `loadgen` — gunicorn on a free loopback port and a load generator in its
  own processes (raw HTTP/1.1 keep-alive sockets, closed loop for rates, open loop for latency);
* one module per target: `commands`, `reads`, `rebuild`, `audit`, `ledger`, `crud`;
* `suite`    — runs the chosen measures and writes docs/benchmarks.md.
"""

BENCH_SCHEMA_VERSION = 1


def _apply_variants() -> None:
    import os

    if os.environ.get("INNOLEDGER_BENCH_VARIANTS"):
        from bench.variants import apply

        apply()


_apply_variants()

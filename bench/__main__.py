"""`python -m bench`: the benchmark suite (what `make bench` runs)."""

from bench.cli import bench_command

bench_command()

"""Benchmarks: `python -m bench` (or `make bench`). Results are recorded in bench/results.md."""

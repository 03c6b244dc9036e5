"""Benchmarks: each module has `main() -> dict` and writes its figures under bench/results/."""

"""Timings and load measurements: run as `python -m benchmarks.NAME`; never part of the test suite."""

"""NemoDesk's benchmarks: `python -m benchmarks.run_all [--quick]` prints one table."""

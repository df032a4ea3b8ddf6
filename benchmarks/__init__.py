"""Command lines that measure the methods: quality on the named splits of eval.protocol, speed,
memory. Run each from the repository root as `python -m benchmarks.NAME`."""

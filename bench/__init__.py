"""Benchmarks and evaluation harnesses of the audit (run each with ``python -m bench.<name>``)."""

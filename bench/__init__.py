"""Benchmarks of the API and the workers against a ceiling (``python -m bench.run``)."""

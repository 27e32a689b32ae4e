"""Entrypoints: the processes (HTTP API, worker, CLI) and the composition root."""

"""The ``gemini-clone`` command: serve, worker (and worker --check), migrate.

Settings come from the environment; a ``.env`` file in the current
directory is read first when there is one, and a variable set in the real
environment wins over the file's.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import sys
from collections.abc import Callable, Sequence
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from dotenv import load_dotenv

from entrypoints.logging_setup import configure_logging, log_options
from entrypoints.settings import Settings, SettingsError, load_settings

logger = logging.getLogger("gemini_clone")

ENV_FILE = ".env"
METRICS_DIR = "PROMETHEUS_MULTIPROC_DIR"


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from entrypoints.http.app import create_app
    from entrypoints.schema_check import schema_allows_start
    from entrypoints.serving import connection_limits, serve_processes, server_options

    if args.workers > 1 and not settings.redis_url:
        logger.error("--workers above 1 needs REDIS_URL: the embedded default is one process")
        return 2
    if not schema_allows_start(settings):
        return 1
    port = args.port or settings.port
    limits = connection_limits(settings)
    if args.workers > 1:
        # Each process builds its own app from the same environment.
        return serve_processes(
            "entrypoints.http.app:create_app",
            host=args.host,
            port=port,
            workers=args.workers,
            log=log_options(settings),
            limits=limits,
        )
    else:
        uvicorn.run(
            create_app(settings),
            host=args.host,
            port=port,
            log_level=settings.log_level.lower(),
            log_config=None,  # logging is configured already, uvicorn's included
            access_log=False,  # the app writes its own (http/observability.py)
            **server_options(limits),
        )
    return 0


def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from adapters.sqlalchemy import DatabaseSchema, DatabaseUnreachable, SchemaMismatch
    from entrypoints.bootstrap import bootstrap

    async def run() -> None:
        container = bootstrap(settings)
        try:
            await container.resolve(DatabaseSchema).upgrade()
        finally:
            await container.aclose()

    try:
        asyncio.run(run())
    except (DatabaseUnreachable, SchemaMismatch) as exc:
        print(f"gemini-clone: {exc}; the schema was not changed", file=sys.stderr)
        return 1
    logger.info("database schema is up to date")
    return 0


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from entrypoints.worker import check_workers, run_worker
    from entrypoints.worker_metrics import MetricsAddress

    if args.check:
        return check_workers(settings)

    metrics = None
    if args.metrics_port is not None:
        metrics = MetricsAddress(args.metrics_host, args.metrics_port)
    return run_worker(
        settings, concurrency=args.concurrency, processes=args.processes, metrics=metrics
    )


def _bounded_int(low: int, high: int | None, what: str) -> Callable[[str], int]:
    """An argparse type: an integer from ``low`` to ``high``, else a clear refusal."""

    def parse(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
        if number < low or (high is not None and number > high):
            raise argparse.ArgumentTypeError(f"{number} is out of range: {what}")
        return number

    return parse


PORT = _bounded_int(1, 65535, "a port is 1 to 65535")
PROCESSES = _bounded_int(1, 512, "give 1 to 512 processes")
CONCURRENCY = _bounded_int(1, 100_000, "give 1 to 100000 replies in flight")


def _version() -> str:
    try:
        return version("gemini-clone")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "unknown (not installed)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gemini-clone",
        description="A Gemini-style chat backend. Settings come from the environment and "
        "from ./.env (the real environment wins); see .env.example.",
    )
    parser.add_argument("--version", action="version", version=f"gemini-clone {_version()}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)"
    )
    serve.add_argument("--port", type=PORT, default=None, help="port (default: $PORT or 8000)")
    serve.add_argument(
        "--workers",
        type=PROCESSES,
        default=1,
        help="API processes on the one port (default: 1; more than 1 needs REDIS_URL)",
    )
    serve.set_defaults(run=_serve)
    worker = commands.add_parser("worker", help="run reply workers (needs REDIS_URL)")
    worker.add_argument(
        "--concurrency",
        type=CONCURRENCY,
        default=None,
        help="replies in flight per process (default: $WORKER_CONCURRENCY or 100)",
    )
    worker.add_argument(
        "--processes", type=PROCESSES, default=1, help="worker processes (default: 1)"
    )
    worker.add_argument(
        "--metrics-port",
        type=PORT,
        default=None,
        help="answer Prometheus scrapes on this port, /metrics (default: off)",
    )
    worker.add_argument(
        "--metrics-host",
        default="127.0.0.1",
        help="address of the metrics port (default: 127.0.0.1; 0.0.0.0 for every interface)",
    )
    worker.add_argument(
        "--check",
        action="store_true",
        help="list the live workers and exit: 0 when any is alive, 1 when none is",
    )
    worker.set_defaults(run=_worker)
    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(run=_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    # The real environment wins over the file (override=False).
    load_dotenv(Path.cwd() / ENV_FILE, override=False)
    if os.environ.get(METRICS_DIR) == "":
        # prometheus_client takes a set but empty variable for a directory.
        del os.environ[METRICS_DIR]
    try:
        settings = load_settings()
    except SettingsError as exc:
        heading = "a configuration error" if len(exc.problems) == 1 else "configuration errors"
        lines = "".join(f"\n  {problem}" for problem in exc.problems)
        print(f"gemini-clone: {heading}, nothing started:{lines}", file=sys.stderr)
        return 2
    configure_logging(log_options(settings))
    result: int = args.run(settings, args)
    return result


if __name__ == "__main__":
    sys.exit(main())

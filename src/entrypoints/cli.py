"""The ``gemini-clone`` command: serve, worker (and worker --check), migrate."""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from collections.abc import Sequence

from entrypoints.settings import Settings, SettingsError, load_settings

logger = logging.getLogger("gemini_clone")


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from entrypoints.http.app import create_app
    from entrypoints.serving import connection_limits, serve_processes, server_options

    if args.workers > 1 and not settings.redis_url:
        logger.error("--workers above 1 needs REDIS_URL: the embedded default is one process")
        return 2
    port = args.port or settings.port
    limits = connection_limits(settings)
    if args.workers > 1:
        # Each process builds its own app from the same environment.
        return serve_processes(
            "entrypoints.http.app:create_app",
            host=args.host,
            port=port,
            workers=args.workers,
            log_level=settings.log_level.lower(),
            limits=limits,
        )
    else:
        uvicorn.run(
            create_app(settings),
            host=args.host,
            port=port,
            log_level=settings.log_level.lower(),
            access_log=False,
            **server_options(limits),
        )
    return 0


def _migrate(settings: Settings, _args: argparse.Namespace) -> int:
    from adapters.sqlalchemy import DatabaseSchema
    from entrypoints.bootstrap import bootstrap

    async def run() -> None:
        container = bootstrap(settings)
        try:
            await container.resolve(DatabaseSchema).upgrade()
        finally:
            await container.aclose()

    asyncio.run(run())
    logger.info("database schema is up to date")
    return 0


def _worker(settings: Settings, args: argparse.Namespace) -> int:
    from entrypoints.worker import check_workers, run_worker

    if args.check:
        return check_workers(settings)

    return run_worker(settings, concurrency=args.concurrency, processes=args.processes)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="gemini-clone", description="A Gemini-style chat backend."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser("serve", help="run the HTTP API")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=None, help="default: $PORT or 8000")
    serve.add_argument("--workers", type=int, default=1, help="API processes (needs REDIS_URL)")
    serve.set_defaults(run=_serve)
    worker = commands.add_parser("worker", help="run reply workers (needs REDIS_URL)")
    worker.add_argument(
        "--concurrency", type=int, default=None, help="replies in flight per process"
    )
    worker.add_argument("--processes", type=int, default=1, help="worker processes")
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
    try:
        settings = load_settings()
    except SettingsError as exc:
        heading = "a configuration error" if len(exc.problems) == 1 else "configuration errors"
        lines = "".join(f"\n  {problem}" for problem in exc.problems)
        print(f"gemini-clone: {heading}, nothing started:{lines}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level)
    result: int = args.run(settings, args)
    return result


if __name__ == "__main__":
    sys.exit(main())

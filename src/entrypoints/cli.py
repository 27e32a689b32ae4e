"""The ``gemini-clone`` command: serve, worker, migrate."""

from __future__ import annotations

import argparse
import asyncio
import logging
import socket
import sys
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from entrypoints.settings import Settings, SettingsError, load_settings

if TYPE_CHECKING:
    from entrypoints.slow_clients import ConnectionLimits

logger = logging.getLogger("gemini_clone")


def _configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )


def _serve(settings: Settings, args: argparse.Namespace) -> int:
    import uvicorn

    from entrypoints.http.app import create_app

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


def connection_limits(settings: Settings) -> ConnectionLimits:
    from entrypoints.slow_clients import ConnectionLimits

    return ConnectionLimits(
        header_timeout=settings.http_header_timeout,
        body_timeout=settings.http_body_timeout,
        max_connections=settings.http_max_connections,
    )


def server_options(limits: ConnectionLimits | None) -> dict[str, Any]:
    """uvicorn options of every API process. The client address is the
    socket's peer (the app believes X-Forwarded-For only from TRUSTED_PROXIES),
    there are no WebSockets, and slow clients are held off (``slow_clients``)."""
    if limits is None:
        return {}
    import dataclasses

    from entrypoints.slow_clients import connection_cap, guarded_h11

    capped = dataclasses.replace(limits, max_connections=connection_cap(limits.max_connections))
    return {"proxy_headers": False, "ws": "none", "http": guarded_h11(capped)}


def serve_processes(
    app_factory: str,
    *,
    host: str,
    port: int,
    workers: int,
    log_level: str,
    limits: ConnectionLimits | None = None,
) -> int:
    """Serve ``app_factory`` from ``workers`` uvicorn processes on one port;
    the exit status: 0 when stopped, 1 when a process could not start.

    Not ``uvicorn.run(..., workers=N)``, for two reasons measured with
    ``python -m bench.run``:

    - its shared listening socket is made with ``proto`` 0, so asyncio never
      sets ``TCP_NODELAY`` on accepted connections and each keep-alive
      response waits ~40 ms for the client's delayed ACK (uvicorn issue #3149);
    - one socket shared by every process is accepted from by whichever wakes
      first, and it takes the whole burst: a client opening its connections
      together often lands them all on one process while the others idle.

    So each process listens on a socket of its own with ``SO_REUSEPORT`` (the
    kernel spreads connections across them) and ``IPPROTO_TCP``. This
    process binds one too, never listening on it, so that a port in use fails
    here at once; it restarts a process that dies after it started (one that
    dies within ``_STARTUP_SECONDS`` stops them all: the app cannot start)
    and, on SIGTERM or SIGINT, stops them all gracefully.
    """
    import multiprocessing
    import signal
    import threading

    try:
        reserved = _tcp_socket(host, port)
    except OSError as exc:
        logger.error("cannot listen on %s:%d: %s", host, port, exc)
        return 1
    context = multiprocessing.get_context("spawn")
    started: dict[int, float] = {}

    def start() -> multiprocessing.process.BaseProcess:
        child = context.Process(
            target=_serve_one, args=(app_factory, host, port, log_level, limits), name="api"
        )
        child.start()
        started[id(child)] = time.monotonic()
        return child

    stopping = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda _signum, _frame: stopping.set())
    status = 0
    children = [start() for _ in range(workers)]
    try:
        while not stopping.wait(0.5):
            for index, child in enumerate(children):
                if child.is_alive():
                    continue
                if time.monotonic() - started.pop(id(child)) < _STARTUP_SECONDS:
                    logger.error("an API process exited (%s) as it started", child.exitcode)
                    status = 1
                    stopping.set()
                    break
                logger.warning(
                    "API process %s exited (%s); starting another", child.pid, child.exitcode
                )
                children[index] = start()
    finally:
        for child in children:
            if child.is_alive():
                child.terminate()  # SIGTERM: uvicorn finishes the requests in flight
        for child in children:
            child.join()
        reserved.close()
    return status


_STARTUP_SECONDS = 30.0


def _tcp_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def _serve_one(
    app_factory: str, host: str, port: int, log_level: str, limits: ConnectionLimits | None
) -> None:
    import uvicorn

    config = uvicorn.Config(
        app_factory,
        factory=True,
        host=host,
        port=port,
        log_level=log_level,
        access_log=False,
        **server_options(limits),
    )
    uvicorn.Server(config).run(sockets=[_tcp_socket(host, port)])


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
    from entrypoints.worker import run_worker

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
    worker.set_defaults(run=_worker)
    migrate = commands.add_parser("migrate", help="bring the database schema up to date")
    migrate.set_defaults(run=_migrate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(f"gemini-clone: configuration error: {exc}", file=sys.stderr)
        return 2
    _configure_logging(settings.log_level)
    result: int = args.run(settings, args)
    return result


if __name__ == "__main__":
    sys.exit(main())

"""Serving the API with uvicorn: one process, or several on one port."""

from __future__ import annotations

import dataclasses
import logging
import socket
from typing import Any

import uvicorn

from entrypoints.logging_setup import LogOptions, configure_logging
from entrypoints.metrics_dir import shared_metrics_dir
from entrypoints.settings import Settings
from entrypoints.slow_clients import ConnectionLimits, connection_cap, guarded_http
from entrypoints.supervisor import Supervisor

logger = logging.getLogger("gemini_clone")


def connection_limits(settings: Settings) -> ConnectionLimits:
    return ConnectionLimits(
        header_timeout=settings.http_header_timeout,
        body_timeout=settings.http_body_timeout,
        max_connections=settings.http_max_connections,
    )


# Seconds a stopping API process waits for its requests to end before it
# cuts the rest. Event streams never end by themselves, so without a bound a
# process with one open would never stop; their clients reconnect elsewhere
# with Last-Event-ID and miss nothing.
SHUTDOWN_GRACE_SECONDS = 5


def server_options(limits: ConnectionLimits | None) -> dict[str, Any]:
    """uvicorn options of every API process. The client address is the
    socket's peer (the app believes X-Forwarded-For only from TRUSTED_PROXIES),
    there are no WebSockets, slow clients are held off (``slow_clients``), and
    a stop cuts what is still open after ``SHUTDOWN_GRACE_SECONDS``."""
    if limits is None:
        return {}
    capped = dataclasses.replace(limits, max_connections=connection_cap(limits.max_connections))
    return {
        "proxy_headers": False,
        "ws": "none",
        "http": guarded_http(capped),
        "timeout_graceful_shutdown": SHUTDOWN_GRACE_SECONDS,
    }


def serve_processes(
    app_factory: str,
    *,
    host: str,
    port: int,
    workers: int,
    log: LogOptions,
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
    here at once. The ``Supervisor`` restarts a process that dies. The
    processes share their metrics (``shared_metrics_dir``), so a scrape of
    any of them counts the requests of all.
    """
    try:
        reserved = tcp_socket(host, port)
    except OSError as exc:
        logger.error("cannot listen on %s:%d: %s", host, port, exc)
        return 1
    try:
        with shared_metrics_dir() as child_exited:
            supervisor = Supervisor(
                serve_one,
                (app_factory, host, port, log, limits),
                count=workers,
                name="api",
                fail_fast=True,
                on_exit=child_exited,
            )
            return supervisor.run()
    finally:
        reserved.close()


def tcp_socket(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    return sock


def serve_one(
    app_factory: str, host: str, port: int, log: LogOptions, limits: ConnectionLimits | None
) -> None:
    """One API process (the target of each supervised child)."""
    configure_logging(log)
    config = uvicorn.Config(
        app_factory,
        factory=True,
        host=host,
        port=port,
        log_level=log.level.lower(),
        log_config=None,  # configure_logging routed uvicorn's loggers already
        access_log=False,  # the app writes its own (http/observability.py)
        # asyncio's own loop, not uvloop (which uvicorn would pick when it is
        # installed, as it is for the worker): measured with bench.run, every
        # read and the ceiling were 15-25 % slower on uvloop (bench/README.md).
        loop="asyncio",
        **server_options(limits),
    )
    uvicorn.Server(config).run(sockets=[tcp_socket(host, port)])

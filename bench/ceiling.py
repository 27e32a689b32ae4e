"""The ceiling: a bare Litestar route that answers with the bytes of one Redis GET.

It is served exactly as ``gemini-clone serve --workers N`` serves the API
(``entrypoints.serving.serve_processes``: the same uvicorn supervisor, host,
process count, log level and no access log), and its Redis client comes
from the same place as the app's (``adapters.redis.client.connect``), so
the difference between the two is what the API does per request beyond one
Redis round trip: authentication, SQL, the cache's generation lookup,
building and encoding the response.

    CEILING_KEY=gcbench:ceiling REDIS_URL=redis://127.0.0.1:6379/13 \\
        python -m bench.ceiling --port 8100 --workers 2
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
import tempfile
from collections.abc import AsyncIterator

import uvicorn
from litestar import Litestar, Response, get
from litestar.datastructures import State

from adapters.redis.client import connect
from entrypoints.logging_setup import LogOptions
from entrypoints.serving import connection_limits, serve_processes, server_options
from entrypoints.settings import load_settings

PATH = "/ceiling"


def create_app() -> Litestar:
    """The app factory uvicorn calls in each process."""
    url = os.environ["REDIS_URL"]
    key = os.environ["CEILING_KEY"]

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        client = connect(url)  # the app's Redis client, options and all
        app.state.redis = client
        try:
            yield
        finally:
            await client.aclose()

    @get(PATH)
    async def ceiling(state: State) -> Response[bytes]:
        body: bytes | None = await state.redis.get(key)
        if body is None:
            return Response(b"", status_code=404)
        return Response(body, media_type="application/json")

    return Litestar([ceiling], lifespan=[lifespan], openapi_config=None, debug=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args()
    # As entrypoints.cli._serve does: the same supervisor and options (the
    # slow-client protocol included), with the default settings' limits.
    limits = connection_limits(load_settings({"DATA_DIR": tempfile.gettempdir()}))
    if args.workers > 1:
        sys.exit(
            serve_processes(
                "bench.ceiling:create_app",
                host=args.host,
                port=args.port,
                workers=args.workers,
                log=LogOptions(level=args.log_level.upper()),
                limits=limits,
            )
        )
    else:
        uvicorn.run(
            create_app(),
            host=args.host,
            port=args.port,
            log_level=args.log_level,
            access_log=False,
            **server_options(limits),
        )


if __name__ == "__main__":
    main()

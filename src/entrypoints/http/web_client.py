"""The browser chat client: its page at ``/``, its files under ``/client/``.

Plain HTML, CSS and ES modules from ``static/client`` in the package: no
build step and nothing loaded from another origin, which the Content Security
Policy on every one of these answers enforces (``'self'`` only, no inline
script or style). The routes are left out of the OpenAPI document: they are
not part of the API.
"""

from __future__ import annotations

from pathlib import Path, PurePath

from litestar import Router, get
from litestar.file_system import BaseLocalFileSystem
from litestar.params import FromPath
from litestar.response.file import ASGIFileResponse
from litestar.static_files import StaticFiles

CLIENT_DIR = Path(__file__).parent / "static" / "client"

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    # The files are not fingerprinted: a browser revalidates them (ETag and
    # Last-Modified answer 304), so a new release is seen at once.
    "Cache-Control": "no-cache",
}

# Litestar's static files router cannot add headers to its answers, so the
# handlers are its own, on its StaticFiles (which refuses paths outside
# CLIENT_DIR).
_files = StaticFiles(
    is_html_mode=False,
    directories=[CLIENT_DIR],
    file_system=BaseLocalFileSystem(),
    headers=HEADERS,
)


@get("/", name="client-page")
async def page() -> ASGIFileResponse:
    return await _files.handle(path="index.html", is_head_response=False)


@get("/client/{file_path:path}", name="client-file")
async def asset(file_path: FromPath[PurePath]) -> ASGIFileResponse:
    return await _files.handle(path=file_path.as_posix(), is_head_response=False)


def client_router() -> Router:
    """The page at ``/`` and its files at ``/client/...``, outside the API's
    document."""
    # HEAD is answered for every GET route (http/head.py).
    return Router("/", route_handlers=[page, asset], include_in_schema=False)

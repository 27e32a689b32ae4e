"""The pages under /schema without a network: Swagger UI from the package.

Litestar's render plugins load their pages' scripts from public CDNs, which
leaves a blank page on a machine without internet. Swagger UI's files are
vendored in ``static/swagger-ui`` (see its README for the version and how they
were fetched) and served beside the OpenAPI document; the page references
nothing else. Scalar is not offered: one offline UI is enough, and Scalar's
bundle loads its fonts from the network.
"""

from __future__ import annotations

from pathlib import Path

from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.static_files import create_static_files_router

SWAGGER_UI_VERSION = "5.35.0"
SWAGGER_UI_DIR = Path(__file__).parent / "static" / "swagger-ui"
ASSETS = "/assets/swagger-ui"


def docs_router(schema_path: str) -> Router:
    """The router that Litestar fills with the /schema pages, holding the
    Swagger UI files at ``{schema_path}/assets/swagger-ui/``."""
    assets = create_static_files_router(
        path=ASSETS,
        directories=[SWAGGER_UI_DIR],
        name="swagger-ui-assets",
        # The files change only with SWAGGER_UI_VERSION, i.e. with a release.
        cache_control=CacheControlHeader(max_age=86400, public=True),
        include_in_schema=False,
    )
    return Router(schema_path, route_handlers=[assets], include_in_schema=False)


def offline_swagger(schema_path: str) -> SwaggerRenderPlugin:
    """Swagger UI at ``{schema_path}/swagger`` (and, as the only page, at
    ``{schema_path}``), every file it loads served by ``docs_router``."""
    base = f"{schema_path}{ASSETS}"
    return SwaggerRenderPlugin(
        version=SWAGGER_UI_VERSION,
        js_url=f"{base}/swagger-ui-bundle.js",
        css_url=f"{base}/swagger-ui.css",
        standalone_preset_js_url=f"{base}/swagger-ui-standalone-preset.js",
        favicon=f"<link rel='icon' type='image/png' href='{base}/favicon-32x32.png'>",
        path="/swagger",
    )

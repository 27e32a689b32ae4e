"""The files the package writes, rendered from the app's OpenAPI document."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from entrypoints.http.app import create_app
from entrypoints.settings import load_settings
from tools.postman.build import collection, dumps, environment

ROOT = Path(__file__).resolve().parents[2]
COLLECTION = ROOT / "postman" / "gemini-clone.postman_collection.json"
ENVIRONMENT = ROOT / "postman" / "gemini-clone.postman_environment.json"


def openapi_document() -> dict[str, Any]:
    """The document as ``create_app()`` builds it, without a server and
    without the caller's environment (a fresh data folder, defaults)."""
    with tempfile.TemporaryDirectory(prefix="gc-postman-") as data_dir:
        app = create_app(load_settings({"APP_ENV": "development", "DATA_DIR": data_dir}))
        return app.openapi_schema.to_schema()


def rendered() -> dict[Path, str]:
    made = collection(openapi_document())
    return {
        COLLECTION: dumps(made),
        ENVIRONMENT: dumps(environment(made["info"]["name"])),
    }

"""The browser client's files: served at / and /client/ with their content
types and a Content Security Policy of 'self' only, everything they load
inside the package, shipped by the package data, and outside the API's
OpenAPI document. (tests/unit/test_web_client_browser.py runs the client.)"""

from __future__ import annotations

import glob
import re
import tomllib
from pathlib import Path

import pytest

from entrypoints.http.web_client import CLIENT_DIR
from tests.support.api import ApiClient, assert_error
from tests.support.processes import ROOT

SELF_ONLY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
TYPES = {".js": "text/javascript", ".css": "text/css", ".svg": "image/svg+xml"}
CLIENT_FILES = sorted(path for path in CLIENT_DIR.rglob("*") if path.is_file())


def referenced_files() -> set[str]:
    """The /client/ paths the page loads: from index.html's src and href,
    and each module's imports, followed through."""
    page = (CLIENT_DIR / "index.html").read_text()
    found = set(re.findall(r'(?:src|href)="(/client/[^"]+)"', page))
    queue = [path for path in found if path.endswith(".js")]
    while queue:
        module = queue.pop()
        source = (CLIENT_DIR / module.removeprefix("/client/")).read_text()
        for name in re.findall(r'^import .* from "\./([\w.]+)";$', source, flags=re.MULTILINE):
            path = f"{module.rsplit('/', 1)[0]}/{name}"
            if path not in found:
                found.add(path)
                queue.append(path)
    return found


async def test_the_page_is_at_the_root_with_a_self_only_policy(client: ApiClient) -> None:
    page = await client.get("/")
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["content-security-policy"] == SELF_ONLY
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-cache" and page.headers["etag"]
    assert page.text == (CLIENT_DIR / "index.html").read_text()
    head = await client.head("/")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-security-policy"] == SELF_ONLY


@pytest.mark.parametrize("path", sorted(referenced_files()))
async def test_every_file_the_page_loads_is_served_with_its_type(
    client: ApiClient, path: str
) -> None:
    answer = await client.get(path)
    assert answer.status_code == 200, path
    assert answer.headers["content-type"].startswith(TYPES[Path(path).suffix])
    assert answer.headers["content-security-policy"] == SELF_ONLY
    assert answer.headers["x-content-type-options"] == "nosniff"


def test_the_page_loads_its_modules_and_they_import_each_other() -> None:
    loaded = referenced_files()
    modules = {f"/client/{path.relative_to(CLIENT_DIR)}" for path in CLIENT_FILES}
    assert {"/client/style.css", "/client/icon.svg", "/client/js/main.js"} <= loaded
    assert loaded == modules - {"/client/index.html"}, "every file is used, none is missing"


def test_nothing_is_loaded_from_elsewhere_or_inline() -> None:
    for path in CLIENT_FILES:
        # An SVG's namespace is a name, not something loaded.
        text = path.read_text().replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert re.search(r"https?://|//[a-z0-9.-]+\.[a-z]{2,}/", text) is None, path
    page = (CLIENT_DIR / "index.html").read_text()
    # What the policy would block: inline scripts, styles and handlers.
    assert re.findall(r"<script(?![^>]*\ssrc=)", page) == []
    assert re.findall(r"<style|\sstyle=|\son[a-z]+=", page) == []


@pytest.mark.parametrize(
    "path", ["/client/nothing.js", "/client/../web_client.py", "/client/%2e%2e/app.py", "/client/"]
)
async def test_other_paths_are_404_with_the_envelope(client: ApiClient, path: str) -> None:
    assert_error(await client.get(path), 404, "not_found")


async def test_the_client_is_not_part_of_the_api_document(client: ApiClient) -> None:
    paths = (await client.get("/schema/openapi.json")).json()["paths"]
    assert paths and "/" not in paths
    assert [path for path in paths if path.startswith("/client")] == []


def test_the_package_data_ships_every_file() -> None:
    patterns = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["entrypoints"]
    package = ROOT / "src" / "entrypoints"
    shipped = {
        package / found for pattern in patterns for found in glob.glob(pattern, root_dir=package)
    }
    assert CLIENT_FILES and set(CLIENT_FILES) <= shipped

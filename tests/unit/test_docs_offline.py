"""/schema renders in a real browser with no request leaving the machine.

Headless Debian Chromium (``apt-get install chromium chromium-driver``, which
.ci/run does when they are missing) driven by Selenium opens the Swagger page
of a real `gemini-clone serve`; Chromium's performance log records every
request the page makes. A screenshot is left in test-artifacts/ (gitignored).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.browser import ARTIFACTS, chromium, off_machine, requested_urls
from tests.support.processes import cli_env, serving_cli
from tests.support.server import free_port


@pytest.fixture
def browser(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    with chromium(tmp_path / "profile") as driver:
        yield driver


def operation_paths(driver: webdriver.Chrome) -> set[str]:
    return {
        element.get_attribute("data-path") or ""
        for element in driver.find_elements(By.CSS_SELECTOR, ".opblock .opblock-summary-path")
    }


@pytest.mark.parametrize("page", ["/schema", "/schema/swagger"])
def test_the_api_docs_render_with_no_request_leaving_the_machine(
    tmp_path: Path, browser: webdriver.Chrome, page: str
) -> None:
    port = free_port()
    with serving_cli(cli_env(DATA_DIR=str(tmp_path / "data")), port):
        requested_urls(browser)  # reading the log empties it: only the page's requests follow
        browser.get(f"http://127.0.0.1:{port}{page}")
        try:
            WebDriverWait(browser, 30).until(lambda d: "/auth/send-otp" in operation_paths(d))
            rendered = True
        except TimeoutException:
            rendered = False
        ARTIFACTS.mkdir(exist_ok=True)
        browser.save_screenshot(str(ARTIFACTS / f"docs{page.replace('/', '-')}.png"))
        urls = requested_urls(browser)
        console = browser.get_log("browser")

    elsewhere = off_machine(urls)
    assert elsewhere == [], f"requests that left the machine: {elsewhere}"
    assert rendered, f"no operations rendered; requests: {urls}; console: {console}"
    assert {"/chatroom", "/chatroom/{room_id}/message", "/subscribe/pro"} <= operation_paths(
        browser
    )
    loaded = {urlsplit(url).path.rsplit("/", 1)[-1] for url in urls}
    assert {"swagger-ui-bundle.js", "swagger-ui.css", "favicon-32x32.png"} <= loaded
    assert [line for line in console if line["level"] == "SEVERE"] == []

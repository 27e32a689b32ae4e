"""Headless Debian Chromium driven by Selenium, for tests that open pages of
a real server (``apt-get install chromium chromium-driver``; .ci/run installs
them when missing). Chromium's performance log records every request a page
makes, its browser log what the page's console said."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from tests.support.processes import ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
# Screenshots and such: gitignored.
ARTIFACTS = ROOT / "test-artifacts"
# Without the background-networking flags Chromium phones home at start-up.
FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@contextmanager
def chromium(
    profile: Path, window: str = "1280,2400", downloads: Path | None = None
) -> Iterator[webdriver.Chrome]:
    """Headless Chromium; files the page saves go to ``downloads`` when given."""
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--window-size={window}", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    if downloads is not None:
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
    try:
        yield driver
    finally:
        driver.quit()


def requests_sent(driver: webdriver.Chrome) -> list[tuple[str, dict[str, str]]]:
    """``(url, headers)`` of each request since the last call (reading the
    log empties it)."""
    sent = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            request = message["params"]["request"]
            sent.append((request["url"], dict(request.get("headers", {}))))
    return sent


def requested_urls(driver: webdriver.Chrome) -> list[str]:
    """The URLs requested since the last call (reading the log empties it)."""
    return [url for url, _ in requests_sent(driver)]


def off_machine(urls: list[str]) -> list[str]:
    """Those of ``urls`` that went anywhere but http://127.0.0.1 (Chromium's
    own chrome:// pages, such as the new tab it opens with, never leave it)."""
    return [
        url
        for url in urls
        if urlsplit(url).scheme not in _LOCAL_SCHEMES
        and (urlsplit(url).scheme, urlsplit(url).hostname) != ("http", "127.0.0.1")
    ]


_LOCAL_SCHEMES = ("data", "blob", "chrome", "chrome-untrusted")


def console_errors(
    console: list[dict[str, Any]], expected: tuple[tuple[str, int | str], ...] = ()
) -> list[str]:
    """The console's errors, but for Chromium's own line about each failed
    request the test provoked on purpose: ``(path suffix, status or
    net::ERR_... reason)``."""
    return [
        line["message"]
        for line in console
        if line["level"] == "SEVERE" and not _provoked(line, expected)
    ]


_FAILED_LOAD = re.compile(r"^(\S+) - Failed to load resource: (.*)$")


def _provoked(line: dict[str, Any], expected: tuple[tuple[str, int | str], ...]) -> bool:
    match = _FAILED_LOAD.match(line["message"])
    if line.get("source") != "network" or match is None:
        return False
    path, reason = urlsplit(match[1]).path, match[2]
    return any(
        path.endswith(suffix)
        and (f"status of {why} " in reason if isinstance(why, int) else why in reason)
        for suffix, why in expected
    )

"""Headless Debian Chromium driven by Selenium, for tests that open pages of
a real server (``apt-get install chromium chromium-driver``; .ci/run installs
them when missing). Chromium's performance log records every request a page
makes, its browser log what the page's console said."""

from __future__ import annotations

import json
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
def chromium(profile: Path, window: str = "1280,2400") -> Iterator[webdriver.Chrome]:
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*FLAGS, f"--window-size={window}", f"--user-data-dir={profile}"]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()


def requested_urls(driver: webdriver.Chrome) -> list[str]:
    """The URLs requested since the last call (reading the log empties it)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def off_machine(urls: list[str]) -> list[str]:
    """Those of ``urls`` that went anywhere but http://127.0.0.1."""
    return [
        url
        for url in urls
        if urlsplit(url).scheme not in ("data", "blob")
        and (urlsplit(url).scheme, urlsplit(url).hostname) != ("http", "127.0.0.1")
    ]


def severe(console: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [line for line in console if line["level"] == "SEVERE"]

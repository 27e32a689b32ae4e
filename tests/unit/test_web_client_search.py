"""Search and export from the chat client, in a real browser against
`gemini-clone serve` (embedded default, offline model): the search box
finds the user's own words with the matches marked (and markup in a
message stays text), a hit opens its chat, and Export saves the whole
conversation as the server's Markdown file."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from tests.support.browser import ARTIFACTS, chromium, console_errors
from tests.support.client_page import ClientPage


@pytest.fixture
def downloads(tmp_path: Path) -> Path:
    folder = tmp_path / "downloads"
    folder.mkdir()
    return folder


@pytest.fixture
def driver(tmp_path: Path, downloads: Path) -> Iterator[webdriver.Chrome]:
    with chromium(tmp_path / "profile", window="1280,860", downloads=downloads) as browser:
        yield browser


def saved_file(folder: Path, timeout: float = 10.0) -> Path:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        done = [p for p in folder.iterdir() if not p.name.endswith(".crdownload")]
        if done:
            return done[0]
        time.sleep(0.1)
    raise AssertionError("no file was saved")


def test_search_opens_a_hit_and_export_saves_the_conversation(
    served: str, driver: webdriver.Chrome, downloads: Path
) -> None:
    page = ClientPage(driver, served, ARTIFACTS / "client")
    page.open()
    page.log_in_with_code("+919876543210")
    page.create_room("Trip to Goa")
    page.send("Which beaches in Goa <b>are</b> quiet?")
    page.wait_for_reply(1)
    page.create_room("Groceries")
    page.send("Milk and bread")
    page.wait_for_reply(1)

    page.type_and_enter("#search-q", "goa")
    page.until(lambda: page.all("#search-results li"), "the search results")
    hits = page.all("#search-results .hit")
    assert {hit.find_element(By.CSS_SELECTOR, ".hit-room").text for hit in hits} == {"Trip to Goa"}
    marks = {m.text.lower() for m in page.all("#search-results mark")}
    assert marks == {"goa"}
    # The prompt's markup is shown as text, never made into elements.
    assert page.all("#search-results b") == []
    assert any("<b>are</b>" in hit.text for hit in hits)
    page.shot("search")

    hits[-1].click()
    page.until(lambda: page.text("#chat-title") == "Trip to Goa", "the hit's chat to open")
    page.wait_for_reply(1)

    page.click("#export-room")
    saved = saved_file(downloads)
    assert saved.name.startswith("Trip-to-Goa-") and saved.suffix == ".md"
    text = saved.read_text()
    assert text.startswith("# Trip to Goa\n")
    assert "Which beaches in Goa <b>are</b> quiet?" in text

    page.type_and_enter("#search-q", "nothingmatchesthis")
    page.visible("#search-empty")
    assert console_errors(driver.get_log("browser"), ()) == []

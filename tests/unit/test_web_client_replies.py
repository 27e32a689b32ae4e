"""Stop, ask again and edit from the chat client, in a real browser against
`gemini-clone serve` with a slow loopback Gemini: Stop ends a reply being
written and keeps its text, Ask again replaces the room's last reply with a
new version, Edit replaces the last prompt's text and its reply, and only
the last reply and prompt offer them."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By

from tests.support.browser import ARTIFACTS, console_errors
from tests.support.client_page import ClientPage
from tests.support.gemini_standin import GeminiStandIn, running_standin
from tests.support.processes import serving_client

LONG_ANSWER = " ".join(f"word{i}" for i in range(40))


@pytest.fixture
def standin() -> Iterator[tuple[str, GeminiStandIn]]:
    # 40 chunks over 40 s: a reply still being written when Stop is pressed.
    with running_standin(latency=40.0, chunks=40, answer=LONG_ANSWER) as running:
        yield running


@pytest.fixture
def served(tmp_path: Path, standin: tuple[str, GeminiStandIn]) -> Iterator[str]:
    base, _ = standin
    with serving_client(tmp_path / "data", GEMINI_API_KEY="test-key", GEMINI_API_BASE=base) as url:
        yield url


def actions_of(page: ClientPage) -> list[tuple[str, str | None]]:
    """Each reply's button, as (reply id, action or None)."""
    shown = []
    for reply in page.replies():
        buttons = reply.find_elements(By.CSS_SELECTOR, "button.reply-action")
        action = buttons[0].get_attribute("data-action") if buttons else None
        shown.append((str(reply.get_attribute("data-id")), action))
    return shown


def test_stop_a_reply_then_ask_again(
    served: str, standin: tuple[str, GeminiStandIn], driver: webdriver.Chrome
) -> None:
    _, gemini = standin
    page = ClientPage(driver, served, ARTIFACTS / "client")
    page.open()
    page.log_in_with_code("+919876543210")
    page.create_room("Stories")
    page.until(lambda: page.stream_state() == "live", "the room's stream to be live")
    page.send("Tell me a long story")

    page.until(
        lambda: page.replies() and int(page.replies()[0].get_attribute("data-deltas") or 0) >= 2,
        "the reply to start arriving",
    )
    reply_id = page.replies()[0].get_attribute("data-id")
    page.until(lambda: actions_of(page) == [(reply_id, "stop")], "Stop on the reply")
    page.click("#messages button[data-action=stop]")
    page.until(lambda: page.replies()[0].get_attribute("data-status") == "cancelled", "the stop")
    # Read within until: the page may still be redrawing the reply.
    text, state = page.until(
        lambda: (
            page.replies()[0].find_element(By.CSS_SELECTOR, ".text").text,
            page.replies()[0].find_element(By.CSS_SELECTOR, ".state").text,
        ),
        "the stopped reply's text",
    )
    assert text and LONG_ANSWER.startswith(text) and text != LONG_ANSWER
    assert state == "Stopped."
    first_id = str(reply_id)
    page.shot("reply-stopped")

    # The stopped reply is the room's last: it may be asked again.
    page.until(lambda: actions_of(page) == [(first_id, "regenerate")], "Ask again on it")
    gemini.latency, gemini.answer = 0.2, "A short story."
    page.find("button[data-action=regenerate]").click()
    page.until(
        lambda: (
            len(page.replies()) == 1
            and page.replies()[0].get_attribute("data-id") != first_id
            and page.replies()[0].get_attribute("data-status") == "completed"
        ),
        "the new version to replace the stopped one",
    )
    page.until(
        lambda: page.replies()[0].find_element(By.CSS_SELECTOR, ".text").text == "A short story.",
        "the new version's text",
    )
    assert page.text("#quota-line").startswith("3 of 5 prompts left today")

    # A second prompt: only its reply offers Ask again.
    page.find("#prompt").click()
    page.send("And another")
    page.until(
        lambda: (
            len(page.replies()) == 2
            and page.replies()[1].get_attribute("data-status") == "completed"
        ),
        "the second reply",
    )
    old, new = (str(r.get_attribute("data-id")) for r in page.replies())
    page.until(
        lambda: actions_of(page) == [(old, None), (new, "regenerate")], "Ask again on the last"
    )
    page.shot("reply-asked-again")

    # Edit: only the last prompt offers it; saving asks for a new reply.
    def edits() -> list[int]:
        prompts = page.all("#messages li.message.user")
        return [len(p.find_elements(By.CSS_SELECTOR, "button[data-action=edit]")) for p in prompts]

    page.until(lambda: edits() == [0, 1], "Edit on the last prompt only")
    gemini.answer = None  # the stand-in now repeats the prompt it is asked
    page.click("#messages li.message.user button[data-action=edit]")  # the only one
    box = page.find("form.edit-form textarea")
    assert page.focused_id() == box.get_attribute("id")
    box.clear()
    box.send_keys("And a third thing")
    page.find("form.edit-form button[type=submit]").click()
    page.until(
        lambda: (
            len(page.replies()) == 2
            and page.replies()[1].get_attribute("data-id") != new
            and page.replies()[1].get_attribute("data-status") == "completed"
        ),
        "the edited prompt's new reply",
    )
    page.until(
        lambda: (
            page.all("#messages li.message.user")[1].find_element(By.CSS_SELECTOR, ".text").text
            == "And a third thing"
        ),
        "the edited prompt",
    )
    page.until(
        lambda: (
            page.replies()[1].find_element(By.CSS_SELECTOR, ".text").text
            == "Stand-in answer to: And a third thing"
        ),
        "the new reply's text",
    )
    assert page.text("#quota-line").startswith("1 of 5 prompts left today")
    assert console_errors(driver.get_log("browser"), ()) == []

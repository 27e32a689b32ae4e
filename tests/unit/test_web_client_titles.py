"""The chat client and titles, in a real browser against `gemini-clone
serve` (embedded default, offline model): a room made with a blank name is
`New chat` until the model's title arrives on its event stream, and the
title and the room list change without a reload."""

from __future__ import annotations

from selenium import webdriver

from tests.support.browser import ARTIFACTS
from tests.support.client_page import ClientPage

PROMPT = "Plan a three day trip to Goa in December"
TITLE = "Plan a three day trip to…"  # the offline model's: the prompt's first six words


def test_a_room_made_without_a_name_takes_the_models_title_live(
    served: str, driver: webdriver.Chrome
) -> None:
    page = ClientPage(driver, served, ARTIFACTS / "client")
    page.open()
    page.log_in_with_code("+919876543210")
    page.type_and_enter("#new-room-name", "")  # a blank name: the server's placeholder
    page.until(lambda: page.text("#chat-title") == "New chat", "the unnamed room to open")
    page.until(lambda: page.stream_state() == "live", "the room's stream to be live")
    page.send(PROMPT)  # the opened room gives the prompt box the focus
    page.until(lambda: page.text("#chat-title") == TITLE, "the model's title")
    page.until(
        lambda: page.text("#room-list li button").startswith(TITLE), "the list to show the title"
    )

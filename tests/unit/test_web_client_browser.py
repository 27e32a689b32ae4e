"""The chat client at / in a real browser against a real `gemini-clone serve`.

Headless Debian Chromium (see tests/support/browser.py) does what a person
does, with the keyboard where a person would: log in with the code the
development server shows, create a room, send a prompt and watch the reply
stream in, send until the quota refuses, try to upgrade, rename the room,
look at it on a phone, delete it, log out. The server runs the embedded
default with the offline model. Screenshots go to test-artifacts/client/
(gitignored); docs/client.png in the README is one of them.
"""

from __future__ import annotations

from pathlib import Path

import httpx
from selenium import webdriver
from selenium.webdriver.common.by import By

from tests.support.browser import (
    ARTIFACTS,
    console_errors,
    off_machine,
)
from tests.support.client_page import ClientPage
from tests.support.processes import cli_env, serving_cli
from tests.support.server import free_port

SHOTS = ARTIFACTS / "client"
NUMBER = "+919876543210"


def test_the_whole_journey_in_a_real_browser(served: str, driver: webdriver.Chrome) -> None:
    page = ClientPage(driver, served, SHOTS)
    page.new_requests()  # from here on, the page's own requests
    page.open()
    page.shot("login")
    page.log_in_with_code(NUMBER)
    assert NUMBER in page.text("#who-name")
    page.create_room("Trip to Rome")

    first_reply_streams_in(page)
    page.shot("chat")
    room_id = quota_runs_out(page)
    upgrade_is_unavailable(page)
    rename(page, room_id)
    on_a_phone(page)
    delete(page)
    token = page.token()
    page.click("#logout")
    page.visible("#code-mobile")
    after = httpx.get(f"{served}/user/me", headers={"Authorization": f"Bearer {token}"})
    assert after.status_code == 401, "logging out ends the session on the server too"

    page.new_requests()
    console = driver.get_log("browser")
    assert page.requested and off_machine(page.requested) == [], "requests left the machine"
    # The page itself logs nothing; Chromium reports the refusals the
    # journey provokes: the 6th prompt, a checkout without billing.
    assert console_errors(console, (("/message", 429), ("/subscribe/pro", 503))) == []


def first_reply_streams_in(page: ClientPage) -> None:
    """From the room in the list, Tab reaches the prompt box; Enter sends;
    the reply arrives on the event stream, delta by delta, not by fetching."""
    page.find("#room-list li button").click()
    page.until(lambda: page.stream_state() == "live", "the stream to be live again")
    page.driver.execute_script("document.querySelector('#room-list li button').focus()")
    assert page.tab_to("prompt") >= 1
    page.new_requests()
    page.send("Plan one day in Rome.")
    reply = page.wait_for_reply(1)
    stored = page.api("GET", f"/chatroom/{page.room_id()}/messages").json()["data"]
    assert [m["content"] for m in stored] == [
        page.text("#messages li.user .text"),
        reply.find_element(By.CSS_SELECTOR, ".text").text,
    ]
    assert (
        stored[0]["content"] == "Plan one day in Rome."
        and "[offline model]" in stored[1]["content"]
    )
    assert int(reply.get_attribute("data-deltas") or 0) >= 2, "the text came in deltas"
    fetched = [url for url in page.new_requests() if "/messages" in url]
    assert fetched == [], "the reply came on the stream, not from the history"
    # The send's answer may come after the stream's last event.
    page.until(
        lambda: page.text("#quota-line").startswith("4 of 5 prompts left today; resets at"),
        "the quota of the send's answer",
    )
    assert page.focused_id() == "prompt"
    assert page.problems() == []


def quota_runs_out(page: ClientPage) -> str:
    """Prompts 2 to 5 are answered; the 6th shows the server's refusal."""
    for number in range(2, 6):
        page.send(f"Prompt number {number}")
        page.wait_for_reply(number)
        left = 5 - number
        page.until(lambda left=left: page.text("#quota-line").startswith(f"{left} of 5"), "quota")
    page.send("One prompt too many")
    shown = page.prompt_error()
    rooms = page.api("GET", "/chatroom").json()["data"]
    room_id = str(rooms[0]["id"])
    refused = page.api("POST", f"/chatroom/{room_id}/message", json={"content": "x"})
    assert refused.status_code == 429
    assert shown == refused.json()["error"]["message"]
    assert page.problems() == [shown]
    assert page.text("#quota-line").startswith("0 of 5 prompts left today")
    assert page.find("#prompt").get_attribute("value") == "One prompt too many", "kept to retry"
    assert len(page.replies()) == 5
    page.shot("quota-refused")
    return room_id


def upgrade_is_unavailable(page: ClientPage) -> None:
    """Without billing the button is off from the start, with the words the
    server's refusal carries (the status says so before anyone presses it)."""
    assert page.text("#plan-tier") == "Basic"
    reason = page.visible("#plan-reason").text
    assert not page.find("#upgrade").is_enabled()
    answer = page.api("POST", "/subscribe/pro")
    assert answer.status_code == 503
    assert answer.json()["error"]["message"] in reason


def rename(page: ClientPage, room_id: str) -> None:
    page.click("#rename-room")
    assert page.focused_id() == "rename-name"
    page.type_and_enter("#rename-name", "Rome, day one")
    page.until(lambda: page.text("#chat-title") == "Rome, day one", "the new title")
    assert page.text("#room-list li .room-name") == "Rome, day one"
    room = page.api("GET", f"/chatroom/{room_id}").json()["data"]["chatroom"]
    assert room["name"] == "Rome, day one"


def on_a_phone(page: ClientPage) -> None:
    """390 px wide: the open chat alone, then the list alone, nothing wider
    than the screen."""
    page.driver.set_window_size(390, 844)
    page.until(lambda: page.driver.execute_script("return innerWidth") <= 390, "a narrow window")
    assert not page.find("#rooms").is_displayed() and page.find("#prompt").is_displayed()
    assert page.driver.execute_script("return document.documentElement.scrollWidth <= innerWidth")
    page.shot("phone-chat")
    page.click("#back-to-rooms")
    page.visible("#room-list")
    assert not page.find("#chat").is_displayed()
    assert page.driver.execute_script("return document.documentElement.scrollWidth <= innerWidth")
    page.shot("phone-rooms")
    page.find("#room-list li button").click()
    page.visible("#prompt")
    page.driver.set_window_size(1280, 860)


def delete(page: ClientPage) -> None:
    page.click("#delete-room")
    assert page.focused_id() == "delete-no", "the safe choice has the focus"
    page.click("#delete-yes")
    page.visible("#chat-empty")
    page.until(lambda: page.all("#room-list li") == [], "the list to empty")
    assert page.text("#status") == "Chat Rome, day one deleted."
    assert page.api("GET", "/chatroom").json()["data"] == []


def test_the_live_stream_comes_back_after_the_server_restarts(
    tmp_path: Path, driver: webdriver.Chrome
) -> None:
    """The stream drops with the server; the page says so, reconnects (with
    the id of the last event it saw) once the server is back, and the next
    reply streams in."""
    port = free_port()
    env = cli_env(DATA_DIR=str(tmp_path / "data"))
    page = ClientPage(driver, f"http://127.0.0.1:{port}", SHOTS)
    with serving_cli(env, port) as server:
        page.open()
        page.log_in_with_code(NUMBER)
        page.create_room("Through a restart")
        page.send("Before the restart")
        page.wait_for_reply(1)
        page.new_requests()
        server.kill()  # the stream drops as it would in a crash
    page.until(lambda: page.stream_state() == "reconnecting", "the page to notice the drop")
    assert page.visible("#stream-problem").text.startswith("Live updates: ")
    with serving_cli(env, port):
        # The server asks for 2 s between tries, doubled after each failure.
        page.until(lambda: page.stream_state() == "live", "the stream to be live again", 40)
        assert page.problems() == []
        page.new_requests()
        resumed = [h for url, h in page.sent if url.endswith("/events") and "Last-Event-ID" in h]
        assert resumed and all(h["Last-Event-ID"] for h in resumed)
        page.find("#prompt").click()
        page.send("Still there?")
        reply = page.wait_for_reply(2)
        assert int(reply.get_attribute("data-deltas") or 0) >= 1, "streamed after the restart"
        assert len(page.replies()) == 2, "the catch-up showed nothing twice"
        # Closes the stream before the server stops.
        page.click("#logout")
    console = driver.get_log("browser")
    assert console_errors(console, (("/events", "net::ERR_"),)) == []

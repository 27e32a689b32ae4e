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

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.support.browser import (
    ARTIFACTS,
    chromium,
    console_errors,
    off_machine,
)
from tests.support.client_page import ClientPage
from tests.support.processes import cli_env, serving_cli
from tests.support.server import free_port

SHOTS = ARTIFACTS / "client"
NUMBER = "+919876543210"


@pytest.fixture
def served(tmp_path: Path) -> Iterator[str]:
    port = free_port()
    with serving_cli(cli_env(DATA_DIR=str(tmp_path / "data")), port):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture
def driver(tmp_path: Path) -> Iterator[webdriver.Chrome]:
    with chromium(tmp_path / "profile", window="1280,860") as browser:
        yield browser


def api(base: str, page: ClientPage, method: str, path: str, **kwargs: Any) -> httpx.Response:
    """The API as the page's session sees it (its own token)."""
    headers = {"Authorization": f"Bearer {page.token()}"}
    return httpx.request(method, f"{base}{path}", headers=headers, timeout=10, **kwargs)


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
    room_id = quota_runs_out(page, served)
    upgrade_is_unavailable(page, served)
    rename(page, served, room_id)
    on_a_phone(page)
    delete(page, served)
    page.click("#logout")
    page.visible("#code-mobile")

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
    stored = api(page.base, page, "GET", f"/chatroom/{page.room_id()}/messages").json()["data"]
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


def quota_runs_out(page: ClientPage, base: str) -> str:
    """Prompts 2 to 5 are answered; the 6th shows the server's refusal."""
    for number in range(2, 6):
        page.send(f"Prompt number {number}")
        page.wait_for_reply(number)
        left = 5 - number
        page.until(lambda left=left: page.text("#quota-line").startswith(f"{left} of 5"), "quota")
    page.send("One prompt too many")
    shown = page.prompt_error()
    rooms = api(base, page, "GET", "/chatroom").json()["data"]
    room_id = str(rooms[0]["id"])
    refused = api(base, page, "POST", f"/chatroom/{room_id}/message", json={"content": "x"})
    assert refused.status_code == 429
    assert shown == refused.json()["error"]["message"]
    assert page.problems() == [shown]
    assert page.text("#quota-line").startswith("0 of 5 prompts left today")
    assert page.find("#prompt").get_attribute("value") == "One prompt too many", "kept to retry"
    assert len(page.replies()) == 5
    page.shot("quota-refused")
    return room_id


def upgrade_is_unavailable(page: ClientPage, base: str) -> None:
    assert page.text("#plan-tier") == "Basic"
    page.click("#upgrade")
    reason = page.visible("#plan-reason").text
    answer = api(base, page, "POST", "/subscribe/pro")
    assert answer.status_code == 503
    assert answer.json()["error"]["message"] in reason
    assert not page.find("#upgrade").is_enabled()


def rename(page: ClientPage, base: str, room_id: str) -> None:
    page.click("#rename-room")
    assert page.focused_id() == "rename-name"
    page.type_and_enter("#rename-name", "Rome, day one")
    page.until(lambda: page.text("#chat-title") == "Rome, day one", "the new title")
    assert page.text("#room-list li .room-name") == "Rome, day one"
    room = api(base, page, "GET", f"/chatroom/{room_id}").json()["data"]["chatroom"]
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


def delete(page: ClientPage, base: str) -> None:
    page.click("#delete-room")
    assert page.focused_id() == "delete-no", "the safe choice has the focus"
    page.click("#delete-yes")
    page.visible("#chat-empty")
    page.until(lambda: page.all("#room-list li") == [], "the list to empty")
    assert page.text("#status") == "Chat Rome, day one deleted."
    assert api(base, page, "GET", "/chatroom").json()["data"] == []


@pytest.fixture
def served_with_a_dead_model(tmp_path: Path) -> Iterator[str]:
    """Gemini configured at a port where nothing listens: every reply fails."""
    port = free_port()
    env = cli_env(
        DATA_DIR=str(tmp_path / "data"),
        GEMINI_API_KEY="test-key",
        GEMINI_API_BASE=f"http://127.0.0.1:{free_port()}",
        REPLY_DEADLINE_SECONDS="2",
        BASIC_DAILY_LIMIT="50",
    )
    with serving_cli(env, port):
        yield f"http://127.0.0.1:{port}"


def test_sign_up_password_login_a_failed_reply_and_older_history(
    served_with_a_dead_model: str, driver: webdriver.Chrome
) -> None:
    base = served_with_a_dead_model
    page = ClientPage(driver, base, SHOTS)
    page.new_requests()
    page.open()
    sign_up(page, "Asha", "a long pass phrase 7")
    page.click("#logout")
    wrong = log_in_with_password(page, "not the password")
    assert page.text("#password-form .error") == wrong
    log_in_with_password(page, "a long pass phrase 7")
    page.visible("#app-view")
    page.create_room("Failures")

    failed_reply_shows_its_reason(page, base)
    older_history_loads_upwards(page, base)
    rooms_come_page_by_page(page, base)
    a_revoked_session_ends_on_the_page(page, base)

    page.new_requests()
    assert off_machine(page.requested) == []
    console = driver.get_log("browser")
    refused = (("/auth/login", 401), ("/messages", 401), ("/events", 401))
    assert console_errors(console, refused) == []


def sign_up(page: ClientPage, name: str, password: str) -> None:
    page.click('.switcher [data-mode="signup"]')
    page.visible("#signup-mobile").send_keys(NUMBER)
    page.find("#signup-name").send_keys(name)
    page.find("#signup-password").send_keys(password)
    page.find("#signup-password").send_keys(Keys.ENTER)
    assert "Account created" in page.visible("#code-sent").text
    page.shot("signup-code")
    code = page.text("#dev-code").rsplit(" ", 1)[-1]
    page.type_and_enter("#otp", code)
    page.visible("#app-view")
    assert page.text("#who-name") == f"{name} ({NUMBER})"


def log_in_with_password(page: ClientPage, password: str) -> str:
    """Logs in; answers the message the server gave when it refused."""
    page.click('.switcher [data-mode="password"]')
    page.visible("#password-mobile").clear()
    page.find("#password-mobile").send_keys(NUMBER)
    page.type_and_enter("#password", password)
    answer = httpx.post(
        f"{page.base}/auth/login", json={"mobile_number": NUMBER, "password": password}, timeout=10
    )
    if answer.status_code == 200:
        return ""
    page.visible("#password-form .error")
    return str(answer.json()["error"]["message"])


def failed_reply_shows_its_reason(page: ClientPage, base: str) -> None:
    page.send("Will this work?")
    page.until(
        lambda: page.replies() and page.replies()[0].get_attribute("data-status") == "failed",
        "the reply to fail",
    )
    stored = api(base, page, "GET", f"/chatroom/{page.room_id()}/messages").json()["data"]
    reason = stored[1]["error"]
    assert stored[1]["status"] == "failed" and reason
    shown = page.replies()[0].find_element(By.CSS_SELECTOR, ".state").text
    assert shown == f"The reply failed: {reason}"
    # ... and the prompt is given back.
    page.until(lambda: page.text("#quota-line").startswith("50 of 50"), "the prompt given back")
    page.shot("failed-reply")


def older_history_loads_upwards(page: ClientPage, base: str) -> None:
    """32 messages: the room opens on the latest 30, the button above them
    brings the 2 older ones, in order, and goes away."""
    room = page.room_id()
    for number in range(15):
        sent = api(base, page, "POST", f"/chatroom/{room}/message", json={"content": f"#{number}"})
        assert sent.status_code == 202, sent.text
    page.click("#room-list li button")
    page.until(lambda: len(page.all("#messages li")) == 30, "the latest page")
    assert not page.all("#messages li.user")[0].text.endswith("Will this work?")
    page.click("#older")
    page.until(lambda: len(page.all("#messages li")) == 32, "the older page")
    texts = [item.find_element(By.CSS_SELECTOR, ".text").text for item in page.all("#messages li")]
    assert texts[0] == "Will this work?"
    assert [t for t in texts if t.startswith("#")] == [f"#{n}" for n in range(15)]
    assert not page.find("#older").is_displayed()


def rooms_come_page_by_page(page: ClientPage, base: str) -> None:
    """22 rooms: after a reload (the session survives it) the list shows the
    20 with the newest activity, the button below brings the other 2."""
    for number in range(21):
        created = api(base, page, "POST", "/chatroom", json={"name": f"Room {number}"})
        assert created.status_code == 201, created.text
    page.driver.refresh()
    page.visible("#app-view")
    page.until(lambda: len(page.all("#room-list li")) == 20, "the first page of rooms")
    assert page.text("#room-list li .room-name") == "Room 20"
    page.click("#more-rooms")
    page.until(lambda: len(page.all("#room-list li")) == 22, "the second page")
    names = [item.text for item in page.all("#room-list li .room-name")]
    assert names[-1] == "Failures" and len(set(names)) == 22
    assert not page.find("#more-rooms").is_displayed()


def test_the_live_stream_comes_back_after_the_server_restarts(
    tmp_path: Path, driver: webdriver.Chrome
) -> None:
    port = free_port()
    env = cli_env(DATA_DIR=str(tmp_path / "data"))
    page = ClientPage(driver, f"http://127.0.0.1:{port}", SHOTS)
    with serving_cli(env, port) as server:
        page.open()
        page.log_in_with_code(NUMBER)
        page.create_room("Through a restart")
        server.kill()  # the stream drops as it would in a crash
    page.until(lambda: page.stream_state() == "reconnecting", "the page to notice the drop")
    assert page.visible("#stream-problem").text.startswith("Live updates: ")
    with serving_cli(env, port):
        page.until(lambda: page.stream_state() == "live", "the stream to be live again")
        assert page.problems() == []
        page.find("#prompt").click()
        page.send("Still there?")
        reply = page.wait_for_reply(1)
        assert int(reply.get_attribute("data-deltas") or 0) >= 1, "streamed after the restart"
        # Closes the stream, which would otherwise hold the server's shutdown.
        page.click("#logout")
    console = driver.get_log("browser")
    assert console_errors(console, (("/events", "net::ERR_"),)) == []


def a_revoked_session_ends_on_the_page(page: ClientPage, base: str) -> None:
    """A password change elsewhere revokes the page's token: its next call
    is refused and the page says so on the login screen."""
    changed = api(
        base,
        page,
        "POST",
        "/auth/change-password",
        json={"current_password": "a long pass phrase 7", "new_password": "another pass phrase 8"},
    )
    assert changed.status_code == 200, changed.text
    page.click("#room-list li button")
    notice = page.visible("#notice").text
    page.visible("#code-mobile")
    assert notice.startswith("Your session has ended (") and notice.endswith("Log in again.")
    assert page.driver.execute_script("return sessionStorage['gemini-clone.token']") is None

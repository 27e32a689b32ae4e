"""The browser client's accounts and edges in a real browser: sign up with a
name and a password, log in with the password (a wrong one shows the
server's message), a reply that fails shows why and gives its prompt back,
older messages and more rooms page in, and a session revoked elsewhere sends
the page to the login screen. Gemini is configured at a port where nothing
listens, so every reply fails. (The main journey: test_web_client_browser.py.)
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from tests.support.browser import ARTIFACTS, console_errors, off_machine
from tests.support.client_page import ClientPage
from tests.support.processes import serving_client
from tests.support.server import free_port

SHOTS = ARTIFACTS / "client"
NUMBER = "+919876543210"
PASSWORD = "a long pass phrase 7"


@pytest.fixture
def served_with_a_dead_model(tmp_path: Path) -> Iterator[str]:
    """Gemini configured at a port where nothing listens: every reply fails."""
    with serving_client(
        tmp_path / "data",
        GEMINI_API_KEY="test-key",
        GEMINI_API_BASE=f"http://127.0.0.1:{free_port()}",
        REPLY_DEADLINE_SECONDS="2",
        BASIC_DAILY_LIMIT="50",
    ) as url:
        yield url


def test_sign_up_password_login_a_failed_reply_and_older_history(
    served_with_a_dead_model: str, driver: webdriver.Chrome
) -> None:
    page = ClientPage(driver, served_with_a_dead_model, SHOTS)
    page.new_requests()
    page.open()
    sign_up(page, "Asha", PASSWORD)
    page.click("#logout")
    wrong = log_in_with_password(page, "not the password")
    assert page.text("#password-form .error") == wrong
    log_in_with_password(page, PASSWORD)
    page.visible("#app-view")
    page.create_room("Failures")

    failed_reply_shows_its_reason(page)
    older_history_loads_upwards(page)
    rooms_come_page_by_page(page)
    a_revoked_session_ends_on_the_page(page)

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


def failed_reply_shows_its_reason(page: ClientPage) -> None:
    page.send("Will this work?")
    page.until(
        lambda: page.replies() and page.replies()[0].get_attribute("data-status") == "failed",
        "the reply to fail",
    )
    stored = page.api("GET", f"/chatroom/{page.room_id()}/messages").json()["data"]
    reason = stored[1]["error"]
    assert stored[1]["status"] == "failed" and reason
    shown = page.replies()[0].find_element(By.CSS_SELECTOR, ".state").text
    assert shown == f"The reply failed: {reason}"
    # ... and the prompt is given back.
    page.until(lambda: page.text("#quota-line").startswith("50 of 50"), "the prompt given back")
    page.shot("failed-reply")


def older_history_loads_upwards(page: ClientPage) -> None:
    """32 messages: the room opens on the latest 30, the button above them
    brings the 2 older ones, in order, and goes away."""
    room = page.room_id()
    for number in range(15):
        sent = page.api("POST", f"/chatroom/{room}/message", json={"content": f"#{number}"})
        assert sent.status_code == 202, sent.text
    page.click("#room-list li button")
    page.until(lambda: len(page.all("#messages li")) == 30, "the latest page")
    assert not page.all("#messages li.user")[0].text.endswith("Will this work?")
    page.click("#older")
    page.until(lambda: len(page.all("#messages li")) == 32, "the older page")
    # Read afresh if a reply is redrawn while its text is read.
    texts = page.until(
        lambda: [
            item.find_element(By.CSS_SELECTOR, ".text").text for item in page.all("#messages li")
        ],
        "the texts of the messages",
    )
    assert texts[0] == "Will this work?"
    assert [t for t in texts if t.startswith("#")] == [f"#{n}" for n in range(15)]
    assert not page.find("#older").is_displayed()


def rooms_come_page_by_page(page: ClientPage) -> None:
    """22 rooms: after a reload (the session survives it) the list shows the
    20 with the newest activity, the button below brings the other 2."""
    for number in range(21):
        created = page.api("POST", "/chatroom", json={"name": f"Room {number}"})
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


def a_revoked_session_ends_on_the_page(page: ClientPage) -> None:
    """A password change elsewhere revokes the page's token: its next call
    is refused and the page says so on the login screen."""
    changed = page.api(
        "POST",
        "/auth/change-password",
        json={"current_password": PASSWORD, "new_password": "another pass phrase 8"},
    )
    assert changed.status_code == 200, changed.text
    page.click("#room-list li button")
    notice = page.visible("#notice").text
    page.visible("#code-mobile")
    assert notice.startswith("Your session has ended (") and notice.endswith("Log in again.")
    assert page.driver.execute_script("return sessionStorage['gemini-clone.token']") is None

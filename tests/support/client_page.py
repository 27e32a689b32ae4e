"""The browser client at ``/`` as a test drives it: what a person does on
the page (type, press Enter, click) and what the page shows."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

from tests.support.browser import requests_sent

WAIT = 15


class ClientPage:
    def __init__(self, driver: webdriver.Chrome, base: str, shots: Path) -> None:
        self.driver = driver
        self.base = base
        self.shots = shots
        self.requested: list[str] = []
        self.sent: list[tuple[str, dict[str, str]]] = []

    # --- looking -------------------------------------------------------

    def find(self, css: str) -> WebElement:
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def all(self, css: str) -> list[WebElement]:
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def until(self, condition: Callable[[], Any], what: str, timeout: float = WAIT) -> Any:
        # The page redraws a message in place as it changes: an element read
        # a moment ago may be gone, and the next try reads it afresh.
        wait = WebDriverWait(
            self.driver, timeout, ignored_exceptions=[StaleElementReferenceException]
        )
        return wait.until(lambda _: condition(), what)

    def visible(self, css: str) -> WebElement:
        return self.until(lambda: self._shown(css), f"{css} to show")

    def _shown(self, css: str) -> WebElement | None:
        found = self.all(css)
        return found[0] if found and found[0].is_displayed() else None

    def text(self, css: str) -> str:
        return str(self.find(css).text)

    def new_requests(self) -> list[str]:
        """The URLs the page requested since the last call (all of them are
        kept in ``requested``)."""
        sent = requests_sent(self.driver)
        self.sent.extend(sent)
        urls = [url for url, _ in sent]
        self.requested.extend(urls)
        return urls

    def problems(self) -> list[str]:
        """What the page shows as going wrong (notices and error messages)."""
        shown = self.all("#notice, #stream-problem, .error")
        return [str(element.text) for element in shown if element.is_displayed()]

    def focused_id(self) -> str:
        return str(self.driver.execute_script("return document.activeElement.id"))

    def shot(self, name: str) -> Path:
        self.shots.mkdir(parents=True, exist_ok=True)
        path = self.shots / f"{name}.png"
        self.driver.save_screenshot(str(path))
        return path

    def room_id(self) -> str:
        """The id of the open room (the selected one in the list)."""
        return str(
            self.find('#room-list li:has(button[aria-current="true"])').get_attribute("data-id")
        )

    def token(self) -> str:
        return str(self.driver.execute_script("return sessionStorage['gemini-clone.token']"))

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The API as the page's session sees it (with its token)."""
        headers = {"Authorization": f"Bearer {self.token()}"}
        return httpx.request(method, f"{self.base}{path}", headers=headers, timeout=10, **kwargs)

    # --- doing ---------------------------------------------------------

    def open(self) -> None:
        self.driver.get(f"{self.base}/")
        self.visible("#code-mobile")

    def log_in_with_code(self, number: str) -> str:
        """Types the number, presses Enter, reads the code the development
        server shows, types it, presses Enter. Answers the code shown."""
        self.type_and_enter("#code-mobile", number)
        shown = self.visible("#dev-code").text
        code = str(shown.rsplit(" ", 1)[-1])
        assert self.focused_id() == "otp", "the code field takes the focus"
        self.type_and_enter("#otp", code)
        self.visible("#app-view")
        return code

    def type_and_enter(self, css: str, text: str) -> None:
        field = self.visible(css)
        field.clear()
        field.send_keys(text)
        field.send_keys(Keys.ENTER)

    def create_room(self, name: str) -> None:
        self.type_and_enter("#new-room-name", name)
        self.until(lambda: self.text("#chat-title") == name, f"room {name} to open")
        self.until(lambda: self.stream_state() == "live", "the room's stream to be live")

    def stream_state(self) -> str:
        return str(self.find("#chat").get_attribute("data-stream"))

    def tab_to(self, element_id: str, limit: int = 30) -> int:
        """Presses Tab until ``element_id`` has the focus; the presses needed."""
        for presses in range(1, limit + 1):
            self.driver.switch_to.active_element.send_keys(Keys.TAB)
            if self.focused_id() == element_id:
                return presses
        raise AssertionError(f"Tab never reached #{element_id}")

    def send(self, prompt: str) -> None:
        """Types ``prompt`` into the focused prompt box and presses Enter."""
        box = self.driver.switch_to.active_element
        assert box.get_attribute("id") == "prompt"
        box.send_keys(prompt)
        box.send_keys(Keys.ENTER)

    def replies(self) -> list[WebElement]:
        return self.all("#messages li.message.model")

    def wait_for_reply(self, count: int) -> WebElement:
        """The ``count``-th reply, once it is completed."""
        self.until(
            lambda: (
                len(self.replies()) >= count
                and self.replies()[count - 1].get_attribute("data-status") == "completed"
            ),
            f"reply {count} to complete",
        )
        return self.replies()[count - 1]

    def prompt_error(self) -> str:
        return str(self.visible("#prompt-form .error").text)

    def click(self, css: str) -> None:
        self.visible(css).click()

"""The one logging set-up of every process, and the request id that travels
with a queued reply."""

from __future__ import annotations

import contextvars
import json
import logging
import os
from collections.abc import Iterator

import pytest
from taskiq import TaskiqMessage

from adapters.taskiq.request_id import REQUEST_ID_LABEL, RequestIdMiddleware
from entrypoints.logging_setup import LogOptions, configure_logging
from gemini_core.request_context import current_request_id, reset_request_id, set_request_id


@pytest.fixture
def restore_logging() -> Iterator[None]:
    """``configure_logging`` changes the root logger: put it back after."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    names = (
        "uvicorn",
        "uvicorn.error",
        "httpx",
        "alembic.runtime.migration",
        "alembic.runtime.plugins",
    )
    loggers = {n: logging.getLogger(n) for n in names}
    saved_loggers = {
        n: (list(lg.handlers), lg.level, lg.propagate, list(lg.filters))
        for n, lg in loggers.items()
    }
    yield
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name, (handlers, level, propagate, filters) in saved_loggers.items():
        lg = loggers[name]
        lg.handlers[:], lg.propagate, lg.filters[:] = handlers, propagate, filters
        lg.setLevel(level)


def emit_lines(capsys: pytest.CaptureFixture[str], options: LogOptions) -> list[str]:
    configure_logging(options)
    token = set_request_id("req-42")
    try:
        logging.getLogger("gemini_clone.test").info("inside a request", extra={"status": 201})
        try:
            raise ValueError("kaput")
        except ValueError:
            logging.getLogger("gemini_clone.test").exception("it failed")
    finally:
        reset_request_id(token)
    logging.getLogger("gemini_clone.test").warning("outside any request")
    return capsys.readouterr().err.splitlines()


@pytest.mark.usefixtures("restore_logging")
def test_text_lines_name_the_request_and_the_process(capsys: pytest.CaptureFixture[str]) -> None:
    lines = emit_lines(capsys, LogOptions(level="INFO", format="text"))
    assert f" INFO {os.getpid()} gemini_clone.test [req-42] inside a request" in lines[0]
    assert "Traceback" in "\n".join(lines) and "ValueError: kaput" in "\n".join(lines)
    assert lines[-1].endswith("gemini_clone.test [-] outside any request")


@pytest.mark.usefixtures("restore_logging")
def test_json_lines_parse_and_carry_the_fields(capsys: pytest.CaptureFixture[str]) -> None:
    first, failure, outside = (
        json.loads(line) for line in emit_lines(capsys, LogOptions(level="INFO", format="json"))
    )
    assert first["message"] == "inside a request" and first["level"] == "INFO"
    assert first["logger"] == "gemini_clone.test" and first["process"] == os.getpid()
    assert first["request_id"] == "req-42" and first["status"] == 201
    assert first["time"].endswith("+00:00")
    assert "ValueError: kaput" in failure["exception"]
    assert "request_id" not in outside


@pytest.mark.usefixtures("restore_logging")
def test_uvicorn_goes_through_the_one_handler(capsys: pytest.CaptureFixture[str]) -> None:
    own = logging.StreamHandler()
    logging.getLogger("uvicorn.error").addHandler(own)
    logging.getLogger("uvicorn.error").propagate = False
    configure_logging(LogOptions(format="json"))
    logging.getLogger("uvicorn.error").info("Started server process")
    assert json.loads(capsys.readouterr().err)["logger"] == "uvicorn.error"


@pytest.mark.usefixtures("restore_logging")
def test_alembic_start_up_chatter_is_dropped_unless_debugging(
    capsys: pytest.CaptureFixture[str],
) -> None:
    migration = logging.getLogger("alembic.runtime.migration")
    configure_logging(LogOptions(level="INFO"))
    logging.getLogger("alembic.runtime.plugins").info("setup plugin alembic.autogenerate.types")
    migration.info("Context impl SQLiteImpl.")
    migration.info("Will assume non-transactional DDL.")
    migration.info("Running upgrade  -> 0001, initial")
    assert capsys.readouterr().err.count("\n") == 1
    configure_logging(LogOptions(level="DEBUG"))
    migration.info("Context impl SQLiteImpl.")
    assert "Context impl" in capsys.readouterr().err


def test_the_request_id_travels_with_a_queued_task() -> None:
    middleware = RequestIdMiddleware()
    message = TaskiqMessage(task_id="t1", task_name="reply", labels={}, args=[], kwargs={})

    def send() -> TaskiqMessage:
        set_request_id("prompt-77")
        return middleware.pre_send(message)

    sent = contextvars.Context().run(send)
    assert sent.labels[REQUEST_ID_LABEL] == "prompt-77"

    def run() -> str | None:
        middleware.pre_execute(sent)
        return current_request_id()

    # The worker runs it in a context of its own, knowing nothing of the API's.
    assert contextvars.Context().run(run) == "prompt-77"


def test_a_task_without_the_label_runs_without_a_request_id() -> None:
    middleware = RequestIdMiddleware()
    message = TaskiqMessage(task_id="t2", task_name="reply", labels={}, args=[], kwargs={})
    assert REQUEST_ID_LABEL not in contextvars.Context().run(middleware.pre_send, message).labels

    def run() -> str | None:
        middleware.pre_execute(message)
        return current_request_id()

    assert contextvars.Context().run(run) is None

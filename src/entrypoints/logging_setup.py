"""One logging set-up for every process: the CLI, each API process and each
worker process call ``configure_logging`` before anything else.

- One handler on the root logger, to stderr, in one format: readable text
  by default, one JSON object per line with ``LOG_FORMAT=json``.
- Every record carries ``request_id`` (the request the work was started by,
  see ``gemini_core.request_context``), so the API's and the worker's lines
  of one prompt can be found together.
- Uvicorn's loggers lose their own handlers and go through the root one;
  its access log stays off (``entrypoints.http.observability`` writes ours).
- Start-up chatter is dropped unless ``LOG_LEVEL=DEBUG``: Alembic's "setup
  plugin ..." lines (every process that imports it), its "Context impl ..."
  and "Will assume transactional DDL" lines, and httpx's line per outgoing
  request.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from gemini_core.request_context import current_request_id

if TYPE_CHECKING:
    from entrypoints.settings import Settings

LogFormat = Literal["text", "json"]
TEXT_FORMAT = "%(asctime)s %(levelname)s %(process)d %(name)s [%(request_id)s] %(message)s"
_UVICORN = ("uvicorn", "uvicorn.error", "uvicorn.access", "uvicorn.asgi")
_CHATTY = ("httpx", "httpcore", "alembic.runtime.plugins")
# Attributes every LogRecord has; anything else was passed with ``extra=``.
_STANDARD = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "request_id",
    "taskName",
    "color_message",  # uvicorn's copy of the message with terminal colours
}


@dataclass(frozen=True)
class LogOptions:
    """How a process logs: picklable, so a parent hands it to its children."""

    level: str = "INFO"
    format: LogFormat = "text"


class RequestIdFilter(logging.Filter):
    """Adds ``request_id`` (None outside a request) to every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class AlembicChatterFilter(logging.Filter):
    """Drops Alembic's two lines of every start; keeps "Running upgrade ..."."""

    _CHATTER = ("Context impl", "Will assume")

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.getMessage().startswith(self._CHATTER)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        request_id = getattr(record, "request_id", None)
        record.request_id = request_id or "-"
        try:
            return super().format(record)
        finally:
            record.request_id = request_id


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC, ISO 8601), level, logger,
    message, process, request_id when there is one, the fields given with
    ``extra=``, and the traceback as ``exception``."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": dt.datetime.fromtimestamp(record.created, dt.UTC).isoformat(
                timespec="milliseconds"
            ),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "process": record.process,
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            entry["stack"] = self.formatStack(record.stack_info)
        return json.dumps(entry, default=str, ensure_ascii=False)


def configure_logging(options: LogOptions) -> None:
    """Make this process log as ``options`` say; safe to call again."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if options.format == "json" else TextFormatter())
    handler.addFilter(RequestIdFilter())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(options.level)
    for name in _UVICORN:
        routed = logging.getLogger(name)
        routed.handlers.clear()
        routed.propagate = True
        routed.setLevel(logging.NOTSET)
    debug = options.level == "DEBUG"
    for name in _CHATTY:
        logging.getLogger(name).setLevel(logging.NOTSET if debug else logging.WARNING)
    migration = logging.getLogger("alembic.runtime.migration")
    for old_filter in [f for f in migration.filters if isinstance(f, AlembicChatterFilter)]:
        migration.removeFilter(old_filter)
    if not debug:
        migration.addFilter(AlembicChatterFilter())


def log_options(settings: Settings) -> LogOptions:
    return LogOptions(level=settings.log_level, format=settings.log_format)

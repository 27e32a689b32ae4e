"""Reading ``text/event-stream`` the way a browser's EventSource does: frame
by frame, each frame the lines up to a blank one."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx


@dataclass
class Frame:
    lines: list[str] = field(default_factory=list)

    def field(self, name: str) -> list[str]:
        prefix = f"{name}:"
        return [
            line[len(prefix) :].removeprefix(" ") for line in self.lines if line.startswith(prefix)
        ]

    @property
    def id(self) -> str | None:
        ids = self.field("id")
        return ids[-1] if ids else None

    @property
    def event(self) -> str | None:
        names = self.field("event")
        return names[-1] if names else None

    @property
    def data(self) -> Any:
        """The JSON of the frame's data, None when it has no data line."""
        lines = self.field("data")
        return json.loads("\n".join(lines)) if lines else None

    @property
    def comments(self) -> list[str]:
        return [line[1:].strip() for line in self.lines if line.startswith(":")]


class FrameReader:
    """The frames of one response, read in parts (a response's lines can be
    iterated only once). Keep the reader while the stream should stay open:
    one garbage-collected closes its response."""

    def __init__(self, response: httpx.Response) -> None:
        self._lines = response.aiter_lines()
        self.ended = False

    async def next(self) -> Frame | None:
        """The next frame, or None when the server ended the stream."""
        frame = Frame()
        async for line in self._lines:
            if line:
                frame.lines.append(line)
            elif frame.lines:
                return frame
        self.ended = True
        return frame if frame.lines else None

    async def until(self, event: str, message_id: str | None = None) -> list[Frame]:
        """Frames up to and including the first ``event`` (of ``message_id``, if given)."""
        seen = []
        while (frame := await self.next()) is not None:
            seen.append(frame)
            if frame.event == event and (message_id is None or frame.data["id"] == message_id):
                return seen
        raise AssertionError(f"the stream ended before {event}: {[f.lines for f in seen]}")

    async def to_end(self) -> list[Frame]:
        """Every frame until the server ends the stream."""
        seen = []
        while (frame := await self.next()) is not None:
            seen.append(frame)
        return seen


def events_of(seen: list[Frame]) -> list[tuple[str, Any]]:
    return [(frame.event, frame.data) for frame in seen if frame.event is not None]

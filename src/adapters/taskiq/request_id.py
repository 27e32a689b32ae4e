"""The request id travels with a queued reply, as a Taskiq label.

Sending, the label is taken from the current request (the API's prompt);
running, it is made current again, so the worker's log lines of that reply
name the request that asked for it. A task without the label (queued by
the sweep, or by an older release) simply runs without one.
"""

from __future__ import annotations

from taskiq import TaskiqMessage, TaskiqMiddleware

from gemini_core.request_context import current_request_id, set_request_id

REQUEST_ID_LABEL = "request_id"


class RequestIdMiddleware(TaskiqMiddleware):
    def pre_send(self, message: TaskiqMessage) -> TaskiqMessage:
        request_id = current_request_id()
        if request_id and REQUEST_ID_LABEL not in message.labels:
            message.labels[REQUEST_ID_LABEL] = request_id
        return message

    def pre_execute(self, message: TaskiqMessage) -> TaskiqMessage:
        # Taskiq runs each message in an asyncio task of its own, so what is
        # set here lasts for this message's run only.
        request_id = message.labels.get(REQUEST_ID_LABEL)
        if request_id:
            set_request_id(str(request_id))
        return message

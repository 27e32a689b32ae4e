"""The conversation as the model is shown it."""

from __future__ import annotations

from gemini_core.model import Message, MessageStatus, Role
from gemini_core.ports import ModelTurn


def build_turns(history_newest_first: list[Message], budget_chars: int) -> list[ModelTurn]:
    """The conversation as alternating user/model turns, oldest first,
    keeping the newest messages that fit in ``budget_chars``.

    Pending and failed replies carry no text worth showing the model; two
    turns of one role in a row (a prompt whose reply failed) are merged,
    and the conversation always starts with the user.
    """
    kept: list[Message] = []
    used = 0
    for message in history_newest_first:
        if message.role is Role.MODEL and message.status is not MessageStatus.COMPLETED:
            continue
        cost = len(message.content)
        if kept and used + cost > budget_chars:
            break
        kept.append(message)
        used += cost
    turns: list[ModelTurn] = []
    for message in reversed(kept):
        if turns and turns[-1].role is message.role:
            turns[-1] = ModelTurn(role=message.role, text=turns[-1].text + "\n\n" + message.content)
        else:
            turns.append(ModelTurn(role=message.role, text=message.content))
    while turns and turns[0].role is not Role.USER:
        turns.pop(0)
    return turns

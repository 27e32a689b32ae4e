"""Contract of ``ChatModel``: a text answer, streamed as deltas that make it
up, with or without a system instruction, over a multi-turn history; token
counts absent or non-negative (a total no less than its parts), the model
that answered a name if given; a failure raised as ``ModelError``.

A subclass provides the adapter as ``model``. An adapter that can fail (a
remote model) also subclasses ``FailingChatModelContract`` and provides, as
``failing_model``, the same adapter made to fail every request; the offline
model has no failure mode, so it has no such test rather than a skipped one.
"""

from __future__ import annotations

import msgspec
import pytest

from gemini_core.errors import ModelError
from gemini_core.model import Role
from gemini_core.ports import ChatModel, ModelReply, ModelRequest, ModelTurn
from gemini_core.services.titles import clean_title, title_request

PROMPT = ModelRequest(turns=[ModelTurn(role=Role.USER, text="What is the capital of France?")])
HISTORY = ModelRequest(
    turns=[
        ModelTurn(role=Role.USER, text="What is the capital of France?"),
        ModelTurn(role=Role.MODEL, text="Paris."),
        ModelTurn(role=Role.USER, text="And of Italy?"),
    ],
    system_instruction="Answer briefly.",
)


class Deltas:
    """A ``DeltaSink`` that keeps what it is given."""

    def __init__(self) -> None:
        self.items: list[str] = []

    async def __call__(self, text: str) -> None:
        self.items.append(text)


def assert_answered(reply: ModelReply) -> None:
    assert isinstance(reply, ModelReply)
    assert isinstance(reply.text, str)
    assert reply.text.strip()


class ChatModelContract:
    async def test_a_prompt_is_answered_with_text(self, model: ChatModel) -> None:
        assert_answered(await model.generate(PROMPT, Deltas()))

    async def test_the_deltas_make_up_the_answer(self, model: ChatModel) -> None:
        deltas = Deltas()

        reply = await model.generate(HISTORY, deltas)

        assert deltas.items
        assert all(isinstance(delta, str) for delta in deltas.items)
        assert "".join(deltas.items) == reply.text

    async def test_the_system_instruction_is_optional(self, model: ChatModel) -> None:
        assert PROMPT.system_instruction is None
        instructed = msgspec.structs.replace(PROMPT, system_instruction="Answer in one word.")

        assert_answered(await model.generate(PROMPT, Deltas()))
        assert_answered(await model.generate(instructed, Deltas()))

    async def test_a_multi_turn_history_is_answered(self, model: ChatModel) -> None:
        assert_answered(await model.generate(HISTORY, Deltas()))

    async def test_a_title_request_is_answered_with_a_usable_title(self, model: ChatModel) -> None:
        request = title_request("What is the capital of France?", "Paris.")

        reply = await model.generate(request, Deltas())

        assert clean_title(reply.text), reply.text

    async def test_token_counts_are_absent_or_non_negative(self, model: ChatModel) -> None:
        reply = await model.generate(HISTORY, Deltas())

        counts = (reply.prompt_tokens, reply.output_tokens, reply.thinking_tokens)
        for count in (*counts, reply.total_tokens):
            assert count is None or (type(count) is int and count >= 0), count
        if reply.total_tokens is not None:
            assert reply.total_tokens >= sum(count or 0 for count in counts)
        assert reply.finish_reason is None or isinstance(reply.finish_reason, str)
        assert reply.model is None or (isinstance(reply.model, str) and reply.model)


class FailingChatModelContract:
    async def test_a_failure_is_a_model_error(self, failing_model: ChatModel) -> None:
        deltas = Deltas()

        with pytest.raises(ModelError):
            await failing_model.generate(PROMPT, deltas)

        assert deltas.items == []

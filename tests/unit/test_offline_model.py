"""The offline chat model: a local, deterministic answer that says what it is."""

from __future__ import annotations

import pytest

from adapters.offline_model import OfflineChatModel
from gemini_core.model import Role
from gemini_core.ports import ModelRequest, ModelTurn
from gemini_core.services.titles import title_request


class Deltas:
    def __init__(self) -> None:
        self.items: list[str] = []

    async def __call__(self, text: str) -> None:
        self.items.append(text)


class Sleeps:
    def __init__(self) -> None:
        self.items: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.items.append(seconds)


CONVERSATION = ModelRequest(
    turns=[
        ModelTurn(role=Role.USER, text="Hello there"),
        ModelTurn(role=Role.MODEL, text="Hi! How can I help?"),
        ModelTurn(role=Role.USER, text="What  is\nthe capital of France?"),
    ],
    system_instruction="Be brief.",
)


async def test_answer_says_it_is_offline_and_echoes_the_last_prompt() -> None:
    reply = await OfflineChatModel(delay=0).generate(CONVERSATION, Deltas())

    assert reply.text.startswith("[offline model]")
    assert "no GEMINI_API_KEY configured" in reply.text
    assert 'You said: "What is the capital of France?"' in reply.text
    assert "Hello there" not in reply.text
    assert "3 turns" in reply.text
    assert reply.finish_reason == "STOP"


async def test_answer_is_deterministic() -> None:
    model = OfflineChatModel(delay=0)

    first = await model.generate(CONVERSATION, Deltas())
    second = await model.generate(CONVERSATION, Deltas())

    assert first == second


async def test_answer_streams_in_three_to_five_deltas_that_make_the_text() -> None:
    deltas = Deltas()

    reply = await OfflineChatModel(delay=0).generate(CONVERSATION, deltas)

    assert 3 <= len(deltas.items) <= 5
    assert all(deltas.items)
    assert "".join(deltas.items) == reply.text


async def test_a_long_prompt_is_echoed_truncated() -> None:
    prompt = "word " * 300
    request = ModelRequest(turns=[ModelTurn(role=Role.USER, text=prompt)])

    reply = await OfflineChatModel(delay=0).generate(request, Deltas())

    echoed = reply.text.split('You said: "', 1)[1].split('"', 1)[0]
    assert echoed.endswith("…")
    assert 150 <= len(echoed) <= 200
    assert "1 turn " in reply.text


async def test_token_counts_are_word_estimates() -> None:
    reply = await OfflineChatModel(delay=0).generate(CONVERSATION, Deltas())

    # 2 + 5 + 6 words in the turns, 2 in the system instruction.
    assert reply.prompt_tokens == 15
    assert reply.output_tokens == len(reply.text.split())
    assert reply.thinking_tokens == 0
    assert reply.total_tokens == 15 + reply.output_tokens
    assert reply.model == "offline"


async def test_deltas_are_spaced_by_the_delay() -> None:
    sleeps = Sleeps()
    deltas = Deltas()

    await OfflineChatModel(delay=0.05, sleep=sleeps).generate(CONVERSATION, deltas)

    assert sleeps.items == [0.05] * (len(deltas.items) - 1)


async def test_no_delay_means_no_waiting() -> None:
    sleeps = Sleeps()

    await OfflineChatModel(delay=0, sleep=sleeps).generate(CONVERSATION, Deltas())

    assert sleeps.items == []


def test_a_negative_delay_is_refused() -> None:
    with pytest.raises(ValueError, match="delay"):
        OfflineChatModel(delay=-1)


async def test_a_title_is_the_first_prompts_first_words() -> None:
    long = title_request("Plan  a three day\ntrip to Goa in December", "[offline model] ...")
    reply = await OfflineChatModel(delay=0).generate(long, Deltas())
    assert reply.text == "Plan a three day trip to…"
    short = await OfflineChatModel(delay=0).generate(title_request("Hi there", "..."), Deltas())
    assert short.text == "Hi there"

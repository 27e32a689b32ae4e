"""The chat model adapters against the ``ChatModel`` contract: the offline
model, and the Gemini adapter (streaming and not) against the loopback
Gemini stand-in, which runs in a thread of this process."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import pytest

from adapters.gemini import GeminiChatModel, GeminiConfig
from adapters.offline_model import OfflineChatModel
from gemini_core.errors import ModelError
from tests.contracts.chat_model import (
    HISTORY,
    PROMPT,
    ChatModelContract,
    Deltas,
    FailingChatModelContract,
)
from tests.support.gemini_standin import GeminiStandIn, running_standin


class TestOfflineChatModel(ChatModelContract):
    @pytest.fixture
    def model(self) -> OfflineChatModel:
        return OfflineChatModel(delay=0)


@pytest.fixture(scope="module")
def running() -> Iterator[tuple[str, GeminiStandIn]]:
    with running_standin(latency=0.0, chunks=4) as running:
        yield running


@pytest.fixture
def standin(running: tuple[str, GeminiStandIn]) -> Iterator[GeminiStandIn]:
    """The module's stand-in, answering normally and with no requests yet."""
    _, app = running
    app.fail_with = None
    app.requests.clear()
    yield app
    app.fail_with = None


@pytest.fixture(params=[True, False], ids=["stream", "unary"])
async def gemini(
    request: pytest.FixtureRequest, running: tuple[str, GeminiStandIn], standin: GeminiStandIn
) -> AsyncIterator[GeminiChatModel]:
    base, _ = running
    config = GeminiConfig(
        api_key="stand-in-key", api_base=base, stream=request.param, total_deadline=10
    )
    async with GeminiChatModel(config) as model:
        yield model


class TestGeminiChatModel(ChatModelContract, FailingChatModelContract):
    @pytest.fixture
    def model(self, gemini: GeminiChatModel) -> GeminiChatModel:
        return gemini

    @pytest.fixture
    def failing_model(self, gemini: GeminiChatModel, standin: GeminiStandIn) -> GeminiChatModel:
        standin.fail_with = 400
        return gemini


# What the stand-in lets us see of the Gemini adapter's side of the contract.


async def test_gemini_sends_no_system_instruction_when_there_is_none(
    gemini: GeminiChatModel, standin: GeminiStandIn
) -> None:
    await gemini.generate(PROMPT, Deltas())
    await gemini.generate(HISTORY, Deltas())

    without, with_ = (request["body"] for request in standin.requests)
    assert "systemInstruction" not in without
    assert with_["systemInstruction"] == {"parts": [{"text": "Answer briefly."}]}


async def test_gemini_sends_the_whole_history_in_order_with_roles(
    gemini: GeminiChatModel, standin: GeminiStandIn
) -> None:
    await gemini.generate(HISTORY, Deltas())

    (request,) = standin.requests
    assert request["body"]["contents"] == [
        {"role": "user", "parts": [{"text": "What is the capital of France?"}]},
        {"role": "model", "parts": [{"text": "Paris."}]},
        {"role": "user", "parts": [{"text": "And of Italy?"}]},
    ]


async def test_gemini_reports_the_stand_ins_400_once_without_retrying(
    gemini: GeminiChatModel, standin: GeminiStandIn
) -> None:
    standin.fail_with = 400

    with pytest.raises(ModelError, match="Gemini rejected the request: the stand-in was told"):
        await gemini.generate(PROMPT, Deltas())

    assert len(standin.requests) == 1

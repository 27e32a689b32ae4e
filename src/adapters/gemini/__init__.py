"""The chat model on Google's Gemini REST API.

``GeminiChatModel`` is imported on first use: it pulls in httpx, and the
settings read this package's defaults (``adapters.gemini.config``) in every
process, Gemini configured or not.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from adapters.gemini.config import GeminiConfig

if TYPE_CHECKING:
    from adapters.gemini.client import GeminiChatModel

__all__ = ["GeminiChatModel", "GeminiConfig"]


def __getattr__(name: str) -> Any:
    if name == "GeminiChatModel":
        from adapters.gemini.client import GeminiChatModel

        return GeminiChatModel
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

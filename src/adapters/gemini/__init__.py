"""The chat model on Google's Gemini REST API."""

from adapters.gemini.client import GeminiChatModel, GeminiConfig

__all__ = ["GeminiChatModel", "GeminiConfig"]

"""Texts the engine makes carry both languages (zh, en). Which one a page shows is the web's active language,
which the engine cannot ask about without Django: the app hands it the question once (PlanConfig.ready)."""

from collections.abc import Callable

_chinese: Callable[[], bool] = lambda: True  # noqa: E731 - until the app says how to ask: Chinese, the platform's language


def ask_language_with(is_chinese: Callable[[], bool]) -> None:
    global _chinese
    _chinese = is_chinese


def local(zh: str, en: str) -> str:
    """The text in the active language (Chinese when there is no English)."""
    return zh if _chinese() else (en or zh)

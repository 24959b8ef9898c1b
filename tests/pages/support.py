"""Helpers for page tests."""

from __future__ import annotations

import asyncio

from nicegui import ui
from nicegui.testing import User


async def wait_for_text(user: User, text: str, timeout: float = 10.0) -> None:
    """Wait until some element shows `text` (agent output arrives over seconds, not in one step)."""
    await user.should_see(text, retries=int(timeout / 0.1))


async def eventually(predicate, timeout: float = 10.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError('condition not met in time')
        await asyncio.sleep(0.05)


def label_texts(user: User, marker: str) -> list[str]:
    with user:
        return [element.text for element in user.find(marker=marker).elements if isinstance(element, ui.label)]

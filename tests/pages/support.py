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


PASSWORDS = {'ada': 'ada-secret-pass-1', 'olga': 'olga-secret-pass-2', 'max': 'max-secret-pass-3',
             'vic': 'vic-secret-pass-4'}
ROLES = {'ada': 'admin', 'olga': 'member', 'max': 'member', 'vic': 'viewer'}


async def sign_in(user: User, name: str, password: str | None = None, target: str = '/') -> None:
    await user.open(f'/login?next={target}')
    user.find(marker='username').type(name)
    user.find(marker='password').type(password or PASSWORDS[name])
    user.find(marker='sign-in').click()


async def signed_in(user: User, name: str, password: str | None = None) -> None:
    """Sign in and open the list. (With several simulated people in one test, the page's own navigation after
    signing in may reach another person's simulated browser, so this asks the server directly.)"""
    await sign_in(user, name, password)
    for _ in range(100):
        if (await user.http_client.get('/')).status_code == 200:
            break
        await asyncio.sleep(0.05)
    await user.open('/')
    await user.should_see('Sessions')

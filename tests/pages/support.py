"""Helpers for page tests."""

from __future__ import annotations

import asyncio

from nicegui import ElementFilter, ui
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


def present(user: User, marker: str) -> list:
    """The elements with `marker` on the person's page (none is fine, unlike `user.find`)."""
    with user:
        return list(ElementFilter(marker=marker))


def listeners(user: User, marker: str) -> list[tuple[int, str, str]]:
    """(element id, listener id, event type) of the elements with `marker` on the person's page: what a hostile
    browser reads from the page once and can send events to for as long as its socket is open."""
    with user:
        return [(element.id, listener_id, listener.type) for element in ElementFilter(marker=marker)
                for listener_id, listener in element._event_listeners.items()]


def send_raw(user: User, found: list[tuple[int, str, str]], kind: str = 'click', args=None) -> None:
    """Send an event to element ids the way NiceGUI's socket handler does, whatever the page shows now."""
    client = user.client
    assert client is not None
    for element_id, listener_id, event_type in found:
        if event_type == kind:
            client.handle_event({'id': element_id, 'listener_id': listener_id,
                                 'args': [] if args is None else [__import__('json').dumps(args)]})

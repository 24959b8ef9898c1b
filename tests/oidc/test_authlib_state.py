"""The authlib in use binds sign-in state to the browser that started the sign-in (fixed in authlib 1.6.11): with
a server-side cache, a state is found only through the session that stored it. The dashboard keeps its state in the
browser's cookie anyway; this guards the floor of the pin in pyproject.toml."""

from __future__ import annotations

from typing import Any

from authlib.integrations.starlette_client.integration import StarletteIntegration


class Cache:
    """The small cache interface authlib uses, in a dict."""

    def __init__(self) -> None:
        self.items: dict[str, Any] = {}

    async def get(self, key: str) -> Any:
        return self.items.get(key)

    async def set(self, key: str, value: Any, expires: float | None = None) -> None:
        self.items[key] = value

    async def delete(self, key: str) -> None:
        self.items.pop(key, None)


async def test_state_is_found_only_through_the_browser_that_stored_it() -> None:
    integration = StarletteIntegration('idp', cache=Cache())
    attacker: dict[str, Any] = {}
    await integration.set_state_data(attacker, 'the-state', {'nonce': 'n', 'code_verifier': 'v'})
    assert (await integration.get_state_data(attacker, 'the-state'))['nonce'] == 'n'
    assert await integration.get_state_data({}, 'the-state') is None  # the victim's browser

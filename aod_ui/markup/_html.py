"""The type of HTML made here."""

from __future__ import annotations

__all__ = ['Html']


class Html(str):
    """HTML built by `aod_ui.markup` from escaped text: the only kind of HTML a page may insert."""

    __slots__ = ()

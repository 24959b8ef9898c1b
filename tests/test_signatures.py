"""Whether a handler expects arguments is read once per function, with NiceGUI's own answers."""

from __future__ import annotations

import functools

from nicegui import helpers

from aod_ui import signatures


class Handler:
    def takes(self, event) -> None: ...

    def takes_none(self) -> None: ...

    def optional(self, event=None) -> None: ...

    def any_number(self, *args, **kwargs) -> None: ...


def plain(event) -> None: ...


CASES = [Handler().takes, Handler().takes_none, Handler().optional, Handler().any_number, plain, lambda: None,
         lambda event: None, functools.partial(plain), functools.partial(lambda a, b: None, 1), print]


def test_the_answers_are_nicegui_s_own_for_every_kind_of_callable_and_stay_so_when_asked_again():
    stock = signatures._stock
    for _ in range(2):
        assert [signatures.expects_arguments(case) for case in CASES] == [stock(case) for case in CASES]
    assert [stock(case) for case in CASES[:5]] == [True, False, False, False, True]


def test_methods_are_kept_by_their_function_for_every_instance():
    first, second = Handler(), Handler()
    signatures.expects_arguments(first.takes)
    assert signatures._methods[Handler.takes] is True
    assert signatures.expects_arguments(second.takes) is True
    assert signatures.expects_arguments(second.takes_none) is False


def test_functions_made_and_dropped_are_not_kept():
    def made(event) -> None: ...
    assert signatures.expects_arguments(made) is True
    assert made in signatures._functions
    count = len(signatures._functions)
    del made
    assert len(signatures._functions) == count - 1


def test_installed_nicegui_asks_the_kept_answers():
    signatures.install()
    assert helpers.expects_arguments is signatures.expects_arguments

"""Elements built without reading a function's signature each time.

NiceGUI 3.18 gives every element three observable collections (its classes, style and props), and each asks
`expects_arguments` about its change handler, a bound method of the element: `inspect.signature` on every element
built. A live transcript builds elements for every viewer of every new entry, and with five sessions of ten viewers
at 50 events a second, reading those signatures was a sixth of the dashboard's main thread. The answer depends only
on the function, so it is kept per function (a bound method's by its function: it always drops the same first
parameter); other callables are asked each time, as before.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable
from types import FunctionType, MethodType

from nicegui import helpers

__all__ = ['install']

_stock = helpers.expects_arguments
_functions: weakref.WeakKeyDictionary[FunctionType, bool] = weakref.WeakKeyDictionary()
_methods: weakref.WeakKeyDictionary[FunctionType, bool] = weakref.WeakKeyDictionary()


def expects_arguments(func: Callable) -> bool:
    """NiceGUI's `expects_arguments`, kept per plain function and per method's function."""
    if type(func) is MethodType and type(func.__func__) is FunctionType:
        known = _methods.get(func.__func__)
        if known is None:
            known = _methods[func.__func__] = _stock(func)
        return known
    if type(func) is FunctionType:
        known = _functions.get(func)
        if known is None:
            known = _functions[func] = _stock(func)
        return known
    return _stock(func)


def install() -> None:
    """Replace `nicegui.helpers.expects_arguments` (every caller looks it up there, at each call)."""
    helpers.expects_arguments = expects_arguments

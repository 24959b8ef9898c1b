"""Whether every Tailwind class a page shows is styled by one of the page's stylesheets.

The pages' Tailwind stylesheet is built ahead of time from the class names in the code (tools/styles.py), and no
compiler runs in the browser: a class name put together at run time, or one only a live update brings, that the build
did not see would leave its element unstyled. Tailwind's compiler tells which of the names a page showed are its
utilities; the page's own style rules (ours, Quasar's, NiceGUI's) tell which it styles."""

from __future__ import annotations

from tools.styles import class_names, utilities

__all__ = ['SELECTORS', 'unstyled']

SELECTORS = '''() => {
  const found = [];
  const walk = (rules) => {
    for (const rule of rules) {
      if (rule.selectorText) found.push(rule.selectorText);
      if (rule.styleSheet) walk(rule.styleSheet.cssRules);  // @import
      if (rule.cssRules) walk(rule.cssRules);  // @layer, @media, @supports, nesting
    }
  };
  for (const sheet of document.styleSheets) walk(sheet.cssRules);
  return found.join('\\n');
}'''
"""Every selector of every style rule in the page, one per line."""


def unstyled(seen: set[str], selectors: str) -> set[str]:
    """The Tailwind utilities among the class names `seen` that none of these selectors names."""
    return utilities(seen) - class_names(selectors)

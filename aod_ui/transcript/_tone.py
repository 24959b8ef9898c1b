"""Which stderr lines say something failed: the one place that rule lives.

Agents write much to stderr that is not a failure: version banners, progress, `warning:` and deprecation notices.
Only lines that report a failure (an error, a traceback, a fatal message, a non-zero exit) make a stderr block read
as one; everything else on stderr reads as a notice.
"""

from __future__ import annotations

import re

__all__ = ['is_failure_line']

_FAILURE = re.compile(
    r'''^\s*(?:
        Traceback\ \(most\ recent\ call\ last\)          # Python
      | (?:[\w.]+\.)?[A-Z]\w*(?:Error|Exception)(?::|$)    # ValueError: ..., requests.exceptions.HTTPError
      | (?i:error|fatal|panic)(?:\[\w+\])?(?::|!|\s*$)     # error: ..., fatal: ..., panic: ..., error[E0308]:
      | (?:\w[\w.-]*:\s+)+(?i:error|fatal)(?:\[\w+\])?:    # make: *** / gcc: error: / npm: fatal:
      | ERROR\b | FATAL\b | CRITICAL\b                    # log levels in capitals
      | npm\ ERR!
      | provision\ failed\b                              # AoD's line after a failed provisioning stage
      | Segmentation\ fault
    )
    | \b(?:exit(?:ed)?(?:\ with)?\ (?:code|status)|exit\ status)\ [1-9]\d*\b   # exited with code 2
    ''', re.VERBOSE)


def is_failure_line(text: str) -> bool:
    """Whether one stderr line reports a failure (not a warning, banner or progress line)."""
    return bool(_FAILURE.search(text[:400]))

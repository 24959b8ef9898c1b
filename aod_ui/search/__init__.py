"""Finding anything any agent said or did: a full-text index of every archived session's readable output (SQLite
FTS5, beside the archive), fed as the archive is written. Domain code (no NiceGUI `ui`).

- `_query`: what a person types, as a safe FTS5 query, and the pieces of a line to highlight;
- `_index`: the index, its writer thread, its repair and rebuilding;
- `_reading`: the search itself, scoped to the sessions named;
- `_window`: the archived lines around one line, for opening a session at a match its page no longer holds.
"""

from ._index import SearchIndex
from ._query import Query, parse_query, pieces
from ._reading import COUNT_LIMIT, Hit, Results
from ._window import ArchivedLine, ArchivedWindow, archived_window

__all__ = ['COUNT_LIMIT', 'ArchivedLine', 'ArchivedWindow', 'Hit', 'Query', 'Results', 'SearchIndex',
           'archived_window', 'parse_query', 'pieces']

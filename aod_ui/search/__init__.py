"""Finding anything any agent said or did: a full-text index of every archived session's readable output (SQLite
FTS5, beside the archive), fed as the archive is written. Domain code (no NiceGUI `ui`).

- `_query`: what a person types, as a safe FTS5 query, and the pieces of a line to highlight;
- `_index`: the index, its writer thread, its repair and rebuilding;
- `_reading`: the search itself, scoped to the sessions named.
"""

from ._index import SearchIndex
from ._query import Query, parse_query, pieces
from ._reading import COUNT_LIMIT, Hit, Results

__all__ = ['COUNT_LIMIT', 'Hit', 'Query', 'Results', 'SearchIndex', 'parse_query', 'pieces']

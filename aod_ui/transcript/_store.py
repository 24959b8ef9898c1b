"""The list of entries, and the changes one call to `feed` made to it."""

from __future__ import annotations

from typing import TypeVar

from ._entries import Change, Entry, LinesEntry

E = TypeVar('E', bound=Entry)


def weight(entry: Entry) -> int:
    """What an entry counts for against a transcript's hold: its lines for merged output, else one."""
    return max(1, len(entry.lines)) if isinstance(entry, LinesEntry) else 1


class EntryStore:
    """Entries in key order, whose key is their position plus one, and the changes collected since the last `take`.

    The oldest entries can be let go (`let_go`); keys stay what they were, so `dropped` entries and `top_dropped`
    top-level entries come before the ones held.
    """

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.top_level: list[Entry] = []
        self.dropped = 0
        """How many of the oldest entries were let go."""
        self.top_dropped = 0
        """How many of the oldest top-level entries were let go."""
        self.weight = 0
        """The summed `weight` of the top-level entries held (kept up to date by whoever grows an entry)."""
        self._changes: dict[int, Change] = {}

    @property
    def next_key(self) -> int:
        """The key the next added entry must carry."""
        return self.dropped + len(self.entries) + 1

    @property
    def last(self) -> Entry | None:
        """The most recently added entry."""
        return self.entries[-1] if self.entries else None

    def get(self, key: int) -> Entry | None:
        """The entry with this key, or None (also when it was let go)."""
        index = key - 1 - self.dropped
        return self.entries[index] if 0 <= index < len(self.entries) else None

    def add(self, entry: E) -> E:
        """Append an entry built with `key=self.next_key`, and record that it was added."""
        if entry.key != self.next_key:
            raise ValueError(f'entry key {entry.key} is not the next key {self.next_key}')
        self.entries.append(entry)
        if entry.parent is None:
            self.top_level.append(entry)
            self.weight += weight(entry)
        self._changes[entry.key] = Change('added', entry)
        return entry

    def touch(self, entry: Entry) -> None:
        """Record that an entry changed in place (an entry added in the same feed stays `added`)."""
        if entry.key not in self._changes:
            self._changes[entry.key] = Change('updated', entry)

    def take_changes(self) -> list[Change]:
        """The changes since the last call, one per entry, in the order each entry was first changed."""
        changes = list(self._changes.values())
        self._changes.clear()
        return changes

    def let_go(self, count: int) -> int:
        """Forget the `count` oldest top-level entries and every entry before the first one kept (the last entry
        is always kept); returns the key of the oldest entry still held."""
        count = min(count, len(self.top_level) - 1)
        if count <= 0:
            return self.dropped + 1
        first_kept = self.top_level[count].key
        self.weight -= sum(weight(entry) for entry in self.top_level[:count])
        del self.top_level[:count]
        self.top_dropped += count
        gone = first_kept - 1 - self.dropped
        del self.entries[:gone]
        self.dropped += gone
        return first_kept

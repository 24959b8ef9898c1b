"""The list of entries, and the changes one call to `feed` made to it."""

from __future__ import annotations

from typing import TypeVar

from ._entries import Change, Entry

E = TypeVar('E', bound=Entry)


class EntryStore:
    """Append-only entries whose key is their position plus one, and the changes collected since the last `take`."""

    def __init__(self) -> None:
        self.entries: list[Entry] = []
        self.top_level: list[Entry] = []
        self._changes: dict[int, Change] = {}

    @property
    def next_key(self) -> int:
        """The key the next added entry must carry."""
        return len(self.entries) + 1

    @property
    def last(self) -> Entry | None:
        """The most recently added entry."""
        return self.entries[-1] if self.entries else None

    def get(self, key: int) -> Entry | None:
        """The entry with this key, or None."""
        return self.entries[key - 1] if 0 < key <= len(self.entries) else None

    def add(self, entry: E) -> E:
        """Append an entry built with `key=self.next_key`, and record that it was added."""
        if entry.key != self.next_key:
            raise ValueError(f'entry key {entry.key} is not the next key {self.next_key}')
        self.entries.append(entry)
        if entry.parent is None:
            self.top_level.append(entry)
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

"""Change tracking for the unit of work: which rows, and which of their columns, a use case changed.

The store remembers each row's values as it read them; at save it compares them with the values the
aggregates map to now. A row never read is new (an insert); a read row is written only in the columns
that differ (an update), so a column someone else changed meanwhile (a check-in) is never put back.
Pure: no I/O, unit-tested on its own.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class RowWrite:
    """One row to write: all its values for an insert, only the changed columns for an update."""

    table: str
    key: Hashable
    values: Mapping[str, Any]
    insert: bool

    @property
    def columns(self) -> tuple[str, ...]:
        return tuple(sorted(self.values))


class ChangeTracker:
    """Values per (table, key) as last read from or written to the database in this transaction."""

    def __init__(self) -> None:
        self._known: dict[tuple[str, Hashable], dict[str, Any]] = {}

    def read(self, table: str, key: Hashable, values: Mapping[str, Any]) -> None:
        """Remember a row as read; the first read counts (the identity map keeps the first object too)."""
        self._known.setdefault((table, key), dict(values))

    def is_known(self, table: str, key: Hashable) -> bool:
        return (table, key) in self._known

    def change(self, table: str, key: Hashable, values: Mapping[str, Any]) -> RowWrite | None:
        """What to write for the row with these current values; None when nothing changed."""
        known = self._known.get((table, key))
        if known is None:
            return RowWrite(table, key, dict(values), insert=True)
        changed = {name: value for name, value in values.items() if name not in known or known[name] != value}
        return RowWrite(table, key, changed, insert=False) if changed else None

    def written(self, writes: Iterable[RowWrite]) -> None:
        """The writes went to the database: they are what is known now."""
        for write in writes:
            self._known.setdefault((write.table, write.key), {}).update(write.values)

"""Targeted reads: each query selects a handful of rows, never a whole table.

A query names the rows it wants by a condition the server evaluates (``name ==
X``, ``_uuid == U``, ``ports includes U``), and the columns it needs, so what
comes back is proportional to the rows a command touches, not to the size of
the database. The same condition later becomes the transaction's ``wait``
guard: the commit only happens if what was read is still true.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

__all__ = [
    "ByName",
    "ByUuid",
    "MapIncludes",
    "Query",
    "Referrers",
    "Singleton",
    "record_query",
    "uuid_json",
]


def uuid_json(value: uuid.UUID) -> list[str]:
    """Return the RFC 7047 form of a UUID."""
    return ["uuid", str(value)]


@dataclass(frozen=True)
class ByName:
    """The row of ``table`` whose ``name`` is ``name``, if any."""

    table: str
    name: str
    columns: frozenset[str] = frozenset()

    def key(self) -> tuple[object, ...]:
        """Return what identifies the target rows, whatever the columns."""
        return ("name", self.table, self.name)

    def where(self) -> list[Any]:
        """Return the RFC 7047 condition."""
        return [["name", "==", self.name]]


@dataclass(frozen=True)
class ByUuid:
    """The row of ``table`` with UUID ``uuid``, if it still exists."""

    table: str
    uuid: uuid.UUID
    columns: frozenset[str] = frozenset()

    def key(self) -> tuple[object, ...]:
        """Return what identifies the target rows, whatever the columns."""
        return ("uuid", self.table, self.uuid)

    def where(self) -> list[Any]:
        """Return the RFC 7047 condition."""
        return [["_uuid", "==", uuid_json(self.uuid)]]


@dataclass(frozen=True)
class Singleton:
    """The one row of a single-row table such as ``Open_vSwitch``."""

    table: str
    columns: frozenset[str] = frozenset()

    def key(self) -> tuple[object, ...]:
        """Return what identifies the target rows, whatever the columns."""
        return ("all", self.table)

    def where(self) -> list[Any]:
        """Return the RFC 7047 condition (every row)."""
        return []


@dataclass(frozen=True)
class Referrers:
    """Rows of ``table`` whose set column ``column`` holds ``target``.

    For example the bridge a port is on: ``Referrers("Bridge", "ports", U)``.
    """

    table: str
    column: str
    target: uuid.UUID
    columns: frozenset[str] = frozenset()

    def key(self) -> tuple[object, ...]:
        """Return what identifies the target rows, whatever the columns."""
        return ("refs", self.table, self.column, self.target)

    def where(self) -> list[Any]:
        """Return the RFC 7047 condition."""
        return [[self.column, "includes", uuid_json(self.target)]]


@dataclass(frozen=True)
class MapIncludes:
    """Rows of ``table`` whose map column ``column`` holds every pair of ``pairs``.

    For example the QoS rows a plugin tagged: ``MapIncludes("QoS",
    "external_ids", (("id", X),))``. The server has no index on map columns:
    use it on small tables only.
    """

    table: str
    column: str
    pairs: tuple[tuple[str, str], ...]
    columns: frozenset[str] = frozenset()

    def key(self) -> tuple[object, ...]:
        """Return what identifies the target rows, whatever the columns."""
        return ("map", self.table, self.column, self.pairs)

    def where(self) -> list[Any]:
        """Return the RFC 7047 condition."""
        return [[self.column, "includes", ["map", [list(pair) for pair in self.pairs]]]]


Query = ByName | ByUuid | Singleton | Referrers | MapIncludes


def record_query(table: str, record: str | uuid.UUID, columns: frozenset[str]) -> Query:
    """Return the query for one row given by name, by UUID, or as ``"."``.

    ``"."`` names the only row of a single-row table such as ``Open_vSwitch``.
    """
    if isinstance(record, uuid.UUID):
        return ByUuid(table, record, columns)
    if record == ".":
        return Singleton(table, columns)
    return ByName(table, record, columns)


def select_op(query: Query) -> dict[str, Any]:
    """Return the ``select`` operation that answers ``query``."""
    return {
        "op": "select",
        "table": query.table,
        "where": query.where(),
        "columns": sorted(query.columns | {"_uuid"}),
    }


def absent_guard(query: Query) -> dict[str, Any]:
    """Return a ``wait`` operation that fails if ``query`` now matches a row."""
    return {
        "op": "wait",
        "timeout": 0,
        "table": query.table,
        "where": query.where(),
        "columns": ["_uuid"],
        "until": "==",
        "rows": [],
    }

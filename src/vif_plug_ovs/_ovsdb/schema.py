"""The database schema, and conversion between OVSDB JSON and Python values.

Python forms of OVSDB data (RFC 7047, section 5.1):

* an atom is ``str``, ``int``, ``float``, ``bool`` or :class:`uuid.UUID`;
* a column holding exactly one atom reads as that atom;
* an optional column (zero or one atom) reads as the atom or ``None``;
* a set column reads as a ``frozenset``;
* a map column reads as a ``dict``.

Values given by callers are normalised to the same forms (a list or set for a
set column, any mapping for a map column), so "is the database already as
asked?" is a plain ``==``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, cast

__all__ = [
    "Atom",
    "BaseType",
    "ColumnType",
    "DatabaseSchema",
    "NamedRef",
    "TableSchema",
    "Value",
]


@dataclass(frozen=True)
class NamedRef:
    """A reference to a row inserted by the same transaction, before commit."""

    name: str

    def to_json(self) -> list[str]:
        """Return the RFC 7047 ``named-uuid`` form."""
        return ["named-uuid", self.name]


Atom = str | int | float | bool | uuid.UUID | NamedRef
Value = Atom | None | frozenset[Any] | dict[Any, Any]


_ATOM_TYPES = ("integer", "real", "boolean", "string", "uuid")


@dataclass(frozen=True)
class BaseType:
    """The type of one atom: its kind and, for references, the target table."""

    kind: str
    ref_table: str | None = None

    @classmethod
    def parse(cls, data: object) -> BaseType:
        """Read a ``<base-type>`` from a schema."""
        kind: object = None
        ref: object = None
        if isinstance(data, str):
            kind = data
        elif isinstance(data, dict):
            kind, ref = data.get("type"), data.get("refTable")
        if kind not in _ATOM_TYPES:
            raise ValueError(f"unknown OVSDB atomic type {data!r}")
        return cls(str(kind), str(ref) if isinstance(ref, str) else None)

    def check(self, value: object) -> Atom:
        """Return ``value`` if it is an atom of this type, else raise TypeError."""
        ok: bool
        if self.kind == "integer":
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif self.kind == "real":
            ok = isinstance(value, int | float) and not isinstance(value, bool)
        elif self.kind == "boolean":
            ok = isinstance(value, bool)
        elif self.kind == "string":
            ok = isinstance(value, str)
        else:
            ok = isinstance(value, uuid.UUID | NamedRef)
        if not ok:
            raise TypeError(f"expected an OVSDB {self.kind}, got {value!r}")
        return cast(Atom, value)

    def encode(self, value: object) -> object:
        """Return the JSON form of one atom."""
        if isinstance(value, uuid.UUID):
            return ["uuid", str(value)]
        if isinstance(value, NamedRef):
            return value.to_json()
        return value

    def decode(self, data: object) -> Atom:
        """Return the Python form of one JSON atom."""
        if self.kind == "uuid":
            if isinstance(data, list) and len(data) == 2 and data[0] == "uuid":
                return uuid.UUID(str(data[1]))
            raise ValueError(f"not an OVSDB uuid: {data!r}")
        if self.kind == "real" and isinstance(data, int):
            return float(data)
        return self.check(data)


@dataclass(frozen=True)
class ColumnType:
    """A column's type: key type, optional value type (maps), and size bounds."""

    key: BaseType
    value: BaseType | None = None
    min: int = 1
    max: int | None = 1  # None: unlimited

    @classmethod
    def parse(cls, data: object) -> ColumnType:
        """Read a column ``type`` from a schema."""
        if not isinstance(data, dict) or "key" not in data:
            return cls(BaseType.parse(data))
        max_ = data.get("max", 1)
        return cls(
            key=BaseType.parse(data["key"]),
            value=BaseType.parse(data["value"]) if "value" in data else None,
            min=int(data.get("min", 1)),
            max=None if max_ == "unlimited" else int(max_),
        )

    @property
    def is_map(self) -> bool:
        """True for a map column."""
        return self.value is not None

    @property
    def is_scalar(self) -> bool:
        """True for a column that holds exactly one atom."""
        return not self.is_map and self.min == 1 and self.max == 1

    @property
    def is_optional(self) -> bool:
        """True for a column that holds zero or one atom."""
        return not self.is_map and self.min == 0 and self.max == 1

    def normalize(self, value: object) -> Value:
        """Check a caller's value and return it in its canonical Python form.

        Raises:
            TypeError: the value does not fit the column.

        """
        if self.value is not None:
            return self._normalize_map(self.value, value)
        if self.is_scalar:
            return self.key.check(value)
        if value is None:
            items: list[object] = []
        elif isinstance(value, str | bytes) or not isinstance(value, Iterable):
            items = [value]
        else:
            items = list(value)
        atoms = frozenset(self.key.check(v) for v in items)
        if not self.is_optional:
            return atoms
        if len(atoms) > 1:
            raise TypeError(f"expected at most one value, got {value!r}")
        return next(iter(atoms), None)

    def _normalize_map(self, vtype: BaseType, value: object) -> Value:
        if value is None:
            return {}
        if not isinstance(value, Mapping):
            raise TypeError(f"expected a mapping, got {value!r}")
        return {self.key.check(k): vtype.check(v) for k, v in value.items()}

    def encode(self, value: Value) -> object:
        """Return the JSON form of a normalised value."""
        if isinstance(value, dict):
            vtype = self.value
            if vtype is None:
                raise TypeError(f"a mapping given for a non-map column: {value!r}")
            return [
                "map",
                [[self.key.encode(k), vtype.encode(v)] for k, v in value.items()],
            ]
        if self.is_scalar:
            return self.key.encode(value)
        if value is None:
            return ["set", []]
        if isinstance(value, frozenset):
            return ["set", [self.key.encode(v) for v in _sorted(value)]]
        return self.key.encode(value)

    def decode(self, data: object) -> Value:
        """Return the Python form of a column's JSON value."""
        if self.value is not None:
            if not (isinstance(data, list) and len(data) == 2 and data[0] == "map"):
                raise ValueError(f"not an OVSDB map: {data!r}")
            vtype = self.value
            return {self.key.decode(k): vtype.decode(v) for k, v in data[1]}
        if isinstance(data, list) and len(data) == 2 and data[0] == "set":
            items = [self.key.decode(v) for v in data[1]]
        else:
            items = [self.key.decode(data)]
        if self.is_scalar or self.is_optional:
            return items[0] if items else None
        return frozenset(items)


def _sorted(values: frozenset[Any]) -> list[Any]:
    # A stable order keeps requests reproducible, which helps when reading logs.
    return sorted(values, key=repr)


@dataclass(frozen=True)
class TableSchema:
    """One table: its columns, whether it is a root table, and its indexes."""

    name: str
    columns: Mapping[str, ColumnType]
    is_root: bool
    indexes: tuple[tuple[str, ...], ...]

    def column(self, name: str) -> ColumnType:
        """Return the type of column ``name`` (``_uuid`` included).

        Raises:
            KeyError: the table has no such column.

        """
        if name == "_uuid":
            return _UUID_COLUMN
        try:
            return self.columns[name]
        except KeyError:
            raise KeyError(f"table {self.name} has no column {name!r}") from None

    @property
    def named(self) -> bool:
        """True when rows are found by a unique ``name`` column."""
        return ("name",) in self.indexes


_UUID_COLUMN = ColumnType(BaseType("uuid"))


@dataclass(frozen=True)
class DatabaseSchema:
    """A database schema as returned by the ``get_schema`` method."""

    name: str
    version: str
    tables: Mapping[str, TableSchema]

    @classmethod
    def parse(cls, data: object) -> DatabaseSchema:
        """Read a ``<database-schema>`` object.

        Raises:
            ValueError: the object is not a schema we can read.

        """
        if not isinstance(data, dict) or not isinstance(data.get("tables"), dict):
            raise ValueError("not an OVSDB schema")  # noqa: TRY004 (bad data, not a bad call)
        tables = {}
        for tname, tdata in data["tables"].items():
            columns = {
                cname: ColumnType.parse(cdata.get("type"))
                for cname, cdata in tdata.get("columns", {}).items()
            }
            indexes = tuple(tuple(ix) for ix in tdata.get("indexes", []))
            tables[tname] = TableSchema(tname, columns, bool(tdata.get("isRoot", False)), indexes)
        return cls(str(data.get("name", "")), str(data.get("version", "")), tables)

    def table(self, name: str) -> TableSchema:
        """Return the schema of table ``name``.

        Raises:
            KeyError: the database has no such table.

        """
        try:
            return self.tables[name]
        except KeyError:
            raise KeyError(f"database {self.name} has no table {name!r}") from None

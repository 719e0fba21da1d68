"""The working set of one transaction attempt.

Commands first say which rows they need (:mod:`.queries`); the model keeps
what the server answered. Commands then plan against the model: they look rows
up, insert, update, add or remove references, delete. The model tracks all of
it as a layer over what was read, so a later command in the same transaction
sees an earlier one's effect (a port added to a bridge created just before).
Finally the model turns the plan into RFC 7047 operations: ``wait`` guards on
everything read, then only the writes that change something.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from vif_plug_ovs._ovsdb.queries import (
    ByName,
    ByUuid,
    MapIncludes,
    Query,
    Referrers,
    Singleton,
    absent_guard,
    uuid_json,
)
from vif_plug_ovs._ovsdb.schema import Atom, DatabaseSchema, NamedRef, Value

__all__ = ["Model", "Row"]

Ref = uuid.UUID | NamedRef
_MISSING: Any = object()


class Row:
    """One row in the working set: as read, plus this transaction's changes.

    Attributes:
        table: the table name.
        ref: the row's UUID, or a :class:`NamedRef` for a row being inserted.
        values: the row as it will be after commit, for the columns known.
        inserted: True for a row this transaction creates.
        deleted: True for a row this transaction deletes.

    """

    def __init__(self, table: str, ref: Ref, *, inserted: bool) -> None:
        self.table = table
        self.ref = ref
        self.inserted = inserted
        self.deleted = False
        self.values: dict[str, Value] = {}
        self.read: dict[str, Value] = {}
        self.raw: dict[str, Any] = {}
        self.changed: set[str] = set()
        self.adds: dict[str, set[Atom]] = {}
        self.removes: dict[str, set[Atom]] = {}

    def __getitem__(self, column: str) -> Value:
        return self.values[column]

    def __repr__(self) -> str:
        return f"<Row {self.table} {self.ref}>"


class Model:
    """Rows read for one transaction attempt, and the changes planned on them."""

    def __init__(self, schema: DatabaseSchema) -> None:
        self.schema = schema
        self._answers: dict[tuple[object, ...], frozenset[str]] = {}
        self._rows: dict[uuid.UUID, Row] = {}
        self._names: dict[tuple[str, str], Row | None] = {}
        self._singletons: dict[str, Row | None] = {}
        self._referrers: dict[tuple[object, ...], tuple[Query, list[Row]]] = {}
        self._absent: list[Query] = []
        self._inserts: list[Row] = []
        self._dropped: frozenset[Ref] = frozenset()
        self._next_name = 0
        self.index_guarded = False

    # --- read phase ------------------------------------------------------------

    def missing(self, queries: Iterable[Query]) -> list[Query]:
        """Return the queries (merged per target) not answered with enough columns."""
        wanted: dict[tuple[object, ...], Query] = {}
        for query in queries:
            key = query.key()
            have = self._answers.get(key)
            if have is not None and query.columns <= have:
                continue
            seen = wanted.get(key)
            if seen is not None and query.columns <= seen.columns:
                continue
            columns = (
                query.columns | (have or frozenset()) | (seen.columns if seen else frozenset())
            )
            wanted[key] = dataclasses.replace(query, columns=columns)
        return list(wanted.values())

    def record(self, query: Query, rows: list[dict[str, Any]]) -> None:
        """Store the rows the server returned for ``query``.

        Raises:
            ValueError: the reply does not fit the query.

        """
        key = query.key()
        found = [self._store(query.table, data, query.columns) for data in rows]
        self._answers[key] = query.columns
        if isinstance(query, ByName | ByUuid | Singleton):
            if len(found) > 1:
                raise ValueError(f"{len(found)} rows answer {key}, expected one")
            row = found[0] if found else None
            if row is None and not isinstance(query, Singleton):
                self._absent.append(query)
            if isinstance(query, ByName):
                self._names[(query.table, query.name)] = row
            elif isinstance(query, Singleton):
                self._singletons[query.table] = row
        else:
            self._referrers[key] = (query, found)

    def _store(self, table: str, data: dict[str, Any], columns: frozenset[str]) -> Row:
        tschema = self.schema.table(table)
        row_uuid = tschema.column("_uuid").decode(data["_uuid"])
        if not isinstance(row_uuid, uuid.UUID):
            raise TypeError(f"bad _uuid in {table} row")
        row = self._rows.get(row_uuid)
        if row is None:
            row = self._rows[row_uuid] = Row(table, row_uuid, inserted=False)
            name = data.get("name")
            if isinstance(name, str) and tschema.named:
                self._names.setdefault((table, name), row)
        for column in columns - {"_uuid"}:
            value = tschema.column(column).decode(data[column])
            row.raw[column] = data[column]
            row.read[column] = row.values[column] = value
        return row

    def fetched(self, table: str, name: str) -> Row | None:
        """Return the row named ``name`` as read from the server (None if not read)."""
        return self._names.get((table, name))

    # --- planning ----------------------------------------------------------------

    def lookup(self, table: str, name: str) -> Row | None:
        """Return the row named ``name`` as this transaction sees it, or None."""
        try:
            row = self._names[(table, name)]
        except KeyError:
            raise KeyError(f"{table} {name!r} was not read before planning") from None
        return None if row is None or row.deleted else row

    def by_uuid(self, table: str, row_uuid: uuid.UUID) -> Row | None:
        """Return the row with ``row_uuid`` if it was read and is not deleted."""
        row = self._rows.get(row_uuid)
        return None if row is None or row.deleted or row.table != table else row

    def singleton(self, table: str) -> Row | None:
        """Return the only row of ``table`` (``Open_vSwitch``), or None if empty."""
        try:
            return self._singletons[table]
        except KeyError:
            raise KeyError(f"{table} was not read before planning") from None

    def find(self, table: str, record: str | uuid.UUID) -> Row | None:
        """Return the row given by name, UUID or ``"."`` (see ``record_query``)."""
        if isinstance(record, uuid.UUID):
            return self.by_uuid(table, record)
        if record == ".":
            return self.singleton(table)
        return self.lookup(table, record)

    def referrers(self, table: str, column: str, target: Row) -> list[Row]:
        """Rows of ``table`` whose ``column`` will hold ``target`` after commit."""
        out: list[Row] = []
        if isinstance(target.ref, uuid.UUID) and not target.inserted:
            answer = self._referrers.get(Referrers(table, column, target.ref).key())
            if answer is None:
                raise KeyError(f"referrers of {target} were not read before planning")
            for row in answer[1]:
                if not row.deleted and target.ref not in row.removes.get(column, ()):
                    out.append(row)
        for row in [*self._rows.values(), *self._inserts]:
            if row.table != table or row.deleted or row in out:
                continue
            held = row.values.get(column) if row.inserted else row.adds.get(column)
            if isinstance(held, frozenset | set) and target.ref in held:
                out.append(row)
        return out

    def matching(self, query: MapIncludes) -> list[Row]:
        """Rows that answered ``query`` and are not deleted by this transaction."""
        try:
            _, rows = self._referrers[query.key()]
        except KeyError:
            raise KeyError(f"{query.key()} was not read before planning") from None
        return [row for row in rows if not row.deleted]

    def insert(self, table: str, values: Mapping[str, object]) -> Row:
        """Plan a new row; returns it (its ``ref`` is a named UUID)."""
        tschema = self.schema.table(table)
        self._next_name += 1
        row = Row(table, NamedRef(f"row{self._next_name}"), inserted=True)
        for column, value in values.items():
            row.values[column] = tschema.column(column).normalize(value)
        name = row.values.get("name")
        if isinstance(name, str) and tschema.named:
            self._names[(table, name)] = row
        self._inserts.append(row)
        return row

    def update(self, row: Row, column: str, value: object) -> bool:
        """Plan ``row.column = value``; returns False if it already is.

        Raises:
            KeyError: no such column.
            TypeError: the value does not fit the column.

        """
        new = self.schema.table(row.table).column(column).normalize(value)
        if row.values.get(column, _MISSING) == new:
            return False
        row.values[column] = new
        if not row.inserted:
            if row.read.get(column, _MISSING) == new:
                row.changed.discard(column)
            else:
                row.changed.add(column)
        return True

    def add_ref(self, row: Row, column: str, atom: Atom) -> None:
        """Plan adding ``atom`` to the set column ``column`` of ``row``."""
        self._change_set(row, column, atom, add=True)

    def remove_ref(self, row: Row, column: str, atom: Atom) -> None:
        """Plan removing ``atom`` from the set column ``column`` of ``row``."""
        self._change_set(row, column, atom, add=False)

    def _change_set(self, row: Row, column: str, atom: Atom, *, add: bool) -> None:
        self.schema.table(row.table).column(column).key.check(atom)
        current = row.values.get(column)
        if isinstance(current, frozenset):
            row.values[column] = current | {atom} if add else current - {atom}
        elif row.inserted:
            row.values[column] = frozenset([atom]) if add else frozenset()
        if row.inserted:
            return
        mine, other = (row.adds, row.removes) if add else (row.removes, row.adds)
        if atom in other.get(column, ()):
            other[column].discard(atom)
        else:
            mine.setdefault(column, set()).add(atom)

    def delete(self, row: Row) -> None:
        """Plan deleting ``row`` (references to it must be removed too)."""
        row.deleted = True

    # --- output --------------------------------------------------------------------

    def write_ops(self) -> tuple[list[dict[str, Any]], dict[str, int]]:
        """Return the write operations, and the index of each insert by row name."""
        ops: list[dict[str, Any]] = []
        inserted: dict[str, int] = {}
        self._dropped = frozenset(r.ref for r in self._inserts if r.deleted)
        for row in self._insert_order():
            name = _named(row)
            inserted[name] = len(ops)
            ops.append(
                {
                    "op": "insert",
                    "table": row.table,
                    "row": self._encode(row, row.values),
                    "uuid-name": name,
                }
            )
        for row in self._rows.values():
            if row.deleted:
                ops.append({"op": "delete", "table": row.table, "where": _by_uuid(row)})
                continue
            if row.changed:
                values = {c: row.values[c] for c in sorted(row.changed)}
                ops.append(
                    {
                        "op": "update",
                        "table": row.table,
                        "where": _by_uuid(row),
                        "row": self._encode(row, values),
                    }
                )
            mutations = self._mutations(row)
            if mutations:
                ops.append(
                    {
                        "op": "mutate",
                        "table": row.table,
                        "where": _by_uuid(row),
                        "mutations": mutations,
                    }
                )
        return ops, inserted

    def guard_ops(self) -> list[dict[str, Any]]:
        """``wait`` operations that fail if anything read has changed since.

        A name read as absent and then inserted needs no guard: the table's
        unique index on ``name`` refuses the commit if someone else created
        it meanwhile, without the full-table scan a ``wait`` on a name costs
        ovsdb-server. :attr:`index_guarded` tells whether that happened.
        """
        inserted = {
            (row.table, row.values.get("name"))
            for row in self._inserts
            if not row.deleted and self.schema.table(row.table).named
        }
        guards = []
        for query in self._absent:
            if isinstance(query, ByName) and (query.table, query.name) in inserted:
                self.index_guarded = True
            else:
                guards.append(absent_guard(query))
        for row in self._rows.values():
            columns = sorted(set(row.raw))
            guards.append(
                {
                    "op": "wait",
                    "timeout": 0,
                    "table": row.table,
                    "where": _by_uuid(row),
                    "columns": columns or ["_uuid"],
                    "until": "==",
                    "rows": [
                        {c: row.raw[c] for c in columns}
                        if columns
                        else {"_uuid": uuid_json(_uuid(row))}
                    ],
                }
            )
        for query, rows in self._referrers.values():
            guards.append(
                {
                    "op": "wait",
                    "timeout": 0,
                    "table": query.table,
                    "where": query.where(),
                    "columns": ["_uuid"],
                    "until": "==",
                    "rows": [{"_uuid": uuid_json(_uuid(r))} for r in rows],
                }
            )
        return guards

    def _live(self, atoms: frozenset[Any] | set[Any]) -> frozenset[Any]:
        """Drop references to rows inserted, then deleted, by this transaction."""
        if not self._dropped:
            return frozenset(atoms)
        return frozenset(a for a in atoms if a not in self._dropped)

    def _encode(self, row: Row, values: Mapping[str, Value]) -> dict[str, Any]:
        tschema = self.schema.table(row.table)
        out = {}
        for column, value in values.items():
            live = self._live(value) if isinstance(value, frozenset) else value
            out[column] = tschema.column(column).encode(live)
        return out

    def _mutations(self, row: Row) -> list[list[Any]]:
        tschema = self.schema.table(row.table)
        mutations = []
        for verb, changes in (("delete", row.removes), ("insert", row.adds)):
            for column in sorted(changes):
                atoms = self._live(changes[column])
                if atoms:
                    ctype = tschema.column(column)
                    mutations.append([column, verb, ctype.encode(frozenset(atoms))])
        return mutations

    def _insert_order(self) -> list[Row]:
        """Order inserted rows so each comes after the inserted rows it references."""
        by_name = {r.ref: r for r in self._inserts if not r.deleted}
        order: list[Row] = []
        seen: set[Ref] = set()

        def visit(row: Row) -> None:
            if row.ref in seen:
                return
            seen.add(row.ref)
            for value in row.values.values():
                atoms = value if isinstance(value, frozenset) else (value,)
                for atom in atoms:
                    if isinstance(atom, NamedRef) and atom in by_name:
                        visit(by_name[atom])
            order.append(row)

        for row in by_name.values():
            visit(row)
        return order


def _named(row: Row) -> str:
    if not isinstance(row.ref, NamedRef):
        raise TypeError(f"{row} is not being inserted")
    return row.ref.name


def _uuid(row: Row) -> uuid.UUID:
    if not isinstance(row.ref, uuid.UUID):
        raise TypeError(f"{row} has no UUID yet")
    return row.ref


def _by_uuid(row: Row) -> list[Any]:
    return [["_uuid", "==", uuid_json(_uuid(row))]]

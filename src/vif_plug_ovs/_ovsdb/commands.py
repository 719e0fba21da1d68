"""Commands: small typed steps composed in a transaction.

Each command is a frozen description of an intent. Inside a transaction it
first declares the rows it must read (:meth:`Command.queries`), then plans its
changes against what was read and what earlier commands planned
(:meth:`Command.apply`). A command whose target is already as asked plans no
write, so re-applying a batch to a host that is already right sends nothing
but reads.

This module holds the base class and the commands on any row
(:class:`DbSet`, :class:`DbDestroy`); bridges and ports are in
:mod:`.vswitch`.
"""

from __future__ import annotations

import abc
import enum
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass

from vif_plug_ovs._ovsdb.errors import OvsdbCommandError, RowNotFoundError
from vif_plug_ovs._ovsdb.model import Model, Row
from vif_plug_ovs._ovsdb.queries import Query, record_query

__all__ = [
    "Applied",
    "Command",
    "DbDestroy",
    "DbSet",
    "Outcome",
    "check_name",
    "set_columns",
]


class Outcome(enum.Enum):
    """What a command did to the database."""

    CREATED = "created"
    UPDATED = "updated"
    UNCHANGED = "unchanged"
    DELETED = "deleted"
    ABSENT = "absent"


@dataclass(frozen=True)
class Applied:
    """A command's plan: its outcome, the columns it changes, its main row."""

    outcome: Outcome
    changed: tuple[str, ...] = ()
    row: Row | None = None


class Command(abc.ABC):
    """One step of a transaction."""

    @abc.abstractmethod
    def describe(self) -> str:
        """Describe the command for error messages, e.g. ``add port 'tap0'``."""

    @abc.abstractmethod
    def queries(self, model: Model) -> Iterator[Query]:
        """Yield the reads this command needs, given what has been read so far."""

    @abc.abstractmethod
    def apply(self, model: Model) -> Applied:
        """Plan this command's changes in ``model``.

        Raises:
            OvsdbCommandError: the command cannot apply to the database as read.

        """


def check_name(kind: str, name: object) -> None:
    """Refuse a row name that is not a non-empty string (ValueError)."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"{kind} name must be a non-empty string, got {name!r}")


def _merge(model: Model, row: Row, column: str, wanted: Mapping[str, str]) -> bool:
    current = row.values.get(column)
    merged = dict(current) if isinstance(current, dict) else {}
    merged.update(wanted)
    return model.update(row, column, merged)


def set_columns(model: Model, row: Row, values: Mapping[str, object], *, merge: bool) -> list[str]:
    """Update the columns that differ; return their ``Table.column`` names."""
    changed = []
    for column, value in values.items():
        ctype = model.schema.table(row.table).column(column)
        if merge and ctype.is_map and isinstance(value, Mapping):
            did = _merge(model, row, column, value)
        else:
            did = model.update(row, column, value)
        if did:
            changed.append(f"{row.table}.{column}")
    return changed


def _check_table(
    model: Model, command: Command, table: str, record: object, columns: Sequence[str]
) -> None:
    try:
        tschema = model.schema.table(table)
        for column in columns:
            tschema.column(column)
    except KeyError as exc:
        raise OvsdbCommandError(command=command.describe(), reason=str(exc.args[0])) from exc
    if isinstance(record, str) and record != "." and not tschema.named:
        raise OvsdbCommandError(
            command=command.describe(),
            reason=f"rows of {table} have no name: give a UUID (or '.')",
        )


@dataclass(frozen=True)
class DbSet(Command):
    """Set columns of one row, writing only those that differ.

    Attributes:
        table: the table, e.g. ``"Interface"``.
        record: the row's name, its UUID, or ``"."`` for the only row of a
            single-row table such as ``Open_vSwitch``.
        values: column name to value (None clears an optional column).
        merge_maps: merge map values key by key into what the row holds,
            instead of replacing the whole map.
        if_exists: accept a missing row; if False, it raises RowNotFoundError.

    """

    table: str
    record: str | uuid.UUID
    values: Mapping[str, object]
    _: KW_ONLY
    merge_maps: bool = False
    if_exists: bool = False

    def describe(self) -> str:
        return f"set {', '.join(self.values)} on {self.table} {str(self.record)!r}"

    def queries(self, model: Model) -> Iterator[Query]:
        _check_table(model, self, self.table, self.record, list(self.values))
        yield record_query(self.table, self.record, frozenset(self.values))

    def apply(self, model: Model) -> Applied:
        row = model.find(self.table, self.record)
        if row is None:
            if self.if_exists:
                return Applied(Outcome.ABSENT)
            raise RowNotFoundError(
                command=self.describe(), table=self.table, record=str(self.record)
            )
        try:
            changed = set_columns(model, row, self.values, merge=self.merge_maps)
        except TypeError as exc:
            raise OvsdbCommandError(command=self.describe(), reason=str(exc)) from exc
        return Applied(Outcome.UPDATED if changed else Outcome.UNCHANGED, tuple(changed), row)


@dataclass(frozen=True)
class DbDestroy(Command):
    """Delete one row of a root table (such as ``QoS``) by name or UUID.

    Attributes:
        table: the table.
        record: the row's name or UUID.
        if_exists: accept a missing row; if False, it raises RowNotFoundError.

    """

    table: str
    record: str | uuid.UUID
    _: KW_ONLY
    if_exists: bool = True

    def describe(self) -> str:
        return f"destroy {self.table} {str(self.record)!r}"

    def queries(self, model: Model) -> Iterator[Query]:
        _check_table(model, self, self.table, self.record, ())
        yield record_query(self.table, self.record, frozenset())

    def apply(self, model: Model) -> Applied:
        row = model.find(self.table, self.record)
        if row is None:
            if self.if_exists:
                return Applied(Outcome.ABSENT)
            raise RowNotFoundError(
                command=self.describe(), table=self.table, record=str(self.record)
            )
        model.delete(row)
        return Applied(Outcome.DELETED, (), row)

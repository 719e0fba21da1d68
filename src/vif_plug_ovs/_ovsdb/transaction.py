"""Atomic transactions: read what the commands need, plan, commit, wait.

An attempt runs in three round trips at most, whatever the number of
commands: one or two batched reads (every command's targeted selects in one
request), then one ``transact`` holding ``wait`` guards on everything read,
the writes, and, when asked to wait for ovs-vswitchd, ``next_cfg += 1``. If a
guard fails, someone changed a row we read: the attempt is discarded and run
again from fresh reads. Nothing is written when no command has anything to
change.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Protocol

from vif_plug_ovs._ovsdb.commands import Applied, Command, Outcome
from vif_plug_ovs._ovsdb.connection import Connection, Deadline
from vif_plug_ovs._ovsdb.errors import (
    OvsdbCommandError,
    OvsdbConflictError,
    OvsdbConnectionError,
    OvsdbProtocolError,
    OvsdbTimeoutError,
    transaction_error,
)
from vif_plug_ovs._ovsdb.model import Model
from vif_plug_ovs._ovsdb.queries import Query, select_op
from vif_plug_ovs._ovsdb.schema import NamedRef

__all__ = ["CommandResult", "Session", "Transaction", "read"]

LOG = logging.getLogger(__name__)

_MAX_ATTEMPTS = 10
_MAX_READ_STAGES = 4
_MAX_INDEX_RACES = 2


class Session(Protocol):
    """What a transaction needs from the client that made it."""

    def connection(self, deadline: Deadline) -> Connection:
        """Return a live connection, reconnecting if needed."""

    def wait_cur_cfg(self, target: int, deadline: Deadline) -> None:
        """Wait until ovs-vswitchd has applied configuration ``target``."""


@dataclass
class CommandResult:
    """What one command did, filled in when its transaction commits.

    Attributes:
        command: the command.
        outcome: created, updated, unchanged, deleted or absent.
        changed: the ``Table.column`` names written on an existing row.
        uuid: the UUID of the command's main row (the new or found bridge or
            port, the deleted row), when there is one.

    """

    command: Command
    outcome: Outcome | None = None
    changed: tuple[str, ...] = ()
    uuid: uuid.UUID | None = None


def read(
    conn: Connection,
    model: Model,
    plan: Callable[[Model], Iterable[Query]],
    deadline: Deadline,
) -> None:
    """Answer every query ``plan`` asks for, in as few requests as possible."""
    for _ in range(_MAX_READ_STAGES):
        queries = model.missing(plan(model))
        if not queries:
            return
        result = _transact(conn, [select_op(q) for q in queries], deadline)
        for query, answer in zip(queries, result, strict=False):
            if not isinstance(answer, dict) or "rows" not in answer:
                raise OvsdbProtocolError(method="transact", error=answer)
            try:
                model.record(query, answer["rows"])
            except (KeyError, TypeError, ValueError) as exc:
                raise OvsdbProtocolError(method="transact", error=str(exc)) from exc
    raise OvsdbProtocolError(method="transact", error="reads did not settle")


def _transact(conn: Connection, ops: list[dict[str, Any]], deadline: Deadline) -> list[Any]:
    result = conn.request("transact", [conn.database, *ops], deadline)
    if not isinstance(result, list) or len(result) < len(ops):
        raise OvsdbProtocolError(method="transact", error=result)
    return result


_BUMP_NEXT_CFG = {
    "op": "mutate",
    "table": "Open_vSwitch",
    "where": [],
    "mutations": [["next_cfg", "+=", 1]],
}
_SELECT_NEXT_CFG = {"op": "select", "table": "Open_vSwitch", "where": [], "columns": ["next_cfg"]}


def _next_cfg(result: list[Any]) -> int:
    """Read ``next_cfg`` from the answer to the last operation, a select of it."""
    answer = result[-1]
    rows = answer.get("rows") if isinstance(answer, dict) else None
    if not rows or not isinstance(rows[0].get("next_cfg"), int):
        raise OvsdbProtocolError(method="transact", error="Open_vSwitch has no row")
    return int(rows[0]["next_cfg"])


class _GuardFailedError(Exception):
    """Something read by this attempt changed before the commit."""


class _IndexRaceError(_GuardFailedError):
    """A row we inserted collides with one that may have appeared since."""

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


class Transaction:
    """Commands committed atomically, or not at all.

    Use it as a context manager: the commands are committed when the block
    exits cleanly, and discarded (nothing was sent) if it raises::

        with client.transaction() as txn:
            txn.add(AddBridge("br-int", datapath_type="netdev"))
            port = txn.add(AddPort("br-int", "tap0", external_ids=ids))
        print(port.outcome)

    Attributes:
        wrote: True once a commit has written to the database; False when
            every command found the database already as asked.

    """

    def __init__(self, session: Session, *, wait: bool, timeout: float) -> None:
        self._session = session
        self._wait = wait
        self._timeout = timeout
        self._results: list[CommandResult] = []
        self._done = False
        self._maybe_committed = False
        self._deadline: Deadline | None = None
        self._target: int | None = None
        self.wrote = False

    def add(self, command: Command) -> CommandResult:
        """Queue ``command``; its result is filled in at commit."""
        if self._done:
            raise RuntimeError("this transaction is already committed")
        result = CommandResult(command)
        self._results.append(result)
        return result

    def __enter__(self) -> Transaction:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self.commit()
        else:
            self._done = True

    def commit(self) -> list[CommandResult]:
        """Commit every queued command; return their results.

        Waits for ovs-vswitchd to apply the change unless the transaction was
        made with ``wait=False``. Nothing is sent when every command finds the
        database already as asked.

        Raises:
            OvsdbCommandError: a command does not fit the database.
            OvsdbTransactionError: ovsdb-server refused the transaction.
            OvsdbTimeoutError: not committed (or not applied) within the timeout.
            OvsdbConflictError: concurrent writers kept invalidating the reads.
            OvsdbConnectionError: ovsdb-server could not be reached.

        """
        results = self.send()
        self.wait_applied()
        return results

    def send(self) -> list[CommandResult]:
        """Commit like :meth:`commit`, but return before ovs-vswitchd applies it.

        Call :meth:`wait_applied` afterwards to wait (work that does not
        depend on ovs-vswitchd can be done meanwhile); the transaction's
        timeout covers both.

        Raises:
            The same as :meth:`commit`, but for the wait.

        """
        if self._done:
            raise RuntimeError("this transaction is already committed")
        self._done = True
        if not self._results:
            return []
        self._deadline = Deadline.after(self._timeout)
        self._target = self._commit_with_retries(self._deadline)
        return list(self._results)

    def wait_applied(self) -> None:
        """Wait until ovs-vswitchd has applied what :meth:`send` committed.

        Returns at once when nothing was written or the transaction was made
        with ``wait=False``.

        Raises:
            OvsdbTimeoutError: not applied within the timeout (``committed``
                is True: the database has the change).

        """
        target, self._target = self._target, None
        if target is not None and self._deadline is not None:
            self._session.wait_cur_cfg(target, self._deadline)

    def _commit_with_retries(self, deadline: Deadline) -> int | None:
        reconnected = False
        index_races = 0
        for attempt in range(1, _MAX_ATTEMPTS + 1):
            conn = self._session.connection(deadline)
            try:
                return self._attempt(conn, deadline)
            except _IndexRaceError as exc:
                # Most likely a concurrent writer created the same row, and a
                # fresh read will find it; if it keeps happening, the
                # transaction itself is at fault: report the server's error.
                index_races += 1
                if index_races > _MAX_INDEX_RACES:
                    raise exc.error from None
                LOG.debug("OVSDB transaction attempt %d hit a unique index; retrying", attempt)
            except _GuardFailedError:
                LOG.debug("OVSDB transaction attempt %d lost a race; retrying", attempt)
                pause = random.uniform(0, 0.002 * attempt)  # noqa: S311 (jitter, not crypto)
                if deadline.remaining() <= pause:
                    raise OvsdbTimeoutError(
                        what="OVSDB transaction", timeout=self._timeout
                    ) from None
                time.sleep(pause)
            except OvsdbConnectionError as exc:
                # A lost connection may hide a committed transaction: run it
                # once more from fresh reads, so commands converge instead of
                # being applied twice.
                if reconnected:
                    raise
                reconnected = True
                self._maybe_committed = self._maybe_committed or exc.sent
        raise OvsdbConflictError(attempts=_MAX_ATTEMPTS)

    def _attempt(self, conn: Connection, deadline: Deadline) -> int | None:
        if conn.schema is None:
            raise OvsdbProtocolError(method="get_schema", error="no schema")
        model = Model(conn.schema)
        commands = [r.command for r in self._results]
        read(conn, model, lambda m: (q for c in commands for q in c.queries(m)), deadline)
        plans = [self._plan(command, model) for command in commands]
        writes, inserted = model.write_ops()
        if not writes:
            self._finish(plans, {})
            if self._wait and self._maybe_committed:
                # An earlier attempt may have committed these very changes:
                # still wait for ovs-vswitchd to apply whatever is pending.
                return _next_cfg(_transact(conn, [_SELECT_NEXT_CFG], deadline))
            return None
        guards = model.guard_ops()
        ops = guards + writes
        if self._wait:
            ops += [_BUMP_NEXT_CFG, _SELECT_NEXT_CFG]
        try:
            result = _transact(conn, ops, deadline)
        except OvsdbTimeoutError as exc:
            raise OvsdbTimeoutError(
                what="OVSDB transaction", timeout=deadline.timeout, committed=None
            ) from exc
        _raise_for_errors(result, ops, len(guards), index_guarded=model.index_guarded)
        self.wrote = True
        named = {}
        for name, index in inserted.items():
            answer = result[len(guards) + index]
            named[name] = uuid.UUID(answer["uuid"][1])
        self._finish(plans, named)
        return _next_cfg(result) if self._wait else None

    @staticmethod
    def _plan(command: Command, model: Model) -> Applied:
        try:
            return command.apply(model)
        except TypeError as exc:
            raise OvsdbCommandError(command=command.describe(), reason=str(exc)) from exc

    def _finish(self, plans: list[Applied], named: dict[str, uuid.UUID]) -> None:
        for result, plan in zip(self._results, plans, strict=True):
            result.outcome = plan.outcome
            result.changed = plan.changed
            ref = plan.row.ref if plan.row is not None else None
            result.uuid = named.get(ref.name) if isinstance(ref, NamedRef) else ref


def _raise_for_errors(
    result: list[Any], ops: list[dict[str, Any]], guards: int, *, index_guarded: bool
) -> None:
    for index, answer in enumerate(result):
        if not isinstance(answer, dict) or "error" not in answer:
            continue
        error = str(answer["error"])
        if index < guards and error == "timed out":
            raise _GuardFailedError
        details = answer.get("details")
        operation = ops[index] if index < len(ops) else None
        exc = transaction_error(error, str(details) if details is not None else None, operation)
        if index_guarded and error == "constraint violation" and "for index on" in str(details):
            raise _IndexRaceError(exc)
        raise exc

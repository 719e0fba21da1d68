"""Errors raised by the OVSDB client, in one tree.

::

    os_vif.exception.HostOperationError
    └── OvsdbError                          anything from this layer
        ├── OvsdbConnectionError            cannot reach ovsdb-server, or lost
        │                                   it mid-request (retriable)
        ├── OvsdbTimeoutError                    the deadline passed (retriable);
        │                                   ``committed`` says whether the
        │                                   change is already in the database
        ├── OvsdbConflictError                   concurrent writers kept changing
        │                                   what we had read (retriable)
        ├── OvsdbProtocolError              a JSON-RPC error, or a reply we
        │                                   cannot read
        ├── OvsdbTransactionError           ovsdb-server refused the transaction
        │   ├── OvsdbConstraintError
        │   └── OvsdbReferentialIntegrityError
        └── OvsdbCommandError               a command does not fit the database
            ├── RowNotFoundError                 (LookupError)
            └── RowExistsError

Every OVSDB failure is translated once, where the reply is read, into the most
specific class here; nothing in this layer logs an error and carries on.
"""

from __future__ import annotations

import json
from typing import Any

from os_vif.exception import HostOperationError

__all__ = [
    "OvsdbCommandError",
    "OvsdbConflictError",
    "OvsdbConnectionError",
    "OvsdbConstraintError",
    "OvsdbError",
    "OvsdbProtocolError",
    "OvsdbReferentialIntegrityError",
    "OvsdbTimeoutError",
    "OvsdbTransactionError",
    "RowExistsError",
    "RowNotFoundError",
]


class OvsdbError(HostOperationError):
    """Base class of every error raised by the OVSDB client."""


class OvsdbConnectionError(OvsdbError):
    """ovsdb-server could not be reached, or the connection was lost.

    Attributes:
        remote: the connection string, e.g. ``"unix:/run/openvswitch/db.sock"``.
        sent: whether a request had been fully sent when the connection was
            lost (so it may have been executed).

    """

    def __init__(
        self,
        *,
        remote: str,
        detail: str,
        errno: int | None = None,
        sent: bool = False,
    ) -> None:
        self.remote = remote
        self.sent = sent
        super().__init__(
            step="OVSDB connection",
            device=remote,
            errno=errno,
            detail=detail,
            retriable=True,
        )


class OvsdbTimeoutError(OvsdbError):
    """A request or transaction did not finish within its timeout.

    Attributes:
        timeout: the timeout, in seconds.
        committed: True when the transaction was committed and only the wait
            for ovs-vswitchd ran out of time; False when it was not committed;
            None when the commit request went unanswered, so it may or may not
            have been applied.

    """

    def __init__(self, *, what: str, timeout: float, committed: bool | None = False) -> None:
        self.timeout = timeout
        self.committed = committed
        if committed is None:
            state = "no answer to the commit: it may or may not have been applied"
        elif committed:
            state = "committed, but ovs-vswitchd did not apply it in time"
        else:
            state = "nothing was committed"
        super().__init__(
            step=what,
            detail=f"timed out after {timeout:g} s ({state})",
            retriable=True,
        )


class OvsdbConflictError(OvsdbError):
    """Other writers kept changing the rows a transaction depends on.

    Each attempt re-reads what it needs and commits only if none of it
    changed; this is raised when every attempt lost that race.
    """

    def __init__(self, *, attempts: int) -> None:
        self.attempts = attempts
        super().__init__(
            step="OVSDB transaction",
            detail=f"rows changed concurrently on each of {attempts} attempts",
            retriable=True,
        )


class OvsdbProtocolError(OvsdbError):
    """ovsdb-server answered with a JSON-RPC error or something unreadable.

    Attributes:
        method: the JSON-RPC method of the request.
        error: the error as the server sent it (a string or an object).

    """

    def __init__(self, *, method: str, error: object) -> None:
        self.method = method
        self.error = error
        super().__init__(step=f"OVSDB {method} request", detail=_text(error))


class OvsdbTransactionError(OvsdbError):
    """ovsdb-server refused a transaction; nothing of it was committed.

    Attributes:
        error: the OVSDB error name, e.g. ``"constraint violation"``.
        details: the server's explanation, when it gave one.
        operation: the operation that failed, or None when the failure came
            at commit time (constraints checked over the whole transaction).

    """

    def __init__(
        self,
        *,
        error: str,
        details: str | None = None,
        operation: dict[str, Any] | None = None,
    ) -> None:
        self.error = error
        self.details = details
        self.operation = operation
        where = f" in {_op_label(operation)}" if operation else ""
        tail = f": {details}" if details else ""
        super().__init__(step="OVSDB transaction", detail=f"{error}{where}{tail}")


class OvsdbConstraintError(OvsdbTransactionError):
    """A value broke a schema constraint (range, enum, size, unique index)."""


class OvsdbReferentialIntegrityError(OvsdbTransactionError):
    """A row would be deleted while still referenced, or a reference dangles."""


class OvsdbCommandError(OvsdbError):
    """A command cannot apply to the database as it is.

    Attributes:
        command: a short description of the command.
        reason: why it cannot apply.

    """

    def __init__(self, *, command: str, reason: str, device: str | None = None) -> None:
        self.command = command
        self.reason = reason
        super().__init__(step=command, device=device, detail=reason)


class RowNotFoundError(OvsdbCommandError, LookupError):
    """A row a command needs does not exist.

    Attributes:
        table: the OVSDB table.
        record: the row's name or UUID as given.

    """

    def __init__(self, *, command: str, table: str, record: str) -> None:
        self.table = table
        self.record = record
        super().__init__(command=command, reason=f"no {table} named {record!r}", device=record)


class RowExistsError(OvsdbCommandError):
    """A row exists where a command requires that it does not."""

    def __init__(self, *, command: str, table: str, record: str, reason: str) -> None:
        self.table = table
        self.record = record
        super().__init__(command=command, reason=reason, device=record)


_TRANSACTION_ERRORS: dict[str, type[OvsdbTransactionError]] = {
    "constraint violation": OvsdbConstraintError,
    "referential integrity violation": OvsdbReferentialIntegrityError,
}


def transaction_error(
    error: str, details: str | None, operation: dict[str, Any] | None
) -> OvsdbTransactionError:
    """Build the most specific exception for an OVSDB transaction error."""
    cls = _TRANSACTION_ERRORS.get(error, OvsdbTransactionError)
    return cls(error=error, details=details, operation=operation)


def _op_label(operation: dict[str, Any]) -> str:
    return f"{operation.get('op', '?')} on {operation.get('table', '?')}"


def _text(error: object) -> str:
    if isinstance(error, str):
        return error
    if isinstance(error, dict):
        name = error.get("error")
        details = error.get("details")
        if isinstance(name, str):
            return f"{name}: {details}" if details else name
    return json.dumps(error, sort_keys=True)

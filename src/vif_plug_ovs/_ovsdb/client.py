"""The OVSDB client: one shared connection per process and remote.

Every :class:`OvsdbClient` made for the same connection string (and SSL
files) in a process shares one connection, opened on first use and reopened
transparently after ovsdb-server restarts. Clients are cheap: build one where
convenient, with its own timeout and wait defaults.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from vif_plug_ovs._ovsdb._wire import SslFiles, valid_remote
from vif_plug_ovs._ovsdb.commands import Command
from vif_plug_ovs._ovsdb.connection import Connection, Deadline, Stats
from vif_plug_ovs._ovsdb.errors import OvsdbConnectionError, OvsdbTimeoutError
from vif_plug_ovs._ovsdb.model import Model
from vif_plug_ovs._ovsdb.queries import ByName, Query, Referrers, record_query, uuid_json
from vif_plug_ovs._ovsdb.schema import Value
from vif_plug_ovs._ovsdb.transaction import CommandResult, Transaction, read

__all__ = ["OvsdbClient"]

LOG = logging.getLogger(__name__)

DEFAULT_TIMEOUT = 120.0
_BACKOFF_MIN = 0.05
_BACKOFF_MAX = 1.0


class _SharedSession:
    """The process-wide connection to one remote, reopened on demand."""

    def __init__(self, remote: str, ssl_files: SslFiles | None, database: str) -> None:
        self.remote = remote
        self.ssl_files = ssl_files
        self.database = database
        self.stats = Stats()
        self._lock = threading.Lock()
        self._conn: Connection | None = None

    def connection(self, deadline: Deadline) -> Connection:
        conn = self._conn
        if conn is not None and conn.alive:
            return conn
        if not self._lock.acquire(timeout=deadline.remaining()):
            raise OvsdbTimeoutError(what="OVSDB connection", timeout=deadline.timeout)
        try:
            return self._reconnect(deadline)
        finally:
            self._lock.release()

    def _reconnect(self, deadline: Deadline) -> Connection:
        delay = _BACKOFF_MIN
        while True:
            conn = self._conn
            if conn is not None and conn.alive:
                return conn  # another thread reconnected while we queued
            try:
                self._conn = Connection.open(
                    self.remote,
                    database=self.database,
                    deadline=deadline,
                    ssl_files=self.ssl_files,
                    stats=self.stats,
                )
            except OvsdbConnectionError:
                if deadline.remaining() <= delay:
                    raise
                LOG.debug("cannot reach %s yet; retrying in %.2f s", self.remote, delay)
                time.sleep(delay)
                delay = min(delay * 2, _BACKOFF_MAX)
            else:
                return self._conn

    def wait_cur_cfg(self, target: int, deadline: Deadline) -> None:
        last: Exception | None = None
        while deadline.remaining() > 0:
            try:
                if self.connection(deadline).wait_cur_cfg(target, deadline):
                    return
            except (OvsdbConnectionError, OvsdbTimeoutError) as exc:
                # The change is committed: keep following cur_cfg, on a new
                # connection if need be, until the deadline.
                last = exc
                time.sleep(min(deadline.remaining(), _BACKOFF_MIN))
        raise OvsdbTimeoutError(
            what="waiting for ovs-vswitchd", timeout=deadline.timeout, committed=True
        ) from last

    def close(self) -> None:
        with self._lock:
            conn, self._conn = self._conn, None
        if conn is not None:
            conn.close()

    def forget(self) -> None:
        self._lock = threading.Lock()
        self._conn = None


_SESSIONS: dict[tuple[str, SslFiles | None, str], _SharedSession] = {}
_SESSIONS_LOCK = threading.Lock()


def _shared_session(remote: str, ssl_files: SslFiles | None, database: str) -> _SharedSession:
    key = (remote, ssl_files, database)
    with _SESSIONS_LOCK:
        session = _SESSIONS.get(key)
        if session is None:
            session = _SESSIONS[key] = _SharedSession(remote, ssl_files, database)
        return session


def _forget_connections_in_child() -> None:
    # A forked child has the parent's sockets but not its reader threads, and
    # a lock held by another parent thread would stay held forever: start
    # afresh, without closing (an SSL close would speak on the parent's
    # session).
    global _SESSIONS_LOCK  # noqa: PLW0603 (replaced, not shared, after fork)
    _SESSIONS_LOCK = threading.Lock()
    for session in _SESSIONS.values():
        session.forget()


os.register_at_fork(after_in_child=_forget_connections_in_child)


class OvsdbClient:
    """A client of the ``Open_vSwitch`` database on one ovsdb-server.

    Args:
        remote: ``unix:PATH``, ``tcp:HOST:PORT`` or ``ssl:HOST:PORT``.
        timeout: seconds a transaction may take, including the wait for
            ovs-vswitchd, before :class:`~.errors.OvsdbTimeoutError`.
        wait: by default, wait after each committed transaction until
            ovs-vswitchd has applied it (``cur_cfg`` reaching the new
            ``next_cfg``), as ``ovs-vsctl`` does without ``--no-wait``.
        ssl_files: key, certificate and CA for ``ssl:`` remotes.

    Raises:
        ValueError: ``remote`` is not a connection string we can open, or an
            ``ssl:`` remote was given without ``ssl_files`` (or one of them
            does not exist).

    Nothing is connected until the first request.

    """

    def __init__(
        self,
        remote: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        wait: bool = True,
        ssl_files: SslFiles | None = None,
    ) -> None:
        if not valid_remote(remote):
            raise ValueError(f"not an OVSDB connection string: {remote!r}")
        if remote.startswith("ssl:") and ssl_files is None:
            raise ValueError(f"{remote}: ssl: needs a private key, certificate and CA")
        if ssl_files is not None:
            for path in (ssl_files.private_key, ssl_files.certificate, ssl_files.ca_certificate):
                if not os.path.isfile(path):
                    raise ValueError(f"{remote}: SSL file {path!r} does not exist")
        if timeout <= 0:
            raise ValueError(f"timeout must be positive, got {timeout!r}")
        self.remote = remote
        self.timeout = timeout
        self.wait = wait
        self._session = _shared_session(remote, ssl_files, "Open_vSwitch")

    @property
    def stats(self) -> Stats:
        """Traffic counters of the shared connection (all clients of it)."""
        return self._session.stats

    def close(self) -> None:
        """Close the shared connection; the next request opens a new one."""
        self._session.close()

    def transaction(self, *, wait: bool | None = None, timeout: float | None = None) -> Transaction:
        """Start a transaction; commit it by leaving the ``with`` block.

        Args:
            wait: override the client's ``wait`` for this transaction.
            timeout: override the client's ``timeout`` for this transaction.

        """
        return Transaction(
            self._session,
            wait=self.wait if wait is None else wait,
            timeout=self.timeout if timeout is None else timeout,
        )

    def execute(
        self, *commands: Command, wait: bool | None = None, timeout: float | None = None
    ) -> list[CommandResult]:
        """Run ``commands`` in one transaction and return their results."""
        txn = self.transaction(wait=wait, timeout=timeout)
        for command in commands:
            txn.add(command)
        return txn.commit()

    # --- lookups -------------------------------------------------------------

    def get(
        self, table: str, record: str | uuid.UUID, columns: Sequence[str]
    ) -> dict[str, Value] | None:
        """Return one row's ``columns`` and ``_uuid``, or None if it does not exist.

        Args:
            table: the table, e.g. ``"Interface"``.
            record: the row's name, its UUID, or ``"."`` for the only row of
                a single-row table such as ``Open_vSwitch``.
            columns: the columns to read.

        Raises:
            KeyError: no such table or column.
            ValueError: a name was given for a table whose rows have none.

        """
        query = record_query(table, record, frozenset(columns))

        def plan(model: Model) -> list[Query]:
            tschema = model.schema.table(table)
            for column in query.columns:
                tschema.column(column)
            if isinstance(query, ByName) and not tschema.named:
                raise ValueError(f"rows of {table} have no name: give a UUID (or '.')")
            return [query]

        row = self._read(plan).find(table, record)
        if row is None:
            return None
        return {"_uuid": row.ref, **{c: row.values[c] for c in query.columns}}

    def bridge_exists(self, name: str) -> bool:
        """Whether a bridge named ``name`` exists."""
        return self.get("Bridge", name, ()) is not None

    def port_exists(self, name: str) -> bool:
        """Whether a port named ``name`` exists, on any bridge."""
        return self.get("Port", name, ()) is not None

    def port_bridge(self, port: str) -> str | None:
        """Return the name of the bridge holding port ``port``, or None."""

        def plan(model: Model) -> list[Query]:
            wanted: list[Query] = [ByName("Port", port)]
            row = model.fetched("Port", port)
            if row is not None and isinstance(row.ref, uuid.UUID):
                wanted.append(Referrers("Bridge", "ports", row.ref, frozenset({"name"})))
            return wanted

        model = self._read(plan)
        row = model.lookup("Port", port)
        if row is None:
            return None
        owners = model.referrers("Bridge", "ports", row)
        return str(owners[0]["name"]) if owners else None

    def interface_external_ids(self, name: str) -> dict[str, str] | None:
        """``Interface.external_ids`` of interface ``name``, or None if absent."""
        row = self.get("Interface", name, ["external_ids"])
        if row is None:
            return None
        ids = row["external_ids"]
        return {str(k): str(v) for k, v in ids.items()} if isinstance(ids, dict) else {}

    def bridge_ports(self, bridge: str) -> list[str] | None:
        """Return the names of the ports on ``bridge``, or None if it is absent.

        This reads every port of that bridge: use it for diagnostics, not on
        the plug path.
        """
        row = self.get("Bridge", bridge, ["ports"])
        if row is None:
            return None
        ports = row["ports"]
        uuids = sorted(ports, key=str) if isinstance(ports, frozenset) else []
        if not uuids:
            return []
        ops: list[dict[str, Any]] = [
            {
                "op": "select",
                "table": "Port",
                "where": [["_uuid", "==", uuid_json(u)]],
                "columns": ["name"],
            }
            for u in uuids
        ]
        deadline = Deadline.after(self.timeout)
        conn = self._session.connection(deadline)
        result = conn.request("transact", [conn.database, *ops], deadline)
        names = [r["name"] for answer in result for r in answer.get("rows", [])]
        return sorted(str(n) for n in names)

    def _read(self, plan: Callable[[Model], Iterable[Query]]) -> Model:
        deadline = Deadline.after(self.timeout)
        for attempt in (1, 2):
            conn = self._session.connection(deadline)
            if conn.schema is None:
                continue
            model = Model(conn.schema)
            try:
                read(conn, model, plan, deadline)
            except OvsdbConnectionError:
                if attempt == 2:
                    raise
                continue
            return model
        raise OvsdbConnectionError(remote=self.remote, detail="no usable connection")

"""One JSON-RPC session with ovsdb-server.

A :class:`Connection` owns one socket and one reader thread. Any number of
threads send requests through it at once; the reader matches each reply to its
request by id, answers the server's ``echo`` probes, and follows
``Open_vSwitch.cur_cfg`` through a one-column monitor so a writer can wait for
ovs-vswitchd to apply a change. A connection that fails stays failed: every
pending request gets :class:`~.errors.OvsdbConnectionError`, and the client
opens a new connection for the next request.
"""

from __future__ import annotations

import codecs
import itertools
import json
import logging
import select
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from vif_plug_ovs._ovsdb._wire import SslFiles, Wire, open_wire
from vif_plug_ovs._ovsdb.errors import (
    OvsdbConnectionError,
    OvsdbError,
    OvsdbProtocolError,
    OvsdbTimeoutError,
)
from vif_plug_ovs._ovsdb.schema import DatabaseSchema

__all__ = ["Connection", "Deadline", "Stats"]

LOG = logging.getLogger(__name__)

_RECV_SIZE = 65536
_JSON = json.JSONDecoder()
_SPACE = " \t\r\n"
_MONITOR_ID = "os-vif-cur-cfg"


@dataclass(frozen=True)
class Deadline:
    """A point in time by which an operation must be done."""

    timeout: float
    at: float

    @classmethod
    def after(cls, timeout: float) -> Deadline:
        """Return the deadline ``timeout`` seconds from now."""
        return cls(timeout, time.monotonic() + timeout)

    def remaining(self) -> float:
        """Seconds left, never negative."""
        return max(0.0, self.at - time.monotonic())


@dataclass
class Stats:
    """Traffic counters, kept across reconnections.

    Attributes:
        bytes_sent: bytes written to ovsdb-server.
        bytes_received: bytes read from ovsdb-server.
        requests: JSON-RPC requests sent.
        connections: connections opened.

    """

    bytes_sent: int = 0
    bytes_received: int = 0
    requests: int = 0
    connections: int = 0


class _Slot:
    """Where the reader thread leaves the reply to one request."""

    __slots__ = ("event", "lost", "on_reply", "reply")

    def __init__(self, on_reply: Callable[[Any], None] | None = None) -> None:
        self.event = threading.Event()
        self.reply: dict[str, Any] | None = None
        self.lost = False
        self.on_reply = on_reply


class Connection:
    """A live JSON-RPC session; build one with :meth:`open`."""

    def __init__(self, wire: Wire, *, database: str, stats: Stats) -> None:
        self.remote = wire.remote
        self.database = database
        self.stats = stats
        self.schema: DatabaseSchema | None = None
        self._wire = wire
        self._ids = itertools.count(1)
        self._state = threading.Condition()
        self._io_lock = threading.Lock()
        self._send_lock = threading.Lock()
        self._pending: dict[int, _Slot] = {}
        self._failure: str | None = None
        self._cur_cfg: int | None = None
        self._last_received = time.monotonic()
        self._reader = threading.Thread(
            target=self._read_loop, name=f"ovsdb-reader {self.remote}", daemon=True
        )

    @classmethod
    def open(
        cls,
        remote: str,
        *,
        database: str,
        deadline: Deadline,
        ssl_files: SslFiles | None,
        stats: Stats,
    ) -> Connection:
        """Connect, fetch the schema and start following ``cur_cfg``.

        Raises:
            OvsdbConnectionError: the server could not be reached.
            OvsdbTimeoutError: it did not answer in time.
            OvsdbProtocolError: it refused the schema or monitor request.

        """
        try:
            wire = open_wire(remote, timeout=deadline.remaining(), ssl_files=ssl_files)
        except OSError as exc:
            raise OvsdbConnectionError(
                remote=remote, detail=exc.strerror or str(exc), errno=exc.errno
            ) from exc
        conn = cls(wire, database=database, stats=stats)
        stats.connections += 1
        conn._reader.start()
        try:
            schema = conn.request("get_schema", [database], deadline)
            conn.schema = DatabaseSchema.parse(schema)
            if "Open_vSwitch" in conn.schema.tables:
                conn.request(
                    "monitor",
                    [database, _MONITOR_ID, {"Open_vSwitch": {"columns": ["cur_cfg"]}}],
                    deadline,
                    on_reply=conn._apply_cfg_updates,
                )
        except ValueError as exc:
            conn.close()
            raise OvsdbProtocolError(method="get_schema", error=str(exc)) from exc
        except BaseException:
            conn.close()
            raise
        LOG.debug("connected to %s", remote)
        return conn

    @property
    def alive(self) -> bool:
        """False once the connection has failed or been closed."""
        return self._failure is None

    def request(
        self,
        method: str,
        params: list[Any],
        deadline: Deadline,
        *,
        on_reply: Callable[[Any], None] | None = None,
    ) -> Any:
        """Send one request and return its ``result``.

        ``on_reply``, if given, runs in the reader thread with the result
        before any later message is read.

        Raises:
            OvsdbConnectionError: the connection failed; ``sent`` tells
                whether the request may have reached the server.
            OvsdbTimeoutError: no reply before the deadline.
            OvsdbProtocolError: the server answered with an error.

        """
        rid = next(self._ids)
        slot = _Slot(on_reply)
        with self._state:
            if self._failure is not None:
                raise self._lost(sent=False)
            self._pending[rid] = slot
            self.stats.requests += 1
        sent_at = time.monotonic()
        try:
            self._send({"method": method, "params": params, "id": rid}, deadline)
        except BaseException:
            with self._state:
                self._pending.pop(rid, None)
            raise
        if not slot.event.wait(deadline.remaining()):
            with self._state:
                self._pending.pop(rid, None)
            if self._last_received < sent_at:
                # Not a byte since the request went out: the server is hung or
                # the link is dead. Drop the connection so the next request
                # starts on a fresh one instead of waiting on this one again.
                self._fail(f"no reply to {method} within {deadline.timeout:g} s")
            raise OvsdbTimeoutError(what=f"OVSDB {method} request", timeout=deadline.timeout)
        if slot.lost or slot.reply is None:
            raise self._lost(sent=True)
        error = slot.reply.get("error")
        if error is not None:
            raise OvsdbProtocolError(method=method, error=error)
        return slot.reply.get("result")

    def wait_cur_cfg(self, target: int, deadline: Deadline) -> bool:
        """Block until ``Open_vSwitch.cur_cfg`` reaches ``target``.

        Returns False if the deadline passed first.

        Raises:
            OvsdbConnectionError: the connection failed while waiting.

        """
        with self._state:
            while self._cur_cfg is None or self._cur_cfg < target:
                if self._failure is not None:
                    raise self._lost(sent=True)
                remaining = deadline.remaining()
                if remaining <= 0:
                    return False
                self._state.wait(remaining)
        return True

    def close(self) -> None:
        """Close the connection; pending requests fail. Idempotent."""
        self._fail("closed by the client")
        if self._reader.is_alive() and self._reader is not threading.current_thread():
            self._reader.join(timeout=5)

    # --- sending -----------------------------------------------------------

    def _send(self, message: dict[str, Any], deadline: Deadline) -> None:
        data = json.dumps(message, separators=(",", ":")).encode()
        with self._send_lock:
            while data:
                error: OSError | None = None
                with self._io_lock:
                    if self._failure is not None:
                        raise self._lost(sent=False)
                    try:
                        sent = self._wire.send(data)
                    except OSError as exc:
                        error, sent = exc, 0
                if error is not None:
                    self._fail(f"send failed: {error.strerror or error}")
                    raise self._lost(sent=False) from error
                self.stats.bytes_sent += sent
                data = data[sent:]
                if data and not sent and not self._writable(deadline):
                    # Half a message is on the wire: the stream cannot be reused.
                    self._fail("send timed out")
                    raise OvsdbTimeoutError(what="OVSDB send", timeout=deadline.timeout)

    def _writable(self, deadline: Deadline) -> bool:
        poller = select.poll()
        poller.register(self._wire.fileno(), select.POLLOUT)
        return bool(poller.poll(deadline.remaining() * 1000))

    # --- reading (reader thread) ---------------------------------------------

    def _read_loop(self) -> None:
        decoder = codecs.getincrementaldecoder("utf-8")()
        text = ""
        poller = select.poll()
        poller.register(self._wire.fileno(), select.POLLIN)
        try:
            while self._failure is None:
                got = False
                while True:
                    with self._io_lock:
                        if self._failure is not None:
                            return
                        chunk = self._wire.recv(_RECV_SIZE)
                    if chunk is None:
                        break
                    if not chunk:
                        self._fail("ovsdb-server closed the connection")
                        return
                    self.stats.bytes_received += len(chunk)
                    self._last_received = time.monotonic()
                    text += decoder.decode(chunk)
                    got = True
                if got and text.rstrip(_SPACE).endswith("}"):
                    text = self._dispatch_all(text)
                poller.poll()
        except OvsdbError:
            pass  # answering an echo failed: _send already failed the connection
        except (OSError, ValueError) as exc:
            self._fail(f"receive failed: {exc}")
        except Exception as exc:
            LOG.exception("OVSDB reader for %s failed", self.remote)
            self._fail(f"reader failed: {exc!r}")

    def _dispatch_all(self, text: str) -> str:
        pos, end = 0, len(text)
        while True:
            while pos < end and text[pos] in _SPACE:
                pos += 1
            if pos == end:
                return ""
            if text[pos] != "{":
                raise ValueError("ovsdb-server sent something that is not JSON-RPC")
            try:
                message, pos = _JSON.raw_decode(text, pos)
            except json.JSONDecodeError:
                return text[pos:]  # the rest of this message is still on its way
            self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        method = message.get("method")
        if method is None:
            rid = message.get("id")
            with self._state:
                slot = self._pending.pop(rid, None) if isinstance(rid, int) else None
            if slot is None:
                return  # a reply to a request that timed out
            if slot.on_reply is not None and message.get("error") is None:
                slot.on_reply(message.get("result"))
            slot.reply = message
            slot.event.set()
        elif method == "echo" and message.get("id") is not None:
            reply = {
                "id": message["id"],
                "result": message.get("params"),
                "error": None,
            }
            self._send(reply, Deadline.after(5))
        elif method == "update":
            params = message.get("params")
            if isinstance(params, list) and len(params) == 2 and params[0] == _MONITOR_ID:
                self._apply_cfg_updates(params[1])

    def _apply_cfg_updates(self, updates: Any) -> None:
        if not isinstance(updates, dict):
            return
        for change in updates.get("Open_vSwitch", {}).values():
            new = change.get("new") if isinstance(change, dict) else None
            if isinstance(new, dict) and isinstance(new.get("cur_cfg"), int):
                with self._state:
                    self._cur_cfg = new["cur_cfg"]
                    self._state.notify_all()

    # --- failure -------------------------------------------------------------

    def _fail(self, reason: str) -> None:
        with self._state:
            if self._failure is not None:
                return
            self._failure = reason
            pending, self._pending = self._pending, {}
            for slot in pending.values():
                slot.lost = True
                slot.event.set()
            self._state.notify_all()
        LOG.debug("connection to %s ended: %s", self.remote, reason)
        self._wire.shutdown()
        with self._io_lock:
            self._wire.close()

    def _lost(self, *, sent: bool) -> OvsdbConnectionError:
        return OvsdbConnectionError(
            remote=self.remote,
            detail=f"connection lost: {self._failure or 'unknown reason'}",
            sent=sent,
        )

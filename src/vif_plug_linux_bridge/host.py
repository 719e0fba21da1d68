"""Host access for the plugin: a netlink socket per namespace, locks, rollback."""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from types import TracebackType

from os_vif._linux.netlink import Netlink

__all__ = ["BridgeHost", "Undo"]

LOG = logging.getLogger(__name__)


class BridgeHost:
    """Netlink sockets per network namespace, and a lock per bridge.

    A netlink socket acts in the namespace it was opened in, so the plugin
    keeps one per namespace it is called from (one, on a normal host).
    """

    def __init__(self) -> None:
        self._sockets: dict[int, Netlink] = {}
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    def netlink(self) -> Netlink:
        """The socket for the calling thread's network namespace."""
        namespace = os.stat("/proc/thread-self/ns/net").st_ino
        with self._guard:
            socket = self._sockets.get(namespace)
            if socket is None:
                socket = self._sockets[namespace] = Netlink()
            return socket

    def close(self) -> None:
        """Close every socket."""
        with self._guard:
            sockets, self._sockets = list(self._sockets.values()), {}
        for socket in sockets:
            socket.close()

    @contextlib.contextmanager
    def locked(self, bridge_name: str) -> Iterator[None]:
        """Serialise plug and unplug on one bridge within this process."""
        with self._guard:
            lock = self._locks.setdefault(bridge_name, threading.Lock())
        with lock:
            yield


class Undo:
    """Collects undo steps; runs them newest first if the block raises."""

    def __init__(self) -> None:
        self._steps: list[Callable[[], object]] = []

    def push(self, step: Callable[[], object]) -> None:
        """Remember how to undo something just done."""
        self._steps.append(step)

    def __enter__(self) -> Undo:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is None:
            return
        for step in reversed(self._steps):
            try:
                step()
            except Exception:  # the original error is what the caller needs
                LOG.exception("Rollback step failed after: %s", exc)

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
    """A netlink socket for the plugin's namespace, and a lock per bridge.

    A netlink socket acts in the namespace it was opened in. The plugin keeps
    one for the namespace it is first used in (the host's, normally); a call
    made from another namespace gets a socket of its own for the call, so no
    socket keeps a deleted namespace alive.
    """

    def __init__(self) -> None:
        self._home: tuple[int, Netlink] | None = None
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextlib.contextmanager
    def netlink(self) -> Iterator[Netlink]:
        """A socket in the calling thread's network namespace."""
        namespace = os.stat("/proc/thread-self/ns/net").st_ino
        with self._guard:
            if self._home is None:
                self._home = (namespace, Netlink())
            home_namespace, home = self._home
        if namespace == home_namespace:
            yield home
            return
        with Netlink() as visiting:
            yield visiting

    def close(self) -> None:
        """Close the kept socket."""
        with self._guard:
            home, self._home = self._home, None
        if home is not None:
            home[1].close()

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

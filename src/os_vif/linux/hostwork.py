"""Helpers for plugins doing host work: a netlink socket per namespace, locks, rollback.

:class:`NamespaceNetlink` keeps one :class:`~os_vif.linux.netlink.Netlink`
for the network namespace a plugin is first used in, and gives a call made
from another namespace a socket of its own. :class:`KeyedLocks` serialises
work on one name (a bridge, a VIF) within the process. :class:`Undo` collects
the steps that reverse what a call created, and runs them, newest first, if
the call fails.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from collections.abc import Callable, Iterator
from types import TracebackType

from os_vif.linux.netlink import Netlink

__all__ = ["KeyedLocks", "NamespaceNetlink", "Undo"]

LOG = logging.getLogger(__name__)


def _namespace() -> int:
    return os.stat("/proc/thread-self/ns/net").st_ino


class NamespaceNetlink:
    """A netlink socket for the calling thread's network namespace.

    A netlink socket acts in the namespace it was opened in. The first
    namespace used (the host's, normally) keeps its socket until
    :meth:`close`; a call from another namespace gets a socket for the
    duration of the call, so no kept socket holds a deleted namespace alive.
    """

    def __init__(self) -> None:
        self._home: tuple[int, Netlink] | None = None
        self._guard = threading.Lock()

    @contextlib.contextmanager
    def netlink(self) -> Iterator[Netlink]:
        """Yield a socket in the calling thread's network namespace."""
        namespace = _namespace()
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
        """Close the kept socket; the next call opens a new one."""
        with self._guard:
            home, self._home = self._home, None
        if home is not None:
            home[1].close()


class KeyedLocks:
    """One lock per key (a bridge or VIF name), made on first use.

    Locks are never dropped: a host has as many keys as it has VIFs, and a
    lock is a few hundred bytes.
    """

    def __init__(self) -> None:
        self._locks: dict[str, threading.Lock] = {}
        self._guard = threading.Lock()

    @contextlib.contextmanager
    def held(self, *keys: str) -> Iterator[None]:
        """Hold the locks of ``keys`` (taken in sorted order: no deadlock)."""
        with self._guard:
            locks = [self._locks.setdefault(key, threading.Lock()) for key in sorted(set(keys))]
        with contextlib.ExitStack() as stack:
            for lock in locks:
                stack.enter_context(lock)
            yield


class Undo:
    """Collects undo steps; runs them newest first if the block raises."""

    def __init__(self) -> None:
        self._steps: list[Callable[[], object]] = []

    def push(self, step: Callable[[], object]) -> None:
        """Remember how to undo something just done."""
        self._steps.append(step)

    def discard(self) -> None:
        """Forget every step: what was done stays, even if the block raises."""
        self._steps.clear()

    @property
    def pending(self) -> int:
        """How many steps are pending (how many things the call changed)."""
        return len(self._steps)

    def rollback(self, cause: BaseException | None = None) -> None:
        """Run the steps now, newest first, and forget them.

        A step that fails is logged (with ``cause``, the error that made the
        rollback necessary) and the others still run.
        """
        steps, self._steps = self._steps, []
        for step in reversed(steps):
            try:
                step()
            except Exception:  # the original error is what the caller needs
                LOG.exception("Rollback step failed after: %s", cause)

    def __enter__(self) -> Undo:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.rollback(exc)

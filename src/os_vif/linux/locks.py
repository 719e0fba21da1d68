"""Serialising host work on one name (a bridge, a VIF) within the process."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator

__all__ = ["KeyedLocks"]


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

"""The layer's one way into netlink: :class:`Netlink`, and idempotent device primitives.

Every netlink request of this layer goes through a :class:`Netlink`: it owns
one socket, opened in the network namespace of the thread that creates it,
and is safe to share between threads (every exchange holds the socket's
lock and translates kernel errors in one place, :mod:`os_vif.linux.errors`).
Tools and tests open one with ``with Netlink() as nl:``; a plugin, which
lives as long as the process and may be called from other namespaces, asks
its :class:`NamespaceNetlink` for one per call.

- ``ensure_*`` create a device (or make a port), or accept an existing one
  of the same shape and send only the settings that differ, and answer with
  a :class:`~os_vif.linux.change.Change`: created, updated or unchanged. A
  device of another shape under the name raises :class:`DeviceConflictError`;
- ``delete_link`` and ``delete_links`` treat a device already gone as
  deleted;
- the rest read a device, change one setting unconditionally, move a device
  to another namespace or give it an address.

Names are validated before any request. The class is built in private
steps, one module each: ``_links.LinkOps`` (the socket, reads, changes),
``_deleting.LinkDeletion`` and ``_creating.LinkCreation`` (``ensure_*``).
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator

from os_vif.linux._creating import LinkCreation
from os_vif.linux.change import Change
from os_vif.linux.errors import DeviceConflictError
from os_vif.linux.linkinfo import LinkInfo

__all__ = ["Change", "DeviceConflictError", "LinkInfo", "NamespaceNetlink", "Netlink"]


class Netlink(LinkCreation):
    """Network-device primitives over one netlink socket.

    Use an instance from the network namespace it was created in, and not
    in a forked child (open a new one there); close it with :meth:`close` or
    use it as a context manager.

    Raises:
        HostOperationError: the socket could not be opened.
    """

    def __enter__(self) -> Netlink:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()


def _namespace() -> int:
    return os.stat("/proc/thread-self/ns/net").st_ino


class NamespaceNetlink:
    """A plugin's :class:`Netlink` handles: one for each call, in the caller's namespace.

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
        """Yield a handle in the calling thread's network namespace.

        Raises:
            HostOperationError: a socket could not be opened.
        """
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

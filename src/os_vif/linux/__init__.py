"""The Linux host layer: what plugins use to change the host, and nothing else does.

The floor between the plugin contract and the plugins (see
docs/architecture.md). It imports :mod:`os_vif.exception` and the outcome
vocabulary of :mod:`os_vif.plugin`, never a plugin; the plugins, the demo,
the benchmarks and the tests' own helpers build on it. Its public modules:

- :mod:`.netlink`: :class:`~.netlink.Netlink`, the one way into netlink (one
  socket, idempotent ``ensure_*`` primitives that answer created / updated /
  unchanged, reads, deletions, moves between namespaces), and
  :class:`~.netlink.NamespaceNetlink`, which hands a plugin a handle for the
  calling thread's namespace;
- :mod:`.change`: :class:`~.change.Change`, what one step did;
- :mod:`.undo`: :class:`~.undo.UndoLog`, the one rollback helper: what a call
  did, thing by thing, how to take back what it made, and the VIF's outcome;
- :mod:`.errors`: the one translation of kernel errors to os-vif exceptions,
  and :class:`~.errors.DeviceConflictError`;
- :mod:`.names`: interface-name rules and os-vif's derived names and aliases;
- :mod:`.sysctl`: per-device ``/proc/sys/net`` settings;
- :mod:`.netns`: named network namespaces, made and entered without ``ip``;
- :mod:`.linkinfo`: :class:`~.linkinfo.LinkInfo`, a device as read;
- :mod:`.locks`: :class:`~.locks.KeyedLocks`, serialising work on one name.

Inside (private): ``_links``, ``_deleting`` and ``_creating`` (the reads,
changes, deletions and ``ensure_*`` ``Netlink`` is built on), ``_settings``
(checking values, and what differs from the kernel's), ``_requests`` and
``_replies`` (netlink messages, encoded and decoded here with ``struct``: no
netlink library is needed), ``_transport`` (the socket) and ``_tap``
(``/dev/net/tun``).

Importing this package imports none of them: each module loads when used.
"""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = [
    "change",
    "errors",
    "linkinfo",
    "locks",
    "names",
    "netlink",
    "netns",
    "sysctl",
    "undo",
]


def __getattr__(name: str) -> ModuleType:
    if name not in __all__:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return importlib.import_module(f"{__name__}.{name}")


def __dir__() -> list[str]:
    return sorted(__all__)

"""Host-side Linux helpers shared by the plugins (private to os-vif).

Public to plugins:

- :mod:`.netlink`: :class:`~.netlink.Netlink`, idempotent device primitives
  over one rtnetlink socket, returning :class:`~.linkinfo.LinkInfo` on reads;
- :mod:`.names`: interface-name rules and os-vif's derived names and aliases;
- :mod:`.sysctl`: per-device ``/proc/sys/net`` settings;
- :mod:`.errors`: the one translation of kernel errors to os-vif exceptions,
  and :class:`~.errors.DeviceConflictError`;
- :mod:`.hostwork`: a netlink socket kept per namespace, locks by name, and
  :class:`~.hostwork.Undo` (rollback of what a call created).

Inside: ``_links`` (reads, changes, deletions: the base of ``Netlink``),
``_requests`` (requests, encoded here with ``struct``), ``_replies``
(replies, decoded here), ``_transport`` (the socket) and :mod:`.tap`
(``/dev/net/tun``). No netlink library is needed.

Nothing here is imported by ``os_vif`` itself.
"""

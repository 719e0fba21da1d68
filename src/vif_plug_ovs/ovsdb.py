"""Read an Open vSwitch database back: a small public face for tools and tests.

The ovs plugin writes OVSDB through its own client (private to the plugin,
:mod:`vif_plug_ovs._ovsdb`); this module is what other code may use to look
at the result, as plain typed records::

    database = Ovsdb("unix:/run/openvswitch/db.sock")
    bridge = database.bridge("br-int")        # BridgeRecord, or None
    iface = database.interface("tap0")        # InterfaceRecord, or None
    iface.external_ids["iface-id"], iface.ofport

Each call is one short read of the rows it names, never a replica of the
database. Besides reading, a tool may delete a bridge it added itself
(:meth:`Ovsdb.delete_bridge`). Tests that check what the plugin wrote should
keep asking an independent tool (``ovs-vsctl``) instead.

Failures are :class:`os_vif.exception.HostOperationError` (the OVSDB
client's errors subclass it): ovsdb-server unreachable, a timeout, a refused
transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from vif_plug_ovs._ovsdb import DelBridge, Outcome, OvsdbClient, SslFiles
from vif_plug_ovs._ovsdb.schema import Value

__all__ = [
    "BridgeRecord",
    "InterfaceRecord",
    "Ovsdb",
    "SslFiles",
    "SwitchRecord",
]

#: Seconds a read may take by default.
DEFAULT_TIMEOUT: Final = 10.0


@dataclass(frozen=True)
class SwitchRecord:
    """The ``Open_vSwitch`` row: the switch as a whole.

    Attributes:
        ovs_version: the version ovs-vswitchd reports, once it has run.
        bridge_count: how many bridges there are.
        next_cfg: the configuration generation asked for.
        cur_cfg: the one ovs-vswitchd has applied.
    """

    ovs_version: str | None
    bridge_count: int
    next_cfg: int
    cur_cfg: int


@dataclass(frozen=True)
class BridgeRecord:
    """A ``Bridge`` row.

    Attributes:
        name: the bridge name.
        datapath_type: ``"system"``, ``"netdev"``, or ``""`` (the default).
        ports: the names of its ports, sorted, its own internal port included.
    """

    name: str
    datapath_type: str
    ports: tuple[str, ...]


@dataclass(frozen=True)
class InterfaceRecord:
    """An ``Interface`` row.

    Attributes:
        name: the interface name.
        type: ``""`` for a kernel device, else ``"internal"``, ``"dpdkvhostuser"``...
        external_ids: what the plugin (and others) recorded on it: ``iface-id``,
            ``attached-mac``, ``vm-uuid``, ``iface-status``...
        ofport: its OpenFlow port number once ovs-vswitchd has opened it;
            -1 when it failed to, None before it tried.
        error: why ovs-vswitchd could not open it, if so.
    """

    name: str
    type: str
    external_ids: Mapping[str, str] = field(default_factory=dict)
    ofport: int | None = None
    error: str | None = None

    @property
    def opened(self) -> bool:
        """Whether ovs-vswitchd opened the interface (it has an OpenFlow port)."""
        return self.ofport is not None and self.ofport > 0


class Ovsdb:
    """The ``Open_vSwitch`` database of one ovsdb-server, read row by row.

    Args:
        remote: ``unix:PATH``, ``tcp:HOST:PORT`` or ``ssl:HOST:PORT``.
        timeout: seconds each call may take.
        ssl_files: key, certificate and CA certificate, for ``ssl:``.

    Raises:
        ValueError: ``remote`` is not a connection string, or an ``ssl:``
            one lacks its files.

    Nothing is connected until the first call. The connection is shared with
    every other user of the same remote in the process (the ovs plugin's too).
    """

    def __init__(
        self,
        remote: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        ssl_files: SslFiles | None = None,
    ) -> None:
        self._client = OvsdbClient(remote, timeout=timeout, wait=False, ssl_files=ssl_files)
        self.remote = remote

    def close(self) -> None:
        """Close the shared connection; the next call opens a new one."""
        self._client.close()

    def switch(self) -> SwitchRecord | None:
        """The ``Open_vSwitch`` row, or None in a database that has none yet."""
        row = self._client.get(
            "Open_vSwitch", ".", ["ovs_version", "bridges", "next_cfg", "cur_cfg"]
        )
        if row is None:
            return None
        version = _optional(row["ovs_version"])
        return SwitchRecord(
            ovs_version=str(version) if version is not None else None,
            bridge_count=len(_atoms(row["bridges"])),
            next_cfg=_integer(row["next_cfg"]) or 0,
            cur_cfg=_integer(row["cur_cfg"]) or 0,
        )

    def bridge_exists(self, name: str) -> bool:
        """Whether there is a bridge ``name``."""
        return self._client.bridge_exists(name)

    def bridge(self, name: str) -> BridgeRecord | None:
        """Bridge ``name`` and the names of its ports, or None if there is none."""
        row = self._client.get("Bridge", name, ["datapath_type"])
        ports = self._client.bridge_ports(name)
        if row is None or ports is None:
            return None
        return BridgeRecord(name, str(row["datapath_type"]), tuple(ports))

    def port_exists(self, name: str) -> bool:
        """Whether there is a port ``name``, on any bridge."""
        return self._client.port_exists(name)

    def port_bridge(self, name: str) -> str | None:
        """The bridge holding port ``name``, or None."""
        return self._client.port_bridge(name)

    def interface(self, name: str) -> InterfaceRecord | None:
        """Interface ``name``, or None if there is none."""
        row = self._client.get("Interface", name, ["type", "external_ids", "ofport", "error"])
        if row is None:
            return None
        ids = row["external_ids"]
        error = _optional(row["error"])
        return InterfaceRecord(
            name=name,
            type=str(row["type"]),
            external_ids={str(k): str(v) for k, v in ids.items()} if isinstance(ids, dict) else {},
            ofport=_integer(_optional(row["ofport"])),
            error=str(error) if error is not None else None,
        )

    def delete_bridge(self, name: str) -> bool:
        """Delete bridge ``name`` and its ports; True if there was one.

        Meant for a bridge the caller added itself (a tool's own, a test's):
        nothing checks who made it.
        """
        (result,) = self._client.execute(DelBridge(name))
        return result.outcome is Outcome.DELETED


def _atoms(value: Value) -> frozenset[object]:
    # OVSDB sets of one element come back as the bare element.
    if isinstance(value, frozenset):
        return value
    return frozenset() if value is None else frozenset({value})


def _optional(value: Value) -> Value:
    """An optional column's value: its one atom, or None."""
    if isinstance(value, frozenset):
        return next(iter(value)) if len(value) == 1 else None
    return value


def _integer(value: Value) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None

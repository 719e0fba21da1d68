"""Commands on bridges and ports of the ``Open_vSwitch`` database.

Map columns given to :class:`AddBridge` and :class:`AddPort` are merged into
what the row already holds, so keys other agents keep there (ovn-controller's
``ovn-installed``, Neutron's trunk keys) survive a re-plug.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass, field

from vif_plug_ovs._ovsdb.commands import Applied, Command, Outcome, check_name, set_columns
from vif_plug_ovs._ovsdb.errors import OvsdbCommandError, RowExistsError, RowNotFoundError
from vif_plug_ovs._ovsdb.model import Model, Row
from vif_plug_ovs._ovsdb.queries import ByName, ByUuid, Query, Referrers, Singleton

__all__ = ["AddBridge", "AddPort", "DelBridge", "DelPort", "Qos"]

_PORT_COLUMNS = frozenset({"interfaces", "tag", "vlan_mode", "trunks", "qos"})
_INTERFACE_COLUMNS = frozenset({"type", "options", "external_ids", "mtu_request"})
_QOS_COLUMNS = frozenset({"type", "external_ids"})
_NAME = frozenset({"name"})


def _root(model: Model, command: Command) -> Row:
    root = model.singleton("Open_vSwitch")
    if root is None:
        raise OvsdbCommandError(
            command=command.describe(),
            reason="the Open_vSwitch table is empty: the database is not initialised",
        )
    return root


@dataclass(frozen=True)
class Qos:
    """A QoS row to attach to a port.

    Attributes:
        type: the QoS type, e.g. ``"linux-noop"`` or ``"linux-htb"``.
        external_ids: keys to find the row by later.

    """

    type: str
    external_ids: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AddBridge(Command):
    """Create a bridge (with its internal port), or converge an existing one.

    Attributes:
        name: the bridge name.
        datapath_type: e.g. ``"system"`` or ``"netdev"``; None leaves it as is.
        external_ids: keys merged into ``Bridge.external_ids``.
        may_exist: accept an existing bridge; if False, it raises RowExistsError.

    """

    name: str
    _: KW_ONLY
    datapath_type: str | None = None
    external_ids: Mapping[str, str] | None = None
    may_exist: bool = True

    def __post_init__(self) -> None:
        check_name("bridge", self.name)

    def describe(self) -> str:
        return f"add bridge {self.name!r}"

    def queries(self, model: Model) -> Iterator[Query]:
        columns = {"datapath_type"} if self.datapath_type is not None else set()
        if self.external_ids is not None:
            columns.add("external_ids")
        yield ByName("Bridge", self.name, frozenset(columns))
        yield Singleton("Open_vSwitch")

    def apply(self, model: Model) -> Applied:
        row = model.lookup("Bridge", self.name)
        wanted: dict[str, object] = {}
        if self.datapath_type is not None:
            wanted["datapath_type"] = self.datapath_type
        if self.external_ids is not None:
            wanted["external_ids"] = self.external_ids
        if row is not None:
            if not self.may_exist:
                raise RowExistsError(
                    command=self.describe(),
                    table="Bridge",
                    record=self.name,
                    reason=f"bridge {self.name!r} already exists",
                )
            changed = set_columns(model, row, wanted, merge=True)
            return Applied(Outcome.UPDATED if changed else Outcome.UNCHANGED, tuple(changed), row)
        root = _root(model, self)
        iface = model.insert("Interface", {"name": self.name, "type": "internal"})
        port = model.insert("Port", {"name": self.name, "interfaces": [iface.ref]})
        bridge = model.insert("Bridge", {"name": self.name, "ports": [port.ref], **wanted})
        model.add_ref(root, "bridges", bridge.ref)
        return Applied(Outcome.CREATED, (), bridge)


@dataclass(frozen=True)
class DelBridge(Command):
    """Delete a bridge and, with it, every port on it.

    Attributes:
        name: the bridge name.
        if_exists: accept a missing bridge; if False, it raises RowNotFoundError.

    """

    name: str
    _: KW_ONLY
    if_exists: bool = True

    def __post_init__(self) -> None:
        check_name("bridge", self.name)

    def describe(self) -> str:
        return f"delete bridge {self.name!r}"

    def queries(self, model: Model) -> Iterator[Query]:
        yield ByName("Bridge", self.name)
        yield Singleton("Open_vSwitch")

    def apply(self, model: Model) -> Applied:
        row = model.lookup("Bridge", self.name)
        if row is None:
            if self.if_exists:
                return Applied(Outcome.ABSENT)
            raise RowNotFoundError(command=self.describe(), table="Bridge", record=self.name)
        model.remove_ref(_root(model, self), "bridges", row.ref)
        model.delete(row)
        return Applied(Outcome.DELETED, (), row)


@dataclass(frozen=True)
class AddPort(Command):
    """Add a port (and its interface of the same name) to a bridge.

    On a new port every attribute given is set. On an existing port (with
    ``may_exist``) the interface is converged: ``interface_type``,
    ``mtu_request`` and the keys of ``external_ids`` and ``options`` are
    written only where they differ. The VLAN settings (``tag``,
    ``vlan_mode``, ``trunks``) are applied to a new port only, unless
    ``keep_existing_vlan`` is False: once a port is live, the network agent
    owns its VLAN, and a re-plug must not move it.

    Attributes:
        bridge: the bridge to add the port to.
        port: the port (and interface) name.
        interface_type: ``Interface.type`` (``""`` is a system device).
        external_ids: keys merged into ``Interface.external_ids``.
        options: keys merged into ``Interface.options``.
        mtu_request: ``Interface.mtu_request``.
        tag: ``Port.tag`` (0-4095).
        vlan_mode: ``Port.vlan_mode`` (``"trunk"``, ``"access"``, ...).
        trunks: ``Port.trunks``.
        keep_existing_vlan: leave an existing port's VLAN settings alone.
        qos: a QoS row to create and attach when the port has none.
        may_exist: accept an existing port on the same bridge; if False, it
            raises RowExistsError. A port on another bridge is always an error.

    """

    bridge: str
    port: str
    _: KW_ONLY
    interface_type: str | None = None
    external_ids: Mapping[str, str] | None = None
    options: Mapping[str, str] | None = None
    mtu_request: int | None = None
    tag: int | None = None
    vlan_mode: str | None = None
    trunks: Sequence[int] | None = None
    keep_existing_vlan: bool = True
    qos: Qos | None = None
    may_exist: bool = True

    def __post_init__(self) -> None:
        check_name("bridge", self.bridge)
        check_name("port", self.port)

    def describe(self) -> str:
        return f"add port {self.port!r} to bridge {self.bridge!r}"

    def queries(self, model: Model) -> Iterator[Query]:
        yield ByName("Bridge", self.bridge, _NAME)
        yield ByName("Port", self.port, _PORT_COLUMNS)
        port = model.fetched("Port", self.port)
        if port is not None and isinstance(port.ref, uuid.UUID):
            yield ByName("Interface", self.port, _INTERFACE_COLUMNS)
            yield Referrers("Bridge", "ports", port.ref, _NAME)
            qos = port.read.get("qos")
            if self.qos is not None and isinstance(qos, uuid.UUID):
                yield ByUuid("QoS", qos, _QOS_COLUMNS)

    def _interface_values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        if self.interface_type is not None:
            values["type"] = self.interface_type
        if self.external_ids is not None:
            values["external_ids"] = self.external_ids
        if self.options is not None:
            values["options"] = self.options
        if self.mtu_request is not None:
            values["mtu_request"] = self.mtu_request
        return values

    def _vlan_values(self) -> dict[str, object]:
        values: dict[str, object] = {}
        if self.tag is not None:
            values["tag"] = self.tag
        if self.vlan_mode is not None:
            values["vlan_mode"] = self.vlan_mode
        if self.trunks is not None:
            values["trunks"] = list(self.trunks)
        return values

    def apply(self, model: Model) -> Applied:
        bridge = model.lookup("Bridge", self.bridge)
        if bridge is None:
            raise RowNotFoundError(command=self.describe(), table="Bridge", record=self.bridge)
        port = model.lookup("Port", self.port)
        if port is None:
            return self._create(model, bridge)
        if not self.may_exist:
            raise RowExistsError(
                command=self.describe(),
                table="Port",
                record=self.port,
                reason=f"port {self.port!r} already exists",
            )
        return self._converge(model, bridge, port)

    def _create(self, model: Model, bridge: Row) -> Applied:
        # An interface of that name on another port is left for the unique
        # index on Interface.name to refuse: checking here would cost a read.
        iface = model.insert("Interface", {"name": self.port, **self._interface_values()})
        values: dict[str, object] = {
            "name": self.port,
            "interfaces": [iface.ref],
            **self._vlan_values(),
        }
        if self.qos is not None:
            values["qos"] = _insert_qos(model, self.qos).ref
        port = model.insert("Port", values)
        model.add_ref(bridge, "ports", port.ref)
        return Applied(Outcome.CREATED, (), port)

    def _converge(self, model: Model, bridge: Row, port: Row) -> Applied:
        owners = model.referrers("Bridge", "ports", port)
        if owners and bridge not in owners:
            raise RowExistsError(
                command=self.describe(),
                table="Port",
                record=self.port,
                reason=f"port {self.port!r} is on bridge {owners[0]['name']!r}",
            )
        changed: list[str] = []
        if not owners:
            model.add_ref(bridge, "ports", port.ref)
            changed.append("Bridge.ports")
        iface = model.lookup("Interface", self.port)
        interfaces = port.values.get("interfaces")
        if iface is None or not isinstance(interfaces, frozenset) or iface.ref not in interfaces:
            raise OvsdbCommandError(
                command=self.describe(),
                reason=f"port {self.port!r} has no interface named {self.port!r}",
                device=self.port,
            )
        changed += set_columns(model, iface, self._interface_values(), merge=True)
        if not self.keep_existing_vlan:
            changed += set_columns(model, port, self._vlan_values(), merge=False)
        if self.qos is not None:
            changed += _converge_qos(model, port, self.qos)
        return Applied(Outcome.UPDATED if changed else Outcome.UNCHANGED, tuple(changed), port)


def _insert_qos(model: Model, qos: Qos) -> Row:
    return model.insert("QoS", {"type": qos.type, "external_ids": qos.external_ids})


def _converge_qos(model: Model, port: Row, qos: Qos) -> list[str]:
    current = port.values.get("qos")
    row = model.by_uuid("QoS", current) if isinstance(current, uuid.UUID) else None
    if row is None:
        model.update(port, "qos", _insert_qos(model, qos).ref)
        return ["Port.qos"]
    wanted = {"type": qos.type, "external_ids": qos.external_ids}
    return set_columns(model, row, wanted, merge=True)


@dataclass(frozen=True)
class DelPort(Command):
    """Delete a port (and its interfaces) from whichever bridge holds it.

    Attributes:
        port: the port name.
        bridge: if given, the port must be on this bridge.
        if_exists: accept a missing port; if False, it raises RowNotFoundError.
        delete_qos: also delete the QoS row the port refers to.

    """

    port: str
    _: KW_ONLY
    bridge: str | None = None
    if_exists: bool = True
    delete_qos: bool = False

    def __post_init__(self) -> None:
        check_name("port", self.port)

    def describe(self) -> str:
        where = f" from bridge {self.bridge!r}" if self.bridge else ""
        return f"delete port {self.port!r}{where}"

    def queries(self, model: Model) -> Iterator[Query]:
        yield ByName("Port", self.port, frozenset({"qos"}) if self.delete_qos else frozenset())
        port = model.fetched("Port", self.port)
        if port is not None and isinstance(port.ref, uuid.UUID):
            yield Referrers("Bridge", "ports", port.ref, _NAME)
            qos = port.read.get("qos")
            if self.delete_qos and isinstance(qos, uuid.UUID):
                yield ByUuid("QoS", qos)

    def apply(self, model: Model) -> Applied:
        port = model.lookup("Port", self.port)
        if port is None:
            if self.if_exists:
                return Applied(Outcome.ABSENT)
            raise RowNotFoundError(command=self.describe(), table="Port", record=self.port)
        owners = model.referrers("Bridge", "ports", port)
        if self.bridge is not None and all(b["name"] != self.bridge for b in owners):
            raise OvsdbCommandError(
                command=self.describe(),
                reason=f"port {self.port!r} is not on bridge {self.bridge!r}",
                device=self.port,
            )
        for bridge in owners:
            model.remove_ref(bridge, "ports", port.ref)
        qos = port.values.get("qos")
        qos_row = model.by_uuid("QoS", qos) if isinstance(qos, uuid.UUID) else None
        if self.delete_qos and qos_row is not None:
            model.delete(qos_row)
        model.delete(port)
        return Applied(Outcome.DELETED, (), port)

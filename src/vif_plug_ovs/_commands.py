"""OVSDB commands with the plugin's own rules, built on the generic ones.

- :class:`AddVifPort`: a VIF port whose QoS row is given to a *new* port
  only; once the port exists, its QoS belongs to the network agent (Neutron
  replaces or clears it for bandwidth limits), so a re-plug leaves it alone.
- :class:`DelVifPort`: deletes a VIF port and, if asked, the QoS rows
  plugging made for it, never a QoS row someone else attached.
- :class:`DelTrunkBridgeIfUnused`: deletes a trunk bridge (``tbr-``) once no
  VIF port is left on it.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from vif_plug_ovs._ovsdb import AddPort, DelBridge, DelPort, Qos
from vif_plug_ovs._ovsdb.commands import Applied, Command, Outcome, check_name
from vif_plug_ovs._ovsdb.model import Model, Row
from vif_plug_ovs._ovsdb.queries import ByName, ByUuid, MapIncludes, Query

__all__ = [
    "QOS_UUID_NAMESPACE",
    "AddVifPort",
    "DelTrunkBridgeIfUnused",
    "DelVifPort",
    "vif_qos",
]

#: The namespace of the UUID that identifies a port's QoS row
#: (``external_ids:id``), the same as os-vif's so either can clean up after
#: the other.
QOS_UUID_NAMESPACE: Final = uuid.UUID("68da264a-847f-42a8-8ab0-5e774aee3d95")

_EXTERNAL_IDS: Final = frozenset({"external_ids"})


def vif_qos(port: str, qos_type: str) -> Qos:
    """Return the QoS row plugging gives port ``port``.

    Its external_ids are ``id`` (a UUID derived from the port name) and
    ``_type``, exactly, as os-vif finds its rows by that pair.
    """
    return Qos(
        type=qos_type,
        external_ids={"id": str(uuid.uuid5(QOS_UUID_NAMESPACE, port)), "_type": qos_type},
    )


def _qos_rows(port: str) -> MapIncludes:
    """The QoS rows plugging made for ``port`` (found by ``external_ids:id``)."""
    qos_id = str(uuid.uuid5(QOS_UUID_NAMESPACE, port))
    return MapIncludes("QoS", "external_ids", (("id", qos_id),), _EXTERNAL_IDS)


def _delete_rows(model: Model, rows: list[Row]) -> bool:
    for row in rows:
        model.delete(row)
    return bool(rows)


@dataclass(frozen=True)
class AddVifPort(AddPort):
    """:class:`AddPort` whose ``qos`` applies to a new port only.

    A new port's QoS row replaces any row plugging made earlier for a port
    of that name and that lost its port since (Neutron detaches it when it
    manages the port's QoS itself).
    """

    def queries(self, model: Model) -> Iterator[Query]:
        """Read what AddPort reads, and the earlier QoS rows of this port."""
        yield from AddPort.queries(self, model)
        if self.qos is not None:
            yield _qos_rows(self.port)

    def apply(self, model: Model) -> Applied:
        """Plan the port; drop the QoS when the port already exists."""
        if self.qos is None:
            return AddPort.apply(self, model)
        if model.lookup("Port", self.port) is not None:
            return AddPort.apply(dataclasses.replace(self, qos=None), model)
        _delete_rows(model, model.matching(_qos_rows(self.port)))
        return AddPort.apply(self, model)


@dataclass(frozen=True)
class DelVifPort(DelPort):
    """:class:`DelPort` whose ``delete_qos`` means the QoS rows plugging made.

    With ``delete_qos``, the rows deleted with the port are those whose
    ``external_ids:id`` is the UUID :func:`vif_qos` derives from the port
    name, whether the port still refers to them or not; a QoS row someone
    else attached stays. Finding them scans the QoS table on the server, so
    ask for it only where plugging makes QoS rows (the ``system`` datapath).
    """

    def queries(self, model: Model) -> Iterator[Query]:
        """Read the port, its bridge, and (``delete_qos``) the port's QoS rows."""
        yield from DelPort.queries(dataclasses.replace(self, delete_qos=False), model)
        if self.delete_qos:
            yield _qos_rows(self.port)

    def apply(self, model: Model) -> Applied:
        """Plan the deletion of the port and (``delete_qos``) of its QoS rows."""
        applied = DelPort.apply(dataclasses.replace(self, delete_qos=False), model)
        if not self.delete_qos:
            return applied
        deleted_qos = _delete_rows(model, model.matching(_qos_rows(self.port)))
        if deleted_qos and applied.outcome is Outcome.ABSENT:
            return Applied(Outcome.DELETED)
        return applied


@dataclass(frozen=True)
class DelTrunkBridgeIfUnused(Command):
    """Delete a trunk bridge once only its own and patch ports are left on it.

    Put it after the commands that delete the VIF's port, in the same
    transaction: it sees their effect. Reading every port of the bridge is
    cheap because a trunk bridge holds one VIF and its patch ports.

    Attributes:
        name: the bridge name.
    """

    name: str

    def __post_init__(self) -> None:
        check_name("bridge", self.name)

    def describe(self) -> str:
        """Describe the command for error messages."""
        return f"delete trunk bridge {self.name!r} if unused"

    def queries(self, model: Model) -> Iterator[Query]:
        """Read the bridge, its ports and their interfaces' types."""
        yield from DelBridge(self.name).queries(model)
        yield ByName("Bridge", self.name, frozenset({"ports"}))
        bridge = model.fetched("Bridge", self.name)
        ports = bridge.read.get("ports") if bridge is not None else None
        for port_uuid in ports if isinstance(ports, frozenset) else ():
            if not isinstance(port_uuid, uuid.UUID):
                continue
            yield ByUuid("Port", port_uuid, frozenset({"name", "interfaces"}))
            port = model.by_uuid("Port", port_uuid)
            interfaces = port.read.get("interfaces") if port is not None else None
            for iface_uuid in interfaces if isinstance(interfaces, frozenset) else ():
                if isinstance(iface_uuid, uuid.UUID):
                    yield ByUuid("Interface", iface_uuid, frozenset({"type"}))

    def apply(self, model: Model) -> Applied:
        """Plan the bridge's deletion if no VIF port is left on it."""
        bridge = model.lookup("Bridge", self.name)
        if bridge is None:
            return Applied(Outcome.ABSENT)
        ports = bridge.values.get("ports")
        for port_uuid in ports if isinstance(ports, frozenset) else ():
            if not isinstance(port_uuid, uuid.UUID):
                return Applied(Outcome.UNCHANGED, (), bridge)  # a port added in this transaction
            port = model.by_uuid("Port", port_uuid)
            if port is not None and self._holds_a_vif(model, port):
                return Applied(Outcome.UNCHANGED, (), bridge)
        return DelBridge(self.name).apply(model)

    def _holds_a_vif(self, model: Model, port: Row) -> bool:
        if port.values.get("name") == self.name:
            return False  # the bridge's own internal port
        interfaces = port.values.get("interfaces")
        for iface_uuid in interfaces if isinstance(interfaces, frozenset) else ():
            iface = (
                model.by_uuid("Interface", iface_uuid)
                if isinstance(iface_uuid, uuid.UUID)
                else None
            )
            if iface is None or iface.values.get("type") != "patch":
                return True
        return False

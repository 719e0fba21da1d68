"""VIFVHostUser: a vhost-user port on a userspace (``netdev``) bridge.

The port is ``vhu<id>`` (whatever ``vif_name`` says, as os-vif names it).
In ``client`` mode QEMU connects to a socket OVS serves: type
``dpdkvhostuser``. In ``server`` mode QEMU serves the socket at
``vif.path`` and OVS connects to it: type ``dpdkvhostuserclient`` with
``options:vhost-server-path``. There is no kernel device, so the MTU goes in
``Interface.mtu_request`` for OVS to apply.
"""

from __future__ import annotations

from os_vif.linux.names import derived_name
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFVHostUser
from vif_plug_ovs._ovsdb import AddBridge
from vif_plug_ovs._vif import CheckedVIF
from vif_plug_ovs._work import Work, del_vif_port, vif_port
from vif_plug_ovs.constants import (
    OVS_VHOSTUSER_CLIENT_INTERFACE_TYPE,
    OVS_VHOSTUSER_INTERFACE_TYPE,
    OVS_VHOSTUSER_PREFIX,
)

__all__ = ["plug", "port_name", "unplug"]


def port_name(vif_id: str) -> str:
    """Return the OVS port name of a vhost-user VIF: ``vhu<id>``, cut to 14."""
    return derived_name(OVS_VHOSTUSER_PREFIX, vif_id)


def plug(work: Work, vif: CheckedVIF[VIFVHostUser], instance_info: InstanceInfo | None) -> None:
    """Add the vhost-user port, with its type, socket path and MTU."""
    if vif.vif.mode == "client":
        interface_type, options = OVS_VHOSTUSER_INTERFACE_TYPE, None
    else:
        interface_type, options = (
            OVS_VHOSTUSER_CLIENT_INTERFACE_TYPE,
            {"vhost-server-path": vif.vif.path},
        )
    port = vif_port(
        work,
        vif,
        port_name(vif.vif.id),
        instance_info,
        interface_type=interface_type,
        options=options,
        mtu_request=vif.mtu,
    )
    work.add(AddBridge(vif.bridge, datapath_type=vif.datapath_type))
    work.add(port)


def unplug(work: Work, vif: CheckedVIF[VIFVHostUser], instance_info: InstanceInfo | None) -> None:
    """Delete the vhost-user port."""
    work.add(del_vif_port(vif, port_name(vif.vif.id)))

"""The ovs plugin's constants, under the names os-vif's ``vif_plug_ovs.constants`` has.

The plugin's own modules read them from here, so each value is written once.
"""

from __future__ import annotations

from typing import Final

from os_vif.linux.names import VHOSTUSER_PREFIX

__all__ = [
    "DEAD_VLAN",
    "OVS_DATAPATH_NETDEV",
    "OVS_DATAPATH_SYSTEM",
    "OVS_DPDK_INTERFACE_TYPE",
    "OVS_VHOSTUSER_CLIENT_INTERFACE_TYPE",
    "OVS_VHOSTUSER_INTERFACE_TYPE",
    "OVS_VHOSTUSER_PREFIX",
    "PLUGIN_NAME",
    "TRUNK_BR_PREFIX",
]

#: The plugin's entry-point name, which VIFs give as ``vif.plugin``.
PLUGIN_NAME: Final = "ovs"

#: Interface.type of a vhost-user port where OVS serves the socket (VIF mode ``client``).
OVS_VHOSTUSER_INTERFACE_TYPE: Final = "dpdkvhostuser"
#: Interface.type of a vhost-user port where OVS connects to QEMU's socket (mode ``server``).
OVS_VHOSTUSER_CLIENT_INTERFACE_TYPE: Final = "dpdkvhostuserclient"
#: Prefix of a vhost-user port's name (``vhu`` + the VIF id, cut to 14).
OVS_VHOSTUSER_PREFIX: Final = VHOSTUSER_PREFIX

#: Bridge.datapath_type of the kernel datapath.
OVS_DATAPATH_SYSTEM: Final = "system"
#: Bridge.datapath_type of the userspace (DPDK) datapath.
OVS_DATAPATH_NETDEV: Final = "netdev"

#: Interface.type of a DPDK port (a representor on the netdev datapath).
OVS_DPDK_INTERFACE_TYPE: Final = "dpdk"

#: The Neutron OVS agent's "dead VLAN": traffic tagged with it is dropped.
DEAD_VLAN: Final = 4095

#: Prefix of the bridges Neutron makes for trunk ports.
TRUNK_BR_PREFIX: Final = "tbr-"

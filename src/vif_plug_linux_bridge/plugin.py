"""The linux_bridge plugin: a VIFBridge's device on a Linux bridge.

plug: make sure ``vif.bridge_name`` exists and is up, with STP off and no
forward delay (a guest's traffic flows at once), the network's MTU, and IPv6
off unless configured; when the network asks the host to provide the bridge
(``should_provide_bridge`` and not ``multi_host``), enslave its uplink: the
VLAN device ``vlan<N>`` on the VLAN interface, or the flat interface. If the
guest's device ``vif.vif_name`` already exists (a hypervisor or container
runtime made it), attach it with the same MTU.

unplug: detach ``vif.vif_name`` from the bridge. Devices the plugin creates
carry an ``os-vif:`` alias; a bridge it created is deleted, with its VLAN
uplink, only when ``delete_empty_bridges`` is set and no other port is left.

Every step is idempotent; a plug that fails half-way removes what it created.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

from os_vif import exception
from os_vif.linux.names import owner_alias, validate_device_name
from os_vif.objects.host_info import HostPluginInfo
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFBase, VIFBridge
from os_vif.plugin import PluginBase, PlugOutcome, describe_plugin
from vif_plug_linux_bridge.config import LinuxBridgeConfig

if TYPE_CHECKING:
    from vif_plug_linux_bridge._host import Host

__all__ = ["LinuxBridgePlugin"]

#: The alias marking bridges and uplinks this plugin created.
CREATED_ALIAS = owner_alias("linux_bridge")


class LinuxBridgePlugin(PluginBase):
    """Plugs VIFBridge onto Linux bridges.

    The netlink machinery (:mod:`._host`) is imported on the first plug or
    unplug.
    """

    CONFIG_CLASS = LinuxBridgeConfig
    config: LinuxBridgeConfig

    def __init__(self, config: LinuxBridgeConfig | None = None, *, plugin_name: str = "") -> None:
        super().__init__(config, plugin_name=plugin_name)
        self._host: Host | None = None
        self._guard = threading.Lock()

    def close(self) -> None:
        """Close the plugin's netlink sockets."""
        with self._guard:
            host, self._host = self._host, None
        if host is not None:
            host.close()

    def describe(self) -> HostPluginInfo:
        """Declare VIFBridge, every version we have."""
        return describe_plugin(self.plugin_name or "linux_bridge", {VIFBridge: []})

    def plug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> PlugOutcome:
        """Ensure the bridge (and uplink) and attach the guest device if present.

        Returns:
            created (the bridge, or the guest device's port, was made),
            repaired (something that existed differed and was fixed: an MTU,
            the device's master, the up state) or unchanged.
        """
        bridge = _checked(vif)
        mtu = self._mtu(bridge)
        uplink = self._uplink(bridge)
        return self._get_host().plug(bridge, mtu=mtu, uplink=uplink, ipv6=self.config.use_ipv6)

    def unplug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> PlugOutcome:
        """Detach the guest device; delete an empty bridge we made, if configured.

        Returns:
            removed, or absent when nothing of the VIF was on the bridge.
        """
        bridge = _checked(vif)
        return self._get_host().unplug(
            bridge,
            delete_empty_bridges=self.config.delete_empty_bridges,
            uplink=self._uplink(bridge),
        )

    def _get_host(self) -> Host:
        with self._guard:
            if self._host is None:
                from vif_plug_linux_bridge._host import Host  # noqa: PLC0415 (on first use)

                self._host = Host(CREATED_ALIAS)
            return self._host

    # --- pieces ------------------------------------------------------------------

    def _mtu(self, vif: VIFBridge) -> int:
        network = vif.network if "network" in vif else None
        if network is not None and network.mtu:
            return network.mtu
        return self.config.network_device_mtu

    def _uplink(self, vif: VIFBridge) -> tuple[str, int | None] | None:
        """The uplink to enslave: (parent device, VLAN id or None), or None."""
        network = vif.network if "network" in vif else None
        if network is None or not network.should_provide_bridge or network.multi_host:
            return None
        bridge_interface = network.bridge_interface if "bridge_interface" in network else None
        if network.should_provide_vlan:
            parent = self.config.vlan_interface or bridge_interface
            vlan = network.vlan if "vlan" in network else None
            if vlan is None or not 1 <= vlan <= 4094:
                raise exception.HostOperationError(
                    step="plan VLAN uplink",
                    device=vif.bridge_name,
                    detail=f"the network asks for a VLAN but gives no valid VLAN id ({vlan})",
                )
        else:
            parent = self.config.flat_interface or bridge_interface
            vlan = None
        if not parent:
            # Nova's linuxbridge VIFs ask for the bridge and name no uplink:
            # the bridge is made without one, as os-vif did.
            return None
        validate_device_name(parent)
        return parent, vlan


def _checked(vif: VIFBase) -> VIFBridge:
    """The VIF as a VIFBridge with valid device names; refuses before host work."""
    if not isinstance(vif, VIFBridge):
        raise TypeError(f"the linux_bridge plugin plugs VIFBridge, not {type(vif).obj_name()}")
    validate_device_name(vif.bridge_name)
    validate_device_name(vif.vif_name)
    return vif

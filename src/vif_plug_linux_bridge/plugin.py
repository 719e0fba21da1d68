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

import logging

from os_vif import exception
from os_vif._linux import sysctl
from os_vif._linux.hostwork import KeyedLocks, NamespaceNetlink, Undo
from os_vif._linux.names import owned_by, owner_alias, validate_device_name
from os_vif._linux.netlink import Netlink
from os_vif.objects.host_info import HostPluginInfo
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFBase, VIFBridge
from os_vif.plugin import PluginBase, describe_plugin
from vif_plug_linux_bridge.config import LinuxBridgeConfig

__all__ = ["LinuxBridgePlugin"]

LOG = logging.getLogger(__name__)

#: The alias marking bridges and uplinks this plugin created.
CREATED_ALIAS = owner_alias("linux_bridge")


class LinuxBridgePlugin(PluginBase):
    """Plugs VIFBridge onto Linux bridges."""

    CONFIG_CLASS = LinuxBridgeConfig
    config: LinuxBridgeConfig

    def __init__(self, config: LinuxBridgeConfig | None = None, *, plugin_name: str = "") -> None:
        super().__init__(config, plugin_name=plugin_name)
        self._sockets = NamespaceNetlink()
        self._bridge_locks = KeyedLocks()

    def close(self) -> None:
        """Close the plugin's netlink sockets."""
        self._sockets.close()

    def describe(self) -> HostPluginInfo:
        """Declare VIFBridge, every version we have."""
        return describe_plugin(self.plugin_name or "linux_bridge", {VIFBridge: []})

    def plug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> None:
        """Ensure the bridge (and uplink) and attach the guest device if present."""
        bridge = _checked(vif)
        mtu = self._mtu(bridge)
        uplink = self._uplink(bridge)
        with (
            self._bridge_locks.held(bridge.bridge_name),
            self._sockets.netlink() as netlink,
            Undo() as undo,
        ):
            if netlink.get_link(bridge.bridge_name) is None:
                created = netlink.ensure_bridge(
                    bridge.bridge_name, mtu=mtu, alias=CREATED_ALIAS, up=True
                )
                if created:
                    undo.push(lambda: netlink.delete_link(bridge.bridge_name))
            else:
                netlink.ensure_bridge(bridge.bridge_name, mtu=mtu, up=True)
            if not self.config.use_ipv6:
                sysctl.disable_ipv6(bridge.bridge_name)
            if uplink is not None:
                _attach_uplink(netlink, bridge, uplink, undo)
            if netlink.get_link(bridge.vif_name) is not None:
                netlink.configure_link(bridge.vif_name, mtu=mtu, master=bridge.bridge_name, up=True)
        LOG.debug("Plugged %s onto %s", bridge.vif_name, bridge.bridge_name)

    def unplug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> None:
        """Detach the guest device; delete an empty bridge we made, if configured."""
        bridge = _checked(vif)
        with self._bridge_locks.held(bridge.bridge_name), self._sockets.netlink() as netlink:
            device = netlink.get_link(bridge.vif_name)
            if device is not None and device.master_name == bridge.bridge_name:
                netlink.clear_master(bridge.vif_name)
            if self.config.delete_empty_bridges:
                _delete_if_empty(netlink, bridge.bridge_name)

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
            if vlan is None:
                raise exception.HostOperationError(
                    step="plan VLAN uplink",
                    device=vif.bridge_name,
                    detail="the network asks for a VLAN but gives no VLAN id",
                )
        else:
            parent = self.config.flat_interface or bridge_interface
            vlan = None
        if not parent:
            raise exception.NetworkInterfaceNotFound(
                interface=f"uplink of {vif.bridge_name} (set vlan_interface or flat_interface)"
            )
        validate_device_name(parent)
        return parent, vlan


def _attach_uplink(
    netlink: Netlink, vif: VIFBridge, uplink: tuple[str, int | None], undo: Undo
) -> None:
    parent, vlan = uplink
    if netlink.get_link(parent) is None:
        raise exception.NetworkInterfaceNotFound(interface=parent)
    device = parent
    if vlan is not None:
        device = validate_device_name(f"vlan{vlan}")
        existing = netlink.get_link(device)
        if netlink.ensure_vlan(device, parent, vlan, up=True, alias=CREATED_ALIAS):
            undo.push(lambda: netlink.delete_link(device))
        elif existing is not None and existing.master_name != vif.bridge_name:
            LOG.info("Reusing VLAN device %s for %s", device, vif.bridge_name)
    current = netlink.get_link(device)
    if current is not None and current.master_name != vif.bridge_name:
        netlink.configure_link(device, master=vif.bridge_name, up=True)
        if device == parent:
            undo.push(lambda: netlink.clear_master(parent))


def _delete_if_empty(netlink: Netlink, bridge_name: str) -> None:
    bridge = netlink.get_link(bridge_name)
    if bridge is None or owned_by(bridge.alias) is None:
        return  # gone, or not ours to delete
    ports = [link for link in netlink.list_links() if link.master_index == bridge.index]
    ours = [port.name for port in ports if owned_by(port.alias) is not None]
    if len(ours) != len(ports):
        return  # still in use
    netlink.delete_links([*ours, bridge_name])
    LOG.info("Deleted empty bridge %s", bridge_name)


def _checked(vif: VIFBase) -> VIFBridge:
    """The VIF as a VIFBridge with valid device names; refuses before host work."""
    if not isinstance(vif, VIFBridge):
        raise TypeError(f"the linux_bridge plugin plugs VIFBridge, not {type(vif).obj_name()}")
    validate_device_name(vif.bridge_name)
    validate_device_name(vif.vif_name)
    return vif

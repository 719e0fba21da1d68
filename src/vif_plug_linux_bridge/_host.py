"""The linux_bridge plugin's host work, imported on the first plug or unplug.

:class:`Host` holds the plugin's netlink sockets and per-bridge locks; its
``plug`` and ``unplug`` do what :mod:`vif_plug_linux_bridge.plugin`
describes. Loading the plugin does not import netlink: a host that never
plugs a VIFBridge does not pay for it.
"""

from __future__ import annotations

import logging

from os_vif import exception
from os_vif.linux import sysctl
from os_vif.linux.hostwork import KeyedLocks, NamespaceNetlink, Undo
from os_vif.linux.names import owned_by, validate_device_name
from os_vif.linux.netlink import Netlink
from os_vif.objects.vif import VIFBridge

__all__ = ["Host"]

LOG = logging.getLogger(__name__)


class Host:
    """Netlink sockets and bridge locks; plug and unplug on the host.

    Args:
        created_alias: the alias marking devices the plugin creates.
    """

    def __init__(self, created_alias: str) -> None:
        self.created_alias = created_alias
        self._sockets = NamespaceNetlink()
        self._bridge_locks = KeyedLocks()

    def close(self) -> None:
        """Close the netlink sockets."""
        self._sockets.close()

    def plug(
        self, bridge: VIFBridge, *, mtu: int, uplink: tuple[str, int | None] | None, ipv6: bool
    ) -> None:
        """Ensure the bridge (and uplink) and attach the guest device if present."""
        alias = self.created_alias
        with (
            self._bridge_locks.held(bridge.bridge_name),
            self._sockets.netlink() as netlink,
            Undo() as undo,
        ):
            existing = netlink.get_link(bridge.bridge_name)
            if existing is None:
                if netlink.ensure_bridge(bridge.bridge_name, mtu=mtu, alias=alias, up=True):
                    undo.push(lambda: netlink.delete_link(bridge.bridge_name))
                if not ipv6:
                    sysctl.disable_ipv6(bridge.bridge_name)
            elif owned_by(existing.alias) is not None:
                # Ours from an earlier plug: converge it to the asked settings.
                netlink.ensure_bridge(bridge.bridge_name, mtu=mtu, up=True)
                if not ipv6:
                    sysctl.disable_ipv6(bridge.bridge_name)
            elif existing.kind != "bridge":
                raise exception.HostOperationError(
                    step="use bridge",
                    device=bridge.bridge_name,
                    detail=f"a {existing.kind or 'non-bridge'} device has that name",
                )
            elif not existing.up:
                # Someone else's bridge: its STP, MTU and sysctls are theirs.
                netlink.set_up(bridge.bridge_name)
            if uplink is not None:
                _attach_uplink(netlink, bridge, uplink, undo, alias)
            if netlink.get_link(bridge.vif_name) is not None:
                netlink.configure_link(bridge.vif_name, mtu=mtu, master=bridge.bridge_name, up=True)
        LOG.debug("Plugged %s onto %s", bridge.vif_name, bridge.bridge_name)

    def unplug(
        self,
        bridge: VIFBridge,
        *,
        delete_empty_bridges: bool,
        uplink: tuple[str, int | None] | None,
    ) -> None:
        """Detach the guest device; delete an empty bridge we made, if asked."""
        with self._bridge_locks.held(bridge.bridge_name), self._sockets.netlink() as netlink:
            device = netlink.get_link(bridge.vif_name)
            if device is not None and device.master_name == bridge.bridge_name:
                netlink.clear_master(bridge.vif_name)
            if delete_empty_bridges:
                uplink_name = None if uplink is None or uplink[1] is not None else uplink[0]
                _delete_if_empty(netlink, bridge.bridge_name, uplink_name)


def _attach_uplink(
    netlink: Netlink, vif: VIFBridge, uplink: tuple[str, int | None], undo: Undo, alias: str
) -> None:
    parent, vlan = uplink
    if netlink.get_link(parent) is None:
        raise exception.NetworkInterfaceNotFound(interface=parent)
    device = parent
    if vlan is not None:
        device = validate_device_name(f"vlan{vlan}")
        existing = netlink.get_link(device)
        # The alias marks a VLAN device as ours only when this call makes it.
        mark = alias if existing is None else None
        if netlink.ensure_vlan(device, parent, vlan, up=True, alias=mark):
            undo.push(lambda: netlink.delete_link(device))
    current = netlink.get_link(device)
    if current is None or current.master_name == vif.bridge_name:
        return
    if current.master_name is not None:
        # Another bridge's uplink: taking it would cut that network off.
        LOG.warning(
            "Uplink %s is on bridge %s; not moving it to %s",
            device,
            current.master_name,
            vif.bridge_name,
        )
        return
    netlink.configure_link(device, master=vif.bridge_name, up=True)
    if device == parent:
        undo.push(lambda: netlink.clear_master(parent))


def _delete_if_empty(netlink: Netlink, bridge_name: str, flat_uplink: str | None) -> None:
    bridge = netlink.get_link(bridge_name)
    if bridge is None or owned_by(bridge.alias) is None:
        return  # gone, or not ours to delete
    ports = [link for link in netlink.list_links() if link.master_index == bridge.index]
    ours = [port.name for port in ports if owned_by(port.alias) is not None]
    others = [port.name for port in ports if owned_by(port.alias) is None]
    if others not in ([], [flat_uplink]):
        return  # still in use
    for uplink in others:
        netlink.clear_master(uplink)  # the host's NIC: detached, never deleted
    netlink.delete_links([*ours, bridge_name])
    LOG.info("Deleted empty bridge %s", bridge_name)

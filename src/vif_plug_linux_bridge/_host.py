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
from os_vif.linux.locks import KeyedLocks
from os_vif.linux.names import owned_by, validate_device_name
from os_vif.linux.netlink import NamespaceNetlink, Netlink
from os_vif.linux.undo import UndoLog
from os_vif.objects.vif import VIFBridge
from os_vif.plugin import PlugOutcome

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
    ) -> PlugOutcome:
        """Ensure the bridge (and uplink) and attach the guest device if present.

        Returns:
            created, repaired or unchanged (see :meth:`UndoLog.outcome`);
            the bridge and its uplink are shared by the network's VIFs.
        """
        alias = self.created_alias
        name, device = bridge.bridge_name, bridge.vif_name
        with (
            self._bridge_locks.held(name),
            self._sockets.netlink() as netlink,
            UndoLog() as log,
        ):
            _ensure_bridge(netlink, log, name, mtu=mtu, alias=alias, ipv6=ipv6)
            if uplink is not None:
                _attach_uplink(netlink, bridge, uplink, log, alias)
            if netlink.get_link(device) is not None:
                change = netlink.ensure_port(device, name, mtu=mtu, up=True)
                log.record(change, device, undo=lambda: netlink.clear_master(device))
            outcome = log.outcome()
        LOG.debug("Plugged %s onto %s: %s", device, name, outcome.value)
        return outcome

    def unplug(
        self,
        bridge: VIFBridge,
        *,
        delete_empty_bridges: bool,
        uplink: tuple[str, int | None] | None,
    ) -> PlugOutcome:
        """Detach the guest device; delete an empty bridge we made, if asked.

        Returns:
            removed if the device was detached (or the bridge deleted),
            absent if there was nothing to do.
        """
        removed = False
        with self._bridge_locks.held(bridge.bridge_name), self._sockets.netlink() as netlink:
            device = netlink.get_link(bridge.vif_name)
            if device is not None and device.master_name == bridge.bridge_name:
                netlink.clear_master(bridge.vif_name)
                removed = True
            if delete_empty_bridges:
                uplink_name = None if uplink is None or uplink[1] is not None else uplink[0]
                removed |= _delete_if_empty(netlink, bridge.bridge_name, uplink_name)
        return PlugOutcome.REMOVED if removed else PlugOutcome.ABSENT


def _ensure_bridge(
    netlink: Netlink, log: UndoLog, name: str, *, mtu: int, alias: str, ipv6: bool
) -> None:
    """Make the bridge, converge one we made earlier, or bring someone else's up."""
    existing = netlink.get_link(name)
    if existing is not None and owned_by(existing.alias) is None:
        if existing.kind != "bridge":
            raise exception.HostOperationError(
                step="use bridge",
                device=name,
                detail=f"a {existing.kind or 'non-bridge'} device has that name",
            )
        # Someone else's bridge: its STP, MTU and sysctls are theirs.
        log.record(netlink.ensure_link(name, up=True), name, shared=True)
        return
    # The alias marks the bridge as ours only when this call makes it.
    mark = alias if existing is None else None
    change = netlink.ensure_bridge(name, mtu=mtu, alias=mark, up=True)
    log.record(change, name, shared=True, undo=lambda: netlink.delete_link(name))
    if not ipv6:
        log.record(sysctl.disable_ipv6(name), name, shared=True)


def _attach_uplink(
    netlink: Netlink, vif: VIFBridge, uplink: tuple[str, int | None], log: UndoLog, alias: str
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
        change = netlink.ensure_vlan(device, parent, vlan, up=True, alias=mark)
        log.record(change, device, shared=True, undo=lambda: netlink.delete_link(device))
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
    change = netlink.ensure_port(device, vif.bridge_name, up=True)
    log.record(change, device, shared=True, undo=lambda: netlink.clear_master(device))


def _delete_if_empty(netlink: Netlink, bridge_name: str, flat_uplink: str | None) -> bool:
    """Delete the bridge if we made it and no port but ours is left; True if deleted."""
    bridge = netlink.get_link(bridge_name)
    if bridge is None or owned_by(bridge.alias) is None:
        return False  # gone, or not ours to delete
    ports = [link for link in netlink.list_links() if link.master_index == bridge.index]
    ours = [port.name for port in ports if owned_by(port.alias) is not None]
    others = [port.name for port in ports if owned_by(port.alias) is None]
    if others not in ([], [flat_uplink]):
        return False  # still in use
    for uplink in others:
        netlink.clear_master(uplink)  # the host's NIC: detached, never deleted
    netlink.delete_links([*ours, bridge_name])
    LOG.info("Deleted empty bridge %s", bridge_name)
    return True

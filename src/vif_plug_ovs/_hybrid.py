"""VIFBridge: the hybrid plug, a Linux bridge per VIF between the guest and OVS.

The guest's tap sits on a Linux bridge of its own (``vif.bridge_name``,
``qbr<id>``), where iptables firewall rules can see its traffic; a veth pair
links that bridge (end ``qvb<id>``) to the OVS bridge (end ``qvo<id>``, the
OVS port carrying the VIF's external_ids). Every piece gets the network's
MTU, and both veth ends are promiscuous. The Linux bridge runs without STP,
forwards at once (forward delay 0) and keeps no MAC table (ageing 0, so
frames still reach a guest that has just moved during live migration); it
has no IPv6 and answers ARP only for its own addresses.

Unplug deletes the OVS port, then the Linux bridge and the veth pair. It also
serves a VIFOpenVSwitch whose hybrid bridge is still on the host (the VIF
type changed after the plug).
"""

from __future__ import annotations

from os_vif.linux import sysctl
from os_vif.linux.names import VETH_BRIDGE_PREFIX, VETH_OVS_PREFIX, derived_name
from os_vif.linux.netlink import Netlink
from os_vif.linux.undo import UndoLog
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFBridge, VIFOpenVSwitch
from vif_plug_ovs._ovsdb import AddBridge
from vif_plug_ovs._vif import CheckedVIF
from vif_plug_ovs._work import Work, del_vif_port, vif_port

__all__ = ["plug", "plug_hybrid", "unplug", "unplug_hybrid", "veth_names"]

# Answer ARP only for addresses on the receiving device, and announce with
# the best local address: the bridge has none, so it stays silent.
_ARP_SYSCTLS = (("arp_ignore", 1), ("arp_announce", 2))


def veth_names(vif_id: str) -> tuple[str, str]:
    """Return the veth pair of a hybrid plug: (``qvb<id>``, ``qvo<id>``)."""
    return derived_name(VETH_BRIDGE_PREFIX, vif_id), derived_name(VETH_OVS_PREFIX, vif_id)


def plug(work: Work, vif: CheckedVIF[VIFBridge], instance_info: InstanceInfo | None) -> None:
    """Plug a VIFBridge: Linux bridge ``vif.bridge_name``, veth pair, OVS port."""
    plug_hybrid(work, vif, vif.vif.bridge_name, instance_info)


def plug_hybrid(
    work: Work,
    vif: CheckedVIF[VIFBridge],
    linux_bridge: str,
    instance_info: InstanceInfo | None,
) -> None:
    """Make the Linux bridge and veth pair, and add ``qvo`` to the OVS bridge."""
    qvb, qvo = veth_names(vif.vif.id)
    port = vif_port(work, vif, qvo, instance_info)
    nl, log = work.netlink, work.log
    change = nl.ensure_bridge(
        linux_bridge, mtu=vif.mtu, stp=False, forward_delay=0, ageing_time=0, up=True
    )
    log.record(change, linux_bridge, undo=lambda: nl.delete_link(linux_bridge))
    log.record(sysctl.disable_ipv6(linux_bridge), linux_bridge)
    for key, value in _ARP_SYSCTLS:
        log.record(sysctl.ensure_conf(linux_bridge, key, value), linux_bridge)
    change = nl.ensure_veth_pair(qvb, qvo, mtu=vif.mtu, up=True)
    log.record(change, qvb, qvo, undo=lambda: nl.delete_link(qvb))
    # Both ends promiscuous, as os-vif leaves them: each forwards frames for
    # the guest's MAC, not its own.
    change = nl.ensure_port(qvb, linux_bridge, promisc=True)
    log.record(change, qvb, undo=lambda: nl.clear_master(qvb))
    log.record(nl.ensure_link(qvo, promisc=True), qvo)
    _attach_guest(nl, log, vif.vif.vif_name, linux_bridge, vif.mtu)
    work.add(AddBridge(vif.bridge, datapath_type=vif.datapath_type))
    work.add(port)


def _attach_guest(nl: Netlink, log: UndoLog, device: str, linux_bridge: str, mtu: int) -> None:
    # The hypervisor normally attaches the guest's tap when it starts the
    # guest; a tap that already exists (a re-plug, or a container's veth) and
    # sits on no bridge is attached here, one on this bridge gets the MTU.
    # One on another master is left alone.
    link = nl.get_link(device)
    if link is None or link.master_name not in (None, linux_bridge):
        return
    change = nl.ensure_port(device, linux_bridge, mtu=mtu)
    log.record(change, device, undo=lambda: nl.clear_master(device))


def unplug(work: Work, vif: CheckedVIF[VIFBridge], instance_info: InstanceInfo | None) -> None:
    """Unplug a VIFBridge: the OVS port, the veth pair, the Linux bridge."""
    unplug_hybrid(work, vif, vif.vif.bridge_name)


def unplug_hybrid(
    work: Work, vif: CheckedVIF[VIFBridge] | CheckedVIF[VIFOpenVSwitch], linux_bridge: str
) -> None:
    """Delete ``qvo`` from OVS; after the commit, the veth pair and the Linux bridge."""
    qvb, qvo = veth_names(vif.vif.id)
    work.add(del_vif_port(vif, qvo))
    nl = work.netlink
    bridge = nl.get_link(linux_bridge)
    if bridge is not None and bridge.kind == "bridge":
        work.delete_after.append(linux_bridge)
    veth = nl.get_link(qvb)
    if veth is not None and veth.kind == "veth":
        work.delete_after.append(qvb)  # and with it, its peer qvo

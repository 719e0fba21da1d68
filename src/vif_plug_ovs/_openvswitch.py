"""VIFOpenVSwitch: the guest's device directly on the OVS bridge.

The bridge (``network.bridge``) is made with the profile's datapath type.
With ``create_port`` the port ``vif.vif_name`` is added with the VIF's
external_ids (the hypervisor would otherwise add it when it starts the
guest); with ``create_tap`` the plugin first makes the tap itself: the VIF's
MAC and the MTU, multiqueue if asked, IPv6 off (so the host sends nothing
into the guest's link), up.

With the ``per_port_bridge`` option the device goes on a bridge of its own,
``pb<id>``, patched to the integration bridge: ``pbp<id>`` on the VIF's
bridge and ``ibp<id>`` on the integration bridge, which carries the
external_ids (with ``iface-id`` = the VIF id).

Unplug removes the port (or the per-port bridge and its patch pair), and the
tap if the plugin made it. A hybrid Linux bridge ``qbr<id>`` still on the
host (the VIF was plugged as VIFBridge before) is unplugged as such.
"""

from __future__ import annotations

from os_vif.linux import sysctl
from os_vif.linux.names import BRIDGE_PREFIX, PER_PORT_BRIDGE_PREFIX, derived_name
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFOpenVSwitch
from vif_plug_ovs import _hybrid
from vif_plug_ovs._commands import AddVifPort, DelVifPort
from vif_plug_ovs._ovsdb import AddBridge, DelBridge
from vif_plug_ovs._vif import CheckedVIF, is_trunk_bridge
from vif_plug_ovs._work import Work, del_vif_port, vif_port
from vif_plug_ovs.constants import DEAD_VLAN

__all__ = ["patch_port_names", "plug", "unplug"]

_PATCH = "patch"
# Patch ports have no kernel device, so their names are not cut to the
# kernel's 15 bytes: the whole VIF id stays in them.
_PORT_BRIDGE_PATCH_PREFIX = "pbp"
_INT_BRIDGE_PATCH_PREFIX = "ibp"


def patch_port_names(vif_id: str) -> tuple[str, str]:
    """Return the patch pair of a per-port bridge: (``pbp<id>``, ``ibp<id>``)."""
    return _PORT_BRIDGE_PATCH_PREFIX + vif_id, _INT_BRIDGE_PATCH_PREFIX + vif_id


def plug(work: Work, vif: CheckedVIF[VIFOpenVSwitch], instance_info: InstanceInfo | None) -> None:
    """Plug a VIFOpenVSwitch, on the VIF's bridge or a per-port bridge."""
    if work.config.per_port_bridge:
        _plug_port_bridge(work, vif, instance_info)
        return
    device = vif.vif.vif_name
    port = vif_port(work, vif, device, instance_info) if vif.profile.create_port else None
    _prepare_device(work, vif, with_port=port is not None)
    work.add(AddBridge(vif.bridge, datapath_type=vif.datapath_type))
    if port is not None:
        work.add(port)


def _prepare_device(work: Work, vif: CheckedVIF[VIFOpenVSwitch], *, with_port: bool) -> None:
    """Make the tap (create_tap), or give an existing device the MTU."""
    nl, log = work.netlink, work.log
    device = vif.vif.vif_name
    if vif.create_tap:
        change = nl.ensure_tap(
            device,
            mac=vif.address(),
            mtu=vif.mtu,
            multiqueue=bool(vif.profile.multiqueue),
            # As os-vif makes it; QEMU sets its own flags when it attaches.
            packet_info=True,
        )
        log.record(change, device, undo=lambda: nl.delete_link(device))
        # Before the tap goes up: with IPv6 on, the host would run duplicate
        # address detection for a link-local address derived from the
        # guest's own MAC, into the guest's link.
        log.record(sysctl.disable_ipv6(device), device)
        log.record(nl.ensure_link(device, up=True), device)
    elif with_port and nl.get_link(device) is not None:
        log.record(nl.ensure_link(device, mtu=vif.mtu), device)


def _plug_port_bridge(
    work: Work, vif: CheckedVIF[VIFOpenVSwitch], instance_info: InstanceInfo | None
) -> None:
    port_bridge = derived_name(PER_PORT_BRIDGE_PREFIX, vif.vif.id)
    port_patch, int_patch = patch_port_names(vif.vif.id)
    device_port = vif_port(
        work, vif, vif.vif.vif_name, instance_info, bridge=port_bridge, set_ids=False
    )
    isolate = work.config.isolate_vif and not is_trunk_bridge(vif.bridge)
    int_patch_port = AddVifPort(
        vif.bridge,
        int_patch,
        interface_type=_PATCH,
        options={"peer": port_patch},
        external_ids=vif.external_ids(instance_info, bridge=vif.bridge, iface_id=vif.vif.id),
        tag=DEAD_VLAN if isolate else None,
    )
    _prepare_device(work, vif, with_port=True)
    work.add(AddBridge(vif.bridge, datapath_type=vif.datapath_type))
    work.add(AddBridge(port_bridge, datapath_type=vif.datapath_type))
    work.add(device_port)
    work.add(int_patch_port)
    work.add(
        AddVifPort(port_bridge, port_patch, interface_type=_PATCH, options={"peer": int_patch})
    )


def unplug(work: Work, vif: CheckedVIF[VIFOpenVSwitch], instance_info: InstanceInfo | None) -> None:
    """Unplug a VIFOpenVSwitch (or the hybrid plug it replaced)."""
    nl = work.netlink
    device = vif.vif.vif_name
    if work.config.per_port_bridge:
        port_patch, int_patch = patch_port_names(vif.vif.id)
        work.add(DelVifPort(int_patch))  # patch ports never get a QoS row
        work.add(DelVifPort(port_patch))
        work.add(del_vif_port(vif, device))
        work.add(DelBridge(derived_name(PER_PORT_BRIDGE_PREFIX, vif.vif.id)))
    else:
        hybrid_bridge = derived_name(BRIDGE_PREFIX, vif.vif.id)
        link = nl.get_link(hybrid_bridge)
        if link is not None and link.kind == "bridge":
            _hybrid.unplug_hybrid(work, vif, hybrid_bridge)
            return
        work.add(del_vif_port(vif, device))
    if vif.create_tap:
        tap = nl.get_link(device)
        if tap is not None and tap.is_tap:
            work.delete_after.append(device)

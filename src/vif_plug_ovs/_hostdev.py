"""VIFHostDevice: an SR-IOV VF in a guest, its representor on the OVS bridge.

On the kernel (``system``) datapath the NIC is in switchdev mode: the VF's
representor netdev is found through sysfs (see :mod:`._sriov`), brought up
with the MTU and added to the bridge. On the userspace (``netdev``) datapath
OVS-DPDK opens the representor itself: the port ``vfr<id>`` has type
``dpdk`` and ``options:dpdk-devargs`` ``<PF PCI>,representor=[<VF>]``, and
the MTU goes in ``mtu_request``.

Unplug removes the port; a kernel representor is brought down but stays (it
belongs to the VF, not to the plugin).
"""

from __future__ import annotations

from typing import Final

from os_vif.linux.names import derived_name
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFHostDevice
from vif_plug_ovs import _sriov
from vif_plug_ovs._ovsdb import AddBridge
from vif_plug_ovs._vif import CheckedVIF
from vif_plug_ovs._work import Work, del_vif_port, vif_port
from vif_plug_ovs.constants import OVS_DATAPATH_SYSTEM, OVS_DPDK_INTERFACE_TYPE

__all__ = ["dpdk_port_name", "plug", "unplug"]

_DPDK_REPRESENTOR_PREFIX: Final = "vfr"


def dpdk_port_name(vif_id: str) -> str:
    """Return the port name of a DPDK representor: ``vfr<id>``, cut to 14."""
    return derived_name(_DPDK_REPRESENTOR_PREFIX, vif_id)


def _kernel_representor(work: Work, vif: CheckedVIF[VIFHostDevice]) -> str:
    address = vif.vif.dev_address
    pf = _sriov.switchdev_pf_ifname(address, root=work.sysfs)
    return _sriov.representor_ifname(
        pf, _sriov.vf_number(address, root=work.sysfs), root=work.sysfs
    )


def plug(work: Work, vif: CheckedVIF[VIFHostDevice], instance_info: InstanceInfo | None) -> None:
    """Add the VF's representor to the bridge."""
    if vif.datapath_type == OVS_DATAPATH_SYSTEM:
        representor = _kernel_representor(work, vif)
        port = vif_port(work, vif, representor, instance_info)
        nl = work.netlink
        before = nl.get_link(representor)
        # Recorded under the port's name: bringing the representor up is
        # part of making its port.
        work.log.record(nl.ensure_link(representor, mtu=vif.mtu, up=True), representor)
        if before is not None and not before.up:
            work.log.push(lambda: nl.set_down(representor))
    else:
        devargs = _sriov.dpdk_devargs(vif.vif.dev_address, root=work.sysfs)
        port = vif_port(
            work,
            vif,
            dpdk_port_name(vif.vif.id),
            instance_info,
            interface_type=OVS_DPDK_INTERFACE_TYPE,
            options={"dpdk-devargs": devargs},
            mtu_request=vif.mtu,
        )
    work.add(AddBridge(vif.bridge, datapath_type=vif.datapath_type))
    work.add(port)


def unplug(work: Work, vif: CheckedVIF[VIFHostDevice], instance_info: InstanceInfo | None) -> None:
    """Remove the representor's port; bring a kernel representor down."""
    if vif.datapath_type == OVS_DATAPATH_SYSTEM:
        representor = _kernel_representor(work, vif)
        work.add(del_vif_port(vif, representor))
        work.down_after.append(representor)
    else:
        work.add(del_vif_port(vif, dpdk_port_name(vif.vif.id)))

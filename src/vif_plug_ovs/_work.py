"""What a VIF handler works with: host handles, and the VIF's pending changes.

A handler plugs (or unplugs) one VIF by doing its kernel work through
:attr:`Work.netlink`, recording in :attr:`Work.log` what each step did and
how to remove what it made, and adding its OVSDB commands with
:meth:`Work.add`. It never
commits: the dispatcher puts the commands of one VIF, or of a whole batch,
in one transaction, and runs a VIF's undo steps if its part fails. Kernel
devices an unplug must remove go in :attr:`Work.delete_after` (and
representors to bring down in :attr:`Work.down_after`): they go once the
ports that use them are gone from OVSDB.

:func:`vif_port` builds the port command every VIF type uses, with the
plugin's rules for new ports (dead VLAN, QoS); :func:`del_vif_port` its
counterpart for unplug.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from os_vif.linux.netlink import Netlink
from os_vif.linux.undo import UndoLog
from os_vif.objects.instance_info import InstanceInfo
from vif_plug_ovs._commands import AddVifPort, DelVifPort, vif_qos
from vif_plug_ovs._ovsdb import Command
from vif_plug_ovs._vif import CheckedVIF, is_trunk_bridge
from vif_plug_ovs.config import OvsConfig
from vif_plug_ovs.constants import DEAD_VLAN, OVS_DATAPATH_SYSTEM

__all__ = ["Work", "del_vif_port", "vif_port"]


@dataclass
class Work:
    """The handles and the pending changes of one VIF in a plug or unplug call.

    Attributes:
        config: the plugin's options.
        netlink: a netlink socket in the caller's network namespace.
        log: what the kernel steps did for this VIF, and how to remove what
            they made (the commit's results are added to it for the report).
        sysfs: the sysfs root for SR-IOV lookups.
        commands: the VIF's OVSDB commands, in order.
        delete_after: kernel devices to delete after the commit (unplug).
        down_after: kernel devices to bring down after the commit (unplug).
    """

    config: OvsConfig
    netlink: Netlink
    log: UndoLog
    sysfs: Path
    commands: list[Command] = field(default_factory=list)
    delete_after: list[str] = field(default_factory=list)
    down_after: list[str] = field(default_factory=list)

    def add(self, command: Command) -> None:
        """Add ``command`` to the VIF's share of the transaction."""
        self.commands.append(command)


def vif_port(
    work: Work,
    vif: CheckedVIF[Any],
    port: str,
    instance_info: InstanceInfo | None,
    *,
    bridge: str | None = None,
    interface_type: str | None = None,
    options: Mapping[str, str] | None = None,
    mtu_request: int | None = None,
    set_ids: bool = True,
) -> AddVifPort:
    """Build the command that adds (or converges) a VIF's port.

    A new port is isolated on the dead VLAN when ``isolate_vif`` is set,
    except on a trunk bridge; on the ``system`` datapath (see
    :attr:`CheckedVIF.qos_datapath`) it gets a QoS row of
    ``default_qos_type``. An existing port keeps its VLAN and QoS: the
    network agent owns them once it has bound the port.

    Args:
        work: the call's work (for the options).
        vif: the checked VIF.
        port: the port (and interface) name.
        instance_info: the instance, for ``vm-uuid``.
        bridge: the bridge, if not the VIF's.
        interface_type: ``Interface.type``; None for a kernel device.
        options: ``Interface.options``.
        mtu_request: ``Interface.mtu_request``, for ports without a kernel
            device whose MTU the plugin could set.
        set_ids: set the VIF's ``external_ids`` on the interface.

    Raises:
        MissingVIFField: ``set_ids`` and the VIF has no MAC address.
    """
    bridge = bridge or vif.bridge
    config = work.config
    isolate = config.isolate_vif and not is_trunk_bridge(bridge)
    system = vif.qos_datapath == OVS_DATAPATH_SYSTEM
    return AddVifPort(
        bridge,
        port,
        interface_type=interface_type,
        external_ids=vif.external_ids(instance_info, bridge=bridge) if set_ids else None,
        options=options,
        mtu_request=mtu_request,
        tag=DEAD_VLAN if isolate else None,
        vlan_mode="trunk" if isolate else None,
        trunks=[DEAD_VLAN] if isolate else None,
        qos=vif_qos(port, config.default_qos_type) if system else None,
    )


def del_vif_port(vif: CheckedVIF[Any], port: str) -> DelVifPort:
    """Build the command that deletes a VIF's port, wherever it is.

    On the ``system`` datapath, where :func:`vif_port` gives new ports a QoS
    row, the port's QoS rows go with it.
    """
    return DelVifPort(port, delete_qos=vif.qos_datapath == OVS_DATAPATH_SYSTEM)

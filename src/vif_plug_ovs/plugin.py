"""The ``ovs`` plugin: VIFs on Open vSwitch, over the native OVSDB protocol.

This module holds what loading the plugin needs (its options and its
describe() answer); the machinery that plugs (:mod:`._dispatch`: the handler
per VIF type, the OVSDB client, netlink) is imported on the first plug or
unplug, so a host that loads the plugin and never plugs does not pay for it.

What each VIF type leaves on the host is described in its handler:
:mod:`._hybrid` (VIFBridge), :mod:`._openvswitch` (VIFOpenVSwitch),
:mod:`._vhostuser` (VIFVHostUser), :mod:`._hostdev` (VIFHostDevice).
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from os_vif.objects.host_info import HostPluginInfo
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import (
    VIFBase,
    VIFBridge,
    VIFHostDevice,
    VIFOpenVSwitch,
    VIFPortProfileOpenVSwitch,
    VIFPortProfileOVSRepresentor,
    VIFVHostUser,
)
from os_vif.plugin import BatchPluginBase, PlugOutcome, VIFResult, VIFWork, describe_plugin
from vif_plug_ovs.config import OvsConfig
from vif_plug_ovs.constants import PLUGIN_NAME

if TYPE_CHECKING:
    from vif_plug_ovs._dispatch import Dispatcher

__all__ = ["PLUGIN_NAME", "OvsPlugin"]


class OvsPlugin(BatchPluginBase):
    """Plugs VIFBridge (hybrid), VIFOpenVSwitch, VIFVHostUser and VIFHostDevice.

    Each plug is one OVSDB transaction, with the kernel devices it needs made
    (over netlink) before it and removed again if it fails; a batch
    (:meth:`plug_many`) is one transaction for all its VIFs. One OVSDB
    connection per process is shared by every client of the same remote; it
    is opened on the first plug and reopened after ovsdb-server restarts.
    Calls are thread-safe; calls on the same VIF are serialised.

    Attributes:
        sysfs_root: where SR-IOV lookups read sysfs (``/sys``).
    """

    CONFIG_CLASS = OvsConfig
    config: OvsConfig

    def __init__(self, config: OvsConfig | None = None, *, plugin_name: str = "") -> None:
        super().__init__(config, plugin_name=plugin_name)
        self.sysfs_root = Path("/sys")
        self._dispatcher: Dispatcher | None = None
        self._guard = threading.Lock()

    def describe(self) -> HostPluginInfo:
        """Declare the four VIF types and their port profiles, as os-vif does."""
        ovs = [VIFPortProfileOpenVSwitch]
        both = [VIFPortProfileOpenVSwitch, VIFPortProfileOVSRepresentor]
        return describe_plugin(
            self.plugin_name or PLUGIN_NAME,
            {VIFBridge: ovs, VIFOpenVSwitch: ovs, VIFVHostUser: both, VIFHostDevice: both},
        )

    def plug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> PlugOutcome:
        """Plug ``vif`` in one OVSDB transaction (a batch of one); twice changes nothing.

        Returns:
            created, repaired (it existed, something differed and was
            fixed) or unchanged (nothing was written).

        Raises:
            MissingPortProfile, WrongPortProfile, MissingVIFField,
            TapCreationNotSupported, InvalidDeviceName: bad input, refused
                before any host work.
            PciDeviceNotFoundById, RepresentorNotFound: a VIFHostDevice whose
                VF or representor sysfs does not show.
            HostOperationError: a kernel or OVSDB step failed (OVSDB errors
                are subclasses from :mod:`vif_plug_ovs._ovsdb`; ``retriable``
                says whether trying again may help). The kernel devices this
                call created are removed first, unless the transaction was
                committed and only the wait for ovs-vswitchd timed out.
        """
        return super().plug(vif, instance_info)

    def unplug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> PlugOutcome:
        """Unplug ``vif``: its ports in one OVSDB transaction, then its devices.

        An absent VIF is not an error.

        Returns:
            removed, or absent when nothing of it was there.

        Raises:
            The same as :meth:`plug`.
        """
        return super().unplug(vif, instance_info)

    def plug_many(self, vifs: Sequence[VIFWork], *, wait: bool | None = None) -> list[VIFResult]:
        """Plug a batch: one netlink socket, one OVSDB transaction, one wait.

        Every VIF's kernel work is done in turn, then the OVSDB records of
        all of them are committed in one transaction, and (unless ``wait``
        is False, or None with ``wait_for_vswitchd`` off) the call returns
        once ovs-vswitchd has applied it. A VIF that fails (bad input, a
        kernel error, a record the database refuses) is reported with its
        error and nothing of it is left; the others are plugged. VIFs
        already plugged as asked are not written at all.
        """
        return self._get_dispatcher().plug(vifs, sysfs=self.sysfs_root, wait=wait)

    def unplug_many(self, vifs: Sequence[VIFWork], *, wait: bool | None = None) -> list[VIFResult]:
        """Unplug a batch: one OVSDB transaction and one wait for all its VIFs.

        Then one netlink request deletes the kernel devices of all of them.
        """
        return self._get_dispatcher().unplug(vifs, sysfs=self.sysfs_root, wait=wait)

    def close(self) -> None:
        """Close the netlink socket and the shared OVSDB connection."""
        with self._guard:
            dispatcher, self._dispatcher = self._dispatcher, None
        if dispatcher is not None:
            dispatcher.close()

    def _get_dispatcher(self) -> Dispatcher:
        with self._guard:
            if self._dispatcher is None:
                from vif_plug_ovs._dispatch import Dispatcher  # noqa: PLC0415 (on first use)

                self._dispatcher = Dispatcher(self.config, self.plugin_name or PLUGIN_NAME)
            return self._dispatcher

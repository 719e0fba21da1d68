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
from pathlib import Path
from typing import TYPE_CHECKING, Final

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
from os_vif.plugin import PluginBase, describe_plugin
from vif_plug_ovs.config import OvsConfig

if TYPE_CHECKING:
    from vif_plug_ovs._dispatch import Dispatcher

__all__ = ["PLUGIN_NAME", "OvsPlugin"]

PLUGIN_NAME: Final = "ovs"


class OvsPlugin(PluginBase):
    """Plugs VIFBridge (hybrid), VIFOpenVSwitch, VIFVHostUser and VIFHostDevice.

    Each plug is one OVSDB transaction, with the kernel devices it needs made
    (over netlink) before it and removed again if it fails. One OVSDB
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

    def plug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> None:
        """Plug ``vif`` in one OVSDB transaction; doing it twice changes nothing.

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
        dispatcher = self._get_dispatcher()
        dispatcher.plug(
            [dispatcher.check(vif, plugging=True)], instance_info, sysfs=self.sysfs_root
        )

    def unplug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> None:
        """Unplug ``vif``: its ports in one OVSDB transaction, then its devices.

        An absent VIF is not an error.

        Raises:
            The same as :meth:`plug`.
        """
        dispatcher = self._get_dispatcher()
        dispatcher.unplug(
            [dispatcher.check(vif, plugging=False)], instance_info, sysfs=self.sysfs_root
        )

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

"""The shortest complete plugin, and the reference for the plugin contract.

Some backends (an agent of their own, a DPDK switch) set up the host side of a
vhost-user VIF themselves; the compute host must still offer the VIF type and
go through plug/unplug. This plugin does exactly that and nothing more.
"""

from __future__ import annotations

from os_vif.objects.host_info import HostPluginInfo
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFBase, VIFVHostUser
from os_vif.plugin import PluginBase, describe_plugin

__all__ = ["NoOpPlugin"]


class NoOpPlugin(PluginBase):
    """Declares VIFVHostUser; plug and unplug leave the host as it is."""

    def describe(self) -> HostPluginInfo:
        """Declare VIFVHostUser, every version we have."""
        return describe_plugin(self.plugin_name or "noop", {VIFVHostUser: []})

    def plug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> None:
        """Do nothing: the backend's own agent plugs the VIF."""

    def unplug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> None:
        """Do nothing: the backend's own agent unplugs the VIF."""

"""The vhostuser plugin: makes vhost-user sockets reachable for QEMU and a backend.

vhost-user puts the VIF's data plane in a userspace backend that talks to QEMU
over a UNIX socket. ``vif.mode`` is QEMU's side: in ``client`` mode the backend
is the server and creates the socket; in ``server`` mode QEMU creates it.

plug: check the path (absolute, normalised, inside a configured socket
directory), make its directory with the configured owner and mode, remove a
stale socket left by an earlier QEMU (server mode), or wait for the backend's
socket (client mode, when configured). unplug: remove the socket QEMU left
behind (server mode) if nothing listens on it any more.
"""

from __future__ import annotations

import logging

from os_vif.linux.change import Change
from os_vif.linux.undo import UndoLog
from os_vif.objects.fields import VIFVHostUserMode
from os_vif.objects.host_info import HostPluginInfo
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFBase, VIFVHostUser
from os_vif.plugin import PluginBase, PlugOutcome, describe_plugin
from vif_plug_vhostuser import sockets
from vif_plug_vhostuser.config import VHostUserConfig

__all__ = ["VHostUserPlugin"]

LOG = logging.getLogger(__name__)


class VHostUserPlugin(PluginBase):
    """Socket directories and stale sockets for vhost-user VIFs."""

    CONFIG_CLASS = VHostUserConfig
    config: VHostUserConfig

    def describe(self) -> HostPluginInfo:
        """Declare VIFVHostUser, every version we have."""
        return describe_plugin(self.plugin_name or "vhostuser", {VIFVHostUser: []})

    def plug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> PlugOutcome:
        """Prepare the socket directory; clear or wait for the socket.

        Returns:
            created (a socket directory was made), repaired (a stale socket
            was removed) or unchanged.
        """
        vhost = _checked(vif)
        path = sockets.validate_socket_path(vhost.path, self.config.socket_dirs)
        with UndoLog() as log:
            created = sockets.ensure_directory(
                path.parent,
                mode=self.config.mode,
                owner=self.config.socket_dir_owner,
                group=self.config.socket_dir_group,
                allowed_dirs=self.config.socket_dirs,
            )
            # Socket directories are often shared (one per host or instance).
            log.record(
                Change.CREATED if created else Change.UNCHANGED,
                str(path.parent),
                shared=True,
                undo=lambda: sockets.remove_directories(created),
            )
            if vhost.mode == VIFVHostUserMode.SERVER:
                if sockets.remove_stale_socket(str(path)):
                    log.record(Change.UPDATED, str(path))
                    LOG.info("Removed stale vhost-user socket %s", path)
            elif self.config.wait_for_socket:
                sockets.wait_for_socket(str(path), self.config.socket_wait_timeout)
            return log.outcome()

    def unplug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> PlugOutcome | None:
        """Remove the socket QEMU served (server mode) once nothing listens.

        Returns:
            removed, absent (no socket there), or None (plugged state
            unknown: the socket belongs to its backend, or is still in use).
        """
        vhost = _checked(vif)
        path = sockets.validate_socket_path(vhost.path, self.config.socket_dirs)
        if vhost.mode != VIFVHostUserMode.SERVER:
            return None  # the backend owns the socket in client mode
        if sockets.remove_stale_socket(str(path)):
            LOG.info("Removed vhost-user socket %s", path)
            return PlugOutcome.REMOVED
        if sockets.is_socket(str(path)):
            LOG.warning("vhost-user socket %s is still in use; left in place", path)
            return None
        return PlugOutcome.ABSENT


def _checked(vif: VIFBase) -> VIFVHostUser:
    if not isinstance(vif, VIFVHostUser):
        raise TypeError(f"the vhostuser plugin plugs VIFVHostUser, not {type(vif).obj_name()}")
    return vif

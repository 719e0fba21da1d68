"""The stamp plugin: plug() writes what it was asked for to a file, unplug() removes it.

It stands for an agent-driven backend: the host work is to hand the VIF's
details to someone else. Its options live in the ``[os_vif_stamp]`` section
of the service's configuration (nova.conf), as oslo.config reads it.
"""

import json
import os

from oslo_config import cfg

from os_vif import objects, plugin
from vif_plug_stamp import exception


class StampPlugin(plugin.PluginBase):
    CONFIG_OPTS = (
        cfg.StrOpt("state_dir", default="/run/os-vif-stamp", help="Where the stamps go."),
        cfg.IntOpt("default_mtu", default=1500, help="MTU for VIFs whose network has none."),
        cfg.ListOpt(
            "refused_vif_names", default=[], help="Device names this plugin will not plug."
        ),
    )

    def describe(self):
        return objects.host_info.HostPluginInfo(
            plugin_name="stamp",
            vif_info=[
                objects.host_info.HostVIFInfo(
                    vif_object_name=objects.vif.VIFGeneric.__name__,
                    min_version="1.0",
                    max_version="1.0",
                )
            ],
        )

    def _path(self, vif):
        return os.path.join(self.config.state_dir, f"{vif.id}.json")

    def plug(self, vif, instance_info):
        if vif.vif_name in self.config.refused_vif_names:
            raise exception.StampRefused(vif_name=vif.vif_name, reason="listed in the config")
        mtu = None
        if vif.obj_attr_is_set("network") and vif.network.obj_attr_is_set("mtu"):
            mtu = vif.network.mtu
        stamp = {
            "vif_id": vif.id,
            "vif_name": vif.vif_name,
            "address": vif.address,
            "mtu": mtu or self.config.default_mtu,
            "instance": {
                "uuid": instance_info.uuid,
                "name": instance_info.name,
                "project_id": instance_info.project_id,
            },
        }
        os.makedirs(self.config.state_dir, exist_ok=True)
        with open(self._path(vif), "w") as handle:
            json.dump(stamp, handle, sort_keys=True)

    def unplug(self, vif, instance_info):
        try:
            os.remove(self._path(vif))
        except FileNotFoundError:
            raise exception.NotStamped(vif_id=vif.id, state_dir=self.config.state_dir) from None

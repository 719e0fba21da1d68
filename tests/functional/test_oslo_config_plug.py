"""oslo.config mode on a real host: options from a nova.conf change what is plugged.

Each test parses its own nova.conf with oslo.config, as Nova parses
``cfg.CONF``, hands it to ``initialize(config=conf)``, plugs, and reads the
result back from the kernel and OVSDB.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

import os_vif
import os_vif._api
from fixtures.ovs_plugin import (  # noqa: F401 (fixtures are registered by import)
    bridge_fixture,
    hybrid_vif,
    instance,
    ovs_host_fixture,
    view_fixture,
)
from os_vif import objects

cfg = pytest.importorskip("oslo_config.cfg")

pytestmark = [pytest.mark.functional, pytest.mark.usefixtures("fresh_library")]


def parse(path: Path, text: str):
    """A ConfigOpts that has read *text* as nova.conf, with Nova's state_path."""
    path.write_text(text)
    conf = cfg.ConfigOpts()
    conf.register_opt(cfg.StrOpt("state_path", default="/var/lib/nova"))
    conf(["--config-file", str(path)], default_config_files=[], default_config_dirs=[])
    return conf


def test_ovs_plugs_with_the_options_oslo_read(ovs_host, view, bridge, ovs_daemons, tmp_path):
    conf = parse(
        tmp_path / "nova.conf",
        "[DEFAULT]\nnetwork_device_mtu = 1400\n\n"
        f"[os_vif_ovs]\novsdb_connection = {ovs_daemons.remote}\n",
    )
    try:
        report = os_vif.initialize(config=conf)
        assert report.config_source == "oslo.config"
        assert "ovs" in report.loaded, report.failed
        vif, inst = hybrid_vif(bridge, mtu=None), instance()  # no network MTU: the option's
        os_vif.plug(vif, inst)
        port = ("qvo" + vif.id)[:14]
        assert view.ports(bridge) == [port]
        assert ovs_host.link(port)["mtu"] == 1400
        assert ovs_host.link(("qvb" + vif.id)[:14])["mtu"] == 1400
        os_vif.unplug(vif, inst)
        assert view.ports(bridge) == []
    finally:
        if os_vif._EXT_MANAGER is not None:
            os_vif._api.loaded_plugin("ovs").close()


# A plugin as written for os-vif: CONFIG_OPTS, __init__(self, config),
# hand-written describe(), plug/unplug returning None. It makes a bridge device
# (this kernel has no dummy driver).
DUMMY_PLUGIN = """
from oslo_config import cfg
from pyroute2 import IPRoute

from os_vif import objects, plugin


class DummyPlugin(plugin.PluginBase):
    CONFIG_OPTS = [
        cfg.IntOpt("mtu", default=1500, help="MTU of the devices"),
        cfg.StrOpt("alias", default="", help="ifalias of the devices"),
    ]

    def __init__(self, config):
        super().__init__(config)
        self.ipr = IPRoute()

    def describe(self):
        return objects.host_info.HostPluginInfo(plugin_name="dummy", vif_info=[
            objects.host_info.HostVIFInfo(vif_object_name="VIFGeneric", min_version="1.0",
                                          max_version="1.0", supported_port_profiles=[])])

    def plug(self, vif, instance_info):
        if not self.ipr.link_lookup(ifname=vif.vif_name):
            self.ipr.link("add", ifname=vif.vif_name, kind="bridge")
        (index,) = self.ipr.link_lookup(ifname=vif.vif_name)
        self.ipr.link("set", index=index, mtu=self.config.mtu, ifalias=self.config.alias,
                      state="up")

    def unplug(self, vif, instance_info):
        for index in self.ipr.link_lookup(ifname=vif.vif_name):
            self.ipr.link("del", index=index)
"""


def test_an_os_vif_plugin_plugs_with_nova_conf(netns, install_plugin, tmp_path):
    install_plugin("dummy-plugin", {"dummy": "dummy_plugin:DummyPlugin"}, {
        "dummy_plugin": DUMMY_PLUGIN
    })  # fmt: skip
    conf = parse(
        tmp_path / "nova.conf",
        "[DEFAULT]\nstate_path = /srv/nova\n\n"
        "[os_vif_dummy]\nmtu = 1280\nalias = from $state_path\n",
    )
    report = os_vif.initialize(config=conf)
    assert "dummy" in report.loaded, report.failed
    vif = objects.VIFGeneric(id=str(uuid.uuid4()), plugin="dummy", vif_name="dum0")
    try:
        os_vif.plug(vif)
        os_vif.plug(vif)  # twice: as the plugin makes it idempotent
        link = netns.link("dum0")
        assert (link["mtu"], link["ifalias"], link["linkinfo"]["info_kind"]) == (
            1280,
            "from /srv/nova",
            "bridge",
        )
        os_vif.unplug(vif)
        assert netns.link("dum0") is None
    finally:
        os_vif._api.loaded_plugin("dummy").ipr.close()

"""oslo.config mode: a host's nova.conf, parsed by oslo.config, reaches the plugins.

Each test parses its own ``ConfigOpts`` (as Nova parses ``cfg.CONF``) and
passes it to ``initialize(config=conf)``; the tests that need the global
``cfg.CONF`` run in a subprocess, so no test leaves parsed files behind.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys

import pytest

import os_vif
import os_vif._api
from fixtures.objects import make_vif_bridge
from os_vif import exception, objects
from vif_plug_linux_bridge.config import LinuxBridgeConfig
from vif_plug_ovs.config import OvsConfig

cfg = pytest.importorskip("oslo_config.cfg")

pytestmark = pytest.mark.usefixtures("fresh_library")

NOVA_CONF = """\
[DEFAULT]
state_path = /srv/nova
network_device_mtu = 9000
compute_driver = libvirt.LibvirtDriver

[os_vif_ovs]
ovsdb_connection = unix:$state_path/openvswitch/db.sock
ovs_vsctl_timeout = 30
ovsdb_conection = a typo

[libvirt]
virt_type = kvm
"""

CONF_D = """\
[os_vif_ovs]
ovs_vsctl_timeout = 45
isolate_vif = true

[os_vif_linux_bridge]
flat_interface = eth1
"""

OS_VIF_STYLE_PLUGIN = """
from oslo_config import cfg

from os_vif import objects, plugin

CALLS = []


class DemoPlugin(plugin.PluginBase):
    CONFIG_OPTS = [
        cfg.BoolOpt("make_it_work", default=False, help="Make everything work"),
        cfg.IntOpt("sleep_time", default=0, help="Seconds", deprecated_group="DEFAULT"),
        cfg.StrOpt("socket_dir", default="/run/demo", help="Where sockets go"),
    ]

    def __init__(self, config):
        super().__init__(config)
        self.sleep_time_at_init = config.sleep_time

    def describe(self):
        return objects.host_info.HostPluginInfo(
            plugin_name="demo",
            vif_info=[
                objects.host_info.HostVIFInfo(
                    vif_object_name=objects.vif.VIFVHostUser.__name__,
                    min_version="1.0",
                    max_version="1.0",
                    supported_port_profiles=[],
                )
            ],
        )

    def plug(self, vif, instance_info):
        CALLS.append(("plug", vif.id, self.config.make_it_work, self.config.socket_dir))

    def unplug(self, vif, instance_info):
        CALLS.append(("unplug", vif.id))
"""


@pytest.fixture
def nova_conf(tmp_path):
    """Return a parser of a nova.conf plus a --config-dir, as Nova parses them."""
    (tmp_path / "nova.conf").write_text(NOVA_CONF)
    conf_d = tmp_path / "nova.conf.d"
    conf_d.mkdir()
    (conf_d / "10-os-vif.conf").write_text(CONF_D)

    def parse(extra: str = ""):
        (tmp_path / "nova.conf").write_text(NOVA_CONF + extra)
        conf = cfg.ConfigOpts()
        # Nova registers state_path itself; oslo.config interpolates it.
        conf.register_opt(cfg.StrOpt("state_path", default="/var/lib/nova"))
        conf(
            ["--config-file", str(tmp_path / "nova.conf"), "--config-dir", str(conf_d)],
            project="nova",
            default_config_files=[],
            default_config_dirs=[],
        )
        return conf

    return parse


@pytest.fixture
def os_vif_style_plugin(install_plugin):
    install_plugin("demo-plugin", {"demo": "demo_plugin:DemoPlugin"}, {
        "demo_plugin": OS_VIF_STYLE_PLUGIN
    })  # fmt: skip


def test_nova_conf_reaches_our_plugins(nova_conf, caplog):
    conf = nova_conf()
    with caplog.at_level(logging.WARNING):
        report = os_vif.initialize(config=conf)
    assert report.config_source == "oslo.config"
    ovs = os_vif._api.loaded_plugin("ovs").config
    # $state_path interpolated, [DEFAULT] network_device_mtu honoured, the
    # config dir read after the file (45 wins over 30).
    assert ovs == OvsConfig(
        network_device_mtu=9000,
        ovsdb_connection="unix:/srv/nova/openvswitch/db.sock",
        ovs_vsctl_timeout=45,
        isolate_vif=True,
    )
    bridge = os_vif._api.loaded_plugin("linux_bridge").config
    assert bridge == LinuxBridgeConfig(network_device_mtu=9000, flat_interface="eth1")
    # Registered where os-vif registers them, for Nova and oslo tools to read.
    assert conf.os_vif_ovs.network_device_mtu == 9000
    assert conf.os_vif_linux_bridge.flat_interface == "eth1"
    # The typo is ignored, as oslo.config ignores it, and reported.
    assert "[os_vif_ovs] ovsdb_conection: unknown option, ignored" in report.warnings["ovs"]
    assert "ovsdb_conection" in caplog.text


def test_set_override_is_read_on_reset(nova_conf):
    conf = nova_conf()
    os_vif.initialize(config=conf)
    conf.set_override("per_port_bridge", True, group="os_vif_ovs")
    conf.set_override("network_device_mtu", 1400, group="os_vif_ovs")
    assert os_vif._api.loaded_plugin("ovs").config.per_port_bridge is False  # read at load
    os_vif.initialize(reset=True, config=conf)
    config = os_vif._api.loaded_plugin("ovs").config
    assert (config.per_port_bridge, config.network_device_mtu) == (True, 1400)


def test_a_bad_value_names_the_file(nova_conf, tmp_path):
    conf = nova_conf("\n[os_vif_vhostuser]\nwait_for_socket = sometimes\n")
    with pytest.raises(exception.ConfigError) as info:
        os_vif.initialize(config=conf)
    assert info.value.source == str(tmp_path / "nova.conf")
    assert str(tmp_path / "nova.conf") in str(info.value)
    assert (info.value.section, info.value.option) == ("os_vif_vhostuser", "wait_for_socket")
    conf = nova_conf("\n[os_vif_ovs]\ndefault_qos_type = linux-fancy\n")
    with pytest.raises(exception.ConfigError, match="default_qos_type"):
        os_vif.initialize(config=conf)


def test_an_os_vif_plugin_reads_nova_conf_and_plugs(nova_conf, os_vif_style_plugin, caplog):
    conf = nova_conf(
        "\n[DEFAULT]\nsleep_time = 3\n\n[os_vif_demo]\nmake_it_work = true\n"
        "socket_dir = $state_path/demo\n"
    )
    report = os_vif.initialize(config=conf)
    assert "demo" in report.loaded
    plugin = os_vif._api.loaded_plugin("demo")
    import demo_plugin

    assert isinstance(plugin, demo_plugin.DemoPlugin)
    assert plugin.plugin_name == "demo"
    # os-vif's contract: the config is the oslo.config group itself.
    assert isinstance(plugin.config, cfg.ConfigOpts.GroupAttr)
    assert plugin.sleep_time_at_init == 3  # [DEFAULT] sleep_time: its deprecated group
    assert conf.os_vif_demo.make_it_work is True

    vif = objects.VIFVHostUser(
        id="7f3e9b1c-2d4a-4e5f-8a6b-9c0d1e2f3a4b", plugin="demo", path="/run/x", mode="server"
    )
    assert vif.obj_version != "1.0"  # newer than the plugin declares
    with caplog.at_level(logging.WARNING, logger="os_vif"):
        assert os_vif.plug(vif).outcome is os_vif.PlugOutcome.PLUGGED  # it returned None
        os_vif.plug(vif)
        os_vif.unplug(vif)
    plugged = ("plug", vif.id, True, "/srv/nova/demo")
    calls = demo_plugin.CALLS
    assert calls == [plugged, plugged, ("unplug", vif.id)]
    newer = [r for r in caplog.records if "declares VIFVHostUser up to 1.0" in r.getMessage()]
    assert len(newer) == 1, "one warning per plugin, class and version"
    assert any("declares VIFVHostUser up to 1.0" in note for note in report.warnings["demo"])
    # An undeclared class is still refused before the plugin runs.
    with pytest.raises(exception.UnsupportedVIF):
        os_vif.plug(make_vif_bridge(plugin="demo"))


def test_an_os_vif_plugin_with_our_reader_gets_a_private_conf(os_vif_style_plugin, tmp_path):
    path = tmp_path / "nova.conf"
    path.write_text("[DEFAULT]\nsleep_time = 4\n\n[os_vif_demo]\nsocket_dir = /run/d\nx = 1\n")
    report = os_vif.initialize(config=path)
    plugin = os_vif._api.loaded_plugin("demo")
    assert isinstance(plugin.config, cfg.ConfigOpts.GroupAttr)
    assert (plugin.config.sleep_time, plugin.config.socket_dir) == (4, "/run/d")
    assert plugin.config.make_it_work is False
    assert "[os_vif_demo] x: unknown option, ignored" in report.warnings["demo"]
    # The values the file gave stay with the plugin: cfg.CONF is not changed.
    assert "os_vif_demo" not in cfg.CONF
    with pytest.raises(exception.ConfigError, match="sleep_time"):
        os_vif.initialize(reset=True, config={"demo": {"sleep_time": "soon"}})


def test_os_vif_style_load_registers_on_cfg_conf():
    # os-vif's own unit test of PluginBase.load, with our classes.
    from os_vif import plugin

    class DemoPlugin(plugin.PluginBase):
        CONFIG_OPTS = [  # noqa: RUF012 (os-vif's declaration, as plugins write it)
            cfg.BoolOpt("make_it_work", default=False, help="Make it work"),
            cfg.IntOpt("sleep_time", default=0, help="How long to sleep"),
        ]

        def describe(self):
            pass

        def plug(self, vif, instance_info):
            pass

        def unplug(self, vif, instance_info):
            pass

    class DemoPluginNoConfig(DemoPlugin):
        CONFIG_OPTS = []  # noqa: RUF012

    obj = DemoPlugin.load("ours_demo")
    assert cfg.CONF.os_vif_ours_demo.make_it_work is False
    assert cfg.CONF.os_vif_ours_demo.sleep_time == 0
    assert obj.config == cfg.CONF.os_vif_ours_demo
    assert obj.plugin_name == "ours_demo"
    empty = DemoPluginNoConfig.load("ours_demonocfg")
    assert not hasattr(cfg.CONF, "os_vif_ours_demonocfg")
    assert empty.config is not None


NOVA_COMPUTE = """
import json, sys
from oslo_config import cfg

cfg.CONF.register_opt(cfg.StrOpt("state_path", default="/var/lib/nova"))
cfg.CONF(sys.argv[1:], project="nova", default_config_files=[], default_config_dirs=[])

import os_vif, os_vif._api

report = os_vif.initialize()  # as nova-compute calls it, after parsing
ovs = os_vif._api.loaded_plugin("ovs").config
print(json.dumps({
    "source": report.config_source,
    "mtu": ovs.network_device_mtu,
    "connection": ovs.ovsdb_connection,
    "timeout": ovs.ovs_vsctl_timeout,
    "registered": cfg.CONF.os_vif_ovs.ovs_vsctl_timeout,
}))
"""


def test_initialize_uses_cfg_conf_once_the_host_has_parsed_it(tmp_path):
    (tmp_path / "nova.conf").write_text(NOVA_CONF)
    conf_d = tmp_path / "conf.d"
    conf_d.mkdir()
    (conf_d / "ovs.conf").write_text(CONF_D)
    result = subprocess.run(
        [sys.executable, "-c", NOVA_COMPUTE, "--config-file", str(tmp_path / "nova.conf"),
         "--config-dir", str(conf_d)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert json.loads(result.stdout) == {
        "source": "oslo.config",
        "mtu": 9000,
        "connection": "unix:/srv/nova/openvswitch/db.sock",
        "timeout": 45,
        "registered": 45,
    }


PLAIN_PROCESS = """
import sys
import os_vif
report = os_vif.initialize()
import os_vif.opts, vif_plug_ovs.ovs, vif_plug_noop.noop
print(report.config_source, sorted(m for m in sys.modules if m.startswith(("oslo", "stevedore"))))
"""


def test_a_process_without_oslo_config_never_imports_it():
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", PLAIN_PROCESS],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert result.stdout.strip() == "<defaults> []"
    assert "oslo_config" not in result.stderr  # -X importtime lists every import


def test_the_cli_never_imports_oslo_config(tmp_path):
    path = tmp_path / "nova.conf"
    path.write_text(NOVA_CONF)
    result = subprocess.run(
        [sys.executable, "-X", "importtime", "-m", "os_vif", "--config", str(path), "host-info"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert "ovs" in result.stdout
    assert "oslo_config" not in result.stderr

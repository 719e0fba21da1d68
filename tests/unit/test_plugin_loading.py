"""Loading as os-vif callers expect: one plugin per name, its module paths, its state."""

from __future__ import annotations

import copy
import subprocess
import sys

import pytest

import os_vif
import os_vif._api
from os_vif import exception, objects
from os_vif._entry_points import EntryPoint, entry_points
from os_vif._loader import choose

pytestmark = pytest.mark.usefixtures("fresh_library")

NOOP_LIKE = """
from os_vif import objects, plugin


class NoOpPlugin(plugin.PluginBase):
    def describe(self):
        return objects.host_info.HostPluginInfo(plugin_name="noop", vif_info=[
            objects.host_info.HostVIFInfo(vif_object_name="VIFBridge", min_version="1.0",
                                          max_version="1.0", supported_port_profiles=[])])

    def plug(self, vif, instance_info):
        pass

    def unplug(self, vif, instance_info):
        pass
"""


def _vhost(plugin="noop"):
    return objects.VIFVHostUser(
        id="7f3e9b1c-2d4a-4e5f-8a6b-9c0d1e2f3a4b", plugin=plugin, path="/run/x", mode="server"
    )


def test_another_distributions_plugin_replaces_ours_of_the_same_name(install_plugin):
    # kuryr-kubernetes declares an entry point "noop" of its own.
    install_plugin("kuryr_kubernetes", {"noop": "kuryr_noop:NoOpPlugin"}, {
        "kuryr_noop": NOOP_LIKE
    })  # fmt: skip
    report = os_vif.initialize()
    import kuryr_noop

    assert type(os_vif._api.loaded_plugin("noop")) is kuryr_noop.NoOpPlugin
    (note,) = report.warnings["noop"]
    assert "vif_plug_noop.plugin:NoOpPlugin (os-vif) unused" in note
    assert "kuryr_noop:NoOpPlugin (kuryr-kubernetes) is loaded" in note
    assert "noop" not in report.failed


def test_the_choice_among_others_is_by_path_then_distribution_name():
    ours = EntryPoint("dup", "ours:P", "os_vif", dist="os-vif")
    zed = EntryPoint("dup", "zed:P", "os_vif", dist="zed")
    alpha = EntryPoint("dup", "alpha:P", "os_vif", dist="alpha")
    # entry_points() gives path order, then name order within a directory.
    chosen, unused = choose([ours, zed, alpha])
    assert chosen == {"dup": zed}
    assert unused == {"dup": [alpha, ours]}
    assert choose([ours]) == ({"dup": ours}, {})


def test_two_other_distributions_in_one_directory(install_plugin):
    install_plugin("zzz_plugin", {"dup": "zzz_mod:NoOpPlugin"}, {"zzz_mod": NOOP_LIKE})
    install_plugin("aaa_plugin", {"dup": "aaa_mod:NoOpPlugin"}, {"aaa_mod": NOOP_LIKE})
    report = os_vif.initialize()
    import aaa_mod

    assert type(os_vif._api.loaded_plugin("dup")) is aaa_mod.NoOpPlugin
    assert report.warnings["dup"] == (
        "entry point zzz_mod:NoOpPlugin (zzz-plugin) unused: aaa_mod:NoOpPlugin (aaa-plugin) "
        "is loaded",
    )


def test_stevedore_sees_the_same_entry_points():
    extension = pytest.importorskip("stevedore.extension")
    manager = extension.ExtensionManager(namespace="os_vif", invoke_on_load=False)
    theirs = {(ep.name, ep.value) for ep in manager.list_entry_points()}
    assert theirs == {(ep.name, ep.value) for ep in entry_points("os_vif")}


def test_ext_manager_is_where_os_vif_keeps_it():
    # os-vif's tests reset the library with this assignment.
    assert os_vif._EXT_MANAGER is None
    with pytest.raises(exception.LibraryNotInitialized):
        os_vif.plug(None, None)
    os_vif.initialize()
    manager = os_vif._EXT_MANAGER
    assert manager is not None
    assert {"noop", "ovs", "linux_bridge", "vhostuser"} <= set(manager.names())
    assert manager.names() == sorted(manager.names())
    assert manager["noop"].obj is os_vif._api.loaded_plugin("noop")
    assert manager["noop"].plugin is type(manager["noop"].obj)
    assert manager["noop"].entry_point.name == "noop"
    os_vif.plug(_vhost())
    os_vif._EXT_MANAGER = None
    for call in (lambda: os_vif.plug(_vhost()), lambda: os_vif.unplug(_vhost()), os_vif.host_info):
        with pytest.raises(exception.LibraryNotInitialized):
            call()
    assert os_vif.initialize() is not manager.report  # loads again


def test_os_vif_initialize_signature():
    report = os_vif.initialize()
    assert os_vif.initialize(False) is report
    assert os_vif.initialize(True) is not report  # initialize(reset) as in os-vif


def test_os_vif_module_paths():
    from vif_plug_linux_bridge.linux_bridge import LinuxBridgePlugin
    from vif_plug_linux_bridge.plugin import LinuxBridgePlugin as Ours
    from vif_plug_noop import noop
    from vif_plug_ovs.ovs import OvsPlugin
    from vif_plug_ovs.plugin import OvsPlugin as OursOvs

    assert OvsPlugin is OursOvs
    assert LinuxBridgePlugin is Ours
    # os-vif's noop plugin test, as written there.
    plugin = noop.NoOpPlugin.load("noop")
    plugin.plug(_vhost(), objects.InstanceInfo(name="demo"))
    plugin.unplug(_vhost(), objects.InstanceInfo(name="demo"))
    assert len(plugin.describe().vif_info) > 0
    assert OvsPlugin.load("ovs").config.network_device_mtu == 1500


def test_list_plugins_opts_as_os_vif():
    cfg = pytest.importorskip("oslo_config.cfg")
    from os_vif import opts
    from vif_plug_ovs.plugin import OvsPlugin

    listed = dict(opts.list_plugins_opts())
    assert list(listed) == sorted(listed)
    assert {"os_vif_noop", "os_vif_ovs", "os_vif_linux_bridge", "os_vif_vhostuser"} <= set(listed)
    assert listed["os_vif_noop"] == []
    for group in listed.values():
        for opt in group:
            assert opt.__module__ == "oslo_config.cfg"
    ovs = {opt.dest: opt for opt in listed["os_vif_ovs"]}
    assert ovs["network_device_mtu"] == OvsPlugin.CONFIG_OPTS[0]
    assert ovs["network_device_mtu"] is not OvsPlugin.CONFIG_OPTS[0]  # deep copies
    # os-vif's names, types, defaults and deprecations (tests/interop compares
    # them with os-vif 5.3.0's own).
    assert isinstance(ovs["network_device_mtu"], cfg.IntOpt)
    assert [(d.name, d.group) for d in ovs["network_device_mtu"].deprecated_opts] == [
        (None, "DEFAULT")
    ]
    assert ovs["ovsdb_interface"].deprecated_for_removal
    assert set(ovs["default_qos_type"].type.choices) >= {"linux-htb", "linux-noop"}
    assert ovs["network_device_mtu"].help == "the MTU when the network gives none."
    assert all(opt.help for opt in ovs.values())
    bridge = {opt.dest: opt for opt in listed["os_vif_linux_bridge"]}
    assert isinstance(bridge["forward_bridge_interface"], cfg.MultiStrOpt)
    assert bridge["forward_bridge_interface"].default == ["all"]
    assert bridge["vlan_interface"].default is None


def test_list_plugins_opts_follows_the_loaded_plugins(install_plugin):
    pytest.importorskip("oslo_config.cfg")
    from os_vif import opts

    install_plugin("kuryr_kubernetes", {"noop": "kuryr_noop:NoOpPlugin"}, {
        "kuryr_noop": NOOP_LIKE
    })  # fmt: skip
    before = [name for name, _ in opts.list_plugins_opts()]
    os_vif.initialize()
    assert [name for name, _ in opts.list_plugins_opts()] == before
    assert copy.deepcopy(opts.list_plugins_opts()) == opts.list_plugins_opts()


def test_oslo_config_generator_lists_our_groups():
    pytest.importorskip("oslo_config.generator")
    result = subprocess.run(
        [sys.executable, "-m", "oslo_config.generator", "--namespace", "os_vif"],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    sample = result.stdout
    for group in ("[os_vif_ovs]", "[os_vif_linux_bridge]", "[os_vif_vhostuser]"):
        assert group in sample
    assert "#network_device_mtu = 1500" in sample
    assert "#ovsdb_interface = native" in sample

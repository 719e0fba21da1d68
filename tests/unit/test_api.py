"""initialize, plug, unplug and host_info: the library's entry points."""

from __future__ import annotations

import logging

import pytest

import os_vif
from fixtures.objects import make_vif_bridge, make_vif_ovs
from os_vif import exception, objects

pytestmark = pytest.mark.usefixtures("fresh_library")

RECORDING_PLUGIN = """
from os_vif.plugin import PluginBase, describe_plugin
from os_vif.objects.vif import VIFBridge, VIFOpenVSwitch, VIFPortProfileOpenVSwitch

CALLS = []

class Recording(PluginBase):
    def describe(self):
        return describe_plugin(self.plugin_name, {VIFBridge: []})

    def plug(self, vif, instance_info):
        CALLS.append(("plug", vif.id, instance_info))
        if vif.vif_name == "explode":
            raise OSError(16, "Device or resource busy")

    def unplug(self, vif, instance_info):
        CALLS.append(("unplug", vif.id, instance_info))
        if vif.vif_name == "explode":
            raise RuntimeError("cannot")
"""


def _vhost(plugin="noop"):
    return objects.VIFVHostUser(
        id="7f3e9b1c-2d4a-4e5f-8a6b-9c0d1e2f3a4b", plugin=plugin, path="/run/x", mode="server"
    )


@pytest.mark.parametrize(
    "call",
    [lambda: os_vif.plug(_vhost()), lambda: os_vif.unplug(_vhost()), os_vif.host_info],
)
def test_use_before_initialize(call):
    with pytest.raises(exception.LibraryNotInitialized, match="initialize"):
        call()


def test_initialize_reports_the_installed_plugins():
    report = os_vif.initialize()
    assert {"noop", "vhostuser"} <= set(report.loaded)
    assert os_vif.initialize() is report  # a second call changes nothing
    assert os_vif.initialize(reset=True) is not report


def test_host_info_derives_versions_from_the_classes():
    os_vif.initialize()
    noop = os_vif.host_info().get_plugin("noop")
    vif = noop.get_vif("VIFVHostUser")
    assert (vif.min_version, vif.max_version) == ("1.0", objects.VIFVHostUser.VERSION)


def test_host_info_filter_and_independent_copies():
    os_vif.initialize()
    info = os_vif.host_info(permitted_vif_type_names=["VIFBridge"])
    assert not info.has_plugin("noop")
    info = os_vif.host_info()
    info.get_plugin("noop").vif_info = []
    assert os_vif.host_info().get_plugin("noop").vif_info  # ours was a copy


def test_plug_with_noop():
    os_vif.initialize()
    os_vif.plug(_vhost())
    os_vif.unplug(_vhost(), objects.InstanceInfo(name="vm"))


def test_unknown_plugin():
    os_vif.initialize()
    with pytest.raises(exception.NoMatchingPlugin) as info:
        os_vif.plug(_vhost(plugin="nonexistent"))
    assert info.value.plugin_name == "nonexistent"
    assert "noop" in info.value.loaded
    assert isinstance(info.value, LookupError)


def test_undeclared_vif_type_is_refused_before_the_plugin_runs(install_plugin):
    install_plugin("recorder", {"recorder": "recording_plugin:Recording"}, {
        "recording_plugin": RECORDING_PLUGIN
    })  # fmt: skip
    os_vif.initialize()
    import recording_plugin

    with pytest.raises(exception.UnsupportedVIF) as info:
        os_vif.plug(make_vif_ovs(plugin="recorder"))
    assert (info.value.plugin_name, info.value.vif_class) == ("recorder", "VIFOpenVSwitch")
    assert recording_plugin.CALLS == []


def test_too_old_vif_version_is_refused(install_plugin):
    install_plugin("recorder", {"recorder": "recording_plugin:Recording"}, {
        "recording_plugin": RECORDING_PLUGIN.replace(
            "{VIFBridge: []})",
            "{VIFBridge: []}); info.vif_info[0].min_version = '1.1'; return info",
        ).replace("return describe_plugin", "info = describe_plugin")
    })  # fmt: skip
    os_vif.initialize()
    with pytest.raises(exception.UnsupportedVIF, match=r"VIFBridge 1\.0"):
        os_vif.plug(make_vif_bridge(plugin="recorder"))


def test_third_party_plugin_plugs_and_failures_are_wrapped(install_plugin):
    install_plugin("recorder", {"recorder": "recording_plugin:Recording"}, {
        "recording_plugin": RECORDING_PLUGIN
    })  # fmt: skip
    assert "recorder" in os_vif.initialize().loaded
    import recording_plugin

    instance = objects.InstanceInfo(uuid="d7a730ca-3c28-49c3-8f26-4662b909fe8a", name="vm")
    vif = make_vif_bridge(plugin="recorder")
    os_vif.plug(vif)  # instance_info is optional
    os_vif.unplug(vif, instance)
    assert [("plug", vif.id, None), ("unplug", vif.id, instance)] == recording_plugin.CALLS

    broken = make_vif_bridge(plugin="recorder", vif_name="explode")
    with pytest.raises(exception.PlugException) as plug_error:
        os_vif.plug(broken)
    assert plug_error.value.vif is broken
    assert plug_error.value.plugin == "recorder"
    assert isinstance(plug_error.value.__cause__, OSError)
    assert plug_error.value.err is plug_error.value.__cause__
    assert "Device or resource busy" in str(plug_error.value)
    assert broken.id in str(plug_error.value)
    with pytest.raises(exception.UnplugException) as unplug_error:
        os_vif.unplug(broken)
    assert isinstance(unplug_error.value.__cause__, RuntimeError)


def test_retriable_follows_the_cause():
    busy = exception.HostOperationError(step="transact", retriable=True)
    assert exception.PlugException(vif=None, err=busy).retriable is True
    assert exception.PlugException(vif=None, err=ValueError()).retriable is False


def test_a_broken_plugin_is_logged_and_the_others_load(install_plugin, caplog):
    install_plugin("broken", {
        "missing": "no_such_module:Plugin",
        "not_a_plugin": "plain_module:Thing",
        "raises": "raising_module:Plugin",
    }, {
        "plain_module": "class Thing:\n    pass\n",
        "raising_module": "raise ImportError('needs libfoo')\n",
    })  # fmt: skip
    with caplog.at_level(logging.WARNING, logger="os_vif"):
        report = os_vif.initialize()
    assert "noop" in report.loaded
    assert set(report.failed) == {"missing", "not_a_plugin", "raises"}
    assert "needs libfoo" in report.failed["raises"]
    assert "not a PluginBase subclass" in report.failed["not_a_plugin"]
    assert "raises" in caplog.text
    assert "needs libfoo" in caplog.text


def test_config_errors_are_raised_not_logged():
    with pytest.raises(exception.ConfigError) as info:
        os_vif.initialize(config={"vhostuser": {"wait_for_socket": "sometimes"}})
    assert info.value.option == "wait_for_socket"
    assert info.value.section == "vhostuser"
    assert info.value.source == "<mapping>"


def test_unknown_options_are_reported_not_fatal(caplog):
    # One typo used to stop initialize(); oslo.config ignores unknown options,
    # so a nova.conf that works with os-vif must load here too.
    with caplog.at_level(logging.WARNING, logger="os_vif"):
        report = os_vif.initialize(config={"vhostuser": {"no_such_option": 1}})
    assert "vhostuser" in report.loaded
    assert report.warnings["vhostuser"] == ("[vhostuser] no_such_option: unknown option, ignored",)
    assert report.config_source == "<mapping>"
    assert "no_such_option" in caplog.text


def test_options_for_uninstalled_plugins_are_ignored_with_a_warning(caplog):
    with caplog.at_level(logging.WARNING, logger="os_vif"):
        os_vif.initialize(config={"not_installed": {"x": 1}})
    assert "not_installed" in caplog.text


def test_plug_rejects_non_vif():
    os_vif.initialize()
    with pytest.raises(TypeError, match="expected a VIF"):
        os_vif.plug(objects.Network())


SEED_EXAMPLE = """
import uuid

from os_vif import exception as vif_exc
from os_vif import objects as vif_objects
from os_vif import vnic_types

instance_uuid = 'd7a730ca-3c28-49c3-8f26-4662b909fe8a'
instance_info = vif_objects.InstanceInfo(
    uuid=instance_uuid,
    name='instance-00000001',
    project_id='7b2e6a3c0d9f4c1e8a5b2d4f6e8a0c1b')

subnet = vif_objects.Subnet(cidr='192.168.1.0/24')
subnets = vif_objects.SubnetList([subnet])
network = vif_objects.Network(label='tenantnet',
                              subnets=subnets,
                              multi_host=False,
                              should_provide_vlan=False,
                              should_provide_bridge=False)

vif_uuid = uuid.uuid4()
vif = vif_objects.VIFVHostUser(id=vif_uuid,
                               address=None,
                               network=network,
                               plugin='vhostuser',
                               path='/path/to/socket',
                               mode=vif_objects.fields.VIFVHostUserMode.SERVER)

# Now do the actual plug operations to connect the VIF to
# the backing network interface.
try:
    os_vif.plug(vif)
except vif_exc.PlugException as err:
    failures.append(err)

# If you are removing a virtual machine and its interfaces,
# you would use the unplug() operation:
try:
    os_vif.unplug(vif)
except vif_exc.UnplugException as err:
    failures.append(err)
"""


def test_seed_readme_example_runs_as_written():
    import os_vif

    os_vif.initialize()
    failures: list[Exception] = []
    scope = {"os_vif": os_vif, "failures": failures}
    exec(SEED_EXAMPLE, scope)  # noqa: S102 (our own test text)
    vif = scope["vif"]
    assert len(vif.network.subnets) == 1
    assert str(vif.network.subnets[0].cidr) == "192.168.1.0/24"
    assert scope["vnic_types"].NORMAL == "normal"
    # /path/to/socket is outside the default socket directory (/run/vhostuser):
    # the plugin refuses it before touching the host, and the example's own
    # except clauses catch that, as they are written to.
    assert [type(f).__name__ for f in failures] == ["PlugException", "UnplugException"]
    assert all(type(f.__cause__).__name__ == "InvalidSocketPath" for f in failures)
    # With the noop plugin the same example plugs and unplugs cleanly.
    failures.clear()
    exec(SEED_EXAMPLE.replace("plugin='vhostuser'", "plugin='noop'"), scope)  # noqa: S102
    assert failures == []

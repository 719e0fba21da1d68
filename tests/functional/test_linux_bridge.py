"""The linux_bridge plugin on a real kernel, inside a namespace per test.

State is read back through iproute2 (``ns.link``), not through the plugin's
own netlink code.
"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

import pytest

import os_vif
import os_vif._api
from os_vif import exception, objects
from os_vif._config import PluginOptions
from vif_plug_linux_bridge.plugin import LinuxBridgePlugin

pytestmark = pytest.mark.functional


@pytest.fixture
def make_plugin():
    """Return a factory of plugins, each closed when the test ends."""
    plugins = []

    def factory(**options):
        plugin = LinuxBridgePlugin.load("linux_bridge", PluginOptions("<test>", "s", options))
        plugins.append(plugin)
        return plugin

    yield factory
    for plugin in plugins:
        plugin.close()


def make_vif(vif_name="tap0", bridge="brq1", **network):
    values = {"mtu": 1400, **network}
    return objects.VIFBridge(
        id=str(uuid.uuid4()),
        address="fa:16:3e:11:22:33",
        plugin="linux_bridge",
        vif_name=vif_name,
        bridge_name=bridge,
        network=objects.Network(id=str(uuid.uuid4()), bridge=bridge, **values),
    )


def ipv6_disabled(device):
    return Path(f"/proc/sys/net/ipv6/conf/{device}/disable_ipv6").read_text().strip() == "1"


def test_plug_creates_the_bridge(netns, make_plugin):
    make_plugin().plug(make_vif(), None)
    bridge = netns.link("brq1")
    assert bridge["linkinfo"]["info_kind"] == "bridge"
    assert "UP" in bridge["flags"]
    assert bridge["mtu"] == 1400
    data = bridge["linkinfo"]["info_data"]
    assert data["stp_state"] == 0
    assert data["forward_delay"] == 0
    assert bridge["ifalias"] == "os-vif:linux_bridge"
    assert ipv6_disabled("brq1")


def test_mtu_falls_back_to_the_configured_one(netns, make_plugin):
    make_plugin(network_device_mtu=1300).plug(make_vif(mtu=None), None)
    assert netns.link("brq1")["mtu"] == 1300


def test_use_ipv6_leaves_ipv6_on(netns, make_plugin):
    make_plugin(use_ipv6=True).plug(make_vif(), None)
    assert not ipv6_disabled("brq1")


def test_existing_bridge_is_used_as_it_is(netns, make_plugin):
    netns.ip("link", "add", "brq1", "mtu", "1500", "type", "bridge", "stp_state", "1")
    make_plugin().plug(make_vif(), None)
    bridge = netns.link("brq1")
    assert "UP" in bridge["flags"]
    # someone else's bridge: its STP, MTU and IPv6 stay theirs, and it is not marked ours
    assert bridge["linkinfo"]["info_data"]["stp_state"] == 1
    assert bridge["mtu"] == 1500
    assert not ipv6_disabled("brq1")
    assert "ifalias" not in bridge


def test_a_non_bridge_under_the_name_is_refused(netns, make_plugin):
    netns.ip("link", "add", "brq1", "type", "veth", "peer", "name", "brq1p")
    with pytest.raises(exception.HostOperationError, match="veth"):
        make_plugin().plug(make_vif(), None)


def test_our_bridge_is_converged_on_replug(netns, make_plugin):
    plugin = make_plugin()
    plugin.plug(make_vif(), None)
    netns.ip("link", "set", "brq1", "type", "bridge", "stp_state", "1")
    plugin.plug(make_vif(), None)
    assert netns.link("brq1")["linkinfo"]["info_data"]["stp_state"] == 0


def test_no_uplink_named_means_a_bridge_without_one(netns, make_plugin):
    # Nova's linuxbridge VIFs ask for the bridge and name no interface
    make_plugin().plug(make_vif(should_provide_bridge=True), None)
    assert netns.link("brq1") is not None


def test_an_uplink_on_another_bridge_is_not_taken(netns, make_plugin):
    netns.ip("link", "add", "eth9", "type", "veth", "peer", "name", "eth9p")
    netns.ip("link", "add", "other", "type", "bridge")
    netns.ip("link", "set", "eth9", "master", "other")
    make_plugin().plug(make_vif(should_provide_bridge=True, bridge_interface="eth9"), None)
    assert netns.link("eth9")["master"] == "other"


def test_empty_bridge_with_its_flat_uplink_is_deleted_and_the_nic_kept(netns, make_plugin):
    netns.ip("link", "add", "eth9", "type", "veth", "peer", "name", "eth9p")
    plugin = make_plugin(delete_empty_bridges=True)
    vif = make_vif(should_provide_bridge=True, bridge_interface="eth9")
    plugin.plug(vif, None)
    plugin.unplug(vif, None)
    assert netns.link("brq1") is None
    assert "master" not in netns.link("eth9")


def test_existing_device_is_attached_with_the_mtu(netns, make_guest, make_plugin):
    make_guest("tap0", mtu=1500)
    make_plugin().plug(make_vif(), None)
    tap = netns.link("tap0")
    assert tap["master"] == "brq1"
    assert tap["mtu"] == 1400
    assert "UP" in tap["flags"]


def test_plug_twice_converges(netns, make_guest, make_plugin):
    make_guest("tap0")
    plugin, vif = make_plugin(), make_vif()
    plugin.plug(vif, None)
    before = (netns.link("brq1"), netns.link("tap0"))
    plugin.plug(vif, None)
    after = (netns.link("brq1"), netns.link("tap0"))
    for old, new in zip(before, after, strict=True):
        # (carrier flags follow the peer, not us: compare what plug sets)
        for key in ("ifindex", "mtu", "master", "ifalias"):
            assert old.get(key) == new.get(key), key
        assert "UP" in new["flags"]
    bridge = after[0]["linkinfo"]["info_data"]
    assert (bridge["stp_state"], bridge["forward_delay"]) == (0, 0)


def test_unplug_detaches_and_keeps_the_bridge(netns, make_guest, make_plugin):
    make_guest("tap0")
    plugin, vif = make_plugin(), make_vif()
    plugin.plug(vif, None)
    plugin.unplug(vif, None)
    assert "master" not in netns.link("tap0")
    assert netns.link("brq1") is not None
    plugin.unplug(vif, None)  # again: nothing to do, no error


def test_unplug_of_an_absent_vif(netns, make_plugin):
    make_plugin().unplug(make_vif(vif_name="nothere", bridge="nobridge"), None)
    make_plugin(delete_empty_bridges=True).unplug(make_vif(bridge="nobridge"), None)


def test_unplug_leaves_a_device_on_another_bridge(netns, make_guest, make_plugin):
    make_guest("tap0")
    netns.ip("link", "add", "other", "type", "bridge")
    netns.ip("link", "set", "tap0", "master", "other")
    make_plugin().unplug(make_vif(), None)
    assert netns.link("tap0")["master"] == "other"


def test_empty_bridge_we_made_is_deleted_when_configured(netns, make_guest, make_plugin):
    make_guest("tap0")
    make_guest("tap1")
    plugin = make_plugin(delete_empty_bridges=True)
    first, second = make_vif("tap0"), make_vif("tap1")
    plugin.plug(first, None)
    plugin.plug(second, None)
    plugin.unplug(first, None)
    assert netns.link("brq1") is not None  # tap1 still there
    plugin.unplug(second, None)
    assert netns.link("brq1") is None
    assert netns.link("tap1") is not None  # the guest's device is not ours


def test_a_bridge_we_did_not_make_is_never_deleted(netns, make_plugin):
    netns.ip("link", "add", "brq1", "type", "bridge")
    plugin = make_plugin(delete_empty_bridges=True)
    plugin.plug(make_vif(), None)
    plugin.unplug(make_vif(), None)
    assert netns.link("brq1") is not None


def test_flat_uplink_is_enslaved(netns, make_plugin):
    netns.ip("link", "add", "eth9", "type", "veth", "peer", "name", "eth9p")
    vif = make_vif(should_provide_bridge=True, bridge_interface="eth9")
    make_plugin().plug(vif, None)
    assert netns.link("eth9")["master"] == "brq1"
    make_plugin().unplug(vif, None)
    assert netns.link("eth9")["master"] == "brq1"  # the uplink stays


def test_configured_flat_interface_wins(netns, make_plugin):
    netns.ip("link", "add", "eth8", "type", "veth", "peer", "name", "eth8p")
    vif = make_vif(should_provide_bridge=True, bridge_interface="eth9")
    make_plugin(flat_interface="eth8").plug(vif, None)
    assert netns.link("eth8")["master"] == "brq1"


def test_multi_host_networks_get_no_uplink(netns, make_plugin):
    netns.ip("link", "add", "eth9", "type", "veth", "peer", "name", "eth9p")
    vif = make_vif(should_provide_bridge=True, bridge_interface="eth9", multi_host=True)
    make_plugin().plug(vif, None)
    assert "master" not in netns.link("eth9")


def test_missing_uplink_fails_and_rolls_back(netns, make_plugin):
    vif = make_vif(should_provide_bridge=True, bridge_interface="eth9")
    with pytest.raises(exception.NetworkInterfaceNotFound, match="eth9"):
        make_plugin().plug(vif, None)
    assert netns.link("brq1") is None  # the bridge this call made is gone


def test_vlan_uplink_on_a_kernel_without_8021q(netns, make_plugin):
    netns.ip("link", "add", "eth9", "type", "veth", "peer", "name", "eth9p")
    vif = make_vif(
        should_provide_bridge=True, should_provide_vlan=True, bridge_interface="eth9", vlan=5
    )
    vlan_module = Path("/sys/module/8021q").exists()
    if vlan_module:
        make_plugin().plug(vif, None)
        assert netns.link("vlan5")["master"] == "brq1"
        assert netns.link("vlan5")["linkinfo"]["info_data"]["id"] == 5
        return
    with pytest.raises(exception.HostOperationError) as info:
        make_plugin().plug(vif, None)
    assert info.value.device == "vlan5"
    assert "8021q" in str(info.value)
    assert netns.ifnames() == {"lo", "eth9", "eth9p"}  # nothing left behind


def test_vlan_network_without_an_id_is_refused(netns, make_plugin):
    vif = make_vif(should_provide_bridge=True, should_provide_vlan=True, bridge_interface="e")
    with pytest.raises(exception.HostOperationError, match="no valid VLAN id"):
        make_plugin().plug(vif, None)
    assert netns.ifnames() == {"lo"}


def test_injected_failure_rolls_back(netns, make_guest, monkeypatch, make_plugin):
    make_guest("tap0")

    def fail(device, **kwargs):
        raise OSError(13, "injected failure")

    monkeypatch.setattr("os_vif.linux.sysctl.disable_ipv6", fail)
    with pytest.raises(OSError, match="injected"):
        make_plugin().plug(make_vif(), None)
    assert netns.link("brq1") is None
    assert "master" not in netns.link("tap0")


@pytest.mark.parametrize(
    ("field", "name"),
    [("vif_name", "x" * 16), ("vif_name", "a/b"), ("bridge_name", "br 0"), ("bridge_name", "")],
)
def test_bad_names_are_refused_before_host_work(netns, field, name, make_plugin):
    vif = make_vif()
    setattr(vif, field, name)
    with pytest.raises(exception.InvalidDeviceName):
        make_plugin().plug(vif, None)
    with pytest.raises(exception.InvalidDeviceName):
        make_plugin().unplug(vif, None)
    assert netns.ifnames() == {"lo"}


def test_concurrent_plugs_onto_one_bridge(netns, make_guest, make_plugin):
    names = [f"tap{i}" for i in range(8)]
    for name in names:
        make_guest(name)
    plugin = make_plugin()
    errors = []

    def plug(name):
        try:
            plugin.plug(make_vif(name), None)
        except Exception as exc:  # collected for the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=plug, args=(name,)) for name in names]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(netns.link(name)["master"] == "brq1" for name in names)


def test_two_guests_talk_through_the_bridge_until_unplugged(netns, make_guest):
    one = make_guest("tapa", address="10.77.0.1/24")
    two = make_guest("tapb", address="10.77.0.2/24")
    assert not one.ping(two.ip_address, timeout=0.5)  # not connected yet
    os_vif._EXT_MANAGER = None
    try:
        os_vif.initialize(reset=True)
        instance = objects.InstanceInfo(uuid=str(uuid.uuid4()), name="vm")
        vifs = [make_vif("tapa", bridge="brdemo"), make_vif("tapb", bridge="brdemo")]
        for vif in vifs:
            os_vif.plug(vif, instance)
        # a veth port forwards once its carrier is up, up to ~1 s after plug
        assert one.ping(two.ip_address, timeout=5.0)
        assert two.ping(one.ip_address, timeout=5.0)
        for vif in vifs:
            os_vif.unplug(vif, instance)
        assert not one.ping(two.ip_address, timeout=0.5)
    finally:
        os_vif._api.loaded_plugin("linux_bridge").close()
        os_vif._EXT_MANAGER = None


def test_a_batch_goes_through_the_default_loop_and_reports_each_vif(netns, make_guest):
    for name in ("tapa", "tapb", "tapc"):
        make_guest(name)
    os_vif._EXT_MANAGER = None
    try:
        os_vif.initialize(reset=True)
        vifs = [make_vif("tapa"), make_vif("tapb", bridge="brq2"), make_vif("tap/bad")]
        with pytest.raises(exception.BatchPlugError) as caught:
            os_vif.plug_many(vifs)
        results = caught.value.results
        created = os_vif.PlugOutcome.CREATED
        assert [r.outcome for r in results] == [created, created, os_vif.PlugOutcome.FAILED]
        assert isinstance(results[2].error, exception.InvalidDeviceName)
        assert netns.link("tapa")["master"] == "brq1"
        assert netns.link("tapb")["master"] == "brq2"
        assert "master" not in netns.link("tapc")
        results = os_vif.unplug_many(vifs[:2])
        assert [r.outcome for r in results] == [os_vif.PlugOutcome.REMOVED] * 2
        assert "master" not in netns.link("tapa")
        assert "master" not in netns.link("tapb")
    finally:
        os_vif._api.loaded_plugin("linux_bridge").close()
        os_vif._EXT_MANAGER = None

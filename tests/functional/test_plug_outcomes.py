"""Honest outcomes and exact rollback, in every plugin that changes the host.

A plug says ``created`` when it made the VIF, ``repaired`` when something
that existed differed and was fixed, ``unchanged`` when it wrote nothing.
The tests change the host by hand (iproute2, ovs-vsctl, the file system)
between plugs, check the outcome, and read back that the damage is fixed.
A failure injected half-way must leave exactly what was there before the
call: what the call made is gone, what it found is kept.
"""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import Iterator

import pytest

import os_vif
import os_vif._api
from fixtures.netns import Netns
from fixtures.ovs import OvsDaemons
from fixtures.ovs_plugin import (  # noqa: F401 (fixtures are registered by import)
    OvsView,
    bridge_fixture,
    hybrid_vif,
    instance,
    make_plugin_fixture,
    ovs_host_fixture,
    ovs_vif,
    view_fixture,
)
from os_vif import PlugOutcome, objects
from os_vif._config import PluginOptions
from os_vif.linux.netlink import Netlink
from vif_plug_linux_bridge.plugin import LinuxBridgePlugin
from vif_plug_vhostuser.plugin import VHostUserPlugin

pytestmark = pytest.mark.functional

CREATED, REPAIRED, UNCHANGED = PlugOutcome.CREATED, PlugOutcome.REPAIRED, PlugOutcome.UNCHANGED


class Injected(Exception):
    """The failure a test injects."""


@pytest.fixture
def fail_attaching(monkeypatch):
    """Make ``Netlink.ensure_port`` fail for one device (named by the test)."""
    real = Netlink.ensure_port
    target: list[str] = []

    def ensure_port(self, device, master, **settings):
        if device in target:
            raise Injected(device)
        return real(self, device, master, **settings)

    monkeypatch.setattr(Netlink, "ensure_port", ensure_port)
    return target.append


# --- linux_bridge --------------------------------------------------------------


@pytest.fixture
def bridge_plugin() -> Iterator[LinuxBridgePlugin]:
    plugin = LinuxBridgePlugin.load("linux_bridge", PluginOptions("<test>", "s", {}))
    yield plugin
    plugin.close()


def bridge_vif(vif_name="tap0", bridge="brq1", **network):
    return objects.VIFBridge(
        id=str(uuid.uuid4()),
        address="fa:16:3e:11:22:33",
        plugin="linux_bridge",
        vif_name=vif_name,
        bridge_name=bridge,
        network=objects.Network(id=str(uuid.uuid4()), bridge=bridge, mtu=1400, **network),
    )


def test_linux_bridge_created_then_unchanged(netns, make_guest, bridge_plugin):
    make_guest("tap0")
    vif = bridge_vif()
    assert bridge_plugin.plug(vif, None) is CREATED
    assert bridge_plugin.plug(vif, None) is UNCHANGED
    # A second VIF on the same bridge: its port is what is made.
    make_guest("tap1")
    assert bridge_plugin.plug(bridge_vif("tap1"), None) is CREATED


@pytest.mark.parametrize(
    ("damage", "check"),
    [
        (("brq1", "mtu", "1500"), lambda ns: ns.link("brq1")["mtu"] == 1400),
        (("tap0", "mtu", "1500"), lambda ns: ns.link("tap0")["mtu"] == 1400),
        (("tap0", "down"), lambda ns: "UP" in ns.link("tap0")["flags"]),
        (("brq1", "down"), lambda ns: "UP" in ns.link("brq1")["flags"]),
        (("tap0", "master", "other"), lambda ns: ns.link("tap0")["master"] == "brq1"),
    ],
    ids=["bridge-mtu", "port-mtu", "port-down", "bridge-down", "port-master"],
)
def test_linux_bridge_replug_repairs_a_hand_change(netns, make_guest, bridge_plugin, damage, check):
    make_guest("tap0")
    netns.ip("link", "add", "other", "type", "bridge")
    vif = bridge_vif()
    bridge_plugin.plug(vif, None)
    netns.ip("link", "set", *damage)
    assert bridge_plugin.plug(vif, None) is REPAIRED
    assert check(netns)
    assert bridge_plugin.plug(vif, None) is UNCHANGED


def test_linux_bridge_unplug_reports_removed_then_absent(netns, make_guest, bridge_plugin):
    make_guest("tap0")
    vif = bridge_vif()
    bridge_plugin.plug(vif, None)
    assert bridge_plugin.unplug(vif, None) is PlugOutcome.REMOVED
    assert bridge_plugin.unplug(vif, None) is PlugOutcome.ABSENT


def test_linux_bridge_rollback_removes_exactly_what_it_made(
    netns, make_guest, bridge_plugin, fail_attaching
):
    make_guest("tap0")
    netns.ip("link", "add", "eth9", "type", "veth", "peer", "name", "eth9p")
    fail_attaching("tap0")  # the last step: the bridge and the uplink's port are made
    vif = bridge_vif(should_provide_bridge=True, bridge_interface="eth9")
    with pytest.raises(Injected):
        bridge_plugin.plug(vif, None)
    assert netns.link("brq1") is None
    eth9 = netns.link("eth9")  # the host's NIC: kept, and detached again
    assert eth9 is not None
    assert "master" not in eth9
    assert "master" not in netns.link("tap0")


def test_linux_bridge_rollback_keeps_a_bridge_it_found(
    netns, make_guest, bridge_plugin, fail_attaching
):
    make_guest("tap0")
    bridge_plugin.plug(bridge_vif("tap0"), None)
    make_guest("tap1")
    fail_attaching("tap1")
    with pytest.raises(Injected):
        bridge_plugin.plug(bridge_vif("tap1"), None)
    assert netns.link("brq1") is not None
    assert netns.link("tap0")["master"] == "brq1"


# --- vhostuser -----------------------------------------------------------------


def vhost_plugin(root):
    options = {"socket_dirs": [str(root)]}
    return VHostUserPlugin.load("vhostuser", PluginOptions("<test>", "vhostuser", options))


def vhost_vif(path):
    return objects.VIFVHostUser(
        id=str(uuid.uuid4()), plugin="vhostuser", vif_name="vhu0", path=str(path), mode="server"
    )


def test_vhostuser_created_unchanged_and_repaired(tmp_path):
    root = tmp_path / "vhost"
    plugin, path = vhost_plugin(root), root / "instance-1" / "vhu0.sock"
    assert plugin.plug(vhost_vif(path), None) is CREATED
    assert plugin.plug(vhost_vif(path), None) is UNCHANGED
    with socket.socket(socket.AF_UNIX) as stale:  # a QEMU that went away
        stale.bind(str(path))
    assert plugin.plug(vhost_vif(path), None) is REPAIRED
    assert not path.exists()
    assert plugin.plug(vhost_vif(path), None) is UNCHANGED


def test_vhostuser_rollback_removes_only_the_directories_it_made(tmp_path, monkeypatch):
    root = tmp_path / "vhost"
    root.mkdir()
    path = root / "made" / "deeper" / "vhu0.sock"

    def fail(path):
        raise Injected(path)

    monkeypatch.setattr("vif_plug_vhostuser.sockets.remove_stale_socket", fail)
    with pytest.raises(Injected):
        vhost_plugin(root).plug(vhost_vif(path), None)
    assert root.is_dir()
    assert list(root.iterdir()) == []


# --- ovs -------------------------------------------------------------------------


def hybrid_names(vif):
    return vif.bridge_name, ("qvb" + vif.id)[:14], ("qvo" + vif.id)[:14]


@contextlib.contextmanager
def guest_tap(ns: Netns, name: str) -> Iterator[None]:
    """The hypervisor's device, there before the plug (a veth stands in for a tap)."""
    ns.ip("link", "add", name, "type", "veth", "peer", "name", name[:-2] + "gp")
    try:
        yield
    finally:
        ns.ip("link", "del", name, check=False)


def test_hybrid_clean_replug_is_unchanged_and_writes_nothing(
    ovs_host, view: OvsView, bridge, make_plugin
):
    vif, plugin = hybrid_vif(bridge), make_plugin()
    with guest_tap(ovs_host, vif.vif_name):
        assert plugin.plug(vif, None) is CREATED
        before = view.next_cfg()
        assert plugin.plug(vif, None) is UNCHANGED
        assert view.next_cfg() == before
        plugin.unplug(vif, None)


def test_hybrid_mtu_change_is_repaired(ovs_host, view, bridge, make_plugin):
    vif, plugin = hybrid_vif(bridge, mtu=1450), make_plugin()
    with guest_tap(ovs_host, vif.vif_name):
        plugin.plug(vif, None)
        vif.network.mtu = 1400  # the network's MTU changed since the plug
        assert plugin.plug(vif, None) is REPAIRED
        for name in (*hybrid_names(vif), vif.vif_name):
            assert ovs_host.link(name)["mtu"] == 1400, name
        assert plugin.plug(vif, None) is UNCHANGED
        plugin.unplug(vif, None)


@pytest.mark.parametrize(
    "damage",
    [(0, "mtu", "1300"), (1, "nomaster"), (2, "down"), (2, "promisc", "off")],
    ids=["qbr-mtu", "qvb-master", "qvo-down", "qvo-promisc"],
)
def test_hybrid_replug_repairs_a_hand_change(ovs_host, view, bridge, make_plugin, damage):
    vif, plugin = hybrid_vif(bridge), make_plugin()
    qbr, qvb, qvo = hybrid_names(vif)
    plugin.plug(vif, None)
    device, *change = damage
    ovs_host.ip("link", "set", hybrid_names(vif)[device], *change)
    assert plugin.plug(vif, None) is REPAIRED
    assert ovs_host.link(qbr)["mtu"] == 1450
    assert ovs_host.link(qvb)["master"] == qbr
    assert {"UP", "PROMISC"} <= set(ovs_host.link(qvo)["flags"])
    assert plugin.plug(vif, None) is UNCHANGED
    plugin.unplug(vif, None)


def test_hybrid_bridge_deleted_by_hand_is_repaired_not_created(ovs_host, view, bridge, make_plugin):
    vif, plugin = hybrid_vif(bridge), make_plugin()
    qbr, qvb, _ = hybrid_names(vif)
    plugin.plug(vif, None)
    ovs_host.ip("link", "del", qbr)
    assert plugin.plug(vif, None) is REPAIRED
    assert ovs_host.link(qvb)["master"] == qbr
    plugin.unplug(vif, None)


def test_tap_set_down_by_hand_is_repaired(ovs_host, view, bridge, make_plugin):
    vif, plugin = ovs_vif(bridge, create_tap=True), make_plugin()
    assert plugin.plug(vif, None) is CREATED
    ovs_host.ip("link", "set", vif.vif_name, "down")
    assert plugin.plug(vif, None) is REPAIRED
    assert "UP" in ovs_host.link(vif.vif_name)["flags"]
    assert plugin.plug(vif, None) is UNCHANGED
    plugin.unplug(vif, None)


def test_hybrid_rollback_removes_exactly_what_it_made(
    ovs_host, view, bridge, make_plugin, fail_attaching
):
    vif, plugin = hybrid_vif(bridge), make_plugin()
    with guest_tap(ovs_host, vif.vif_name):
        fail_attaching(vif.vif_name)  # after the Linux bridge and the veth pair
        with pytest.raises(Injected):
            plugin.plug(vif, None)
        assert [ovs_host.link(name) for name in hybrid_names(vif)] == [None] * 3
        tap = ovs_host.link(vif.vif_name)  # the hypervisor's: kept, on no bridge
        assert tap is not None
        assert "master" not in tap
        assert not view.bridge_exists(bridge)


def test_hybrid_rollback_keeps_what_an_earlier_plug_made(
    ovs_host, view, bridge, make_plugin, fail_attaching
):
    vif, plugin = hybrid_vif(bridge), make_plugin()
    with guest_tap(ovs_host, vif.vif_name):
        plugin.plug(vif, None)
        ovs_host.ip("link", "set", vif.vif_name, "nomaster")
        fail_attaching(vif.vif_name)
        with pytest.raises(Injected):
            plugin.plug(vif, None)
        assert all(ovs_host.link(name) is not None for name in hybrid_names(vif))
        assert view.ports(bridge) == [hybrid_names(vif)[2]]
        plugin.unplug(vif, None)


# --- through os_vif.plug ----------------------------------------------------------


@pytest.fixture
def library(ovs_host: Netns, ovs_daemons: OvsDaemons) -> Iterator[None]:
    os_vif._EXT_MANAGER = None
    os_vif.initialize(config={"os_vif_ovs": {"ovsdb_connection": ovs_daemons.remote}}, reset=True)
    try:
        yield
    finally:
        os_vif._api.loaded_plugin("ovs").close()
        os_vif._EXT_MANAGER = None


def test_os_vif_plug_reports_what_the_plugin_did(library, ovs_host, view, bridge):
    vif, inst = hybrid_vif(bridge), instance()
    assert os_vif.plug(vif, inst).outcome is CREATED
    assert os_vif.plug(vif, inst).outcome is UNCHANGED
    ovs_host.ip("link", "set", hybrid_names(vif)[0], "mtu", "1300")
    assert os_vif.plug(vif, inst).outcome is REPAIRED
    assert os_vif.unplug(vif, inst).outcome is PlugOutcome.REMOVED
    assert os_vif.unplug(vif, inst).outcome is PlugOutcome.ABSENT

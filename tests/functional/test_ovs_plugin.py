"""The ovs plugin against a real ovsdb-server and ovs-vswitchd: what each VIF leaves.

Each test plugs inside the private daemons' namespace (where ovs-vswitchd
sees the kernel devices) and reads the result back independently: OVSDB with
``ovs-vsctl``, the kernel with iproute2. Bridges use the ``netdev`` datapath
(this kernel has no OVS module) unless a test is about ``system``.
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
    make_plugin_fixture,
    ovs_host_fixture,
    ovs_vif,
    unique,
    vhostuser_vif,
    view_fixture,
)
from os_vif import exception, objects
from vif_plug_ovs._commands import QOS_UUID_NAMESPACE
from vif_plug_ovs._ovsdb import OvsdbClient
from vif_plug_ovs.exception import (
    MissingPortProfile,
    MissingVIFField,
    TapCreationNotSupported,
    WrongPortProfile,
)

pytestmark = pytest.mark.functional


def ids_of(vif, inst, **extra):
    return {
        "iface-id": vif.port_profile.interface_id,
        "iface-status": "active",
        "attached-mac": vif.address,
        "vm-uuid": inst.uuid,
        **extra,
    }


def sysctl(kind, device, key):
    return Path(f"/proc/sys/net/{kind}/conf/{device}/{key}").read_text().strip()


def veth(ns, name):
    peer = unique("pe")
    ns.ip("link", "add", name, "type", "veth", "peer", "name", peer)
    return peer


# --- VIFOpenVSwitch -------------------------------------------------------------


def test_create_port_leaves_the_port_and_its_external_ids(
    ovs_host, view, bridge, make_plugin, ovs_daemons
):
    vif, inst = ovs_vif(bridge), instance()
    veth(ovs_host, vif.vif_name)  # the guest's device, made by the hypervisor
    try:
        make_plugin().plug(vif, inst)
        assert view.row("Bridge", bridge, "datapath_type") == {"datapath_type": "netdev"}
        assert view.ports(bridge) == [vif.vif_name]
        iface = view.row("Interface", vif.vif_name, "type", "external_ids", "mtu_request")
        assert iface == {"type": "", "external_ids": ids_of(vif, inst), "mtu_request": []}
        port = view.row("Port", vif.vif_name, "tag", "vlan_mode", "trunks", "qos")
        assert port == {"tag": [], "vlan_mode": [], "trunks": [], "qos": []}
        assert ovs_host.link(vif.vif_name)["mtu"] == 1450
        # The client reads the same thing.
        client = OvsdbClient(ovs_daemons.remote)
        assert client.interface_external_ids(vif.vif_name) == ids_of(vif, inst)

        make_plugin().unplug(vif, inst)
        assert view.ports(bridge) == []
        assert view.row("Interface", vif.vif_name, "name") is None
        # The device was the hypervisor's: it stays, and so does the bridge.
        assert ovs_host.link(vif.vif_name) is not None
        assert view.bridge_exists(bridge)
    finally:
        ovs_host.ip("link", "del", vif.vif_name, check=False)


def test_vm_uuid_is_left_out_without_instance(ovs_host, view, bridge, make_plugin):
    vif = ovs_vif(bridge)
    plugin = make_plugin()
    plugin.plug(vif, None)
    ids = view.row("Interface", vif.vif_name, "external_ids")["external_ids"]
    assert "vm-uuid" not in ids
    assert ids["iface-id"] == vif.port_profile.interface_id
    plugin.unplug(vif, None)


def test_without_create_port_only_the_bridge_is_made(ovs_host, view, bridge, make_plugin):
    vif = ovs_vif(bridge, create_port=False, datapath_type="netdev")
    make_plugin().plug(vif, instance())
    assert view.bridge_exists(bridge)
    assert view.ports(bridge) == []


def test_replug_writes_nothing_and_unplug_twice_is_fine(ovs_host, view, bridge, make_plugin):
    plugin = make_plugin()
    vifs = [ovs_vif(bridge), hybrid_vif(bridge), vhostuser_vif(bridge, datapath_type="netdev")]
    inst = instance()
    for vif in vifs:
        plugin.plug(vif, inst)
    before = view.next_cfg()
    for vif in vifs:
        plugin.plug(vif, inst)
    assert view.next_cfg() == before, "a re-plug of right ports wrote to OVSDB"
    for vif in vifs:
        plugin.unplug(vif, inst)
    after = view.next_cfg()
    for vif in vifs:
        plugin.unplug(vif, inst)
    assert view.next_cfg() == after
    assert view.ports(bridge) == []


def test_replug_repairs_what_differs_and_keeps_foreign_keys(
    ovs_host, view, bridge, make_plugin, ovs_daemons
):
    vif, inst = ovs_vif(bridge), instance()
    plugin = make_plugin()
    plugin.plug(vif, inst)
    ovs_daemons.vsctl(
        "set",
        "Interface",
        vif.vif_name,
        "external_ids:iface-status=down",
        "external_ids:ovn-installed=true",
    )
    plugin.plug(vif, inst)
    ids = view.row("Interface", vif.vif_name, "external_ids")["external_ids"]
    assert ids == ids_of(vif, inst, **{"ovn-installed": "true"})
    plugin.unplug(vif, inst)


def test_create_tap_makes_the_tap_first_and_unplug_removes_it(ovs_host, view, bridge, make_plugin):
    vif, inst = ovs_vif(bridge, create_tap=True, multiqueue=True, mtu=1400), instance()
    plugin = make_plugin()
    plugin.plug(vif, inst)
    tap = ovs_host.link(vif.vif_name)
    assert tap["linkinfo"]["info_kind"] == "tun"
    assert tap["linkinfo"]["info_data"]["type"] == "tap"
    assert tap["linkinfo"]["info_data"]["multi_queue"] is True
    assert tap["linkinfo"]["info_data"]["pi"] is True  # as os-vif makes it
    assert tap["address"] == vif.address
    assert tap["mtu"] == 1400
    assert "UP" in tap["flags"]
    assert "ifalias" not in tap  # as os-vif leaves it
    assert sysctl("ipv6", vif.vif_name, "disable_ipv6") == "1"
    iface = view.row("Interface", vif.vif_name, "type", "external_ids")
    assert iface == {"type": "", "external_ids": ids_of(vif, inst)}

    plugin.unplug(vif, inst)
    assert ovs_host.link(vif.vif_name) is None
    assert view.ports(bridge) == []


def test_create_tap_refuses_a_device_of_another_kind(ovs_host, view, bridge, make_plugin):
    vif = ovs_vif(bridge, create_tap=True)
    veth(ovs_host, vif.vif_name)
    try:
        with pytest.raises(exception.HostOperationError, match="tap"):
            make_plugin().plug(vif, instance())
        assert view.row("Port", vif.vif_name, "name") is None
    finally:
        ovs_host.ip("link", "del", vif.vif_name)


# --- VIFBridge (hybrid) ----------------------------------------------------------


def test_hybrid_plug_makes_every_piece_and_unplug_removes_it(ovs_host, view, bridge, make_plugin):
    vif, inst = hybrid_vif(bridge, mtu=1400), instance()
    qbr, qvb, qvo = vif.bridge_name, ("qvb" + vif.id)[:14], ("qvo" + vif.id)[:14]
    assert len(qbr) == len(qvb) == len(qvo) == 14
    guest_peer = veth(ovs_host, vif.vif_name)  # the hypervisor's tap, already there
    plugin = make_plugin()
    try:
        plugin.plug(vif, inst)
        linux_bridge = ovs_host.link(qbr)
        assert linux_bridge["linkinfo"]["info_kind"] == "bridge"
        data = linux_bridge["linkinfo"]["info_data"]
        assert (data["stp_state"], data["forward_delay"], data["ageing_time"]) == (0, 0, 0)
        assert linux_bridge["mtu"] == 1400
        assert "UP" in linux_bridge["flags"]
        assert sysctl("ipv6", qbr, "disable_ipv6") == "1"
        assert sysctl("ipv4", qbr, "arp_ignore") == "1"
        assert sysctl("ipv4", qbr, "arp_announce") == "2"
        for name in (qvb, qvo):
            end = ovs_host.link(name)
            assert end["linkinfo"]["info_kind"] == "veth"
            assert end["mtu"] == 1400
            assert "UP" in end["flags"]
            assert "PROMISC" in end["flags"]
        assert ovs_host.link(qvb)["master"] == qbr
        assert ovs_host.link(qvo)["link"] == qvb
        assert ovs_host.link(vif.vif_name)["master"] == qbr
        assert ovs_host.link(vif.vif_name)["mtu"] == 1400
        assert view.ports(bridge) == [qvo]
        iface = view.row("Interface", qvo, "type", "external_ids")
        assert iface == {"type": "", "external_ids": ids_of(vif, inst)}

        plugin.unplug(vif, inst)
        for name in (qbr, qvb, qvo):
            assert ovs_host.link(name) is None
        assert view.ports(bridge) == []
        assert ovs_host.link(vif.vif_name) is not None  # the hypervisor's, detached
    finally:
        ovs_host.ip("link", "del", guest_peer, check=False)


def test_mtu_falls_back_to_network_device_mtu(ovs_host, view, bridge, make_plugin):
    vif = hybrid_vif(bridge, mtu=None)
    plugin = make_plugin(network_device_mtu=1380)
    plugin.plug(vif, None)
    for name in (vif.bridge_name, ("qvb" + vif.id)[:14], ("qvo" + vif.id)[:14]):
        assert ovs_host.link(name)["mtu"] == 1380
    plugin.unplug(vif, None)


def test_hybrid_leftover_is_removed_when_unplugged_as_openvswitch(
    ovs_host, view, bridge, make_plugin
):
    hybrid = hybrid_vif(bridge)
    plugin = make_plugin()
    plugin.plug(hybrid, None)
    as_ovs = ovs_vif(bridge)
    as_ovs.id = hybrid.id
    plugin.unplug(as_ovs, None)
    for prefix in ("qbr", "qvb", "qvo"):
        assert ovs_host.link((prefix + hybrid.id)[:14]) is None
    assert view.ports(bridge) == []


def test_hybrid_plug_adopts_devices_os_vif_made(ovs_host, view, bridge, make_plugin):
    vif = hybrid_vif(bridge)
    qbr, qvb, qvo = vif.bridge_name, ("qvb" + vif.id)[:14], ("qvo" + vif.id)[:14]
    ovs_host.ip("link", "add", qbr, "type", "bridge")
    ovs_host.ip("link", "add", qvb, "type", "veth", "peer", "name", qvo)
    plugin = make_plugin()
    plugin.plug(vif, None)
    assert ovs_host.link(qvb)["master"] == qbr
    assert ovs_host.link(qbr)["mtu"] == 1450
    plugin.unplug(vif, None)
    assert ovs_host.link(qbr) is None
    assert ovs_host.link(qvb) is None


# --- VIFVHostUser ------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        ("client", "dpdkvhostuser", {}),
        ("server", "dpdkvhostuserclient", {"vhost-server-path": "/run/vhu/sock0"}),
    ],
    ids=["client", "server"],
)
def test_vhostuser_port_type_by_mode(ovs_host, view, bridge, make_plugin, case):
    mode, iface_type, options = case
    vif, inst = vhostuser_vif(bridge, mode=mode, path="/run/vhu/sock0"), instance()
    plugin = make_plugin()
    plugin.plug(vif, inst)
    port = ("vhu" + vif.id)[:14]
    # No datapath in the profile: vhost-user defaults to netdev.
    assert view.row("Bridge", bridge, "datapath_type") == {"datapath_type": "netdev"}
    assert view.ports(bridge) == [port]
    iface = view.row("Interface", port, "type", "options", "mtu_request", "external_ids")
    assert iface == {
        "type": iface_type,
        "options": options,
        "mtu_request": 1450,
        "external_ids": ids_of(vif, inst),
    }
    plugin.unplug(vif, inst)
    assert view.ports(bridge) == []


# --- options ---------------------------------------------------------------------------


def test_isolate_vif_puts_new_ports_on_the_dead_vlan_only(
    ovs_host, view, bridge, make_plugin, ovs_daemons
):
    plugin = make_plugin(isolate_vif=True)
    vifs = [ovs_vif(bridge), hybrid_vif(bridge)]
    names = [vifs[0].vif_name, ("qvo" + vifs[1].id)[:14]]
    for vif in vifs:
        plugin.plug(vif, None)
    for name in names:
        port = view.row("Port", name, "tag", "vlan_mode", "trunks")
        # ovs-vsctl prints a one-element set as its element.
        assert port == {"tag": 4095, "vlan_mode": "trunk", "trunks": 4095}
        # The agent binds the port: a re-plug must not move it back.
        ovs_daemons.vsctl("set", "Port", name, "tag=7", "vlan_mode=access", "trunks=[]")
    for vif in vifs:
        plugin.plug(vif, None)
    for name in names:
        port = view.row("Port", name, "tag", "vlan_mode", "trunks")
        assert port == {"tag": 7, "vlan_mode": "access", "trunks": []}
    for vif in vifs:
        plugin.unplug(vif, None)


def test_trunk_bridge_no_isolation_bridge_name_and_deleted_with_last_vif(
    ovs_host, view, make_plugin, ovs_daemons
):
    trunk = unique("tbr-")
    plugin = make_plugin(isolate_vif=True)
    first, second = ovs_vif(trunk), ovs_vif(trunk)
    try:
        plugin.plug(first, None)
        plugin.plug(second, None)
        port = view.row("Port", first.vif_name, "tag", "vlan_mode", "trunks")
        assert port == {"tag": [], "vlan_mode": [], "trunks": []}
        ids = view.row("Interface", first.vif_name, "external_ids")["external_ids"]
        assert ids["bridge_name"] == trunk
        # Neutron's patch port to br-int does not keep the bridge alive.
        ovs_daemons.vsctl(
            "add-port", trunk, "tpt-x", "--", "set", "Interface", "tpt-x", "type=patch"
        )
        plugin.unplug(first, None)
        assert view.bridge_exists(trunk), "another VIF is still on the trunk bridge"
        plugin.unplug(second, None)
        assert not view.bridge_exists(trunk)
        plugin.unplug(second, None)  # and again: nothing to do
    finally:
        view.delete_bridge(trunk)


def test_per_port_bridge_and_its_patch_pair(ovs_host, view, bridge, make_plugin):
    plugin = make_plugin(per_port_bridge=True, isolate_vif=True)
    vif, inst = ovs_vif(bridge, create_tap=True), instance()
    port_bridge = ("pb" + vif.id)[:14]
    pbp, ibp = "pbp" + vif.id, "ibp" + vif.id
    try:
        plugin.plug(vif, inst)
        assert view.row("Bridge", port_bridge, "datapath_type") == {"datapath_type": "netdev"}
        assert sorted(view.ports(port_bridge)) == sorted([vif.vif_name, pbp])
        assert view.ports(bridge) == [ibp]
        device = view.row("Interface", vif.vif_name, "type", "external_ids")
        assert device == {"type": "", "external_ids": {}}
        assert view.row("Interface", pbp, "type", "options") == {
            "type": "patch",
            "options": {"peer": ibp},
        }
        int_patch = view.row("Interface", ibp, "type", "options", "external_ids")
        assert int_patch == {
            "type": "patch",
            "options": {"peer": pbp},
            "external_ids": {
                "iface-id": vif.id,
                "iface-status": "active",
                "attached-mac": vif.address,
                "vm-uuid": inst.uuid,
            },
        }
        assert view.row("Port", ibp, "tag") == {"tag": 4095}
        assert view.row("Port", vif.vif_name, "tag") == {"tag": 4095}
        assert ovs_host.link(vif.vif_name)["linkinfo"]["info_kind"] == "tun"

        plugin.unplug(vif, inst)
        assert not view.bridge_exists(port_bridge)
        assert view.ports(bridge) == []
        assert view.row("Interface", pbp, "name") is None
        assert ovs_host.link(vif.vif_name) is None
    finally:
        view.delete_bridge(port_bridge)


def test_qos_row_for_new_ports_on_the_system_datapath_only(
    ovs_host, view, make_plugin, ovs_daemons
):
    # ovs-vswitchd cannot open a system datapath here (no kernel module), but
    # it applies the rest of the configuration, so the records can be checked.
    system_bridge = unique("brs")
    plugin = make_plugin(default_qos_type="linux-htb")
    vif = ovs_vif(system_bridge, datapath_type="system")
    qvo_vif = hybrid_vif(system_bridge, datapath_type="system")
    qvo = ("qvo" + qvo_vif.id)[:14]
    try:
        plugin.plug(vif, None)
        plugin.plug(qvo_vif, None)
        for port in (vif.vif_name, qvo):
            qos_ref = view.row("Port", port, "qos")["qos"]
            qos = view.row("QoS", qos_ref, "type", "external_ids")
            expected_id = str(uuid.uuid5(QOS_UUID_NAMESPACE, port))
            assert qos == {
                "type": "linux-htb",
                "external_ids": {"id": expected_id, "_type": "linux-htb"},
            }
        # Neutron may clear or replace the QoS of a bound port: a re-plug
        # does not put ours back.
        ovs_daemons.vsctl("clear", "Port", vif.vif_name, "qos")
        plugin.plug(vif, None)
        assert view.row("Port", vif.vif_name, "qos") == {"qos": []}
        plugin.unplug(vif, None)
        plugin.unplug(qvo_vif, None)
        assert view.rows("QoS", "_uuid") == [], "unplug left its QoS rows"
    finally:
        view.delete_bridge(system_bridge)


def test_unplug_keeps_a_qos_row_it_did_not_make(ovs_host, view, bridge, make_plugin, ovs_daemons):
    vif = ovs_vif(bridge, datapath_type="system")
    plugin = make_plugin()
    plugin.plug(vif, None)
    # Neutron replaces the port's QoS with its own: ours is left unattached.
    ovs_daemons.vsctl(
        "set", "Port", vif.vif_name, "qos=@q", "--", "--id=@q", "create", "QoS", "type=linux-sfq"
    )
    assert len(view.rows("QoS", "_uuid")) == 2
    plugin.unplug(vif, None)
    assert view.rows("QoS", "type") == [{"type": "linux-sfq"}]
    ovs_daemons.vsctl("--all", "destroy", "QoS")


def test_wait_for_vswitchd_off_does_not_bump_next_cfg(ovs_host, view, bridge, make_plugin):
    vif = ovs_vif(bridge)
    plugin = make_plugin(wait_for_vswitchd=False)
    before = view.next_cfg()
    plugin.plug(vif, None)
    assert view.ports(bridge) == [vif.vif_name]
    assert view.next_cfg() == before
    plugin.unplug(vif, None)


# --- bad input ----------------------------------------------------------------------------


def _bad_vifs(bridge):
    no_profile = ovs_vif(bridge)
    del no_profile.port_profile
    wrong_profile = ovs_vif(bridge, port_profile=objects.VIFPortProfile8021Qbh(profile_id="p"))
    no_network = ovs_vif(bridge)
    no_network.network = None
    bad_bridge = ovs_vif("bad bridge")
    too_long = hybrid_vif(bridge, vif_name="x" * 16)
    tap_on_bridge = hybrid_vif(bridge, create_tap=True)
    no_mac = hybrid_vif(bridge)
    no_mac.address = None
    return [
        (no_profile, MissingPortProfile),
        (wrong_profile, WrongPortProfile),
        (no_network, MissingVIFField),
        (bad_bridge, exception.InvalidDeviceName),
        (too_long, exception.InvalidDeviceName),
        (tap_on_bridge, TapCreationNotSupported),
        (no_mac, MissingVIFField),
    ]


def test_bad_input_is_refused_before_host_work(ovs_host, view, bridge, make_plugin):
    plugin = make_plugin()
    before = (view.next_cfg(), ovs_host.ifnames())
    for vif, error in _bad_vifs(bridge):
        with pytest.raises(error):
            plugin.plug(vif, None)
    assert (view.next_cfg(), ovs_host.ifnames()) == before
    assert not view.bridge_exists(bridge)


# --- through the public API ----------------------------------------------------------------


def test_plug_and_unplug_through_os_vif(ovs_host, view, bridge, ovs_daemons):
    os_vif._EXT_MANAGER = None
    try:
        report = os_vif.initialize(
            config={"os_vif_ovs": {"ovsdb_connection": ovs_daemons.remote}}, reset=True
        )
        assert "ovs" in report.loaded
        vif, inst = hybrid_vif(bridge), instance()
        os_vif.plug(vif, inst)
        assert view.ports(bridge) == [("qvo" + vif.id)[:14]]
        os_vif.unplug(vif, inst)
        assert view.ports(bridge) == []
        with pytest.raises(exception.PlugException) as caught:
            os_vif.plug(hybrid_vif(bridge, vif_name="bad/name"), inst)
        assert isinstance(caught.value.__cause__, exception.InvalidDeviceName)
    finally:
        os_vif._api.loaded_plugin("ovs").close()
        os_vif._EXT_MANAGER = None

"""The ovs plugin when things go wrong: rollback, restarts, concurrency.

A plug does its kernel work first and commits one OVSDB transaction last; if
that transaction fails, the kernel devices the call made are removed. These
tests break ovsdb-server and ovs-vswitchd (stopping them by pid), or the
input, at each step and check what is left, with iproute2 and ovs-vsctl.
"""

from __future__ import annotations

import signal
import threading
import time

import pytest

from fixtures.ovs_plugin import (  # noqa: F401 (fixtures are registered by import)
    bridge_fixture,
    hybrid_vif,
    instance,
    make_plugin_fixture,
    ovs_host_fixture,
    ovs_vif,
    view_fixture,
)
from os_vif import exception
from vif_plug_ovs._ovsdb import (
    OvsdbConnectionError,
    OvsdbError,
    OvsdbTimeoutError,
    RowExistsError,
)

pytestmark = pytest.mark.functional


def hybrid_devices(vif):
    return [vif.bridge_name, ("qvb" + vif.id)[:14], ("qvo" + vif.id)[:14]]


def present(ns, names):
    return [name for name in names if ns.link(name) is not None]


def test_unreachable_ovsdb_is_a_retriable_error_and_nothing_is_left(
    ovs_host, tmp_path, make_plugin
):
    plugin = make_plugin(ovsdb_connection=f"unix:{tmp_path}/nobody.sock", ovs_vsctl_timeout=1)
    hybrid = hybrid_vif("br-x")
    tap = ovs_vif("br-x", create_tap=True)
    for vif, devices in ((hybrid, hybrid_devices(hybrid)), (tap, [tap.vif_name])):
        started = time.monotonic()
        with pytest.raises(OvsdbConnectionError) as caught:
            plugin.plug(vif, None)
        assert caught.value.retriable
        assert "nobody.sock" in str(caught.value)
        assert time.monotonic() - started < 5
        assert present(ovs_host, devices) == []


def test_ovsdb_server_down_then_back(ovs_host, view, bridge, make_plugin, ovs_daemons):
    plugin = make_plugin(ovs_vsctl_timeout=2)
    first, second = hybrid_vif(bridge), hybrid_vif(bridge)
    plugin.plug(first, None)
    ovs_daemons.stop_ovsdb_server(signal.SIGKILL)
    try:
        with pytest.raises(OvsdbError) as caught:
            plugin.plug(second, None)
        assert caught.value.retriable
        assert present(ovs_host, hybrid_devices(second)) == []
        assert present(ovs_host, hybrid_devices(first)) == hybrid_devices(first)
    finally:
        ovs_daemons.start_ovsdb_server()
    plugin.plug(second, None)  # the same plugin, a new connection
    assert sorted(view.ports(bridge)) == sorted([("qvo" + first.id)[:14], ("qvo" + second.id)[:14]])
    plugin.unplug(first, None)
    plugin.unplug(second, None)
    assert view.ports(bridge) == []


def test_reconnects_after_ovsdb_server_restart_mid_run(
    ovs_host, view, bridge, make_plugin, ovs_daemons
):
    plugin = make_plugin()
    vifs = [ovs_vif(bridge) for _ in range(4)]
    for index, vif in enumerate(vifs):
        plugin.plug(vif, None)
        if index == 1:
            ovs_daemons.restart_ovsdb_server(signal.SIGKILL)
    assert sorted(view.ports(bridge)) == sorted(v.vif_name for v in vifs)
    for vif in vifs:
        plugin.unplug(vif, None)
    assert view.ports(bridge) == []


def test_vswitchd_not_applying_in_time_keeps_the_committed_plug(
    ovs_host, view, bridge, make_plugin, ovs_daemons
):
    plugin = make_plugin(ovs_vsctl_timeout=1)
    vif = hybrid_vif(bridge)
    plugin.plug(ovs_vif(bridge, create_port=False), None)  # the bridge, while vswitchd runs
    ovs_daemons.stop_vswitchd()
    try:
        with pytest.raises(OvsdbTimeoutError) as caught:
            plugin.plug(vif, None)
        assert caught.value.committed is True
        assert caught.value.retriable
        # The database has the port: its devices stay, so it points at something.
        assert view.ports(bridge) == [("qvo" + vif.id)[:14]]
        assert present(ovs_host, hybrid_devices(vif)) == hybrid_devices(vif)
    finally:
        ovs_daemons.start_vswitchd()
    plugin.plug(vif, None)
    plugin.unplug(vif, None)
    assert present(ovs_host, hybrid_devices(vif)) == []


def test_a_refused_transaction_removes_the_devices_this_call_made(
    ovs_host, view, bridge, make_plugin, ovs_daemons
):
    plugin = make_plugin()
    plugin.plug(ovs_vif(bridge, create_port=False), None)
    vif = hybrid_vif(bridge)
    qvo = ("qvo" + vif.id)[:14]
    other = bridge + "x"
    # The OVS port name is taken on another bridge: the transaction fails
    # after the Linux bridge and the veth pair were made.
    ovs_daemons.vsctl("add-br", other, "--", "set", "Bridge", other, "datapath_type=netdev")
    ovs_daemons.vsctl("add-port", other, qvo, "--", "set", "Interface", qvo, "type=dummy")
    try:
        before = view.next_cfg()
        with pytest.raises(RowExistsError, match=other):
            plugin.plug(vif, None)
        assert present(ovs_host, hybrid_devices(vif)) == []
        assert view.next_cfg() == before
    finally:
        view.delete_bridge(other)


def test_a_device_in_the_way_fails_the_plug_and_removes_what_it_made(
    ovs_host, view, bridge, make_plugin
):
    vif = hybrid_vif(bridge)
    qbr, qvb, _ = hybrid_devices(vif)
    ovs_host.ip("link", "add", qvb, "type", "bridge")  # not a veth
    try:
        with pytest.raises(exception.HostOperationError, match="veth"):
            make_plugin().plug(vif, None)
        assert ovs_host.link(qbr) is None
        assert ovs_host.link(qvb)["linkinfo"]["info_kind"] == "bridge"  # not ours: kept
        assert not view.bridge_exists(bridge)
    finally:
        ovs_host.ip("link", "del", qvb)


def _run_all(target, items):
    errors = []

    def run(item):
        try:
            target(item)
        except Exception as exc:  # handed back to the test
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(item,)) for item in items]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


def test_concurrent_plugs_and_unplugs_from_threads(ovs_host, view, bridge, make_plugin):
    plugin = make_plugin()
    vifs = [hybrid_vif(bridge) for _ in range(6)] + [ovs_vif(bridge) for _ in range(6)]
    inst = instance()
    _run_all(lambda vif: plugin.plug(vif, inst), vifs)
    expected = sorted(
        ("qvo" + v.id)[:14] if v.obj_name() == "VIFBridge" else v.vif_name for v in vifs
    )
    assert sorted(view.ports(bridge)) == expected
    _run_all(lambda vif: plugin.unplug(vif, inst), vifs)
    assert view.ports(bridge) == []
    assert present(ovs_host, [d for v in vifs[:6] for d in hybrid_devices(v)]) == []


def test_the_same_vif_plugged_from_many_threads_converges(ovs_host, view, bridge, make_plugin):
    plugins = [make_plugin() for _ in range(2)]
    vif = hybrid_vif(bridge)
    _run_all(lambda index: plugins[index % 2].plug(vif, None), range(6))
    assert view.ports(bridge) == [("qvo" + vif.id)[:14]]
    assert present(ovs_host, hybrid_devices(vif)) == hybrid_devices(vif)
    plugins[0].unplug(vif, None)
    assert present(ovs_host, hybrid_devices(vif)) == []

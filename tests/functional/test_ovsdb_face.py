"""vif_plug_ovs.ovsdb, the public read-back face: rows made by ovs-vsctl, read back by it."""

from __future__ import annotations

import itertools

import pytest

from fixtures.ovs import OvsDaemons
from os_vif.exception import HostOperationError
from vif_plug_ovs.ovsdb import BridgeRecord, InterfaceRecord, Ovsdb

pytestmark = pytest.mark.functional

_names = itertools.count()


@pytest.fixture
def database(ovs_daemons: OvsDaemons) -> Ovsdb:
    return Ovsdb(ovs_daemons.remote)


@pytest.fixture
def bridge(ovs_daemons: OvsDaemons):
    name = f"brf{next(_names)}"
    ovs_daemons.vsctl("--timeout=30", "add-br", name, "--", "set", "Bridge", name,
                      "datapath_type=netdev")  # fmt: skip
    yield name
    ovs_daemons.vsctl("--timeout=30", "--if-exists", "del-br", name)


def test_switch(database, ovs_daemons):
    switch = database.switch()
    assert switch is not None
    assert switch.bridge_count == len(ovs_daemons.vsctl("list-br").split())
    assert switch.cur_cfg == int(ovs_daemons.vsctl("get", "Open_vSwitch", ".", "cur_cfg"))
    # ovs-ctl, not ovs-vswitchd, records the version: a sandbox has none.
    version = ovs_daemons.vsctl("get", "Open_vSwitch", ".", "ovs_version")
    assert switch.ovs_version == (None if version == "[]" else version.strip('"'))


def test_bridge_and_its_ports(database, ovs_daemons, bridge):
    for port in ("pf1", "pf0"):
        ovs_daemons.vsctl("add-port", bridge, port, "--", "set", "Interface", port, "type=dummy")
    assert database.bridge(bridge) == BridgeRecord(bridge, "netdev", (bridge, "pf0", "pf1"))
    assert database.bridge_exists(bridge)
    assert database.port_exists("pf0")
    assert database.port_bridge("pf1") == bridge
    assert database.bridge("no-such-br") is None
    assert not database.port_exists("no-such-port")


def test_interface_as_ovs_vswitchd_left_it(database, ovs_daemons, bridge):
    ids = ("external_ids:iface-id=abc", "external_ids:vm-uuid=v")
    ovs_daemons.vsctl("--timeout=30", "add-port", bridge, "pfi", "--",
                      "set", "Interface", "pfi", "type=dummy", *ids)  # fmt: skip
    ovs_daemons.vsctl("--timeout=30", "add-port", bridge, "pfmissing")  # no such device

    iface = database.interface("pfi")
    assert iface == InterfaceRecord(
        "pfi", "dummy", {"iface-id": "abc", "vm-uuid": "v"},
        int(ovs_daemons.vsctl("get", "Interface", "pfi", "ofport")), None,
    )  # fmt: skip
    assert iface.opened
    missing = database.interface("pfmissing")
    assert missing is not None
    assert not missing.opened
    assert missing.ofport == -1
    assert missing.error == ovs_daemons.vsctl("get", "Interface", "pfmissing", "error").strip('"')
    assert database.interface("no-such-iface") is None


def test_delete_bridge(database, ovs_daemons, bridge):
    ovs_daemons.vsctl("add-port", bridge, "pfd", "--", "set", "Interface", "pfd", "type=dummy")
    assert database.delete_bridge(bridge) is True
    assert bridge not in ovs_daemons.vsctl("list-br").split()
    assert not ovs_daemons.vsctl("--columns=name", "find", "Port", "name=pfd")
    assert database.delete_bridge(bridge) is False


def test_failures_are_host_operation_errors(tmp_path):
    database = Ovsdb(f"unix:{tmp_path}/nothing.sock", timeout=0.3)
    with pytest.raises(HostOperationError):
        database.switch()
    with pytest.raises(ValueError, match="connection string"):
        Ovsdb("http://nowhere")

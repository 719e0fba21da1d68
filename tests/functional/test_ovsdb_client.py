"""The OVSDB client against a real ovsdb-server and ovs-vswitchd.

Every write is read back twice: through the client's own targeted selects,
and independently with ``ovs-vsctl`` so the client does not grade its own
homework.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import threading
import time
import uuid

import pytest

from fixtures.ovs import OvsDaemons
from vif_plug_ovs._ovsdb import (
    AddBridge,
    AddPort,
    DbDestroy,
    DbSet,
    DelBridge,
    DelPort,
    Outcome,
    OvsdbClient,
    OvsdbCommandError,
    OvsdbConnectionError,
    OvsdbConstraintError,
    OvsdbReferentialIntegrityError,
    OvsdbTimeoutError,
    Qos,
    RowExistsError,
    RowNotFoundError,
    SslFiles,
)

pytestmark = pytest.mark.functional

_names = itertools.count()


def unique(prefix: str) -> str:
    """A device name unique in this session (kernel limit: 15 bytes)."""
    return f"{prefix}{next(_names)}"


def _plain(value):
    if isinstance(value, list) and len(value) == 2 and value[0] in ("map", "set", "uuid"):
        kind, data = value
        if kind == "map":
            return {k: _plain(v) for k, v in data}
        if kind == "set":
            return [_plain(v) for v in data]
        return data
    return value


def vsctl_row(d: OvsDaemons, table: str, record: str, *columns: str) -> dict | None:
    """One row as ovs-vsctl sees it (None if it does not exist)."""
    out = d.vsctl(
        "--if-exists", "--format=json", f"--columns={','.join(columns)}", "list", table, record
    )
    rows = json.loads(out)["data"] if out else []
    if not rows:
        return None
    return {c: _plain(v) for c, v in zip(columns, rows[0], strict=True)}


def vsctl_ports(d: OvsDaemons, bridge: str) -> list[str]:
    out = d.vsctl("list-ports", bridge)
    return out.split() if out else []


def next_cfg(d: OvsDaemons) -> int:
    return int(d.vsctl("get", "Open_vSwitch", ".", "next_cfg"))


@pytest.fixture
def client(ovs_daemons: OvsDaemons) -> OvsdbClient:
    return OvsdbClient(ovs_daemons.remote, timeout=30)


@pytest.fixture
def bridge(client: OvsdbClient, ovs_daemons: OvsDaemons):
    name = unique("br")
    client.execute(AddBridge(name, datapath_type="netdev"))
    yield name
    client.execute(DelBridge(name))
    assert vsctl_row(ovs_daemons, "Bridge", name, "name") is None


# --- each command, read back ---------------------------------------------------


def test_add_bridge_is_read_back_and_idempotent(client, ovs_daemons):
    name = unique("br")
    try:
        (first,) = client.execute(AddBridge(name, datapath_type="netdev"))
        assert first.outcome is Outcome.CREATED
        assert isinstance(first.uuid, uuid.UUID)
        assert client.bridge_exists(name)
        mine = client.get("Bridge", name, ["datapath_type"])
        assert mine == {"_uuid": first.uuid, "datapath_type": "netdev"}
        theirs = vsctl_row(ovs_daemons, "Bridge", name, "_uuid", "datapath_type")
        assert theirs == {"_uuid": str(first.uuid), "datapath_type": "netdev"}
        assert ovs_daemons.vsctl("br-exists", name) == ""
        # Like ovs-vsctl add-br, the bridge has its own internal port.
        assert client.port_bridge(name) == name

        (again,) = client.execute(AddBridge(name, datapath_type="netdev"))
        assert again.outcome is Outcome.UNCHANGED
        assert again.uuid == first.uuid
        with pytest.raises(RowExistsError):
            client.execute(AddBridge(name, may_exist=False))
    finally:
        client.execute(DelBridge(name))
    assert not client.bridge_exists(name)
    assert vsctl_row(ovs_daemons, "Bridge", name, "name") is None


def test_add_port_sets_every_column(client, ovs_daemons, bridge):
    port = unique("p")
    ids = {
        "iface-id": str(uuid.uuid4()),
        "iface-status": "active",
        "attached-mac": "fa:16:3e:00:00:01",
    }
    (result,) = client.execute(
        AddPort(
            bridge,
            port,
            interface_type="internal",
            external_ids=ids,
            options={"foo": "bar"},
            mtu_request=1400,
            tag=4095,
            vlan_mode="trunk",
            trunks=[4095],
        )
    )
    assert result.outcome is Outcome.CREATED

    iface = client.get("Interface", port, ["type", "external_ids", "options", "mtu_request"])
    assert iface is not None
    assert iface["type"] == "internal"
    assert iface["external_ids"] == ids
    assert iface["options"] == {"foo": "bar"}
    assert iface["mtu_request"] == 1400
    row = client.get("Port", port, ["tag", "vlan_mode", "trunks"])
    assert row == {"_uuid": result.uuid, "tag": 4095, "vlan_mode": "trunk", "trunks": {4095}}
    assert client.port_bridge(port) == bridge
    assert client.interface_external_ids(port) == ids

    theirs = vsctl_row(
        ovs_daemons, "Interface", port, "type", "external_ids", "options", "mtu_request"
    )
    assert theirs == {
        "type": "internal",
        "external_ids": ids,
        "options": {"foo": "bar"},
        "mtu_request": 1400,
    }
    assert vsctl_row(ovs_daemons, "Port", port, "_uuid", "tag", "vlan_mode", "trunks") == {
        "_uuid": str(result.uuid),
        "tag": 4095,
        "vlan_mode": "trunk",
        "trunks": 4095,
    }
    assert ovs_daemons.vsctl("port-to-br", port) == bridge
    assert port in vsctl_ports(ovs_daemons, bridge)


def test_replug_of_a_right_port_writes_nothing(client, ovs_daemons, bridge):
    port = unique("p")
    command = AddPort(bridge, port, interface_type="internal", external_ids={"iface-id": "a"})
    client.execute(command)
    cfg = next_cfg(ovs_daemons)

    txn = client.transaction()
    with txn:
        result = txn.add(command)
    assert result.outcome is Outcome.UNCHANGED
    assert result.changed == ()
    assert not txn.wrote
    # A write would have bumped next_cfg (the client waits for ovs-vswitchd).
    assert next_cfg(ovs_daemons) == cfg

    with pytest.raises(RowExistsError):
        client.execute(AddPort(bridge, port, may_exist=False))


def test_replug_repairs_only_what_differs_and_keeps_foreign_keys(client, ovs_daemons, bridge):
    port = unique("p")
    client.execute(
        AddPort(bridge, port, interface_type="internal", external_ids={"iface-id": "a"}, tag=4095)
    )
    # Other agents own keys of their own, and the port's VLAN once it is live.
    ovs_daemons.vsctl("set", "Interface", port, "external_ids:ovn-installed=true")
    ovs_daemons.vsctl("set", "Port", port, "tag=42")

    (result,) = client.execute(
        AddPort(
            bridge,
            port,
            interface_type="internal",
            external_ids={"iface-id": "b"},
            mtu_request=1450,
            tag=4095,
        )
    )
    assert result.outcome is Outcome.UPDATED
    assert set(result.changed) == {"Interface.external_ids", "Interface.mtu_request"}
    theirs = vsctl_row(ovs_daemons, "Interface", port, "external_ids", "mtu_request")
    assert theirs == {
        "external_ids": {"iface-id": "b", "ovn-installed": "true"},
        "mtu_request": 1450,
    }
    assert ovs_daemons.vsctl("get", "Port", port, "tag") == "42"

    (result,) = client.execute(AddPort(bridge, port, tag=4095, keep_existing_vlan=False))
    assert result.changed == ("Port.tag",)
    assert ovs_daemons.vsctl("get", "Port", port, "tag") == "4095"


def test_port_on_another_bridge_is_refused(client, ovs_daemons, bridge):
    other = unique("br")
    port = unique("p")
    client.execute(AddBridge(other, datapath_type="netdev"), AddPort(other, port))
    try:
        with pytest.raises(RowExistsError, match=other):
            client.execute(AddPort(bridge, port))
        with pytest.raises(OvsdbCommandError, match="not on bridge"):
            client.execute(DelPort(port, bridge=bridge))
        assert ovs_daemons.vsctl("port-to-br", port) == other
    finally:
        client.execute(DelBridge(other))


def test_a_port_moves_between_bridges_in_one_transaction(client, ovs_daemons, bridge):
    other = unique("br")
    port = unique("p")
    client.execute(AddBridge(other, datapath_type="netdev"), AddPort(other, port))
    try:
        removed, added = client.execute(
            DelPort(port), AddPort(bridge, port, external_ids={"moved": "yes"})
        )
        assert removed.outcome is Outcome.DELETED
        assert added.outcome is Outcome.CREATED
        assert ovs_daemons.vsctl("port-to-br", port) == bridge
        assert client.interface_external_ids(port) == {"moved": "yes"}
    finally:
        client.execute(DelBridge(other))


def test_an_interface_name_taken_by_another_port_is_refused(client, ovs_daemons, bridge):
    member, other = unique("m"), unique("m")
    ovs_daemons.vsctl("--no-wait", "add-bond", bridge, unique("bond"), member, other)
    with pytest.raises(OvsdbConstraintError, match="index"):
        client.execute(AddPort(bridge, member), wait=False)


def test_del_port_from_any_bridge_and_if_exists(client, ovs_daemons, bridge):
    port = unique("p")
    client.execute(AddPort(bridge, port, interface_type="internal"))
    assert client.port_exists(port)

    first, second = client.execute(DelPort(port), DelPort(port))
    assert first.outcome is Outcome.DELETED
    assert second.outcome is Outcome.ABSENT
    assert not client.port_exists(port)
    assert client.get("Interface", port, []) is None
    assert vsctl_row(ovs_daemons, "Port", port, "name") is None
    assert vsctl_row(ovs_daemons, "Interface", port, "name") is None
    assert port not in vsctl_ports(ovs_daemons, bridge)

    with pytest.raises(RowNotFoundError):
        client.execute(DelPort(port, if_exists=False))


def test_del_bridge_removes_its_ports(client, ovs_daemons):
    name = unique("br")
    port = unique("p")
    client.execute(AddBridge(name, datapath_type="netdev"), AddPort(name, port))
    (result,) = client.execute(DelBridge(name))
    assert result.outcome is Outcome.DELETED
    assert vsctl_row(ovs_daemons, "Bridge", name, "name") is None
    assert vsctl_row(ovs_daemons, "Port", port, "name") is None
    assert name not in ovs_daemons.vsctl("list-br").split()
    (result,) = client.execute(DelBridge(name))
    assert result.outcome is Outcome.ABSENT
    with pytest.raises(RowNotFoundError):
        client.execute(DelBridge(name, if_exists=False))


def test_db_set_on_each_table(client, ovs_daemons, bridge):
    port = unique("p")
    client.execute(AddPort(bridge, port, external_ids={"keep": "1"}))
    results = client.execute(
        DbSet("Interface", port, {"external_ids": {"set": "2"}}, merge_maps=True),
        DbSet("Port", port, {"tag": 10, "trunks": [1, 2, 3]}),
        DbSet("Bridge", bridge, {"external_ids": {"bridge-id": "x"}}),
        DbSet("Open_vSwitch", ".", {"external_ids": {"ready": "1", "db-set": "yes"}}),
    )
    assert [r.outcome for r in results] == [Outcome.UPDATED] * 4
    assert client.interface_external_ids(port) == {"keep": "1", "set": "2"}
    assert vsctl_row(ovs_daemons, "Interface", port, "external_ids") == {
        "external_ids": {"keep": "1", "set": "2"}
    }
    assert vsctl_row(ovs_daemons, "Port", port, "tag", "trunks") == {
        "tag": 10,
        "trunks": [1, 2, 3],
    }
    assert ovs_daemons.vsctl("get", "Bridge", bridge, "external_ids:bridge-id") == "x"
    assert ovs_daemons.vsctl("get", "Open_vSwitch", ".", "external_ids:db-set") == "yes"

    # Replacing the map, and clearing an optional column.
    client.execute(DbSet("Interface", port, {"external_ids": {"only": "this"}}))
    client.execute(DbSet("Port", port, {"tag": None}))
    assert client.interface_external_ids(port) == {"only": "this"}
    assert ovs_daemons.vsctl("get", "Port", port, "tag") == "[]"

    with pytest.raises(OvsdbCommandError, match="no column"):
        client.execute(DbSet("Port", port, {"no_such_column": 1}))
    with pytest.raises(OvsdbCommandError, match="expected an OVSDB integer"):
        client.execute(DbSet("Port", port, {"tag": "ten"}))
    with pytest.raises(RowNotFoundError):
        client.execute(DbSet("Port", unique("p"), {"tag": 1}))


def test_qos_row_is_created_with_the_port_and_deleted_with_it(client, ovs_daemons, bridge):
    port = unique("p")
    qos = Qos("linux-noop", {"id": str(uuid.uuid4())})
    client.execute(AddPort(bridge, port, qos=qos))
    qos_uuid = ovs_daemons.vsctl("get", "Port", port, "qos")
    assert vsctl_row(ovs_daemons, "QoS", qos_uuid, "type", "external_ids") == {
        "type": "linux-noop",
        "external_ids": dict(qos.external_ids),
    }
    (again,) = client.execute(AddPort(bridge, port, qos=qos))
    assert again.outcome is Outcome.UNCHANGED

    client.execute(DelPort(port, delete_qos=True))
    assert vsctl_row(ovs_daemons, "QoS", qos_uuid, "type") is None


def test_db_destroy_a_root_row_and_refuse_a_referenced_one(client, ovs_daemons, bridge):
    leftover = uuid.UUID(ovs_daemons.vsctl("create", "QoS", "type=linux-noop"))
    assert client.get("QoS", leftover, ["type"]) == {"_uuid": leftover, "type": "linux-noop"}
    (result,) = client.execute(DbDestroy("QoS", leftover))
    assert result.outcome is Outcome.DELETED
    assert vsctl_row(ovs_daemons, "QoS", str(leftover), "type") is None
    (result,) = client.execute(DbDestroy("QoS", leftover))
    assert result.outcome is Outcome.ABSENT

    # The Open_vSwitch row still refers to the bridge: the server refuses.
    with pytest.raises(OvsdbReferentialIntegrityError) as info:
        client.execute(DbDestroy("Bridge", bridge))
    assert info.value.error == "referential integrity violation"
    assert info.value.operation is None  # found at commit, not by one operation
    assert client.bridge_exists(bridge)


# --- atomicity -------------------------------------------------------------------


def test_a_failing_operation_leaves_nothing(client, ovs_daemons, bridge):
    good, bad = unique("p"), unique("p")
    new_bridge = unique("br")
    txn = client.transaction()
    txn.add(AddBridge(new_bridge, datapath_type="netdev"))
    txn.add(AddPort(bridge, good, external_ids={"iface-id": "x"}))
    txn.add(AddPort(bridge, bad, tag=5000))
    with pytest.raises(OvsdbConstraintError) as info:
        txn.commit()
    assert info.value.error == "constraint violation"
    assert "4095" in (info.value.details or "")
    assert info.value.operation is not None
    assert info.value.operation["table"] == "Port"
    assert not info.value.retriable
    assert vsctl_ports(ovs_daemons, bridge) == []
    assert vsctl_row(ovs_daemons, "Interface", good, "name") is None
    assert vsctl_row(ovs_daemons, "Bridge", new_bridge, "name") is None


def test_a_failing_command_commits_nothing(client, ovs_daemons, bridge):
    port = unique("p")
    before = client.stats.requests
    with pytest.raises(RowNotFoundError, match="no Bridge named"):
        client.execute(AddPort(bridge, port), AddPort(unique("nobr"), unique("p")))
    assert client.stats.requests - before <= 2  # reads only, no commit
    assert vsctl_ports(ovs_daemons, bridge) == []

    def fail_inside_transaction() -> None:
        with client.transaction() as txn:
            txn.add(AddPort(bridge, port))
            raise RuntimeError("boom")

    before = client.stats.requests
    with pytest.raises(RuntimeError, match="boom"):
        fail_inside_transaction()
    assert client.stats.requests == before
    assert vsctl_ports(ovs_daemons, bridge) == []


# --- waiting for ovs-vswitchd ------------------------------------------------------


def test_wait_returns_once_vswitchd_applied_the_change(client, ovs_daemons, bridge):
    port = unique("p")
    client.execute(AddPort(bridge, port, interface_type="internal"))
    # No sleep: the commit returned only after cur_cfg reached next_cfg.
    assert int(ovs_daemons.vsctl("get", "Interface", port, "ofport")) > 0
    assert port in ovs_daemons.links()
    root = client.get("Open_vSwitch", ".", ["cur_cfg", "next_cfg"])
    assert root is not None
    assert root["cur_cfg"] == root["next_cfg"] == next_cfg(ovs_daemons)
    assert int(ovs_daemons.vsctl("get", "Open_vSwitch", ".", "cur_cfg")) == next_cfg(ovs_daemons)


def test_send_then_wait_applied_splits_commit_from_the_wait(client, ovs_daemons, bridge):
    port = unique("p")
    cfg = next_cfg(ovs_daemons)
    txn = client.transaction()
    result = txn.add(AddPort(bridge, port, interface_type="internal"))
    assert txn.send() == [result]
    assert result.outcome is Outcome.CREATED
    assert next_cfg(ovs_daemons) == cfg + 1  # committed, with its bump
    txn.wait_applied()
    assert int(ovs_daemons.vsctl("get", "Open_vSwitch", ".", "cur_cfg")) >= cfg + 1
    txn.wait_applied()  # nothing left to wait for
    with pytest.raises(RuntimeError, match="already committed"):
        txn.send()


def test_no_wait_commits_without_bumping_next_cfg(client, ovs_daemons, bridge):
    port = unique("p")
    cfg = next_cfg(ovs_daemons)
    (result,) = client.execute(AddPort(bridge, port, interface_type="internal"), wait=False)
    assert result.outcome is Outcome.CREATED
    assert next_cfg(ovs_daemons) == cfg
    assert ovs_daemons.vsctl("port-to-br", port) == bridge

    nowait = OvsdbClient(ovs_daemons.remote, wait=False)
    nowait.execute(DelPort(port))
    assert next_cfg(ovs_daemons) == cfg
    assert vsctl_row(ovs_daemons, "Port", port, "name") is None


def test_wait_times_out_when_vswitchd_is_down(client, ovs_daemons, bridge):
    port = unique("p")
    ovs_daemons.stop_vswitchd()
    try:
        with pytest.raises(OvsdbTimeoutError) as info:
            client.execute(AddPort(bridge, port, interface_type="dummy"), timeout=1)
        assert info.value.committed
        assert info.value.retriable
        assert "ovs-vswitchd" in str(info.value)
        assert ovs_daemons.vsctl("port-to-br", port) == bridge
    finally:
        ovs_daemons.start_vswitchd()
    assert int(ovs_daemons.vsctl("get", "Interface", port, "ofport")) > 0


# --- connection --------------------------------------------------------------------


def test_clients_share_one_connection(ovs_daemons, client):
    client.bridge_exists("x")
    other = OvsdbClient(ovs_daemons.remote, timeout=5, wait=False)
    before = client.stats.connections
    other.bridge_exists("y")
    assert other.stats is client.stats
    assert client.stats.connections == before


def test_reconnects_after_ovsdb_server_restart(client, ovs_daemons, bridge):
    port = unique("p")
    client.execute(AddPort(bridge, port))
    connections = client.stats.connections
    ovs_daemons.restart_ovsdb_server()  # SIGKILL, then start again

    (result,) = client.execute(DelPort(port))
    assert result.outcome is Outcome.DELETED
    assert client.stats.connections == connections + 1
    assert vsctl_row(ovs_daemons, "Port", port, "name") is None


def test_waits_for_ovsdb_server_to_come_back(client, ovs_daemons, bridge):
    port = unique("p")
    client.bridge_exists(bridge)
    ovs_daemons.stop_ovsdb_server()
    restarter = threading.Timer(0.5, ovs_daemons.start_ovsdb_server)
    restarter.start()
    try:
        started = time.monotonic()
        (result,) = client.execute(AddPort(bridge, port, interface_type="internal"))
        assert time.monotonic() - started >= 0.4
    finally:
        restarter.join()
    assert result.outcome is Outcome.CREATED
    assert ovs_daemons.vsctl("port-to-br", port) == bridge


def test_transactions_survive_a_restart_mid_run(client, ovs_daemons, bridge):
    plugged: list[str] = []
    errors: list[BaseException] = []
    running, restarted = threading.Event(), threading.Event()
    connections = client.stats.connections

    def plug_until_told() -> None:
        # Keeps plugging, one transaction after another, from before the kill
        # until well after the restart.
        try:
            after = 0
            while after < 10:
                name = unique("p")
                client.execute(AddPort(bridge, name, external_ids={"n": name}), wait=False)
                plugged.append(name)
                if len(plugged) == 5:
                    running.set()
                after += restarted.is_set()
        except BaseException as exc:
            errors.append(exc)
        finally:
            running.set()

    worker = threading.Thread(target=plug_until_told)
    worker.start()
    try:
        assert running.wait(30)
        ovs_daemons.restart_ovsdb_server()  # SIGKILL, then start again
    finally:
        restarted.set()
        worker.join()
    assert errors == []
    assert client.stats.connections > connections
    assert sorted(vsctl_ports(ovs_daemons, bridge)) == sorted(plugged)
    for name in plugged:
        assert client.interface_external_ids(name) == {"n": name}


def test_a_hung_server_times_out_and_the_next_request_reconnects(client, ovs_daemons, bridge):
    port = unique("p")
    client.bridge_exists(bridge)
    connections = client.stats.connections
    server = ovs_daemons.pids["ovsdb-server"]
    os.kill(server, signal.SIGSTOP)
    try:
        with pytest.raises(OvsdbTimeoutError) as info:
            client.execute(AddPort(bridge, port), timeout=0.5)
    finally:
        os.kill(server, signal.SIGCONT)
    assert info.value.retriable
    assert info.value.committed is False
    assert "nothing was committed" in str(info.value)

    assert not client.port_exists(port)
    assert client.stats.connections == connections + 1


def test_unreachable_server_raises_a_retriable_error(tmp_path):
    client = OvsdbClient(f"unix:{tmp_path}/nothing.sock", timeout=0.3)
    with pytest.raises(OvsdbConnectionError) as info:
        client.bridge_exists("br")
    assert info.value.retriable
    assert "nothing.sock" in str(info.value)


def test_bad_connection_strings_are_refused():
    with pytest.raises(ValueError, match="connection string"):
        OvsdbClient("/run/openvswitch/db.sock")
    with pytest.raises(ValueError, match="ssl"):
        OvsdbClient("ssl:127.0.0.1:6640")
    with pytest.raises(ValueError, match="does not exist"):
        OvsdbClient("ssl:127.0.0.1:6640", ssl_files=SslFiles("/no/key", "/no/cert", "/no/ca"))
    with pytest.raises(ValueError, match="positive"):
        OvsdbClient("unix:/run/openvswitch/db.sock", timeout=0)


# --- concurrency and scale -------------------------------------------------------------


def test_concurrent_transactions_from_threads(client, ovs_daemons, bridge):
    errors: list[BaseException] = []
    ports = [[unique("p") for _ in range(5)] for _ in range(8)]

    def plug(names: list[str]) -> None:
        try:
            for name in names:
                client.execute(AddPort(bridge, name, external_ids={"t": name}), wait=False)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=plug, args=(names,)) for names in ports]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    expected = sorted(n for names in ports for n in names)
    assert sorted(vsctl_ports(ovs_daemons, bridge)) == expected
    assert client.bridge_ports(bridge) == sorted([*expected, bridge])


def test_concurrent_merges_into_one_row_lose_nothing(client, ovs_daemons, bridge):
    port = unique("p")
    client.execute(AddPort(bridge, port))
    barrier = threading.Barrier(8)
    errors: list[BaseException] = []

    def merge(i: int) -> None:
        try:
            barrier.wait()
            client.execute(
                DbSet("Interface", port, {"external_ids": {f"k{i}": str(i)}}, merge_maps=True),
                wait=False,
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=merge, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # Each writer read the map, merged its key and wrote it back; the wait
    # guards make a writer that read a stale map retry instead of erasing keys.
    assert vsctl_row(ovs_daemons, "Interface", port, "external_ids") == {
        "external_ids": {f"k{i}": str(i) for i in range(8)}
    }


def test_concurrent_plugs_of_the_same_port_converge(client, ovs_daemons, bridge):
    port = unique("p")
    barrier = threading.Barrier(6)
    outcomes: list[Outcome | None] = []
    errors: list[BaseException] = []

    def plug() -> None:
        try:
            barrier.wait()
            (result,) = client.execute(
                AddPort(bridge, port, external_ids={"iface-id": "same"}), wait=False
            )
            outcomes.append(result.outcome)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=plug) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    # The unique index on Port.name lets exactly one create it; the others
    # retry from fresh reads and find it already right.
    assert sorted(o.value for o in outcomes if o) == ["created"] + ["unchanged"] * 5
    assert vsctl_ports(ovs_daemons, bridge) == [port]


def test_a_batch_of_100_ports_is_one_transaction(client, ovs_daemons, bridge):
    names = [unique("p") for _ in range(100)]
    before = client.stats.requests
    with client.transaction() as txn:
        results = [
            txn.add(AddPort(bridge, n, interface_type="dummy", external_ids={"n": n}))
            for n in names
        ]
    # One batched read, one commit; ports are new, so no second read.
    assert client.stats.requests - before == 2
    assert all(r.outcome is Outcome.CREATED for r in results)
    assert sorted(vsctl_ports(ovs_daemons, bridge)) == sorted(names)
    assert int(ovs_daemons.vsctl("get", "Interface", names[-1], "ofport")) > 0

    before = client.stats.requests
    with client.transaction() as txn:
        results = [txn.add(AddPort(bridge, n, external_ids={"n": n})) for n in names]
    assert all(r.outcome is Outcome.UNCHANGED for r in results)
    assert client.stats.requests - before == 2  # two read stages, no write
    with client.transaction() as txn:
        for n in names:
            txn.add(DelPort(n))
    assert vsctl_ports(ovs_daemons, bridge) == []


def _cost_of_one_plug(client: OvsdbClient, bridge: str) -> tuple[int, int]:
    port = unique("p")
    before = (client.stats.bytes_sent, client.stats.bytes_received)
    client.execute(AddPort(bridge, port, interface_type="dummy"), wait=False)
    client.execute(DelPort(port), wait=False)
    return (client.stats.bytes_sent - before[0], client.stats.bytes_received - before[1])


def test_plug_cost_is_flat_with_2000_ports_on_the_bridge(client, ovs_daemons, bridge):
    big = unique("br")
    client.execute(AddBridge(big, datapath_type="netdev"))
    try:
        with client.transaction(wait=False, timeout=120) as txn:
            for i in range(2000):
                txn.add(AddPort(big, f"x{big}-{i}", interface_type="dummy"))
        assert len(vsctl_ports(ovs_daemons, big)) == 2000
        _cost_of_one_plug(client, bridge)  # warm up (schema already fetched)

        empty = _cost_of_one_plug(client, bridge)
        crowded = _cost_of_one_plug(client, big)
        # Same requests, same rows: only names differ in length.
        assert abs(crowded[0] - empty[0]) < 200
        assert abs(crowded[1] - empty[1]) < 200
        assert crowded[1] < 4000
    finally:
        client.execute(DelBridge(big), timeout=120)

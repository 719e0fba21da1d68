"""Migration between OpenStack's os-vif 5.3.0 and ours, on one Open vSwitch.

A host that ran os-vif switches to this project: ours must unplug what
os-vif plugged, os-vif (a host rolled back) must unplug what ours plugged,
and what ours leaves in OVSDB and the kernel must be what os-vif leaves,
since Neutron and OVN agents read those records.

Both implementations act on the same private ovsdb-server and ovs-vswitchd
(the ``ovs_daemons`` fixture), in its network namespace:

- os-vif 5.3.0 runs its real OVS plugin in-process in its own virtualenv
  (``tests/interop/upstream_ovs_driver.py``, started with
  ``ip netns exec``), privsep client mode off, native OVSDB;
- ours runs in this process, its calls made from a thread moved into the
  namespace (:func:`fixtures.netns.entered`).

Every check reads the host back independently of both: OVSDB through
``ovs-vsctl``, the kernel through ``ip -d -j link`` and ``/proc/sys/net``.

Each scenario uses fresh VIF ids and a fresh integration bridge, so the
bridge's creation (and its datapath_type) is part of what is compared; the
bridge itself legitimately stays after an unplug, as with os-vif (except
trunk bridges ``tbr-*``, which os-vif deletes).
"""

from __future__ import annotations

import contextlib
import json
import secrets
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

import os_vif
import os_vif._api
from fixtures.netns import Netns, entered
from fixtures.ovs import OvsDaemons
from interop.interop_upstream import UPSTREAM_VERSION, ensure_upstream_venv, venv_path
from os_vif import objects

pytestmark = [pytest.mark.functional, pytest.mark.interop]

DRIVER = Path(__file__).resolve().parents[1] / "interop" / "upstream_ovs_driver.py"
DRIVER_TIMEOUT = 180
DEAD_VLAN = 4095
NETWORK_DEVICE_MTU = 1400  # the [os_vif_ovs] option, for VIFs whose network has no MTU
# os-vif names a port's QoS row by external_ids:id = uuid5(this, port name)
QOS_UUID_NAMESPACE = uuid.UUID("68da264a-847f-42a8-8ab0-5e774aee3d95")

# What is compared, table by table. Columns that ovs-vswitchd fills in
# (ofport, error, status, statistics...) are left out: they describe the
# daemon, not the plugin.
OVSDB_COLUMNS: dict[str, tuple[str, ...]] = {
    "Bridge": (
        "_uuid",
        "name",
        "datapath_type",
        "ports",
        "external_ids",
        "other_config",
        "fail_mode",
        "protocols",
    ),
    "Port": (
        "_uuid",
        "name",
        "interfaces",
        "tag",
        "vlan_mode",
        "trunks",
        "qos",
        "external_ids",
        "other_config",
    ),
    "Interface": (
        "_uuid",
        "name",
        "type",
        "external_ids",
        "options",
        "mtu_request",
        "other_config",
    ),
    "QoS": ("_uuid", "type", "external_ids", "other_config"),
}
# Optional and set-valued columns: ovs-vsctl prints one element bare and
# several as a set; always compared as sorted lists.
SET_COLUMNS = frozenset(
    {
        "ports",
        "interfaces",
        "tag",
        "vlan_mode",
        "trunks",
        "qos",
        "mtu_request",
        "fail_mode",
        "protocols",
    }
)
# Devices that belong to the datapath, not to any VIF: ovs-vswitchd makes
# ``ovs-netdev`` with the first netdev bridge and removes it with the last.
IGNORED_LINKS = frozenset({"lo", "ovs-netdev"})
LINK_FLAGS = frozenset({"UP", "PROMISC", "NOARP"})
SYSCTLS = (
    ("ipv6", "disable_ipv6"),
    ("ipv4", "arp_ignore"),
    ("ipv4", "arp_announce"),
)

Key = tuple[str, str]  # (table or "link", name)
State = dict[Key, dict[str, Any]]


# -- the os-vif 5.3.0 side -------------------------------------------------------------


@pytest.fixture(scope="module")
def upstream_python() -> Path:
    try:
        return ensure_upstream_venv(venv_path())
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        pytest.fail(
            f"cannot provide os-vif {UPSTREAM_VERSION} for the migration tests: {exc}",
            pytrace=False,
        )


class UpstreamFailed(AssertionError):
    """os-vif 5.3.0 refused or failed a step."""


def run_upstream(
    python: Path,
    daemons: OvsDaemons,
    config: dict[str, Any],
    steps: list[tuple[str, objects.VIFBase, objects.InstanceInfo]],
) -> dict[str, Any]:
    """Run ``steps`` (plug/unplug) with os-vif 5.3.0 inside the OVS namespace."""
    request = {
        "config": {
            "ovsdb_connection": daemons.remote,
            "ovsdb_interface": "native",
            **config,
        },
        "steps": [
            {"op": op, "vif": vif.obj_to_primitive(), "instance": instance.obj_to_primitive()}
            for op, vif, instance in steps
        ],
    }
    proc = subprocess.run(
        ["ip", "netns", "exec", daemons.netns, str(python), "-I", str(DRIVER)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        timeout=DRIVER_TIMEOUT,
        check=False,
    )
    try:
        answer: dict[str, Any] = json.loads(proc.stdout)
    except json.JSONDecodeError:
        raise UpstreamFailed(
            f"os-vif driver exited {proc.returncode} without an answer:\n"
            f"{proc.stdout[-2000:]}\n{proc.stderr[-4000:]}"
        ) from None
    assert answer.get("os_vif") == UPSTREAM_VERSION, answer
    if not answer["ok"]:
        error = answer.get("error") or answer["results"][-1]["error"]
        raise UpstreamFailed(
            f"os-vif {UPSTREAM_VERSION} failed: {error['type']}: {error['message']}\n"
            f"{error['traceback']}\n--- driver stderr ---\n{proc.stderr[-4000:]}"
        )
    return answer


# -- our side -------------------------------------------------------------------------


class Ours:
    """Our library, loaded with the ``ovs`` plugin, acting inside the namespace.

    Every call (initialize, plug, unplug, close) is made with the calling
    thread moved into the daemons' namespace, so netlink sockets the plugin
    opens, whenever it opens them, act there.
    """

    def __init__(self, daemons: OvsDaemons, config: dict[str, Any]) -> None:
        self._netns = Netns(daemons.netns)
        self._config = {"ovs": {"ovsdb_connection": daemons.remote, **config}}
        self._previous: Any = None

    def __enter__(self) -> Ours:
        # Set aside (not close) whatever another test loaded; put it back after.
        self._previous = os_vif._EXT_MANAGER
        os_vif._EXT_MANAGER = None
        with entered(self._netns):
            report = os_vif.initialize(config=self._config, reset=True)
        assert "ovs" in report.loaded, f"our ovs plugin did not load: {report.failed}"
        return self

    def __exit__(self, *exc_info: object) -> None:
        state = os_vif._EXT_MANAGER
        os_vif._EXT_MANAGER = self._previous
        if state is not None:
            with entered(self._netns):
                for extension in state:
                    extension.obj.close()

    def plug(self, vif: objects.VIFBase, instance: objects.InstanceInfo) -> None:
        with entered(self._netns):
            os_vif.plug(vif, instance)

    def unplug(self, vif: objects.VIFBase, instance: objects.InstanceInfo) -> None:
        with entered(self._netns):
            os_vif.unplug(vif, instance)


# -- reading the host back -------------------------------------------------------------


def _plain(value: Any) -> Any:
    if isinstance(value, list) and len(value) == 2 and value[0] in ("map", "set", "uuid"):
        kind, data = value
        if kind == "map":
            return {k: _plain(v) for k, v in data}
        if kind == "set":
            return [_plain(v) for v in data]
        return data
    return value


def _as_list(value: Any) -> list[Any]:
    items = value if isinstance(value, list) else [value]
    return sorted(items, key=repr)


def _ovsdb_rows(daemons: OvsDaemons, table: str) -> list[dict[str, Any]]:
    columns = OVSDB_COLUMNS[table]
    out = daemons.vsctl("--format=json", f"--columns={','.join(columns)}", "list", table)
    rows = []
    for data in json.loads(out)["data"] if out else []:
        row = {c: _plain(v) for c, v in zip(columns, data, strict=True)}
        for column in SET_COLUMNS & row.keys():
            row[column] = _as_list(row[column])
        rows.append(row)
    return rows


def ovsdb_state(daemons: OvsDaemons) -> State:
    """Bridges, ports, interfaces and QoS rows, by name, references resolved."""
    tables = {table: _ovsdb_rows(daemons, table) for table in OVSDB_COLUMNS}
    names = {row["_uuid"]: row["name"] for table in ("Port", "Interface") for row in tables[table]}
    qos_keys = {row["_uuid"]: row["external_ids"].get("id", "?") for row in tables["QoS"]}
    state: State = {}
    for table, rows in tables.items():
        for row in rows:
            uid = row.pop("_uuid")
            for column in ("ports", "interfaces"):
                if column in row:
                    row[column] = sorted(names.get(u, u) for u in row[column])
            if "qos" in row:
                row["qos"] = sorted(f"QoS {qos_keys.get(u, u)}" for u in row["qos"])
            name = row.pop("name") if "name" in row else row["external_ids"].get("id", uid)
            state[(table, name)] = row
    return state


def vswitchd_caught_up(daemons: OvsDaemons) -> bool:
    """Whether ovs-vswitchd has applied every committed change (cur_cfg)."""
    cur, nxt = daemons.vsctl("get", "Open_vSwitch", ".", "cur_cfg", "next_cfg").split()
    return int(cur) >= int(nxt)


def settle(daemons: OvsDaemons) -> None:
    """Return once ovs-vswitchd has applied everything committed so far.

    ovs-vsctl waits for ovs-vswitchd only when it changes something, so it
    changes a stamp of its own.
    """
    daemons.vsctl(
        "--timeout=30",
        "set",
        "Open_vSwitch",
        ".",
        f"external_ids:migration-settle={time.time_ns()}",
    )


def _read_sysctls(names: list[str]) -> dict[str, dict[str, str | None]]:
    values: dict[str, dict[str, str | None]] = {}
    for name in names:
        values[name] = {}
        for family, key in SYSCTLS:
            path = Path(f"/proc/sys/net/{family}/conf/{name}/{key}")
            try:
                values[name][f"{family}.{key}"] = path.read_text().strip()
            except OSError:
                values[name][f"{family}.{key}"] = None
    return values


def _kernel_state_once(ns: Netns, macs: frozenset[str]) -> State:
    links = [link for link in ns.links() if link["ifname"] not in IGNORED_LINKS]
    sysctls = ns.run_inside(lambda: _read_sysctls([link["ifname"] for link in links]))
    state: State = {}
    for link in links:
        name = link["ifname"]
        info = link.get("linkinfo", {})
        kind = info.get("info_kind")
        data = info.get("info_data", {})
        record: dict[str, Any] = {
            "kind": kind,
            "mtu": link["mtu"],
            "master": link.get("master"),
            "peer": link.get("link"),
            "flags": sorted(LINK_FLAGS & set(link["flags"])),
            "address": link["address"] if link.get("address") in macs else "(not a VIF MAC)",
            "alias": link.get("ifalias"),
            **sysctls[name],
        }
        if kind == "bridge":
            record["bridge"] = {
                k: data.get(k) for k in ("ageing_time", "stp_state", "forward_delay")
            }
        if kind == "tun":
            record["tun"] = {k: data.get(k) for k in ("type", "pi", "vnet_hdr", "multi_queue")}
        state[("link", name)] = record
    return state


def kernel_state(daemons: OvsDaemons, macs: frozenset[str]) -> State:
    """The namespace's devices: kind, MTU, master, veth peer, flags, alias, sysctls.

    A MAC address is recorded only when it is one of ``macs`` (the VIFs'):
    others are random. ovs-vswitchd reacts to new devices on its own (it
    opens them and sets them promiscuous): read until two reads agree.
    """
    ns = Netns(daemons.netns)
    state = _kernel_state_once(ns, macs)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        time.sleep(0.2)
        again = _kernel_state_once(ns, macs)
        if again == state:
            break
        state = again
    return state


@dataclass
class Snapshot:
    """What the host holds at one moment."""

    state: State
    caught_up: bool = True  # ovs-vswitchd had applied everything when taken


def snapshot(daemons: OvsDaemons, macs: frozenset[str]) -> Snapshot:
    """Read OVSDB and the kernel; wait for ovs-vswitchd before reading devices.

    Whether ovs-vswitchd had already caught up is recorded first: os-vif
    returns from a plug only once it has (cur_cfg reached next_cfg).
    """
    caught_up = vswitchd_caught_up(daemons)
    settle(daemons)
    return Snapshot({**ovsdb_state(daemons), **kernel_state(daemons, macs)}, caught_up)


def footprint(before: Snapshot, after: Snapshot) -> State:
    """Rows and devices added or changed since ``before`` (removed ones: {})."""
    keys = before.state.keys() | after.state.keys()
    return {
        key: after.state.get(key, {})
        for key in sorted(keys)
        if before.state.get(key) != after.state.get(key)
    }


def differences(ours: State, upstream: State) -> list[str]:
    """Readable list of what differs, ours against os-vif's."""
    lines = []
    for key in sorted(ours.keys() | upstream.keys()):
        mine, theirs = ours.get(key), upstream.get(key)
        if mine == theirs:
            continue
        what = f"{key[0]} {key[1]}"
        if mine is None:
            lines.append(f"{what}: only os-vif made it: {theirs}")
        elif theirs is None:
            lines.append(f"{what}: only ours made it: {mine}")
        elif not mine or not theirs:
            lines.append(f"{what}: ours {mine or 'removed it'}, os-vif {theirs or 'removed it'}")
        else:
            for column in sorted(mine.keys() | theirs.keys()):
                if mine.get(column) != theirs.get(column):
                    lines.append(
                        f"{what}: {column}: ours {mine.get(column)!r}, "
                        f"os-vif {theirs.get(column)!r}"
                    )
    return lines


# -- scenarios ------------------------------------------------------------------------


def _name(prefix: str, vif_id: str, length: int = 14) -> str:
    return (prefix + vif_id)[:length]


@dataclass
class Scenario:
    """One VIF, the options both sides run with, and what plugging it makes.

    Attributes:
        vif: what is plugged.
        unplug_vif: what is unplugged, if not ``vif``.
        bridge: the integration bridge (fresh: the plug makes it).
        bridges: every OVS bridge the plug makes (``bridge`` first).
        kept_bridges: the bridges an unplug leaves (not trunk/per-port ones).
        expected: rows and devices the plug makes, with the values the
            reference (host-conventions.md) gives. Checked on os-vif's plug
            only: ours is compared with what os-vif really did.
        devices: kernel devices the plug makes (besides bridges' own).
        macs: MAC addresses worth recording (the VIF's).
        upstream_leaks: what os-vif's own unplug leaves behind (a bug of
            os-vif's, tolerated after any unplug).
    """

    case: str
    config: dict[str, Any]
    vif: objects.VIFBase
    instance: objects.InstanceInfo
    bridge: str
    bridges: tuple[str, ...]
    kept_bridges: tuple[str, ...]
    expected: State
    unplug_vif: objects.VIFBase | None = None
    devices: tuple[str, ...] = ()
    macs: frozenset[str] = field(default_factory=frozenset)
    upstream_leaks: frozenset[Key] = frozenset()

    @property
    def to_unplug(self) -> objects.VIFBase:
        return self.unplug_vif if self.unplug_vif is not None else self.vif

    @property
    def ovs_ports(self) -> tuple[str, ...]:
        return tuple(name for table, name in self.expected if table == "Port")


@dataclass
class _Draft:
    """The parts every scenario shares, handed to the per-kind builders."""

    case: str
    vif_id: str
    mac: str
    mtu: int  # what the plugin must apply: the network's, else the option
    isolate: bool
    bridge: str
    common: dict[str, Any]
    ids: dict[str, str]  # the reference external_ids of a VIF port
    instance: objects.InstanceInfo
    expected: State = field(default_factory=dict)
    bridges: list[str] = field(default_factory=list)
    devices: list[str] = field(default_factory=list)
    unplug_vif: objects.VIFBase | None = None
    upstream_leaks: set[Key] = field(default_factory=set)


def _port(dead_vlan: bool, interface: str) -> dict[str, Any]:
    if dead_vlan:  # isolate_vif: Neutron's dead VLAN
        return {
            "tag": [DEAD_VLAN],
            "vlan_mode": ["trunk"],
            "trunks": [DEAD_VLAN],
            "qos": [],
            "interfaces": [interface],
        }
    return {"tag": [], "vlan_mode": [], "trunks": [], "qos": [], "interfaces": [interface]}


def _vif_interface(ids: dict[str, str], **columns: Any) -> dict[str, Any]:
    return {"type": "", "external_ids": ids, "options": {}, "mtu_request": [], **columns}


def _hybrid(d: _Draft) -> objects.VIFBase:
    qbr, qvb, qvo = (_name(prefix, d.vif_id) for prefix in ("qbr", "qvb", "qvo"))
    vif = objects.VIFBridge(
        **d.common, vif_name=_name("tap", d.vif_id), bridge_name=qbr, has_traffic_filtering=True
    )
    if d.case == "hybrid-leftover":
        # Nova moved the port from hybrid to plain OVS: the unplug names a
        # VIFOpenVSwitch, and the qbr leftover must go too.
        d.unplug_vif = objects.VIFOpenVSwitch(**d.common, vif_name=_name("tap", d.vif_id))
    d.expected[("Port", qvo)] = _port(d.isolate, qvo)
    d.expected[("Interface", qvo)] = _vif_interface(d.ids)
    veth = {"kind": "veth", "mtu": d.mtu, "flags": ["PROMISC", "UP"]}
    d.expected[("link", qbr)] = {
        "kind": "bridge",
        "mtu": d.mtu,
        "flags": ["UP"],
        "bridge": {"ageing_time": 0, "stp_state": 0, "forward_delay": 0},
        "ipv6.disable_ipv6": "1",
        "ipv4.arp_ignore": "1",
        "ipv4.arp_announce": "2",
    }
    d.expected[("link", qvb)] = {**veth, "master": qbr, "peer": qvo}
    d.expected[("link", qvo)] = {**veth, "master": None, "peer": qvb}
    d.devices += [qbr, qvb, qvo]
    return vif


def _vhostuser(d: _Draft) -> objects.VIFBase:
    mode = "client" if d.case == "vhostuser-client" else "server"
    path = f"/var/run/openvswitch/vhu-{secrets.token_hex(4)}.sock"
    vhu = _name("vhu", d.vif_id)
    vif = objects.VIFVHostUser(**d.common, vif_name=vhu, path=path, mode=mode)
    d.expected[("Port", vhu)] = _port(d.isolate, vhu)
    d.expected[("Interface", vhu)] = _vif_interface(
        d.ids,
        # mode client: QEMU is the client, OVS the server
        type="dpdkvhostuser" if mode == "client" else "dpdkvhostuserclient",
        options={} if mode == "client" else {"vhost-server-path": path},
        mtu_request=[d.mtu],
    )
    if d.case == "vhostuser-server":
        # No datapath_type in the profile: the bridge is netdev (the
        # vhost-user default), but os-vif decides on QoS with the plugin-wide
        # default, system, so it adds a QoS row of default_qos_type, and its
        # vhost-user unplug never deletes it.
        qos_id = str(uuid.uuid5(QOS_UUID_NAMESPACE, vhu))
        d.expected[("Port", vhu)]["qos"] = [f"QoS {qos_id}"]
        d.expected[("QoS", qos_id)] = {
            "type": "linux-noop",
            "external_ids": {"id": qos_id, "_type": "linux-noop"},
        }
        d.upstream_leaks.add(("QoS", qos_id))
    return vif


def _per_port_bridge(d: _Draft) -> objects.VIFBase:
    tap = _name("tap", d.vif_id)
    pb, pbp, ibp = _name("pb", d.vif_id), "pbp" + d.vif_id, "ibp" + d.vif_id
    vif = objects.VIFOpenVSwitch(**d.common, vif_name=tap)
    d.bridges.append(pb)
    d.expected[("Bridge", pb)] = {"datapath_type": "netdev", "ports": sorted([pb, pbp, tap])}
    d.expected[("Port", tap)] = _port(d.isolate, tap)
    d.expected[("Interface", tap)] = _vif_interface({})  # ids only on the patch port
    d.expected[("Port", pbp)] = _port(False, pbp)
    d.expected[("Interface", pbp)] = {"type": "patch", "options": {"peer": ibp}}
    # on the integration bridge the iface-id is the VIF id (not the profile's
    # interface_id), and isolation is the dead VLAN tag alone
    d.expected[("Port", ibp)] = {
        **_port(False, ibp),
        "tag": [DEAD_VLAN] if d.isolate else [],
    }
    d.expected[("Interface", ibp)] = {
        "type": "patch",
        "options": {"peer": pbp},
        "external_ids": {**d.ids, "iface-id": d.vif_id},
    }
    return vif


def _openvswitch(d: _Draft) -> objects.VIFBase:
    tap = _name("tap", d.vif_id)
    vif = objects.VIFOpenVSwitch(**d.common, vif_name=tap)
    trunk = d.bridge.startswith("tbr-")
    d.expected[("Port", tap)] = _port(d.isolate and not trunk, tap)
    d.expected[("Interface", tap)] = _vif_interface(
        {**d.ids, "bridge_name": d.bridge} if trunk else d.ids
    )
    if d.case == "ovs-tap":
        d.expected[("link", tap)] = {
            "kind": "tun",
            "mtu": d.mtu,
            "address": d.mac,
            # PROMISC: ovs-vswitchd's, as for any port of a netdev bridge
            "flags": ["PROMISC", "UP"],
            # pi: os-vif (pyroute2) leaves packet information on; QEMU sets
            # its own flags when it opens the tap
            "tun": {"type": "tap", "pi": True, "vnet_hdr": False, "multi_queue": True},
            "ipv6.disable_ipv6": "1",
        }
        d.devices.append(tap)
    return vif


def build(case: str) -> Scenario:
    """A fresh scenario: new VIF id, port id, MAC, instance and bridge names."""
    vif_id, port_id = str(uuid.uuid4()), str(uuid.uuid4())
    mac = "fa:16:3e:" + ":".join(secrets.token_hex(1) for _ in range(3))
    instance = objects.InstanceInfo(uuid=str(uuid.uuid4()), name=f"migration-{case}")
    trunk = case == "ovs-trunk"
    bridge = ("tbr-" if trunk else "brm-") + secrets.token_hex(4)
    isolate = case in ("ovs-isolated", "hybrid-isolated", "ovs-trunk", "per-port-bridge-isolated")
    per_port = case.startswith("per-port-bridge")
    network_mtu = None if case in ("ovs-tap", "hybrid-isolated", "vhostuser-server") else 1450
    profile = objects.VIFPortProfileOpenVSwitch(
        interface_id=port_id,
        # vhost-user defaults to netdev: leave it out once
        datapath_type=None if case == "vhostuser-server" else "netdev",
        create_port=case.startswith(("ovs", "per-port-bridge")),
        create_tap=case == "ovs-tap",
        multiqueue=case == "ovs-tap",
    )
    d = _Draft(
        case=case,
        vif_id=vif_id,
        mac=mac,
        mtu=network_mtu or NETWORK_DEVICE_MTU,
        isolate=isolate,
        bridge=bridge,
        common={
            "id": vif_id,
            "address": mac,
            "network": objects.Network(id=str(uuid.uuid4()), bridge=bridge, mtu=network_mtu),
            "port_profile": profile,
            "plugin": "ovs",
        },
        ids={
            "attached-mac": mac,
            "iface-id": port_id,
            "iface-status": "active",
            "vm-uuid": instance.uuid,
        },
        instance=instance,
        bridges=[bridge],
    )
    if case.startswith("hybrid"):
        vif = _hybrid(d)
    elif case.startswith("vhostuser"):
        vif = _vhostuser(d)
    elif per_port:
        vif = _per_port_bridge(d)
    else:
        vif = _openvswitch(d)
    per_port_ports = {"pbp" + vif_id, _name("tap", vif_id)}  # on the pb bridge
    on_bridge = [
        name
        for table, name in d.expected
        if table == "Port" and not (per_port and name in per_port_ports)
    ]
    d.expected[("Bridge", bridge)] = {
        "datapath_type": "netdev",
        "ports": sorted([bridge, *on_bridge]),
    }
    return Scenario(
        case=case,
        config={
            "network_device_mtu": NETWORK_DEVICE_MTU,
            "isolate_vif": isolate,
            "per_port_bridge": per_port,
        },
        vif=vif,
        instance=instance,
        bridge=bridge,
        bridges=tuple(d.bridges),
        kept_bridges=() if trunk else (bridge,),
        expected=d.expected,
        unplug_vif=d.unplug_vif,
        devices=tuple(d.devices),
        macs=frozenset({mac}),
        upstream_leaks=frozenset(d.upstream_leaks),
    )


CASES = (
    "ovs",
    "ovs-tap",
    "ovs-isolated",
    "ovs-trunk",
    "hybrid",
    "hybrid-isolated",
    "vhostuser-client",
    "vhostuser-server",
    "per-port-bridge",
    "per-port-bridge-isolated",
)
LEFTOVER_CASES = ("hybrid-leftover",)


# -- fixtures and checks --------------------------------------------------------------


@pytest.fixture
def make_scenario(ovs_daemons: OvsDaemons) -> Iterator[Callable[[str], Scenario]]:
    """Return ``make(case)``; whatever a scenario left is removed afterwards."""
    made: list[Scenario] = []

    def make(case: str) -> Scenario:
        scenario = build(case)
        made.append(scenario)
        return scenario

    yield make
    for scenario in made:
        remove_scenario(ovs_daemons, scenario)


def remove_scenario(daemons: OvsDaemons, scenario: Scenario) -> None:
    """Remove whatever a scenario's plugs left, whoever made it."""
    ns = Netns(daemons.netns)
    for port in scenario.ovs_ports:
        with contextlib.suppress(RuntimeError):
            daemons.vsctl("--if-exists", "del-port", port)
    for bridge in scenario.bridges:
        daemons.vsctl("--if-exists", "del-br", bridge)
    for device in (*scenario.devices, *scenario.bridges):
        if ns.link(device) is not None:
            ns.ip("link", "delete", "dev", device, check=False)
    for table, qos_id in scenario.expected:
        if table == "QoS":
            rows = daemons.vsctl(
                "--bare", "--columns=_uuid", "find", "QoS", f"external_ids:id={qos_id}"
            )
            for row in rows.split():
                daemons.vsctl("destroy", "QoS", row)


@pytest.fixture(scope="module", autouse=True)
def leaves_the_daemons_as_found(ovs_daemons: OvsDaemons) -> Iterator[None]:
    """The daemons serve the whole session: hand them back as found."""
    before = snapshot(ovs_daemons, frozenset())
    yield
    left = footprint(before, snapshot(ovs_daemons, frozenset()))
    assert not left, f"the migration tests left on the shared daemons: {left}"


def check_plugged(scenario: Scenario, plugged: State) -> list[str]:
    """Compare os-vif's footprint with the reference expectations."""
    problems = []
    for key, wanted in scenario.expected.items():
        got = plugged.get(key)
        if not got:
            problems.append(f"{key[0]} {key[1]}: missing")
            continue
        for column, value in wanted.items():
            if got.get(column) != value:
                problems.append(f"{key[0]} {key[1]}: {column}: {got.get(column)!r} != {value!r}")
    return problems


def check_clean(scenario: Scenario, leftover: State) -> list[str]:
    """What an unplug left besides the bridges that stay, each with only its own port."""
    problems = []
    allowed = {
        (table, bridge) for bridge in scenario.kept_bridges for table in ("Port", "Interface")
    } | {("link", bridge) for bridge in scenario.kept_bridges}
    for key, row in leftover.items():
        table, name = key
        if table == "Bridge" and name in scenario.kept_bridges:
            if row.get("ports") != [name]:
                problems.append(f"bridge {name} still has ports {row.get('ports')}")
        elif key not in allowed and key not in scenario.upstream_leaks:
            problems.append(f"{table} {name}: left behind: {row or 'removed'}")
    return problems


def _fmt(problems: list[str]) -> str:
    return "\n  " + "\n  ".join(problems)


# -- os-vif 5.3.0 on its own: the reference behaves as documented ----------------------


@pytest.mark.parametrize("case", CASES + LEFTOVER_CASES)
def test_upstream_plugs_and_unplugs_as_documented(
    case: str, ovs_daemons: OvsDaemons, upstream_python: Path, make_scenario
) -> None:
    scenario = make_scenario(case)
    before = snapshot(ovs_daemons, scenario.macs)
    run_upstream(
        upstream_python, ovs_daemons, scenario.config, [("plug", scenario.vif, scenario.instance)]
    )
    plugged = snapshot(ovs_daemons, scenario.macs)
    assert plugged.caught_up, "os-vif returned before ovs-vswitchd applied the plug"
    problems = check_plugged(scenario, footprint(before, plugged))
    assert not problems, f"os-vif {UPSTREAM_VERSION} plugged {case} differently:{_fmt(problems)}"

    run_upstream(
        upstream_python,
        ovs_daemons,
        scenario.config,
        [("unplug", scenario.to_unplug, scenario.instance)],
    )
    problems = check_clean(scenario, footprint(before, snapshot(ovs_daemons, scenario.macs)))
    assert not problems, f"os-vif {UPSTREAM_VERSION} left after unplug:{_fmt(problems)}"


# -- migration: ours after os-vif, os-vif after ours -----------------------------------


def check_vif_present(scenario: Scenario, plugged: State) -> list[str]:
    """The plug made the VIF's ports and devices (whatever their details)."""
    wanted = [key for key in scenario.expected if key[0] in ("Port", "Interface", "link")]
    return [f"{table} {name}: missing" for table, name in wanted if not plugged.get((table, name))]


@pytest.mark.parametrize("case", CASES + LEFTOVER_CASES)
def test_ours_unplugs_what_upstream_plugged(
    case: str, ovs_daemons: OvsDaemons, upstream_python: Path, make_scenario
) -> None:
    scenario = make_scenario(case)
    before = snapshot(ovs_daemons, scenario.macs)
    run_upstream(
        upstream_python, ovs_daemons, scenario.config, [("plug", scenario.vif, scenario.instance)]
    )
    problems = check_vif_present(scenario, footprint(before, snapshot(ovs_daemons, scenario.macs)))
    assert not problems, f"os-vif {UPSTREAM_VERSION} did not plug {case}:{_fmt(problems)}"

    with Ours(ovs_daemons, scenario.config) as ours:
        ours.unplug(scenario.to_unplug, scenario.instance)
        problems = check_clean(scenario, footprint(before, snapshot(ovs_daemons, scenario.macs)))
        assert not problems, f"ours left after unplugging os-vif's {case}:{_fmt(problems)}"
        ours.unplug(scenario.to_unplug, scenario.instance)  # again: nothing to do


@pytest.mark.parametrize("case", CASES + LEFTOVER_CASES)
def test_upstream_unplugs_what_ours_plugged(
    case: str, ovs_daemons: OvsDaemons, upstream_python: Path, make_scenario
) -> None:
    scenario = make_scenario(case)
    before = snapshot(ovs_daemons, scenario.macs)
    with Ours(ovs_daemons, scenario.config) as ours:
        ours.plug(scenario.vif, scenario.instance)
    problems = check_vif_present(scenario, footprint(before, snapshot(ovs_daemons, scenario.macs)))
    assert not problems, f"ours did not plug {case}:{_fmt(problems)}"

    run_upstream(
        upstream_python,
        ovs_daemons,
        scenario.config,
        [("unplug", scenario.to_unplug, scenario.instance)],
    )
    problems = check_clean(scenario, footprint(before, snapshot(ovs_daemons, scenario.macs)))
    assert not problems, f"os-vif left after unplugging our {case}:{_fmt(problems)}"


@pytest.mark.parametrize("case", CASES)
def test_ours_plugs_what_upstream_plugs(
    case: str, ovs_daemons: OvsDaemons, upstream_python: Path, make_scenario
) -> None:
    """Same VIF, same names, same options: the same rows and devices."""
    scenario = make_scenario(case)
    before = snapshot(ovs_daemons, scenario.macs)
    run_upstream(
        upstream_python, ovs_daemons, scenario.config, [("plug", scenario.vif, scenario.instance)]
    )
    theirs = snapshot(ovs_daemons, scenario.macs)
    remove_scenario(ovs_daemons, scenario)
    assert not footprint(before, snapshot(ovs_daemons, scenario.macs)), "reset failed"

    with Ours(ovs_daemons, scenario.config) as ours:
        ours.plug(scenario.vif, scenario.instance)
    mine = snapshot(ovs_daemons, scenario.macs)

    problems = differences(footprint(before, mine), footprint(before, theirs))
    if mine.caught_up != theirs.caught_up:
        problems.append(
            f"ovs-vswitchd had applied the plug when plug returned: ours {mine.caught_up}, "
            f"os-vif {theirs.caught_up}"
        )
    assert not problems, f"ours plugged {case} unlike os-vif {UPSTREAM_VERSION}:{_fmt(problems)}"

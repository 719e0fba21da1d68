"""``os-vif demo``, run for real as the README tells users to run it.

Each test runs the command in a subprocess (``python -m os_vif demo``) and
checks what it prints and what it leaves: namespaces are listed with
iproute2, independently of the code under test. A guard removes any
namespace a test run left behind, and fails the test for it.

``--backend ovs`` runs start private ovsdb-server and ovs-vswitchd daemons;
their guard also looks for those (``pgrep``) and for state directories under
``/run/os-vif-demo``, and kills and removes what a run left. The running
Open vSwitch of ``--ovsdb-connection`` is the test suite's private one
(:mod:`fixtures.ovs`), checked with ``ovs-vsctl``.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from fixtures.netns import Netns, icmp_echo, ip, missing_privileges
from fixtures.ovs import OvsDaemons, missing_requirements

pytestmark = pytest.mark.functional

PREFIX = "osvif-demo-"
DEMO = [sys.executable, "-m", "os_vif", "demo"]
TIMEOUT = 60
PING_SUMMARY = re.compile(r"^\s*(\d+) sent, (\d+) received$", re.M)
CREATED = re.compile(r"^\s*created (osvif-demo-[0-9a-f]{8}(?:-vm\d)?)\s", re.M)


def demo_namespaces() -> set[str]:
    listed = ip("netns", "list").stdout.split("\n")
    return {line.split()[0] for line in listed if line.startswith(PREFIX)}


def run_demo(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DEMO, *args], capture_output=True, text=True, timeout=TIMEOUT, check=False
    )


def created_by(stdout: str) -> list[str]:
    names = CREATED.findall(stdout)
    assert len(names) == 3, stdout  # the host and two guests
    return names


@pytest.fixture
def leftovers() -> Iterator[None]:
    """Fail the test if it leaves a demo namespace; remove it either way."""
    reason = missing_privileges()
    if reason is not None:
        pytest.skip(reason)
    before = demo_namespaces()
    yield
    left = demo_namespaces() - before
    for name in left:
        ip("netns", "delete", name, check=False)
    assert not left, f"namespaces left behind: {sorted(left)}"


@pytest.mark.usefixtures("leftovers")
def test_demo_plugs_pings_unplugs_and_removes_everything():
    before = demo_namespaces()

    proc = run_demo()

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""
    out = proc.stdout
    host, vm1, vm2 = created_by(out)
    assert (vm1, vm2) == (f"{host}-vm1", f"{host}-vm2")
    assert "os_vif.initialize(): plugins " in out
    assert "linux_bridge" in out.split("os_vif.initialize(): plugins ", 1)[1].split("\n", 1)[0]
    assert len(re.findall(r"os_vif\.plug\(VIFBridge .*: ok", out)) == 2
    assert len(re.findall(r"os_vif\.unplug\(VIFBridge .*: ok", out)) == 2
    # The table, while plugged: both guests' host ends are ports of br-demo.
    ports = re.findall(r"^\s*(tap[0-9a-f-]{11})\s+veth\s+br-demo\s+1500\s+up\b", out, re.M)
    assert len(ports) == 2, out
    # Two pings: before unplug some replies, after unplug none.
    (sent1, got1), (sent2, got2) = PING_SUMMARY.findall(out)
    assert (int(sent1), int(sent2)) == (3, 3), out
    assert int(got1) > 0, out
    assert int(got2) == 0, out
    assert re.search(r"reply from 10\.99\.0\.2: icmp_seq=\d+ time=[\d.]+ ms", out)
    assert out.index("received") < out.index("os_vif.unplug(") < out.rindex("received")
    assert "br-demo: no ports" in out
    for name in (vm2, vm1, host):
        assert f"removed namespace {name} " in out
    assert out.rstrip().endswith("Done: plugged, pinged, unplugged, cleaned up.")
    assert demo_namespaces() <= before


@pytest.mark.usefixtures("leftovers")
def test_keep_leaves_the_guests_connected_until_cleanup():
    kept = run_demo("--keep")

    try:
        assert kept.returncode == 0, kept.stdout + kept.stderr
        host, vm1, vm2 = created_by(kept.stdout)
        assert {host, vm1, vm2} <= demo_namespaces()
        assert "removed namespace" not in kept.stdout
        assert f"ip netns exec {host} " in kept.stdout
        assert "os-vif demo --cleanup" in kept.stdout
        # Plugged again: both ports on the bridge, and traffic flows.
        ports = Netns(host).ip("-o", "link", "show", "master", "br-demo").stdout
        assert len(ports.strip().splitlines()) == 2, ports
        assert Netns(vm1).run_inside(lambda: icmp_echo("10.99.0.2", 3.0))

        cleaned = run_demo("--cleanup")

        assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
        for name in (host, vm1, vm2):
            assert f"removed namespace {name} " in cleaned.stdout
        assert not {host, vm1, vm2} & demo_namespaces()
    finally:
        for name in CREATED.findall(kept.stdout):
            ip("netns", "delete", name, check=False)


@pytest.mark.usefixtures("leftovers")
def test_cleanup_leaves_other_namespaces_alone():
    stranger = Netns(f"{PREFIX}not-ours")
    ip("netns", "add", stranger.name)
    try:
        proc = run_demo("--cleanup")
        assert proc.returncode == 0, proc.stdout + proc.stderr
        assert stranger.name in demo_namespaces()
    finally:
        ip("netns", "delete", stranger.name)


@pytest.mark.usefixtures("leftovers")
def test_a_failure_cleans_up_and_prints_one_line(tmp_path: Path):
    config = tmp_path / "bad.toml"
    # A value of the wrong type (an unknown option is only a warning, as with oslo.config).
    config.write_text('[linux_bridge]\nnetwork_device_mtu = "lots"\n')

    proc = subprocess.run(
        [sys.executable, "-m", "os_vif", "--config", str(config), "demo"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )

    assert proc.returncode == 1
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("ConfigError: ")
    assert "network_device_mtu" in proc.stderr
    host, _, _ = created_by(proc.stdout)
    assert "Failed: cleaning up." in proc.stdout
    assert f"removed namespace {host} " in proc.stdout


@pytest.mark.usefixtures("leftovers")
def test_ctrl_c_cleans_up():
    with subprocess.Popen(DEMO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        seen = []
        deadline = time.monotonic() + TIMEOUT
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("2. Plug") or time.monotonic() > deadline:
                break
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=TIMEOUT)
    out = "".join(seen) + rest

    assert proc.returncode == 1, out + err
    assert err == "DemoError: interrupted; everything it made is removed\n"
    host, _, _ = created_by(out)
    assert f"removed namespace {host} " in out


@pytest.mark.usefixtures("leftovers")
@pytest.mark.skipif(shutil.which("setpriv") is None, reason="needs util-linux's setpriv")
def test_without_privileges_it_says_so_in_one_line():
    # Still uid 0, but with no capabilities at all.
    proc = subprocess.run(
        ["setpriv", "--bounding-set", "-all", *DEMO],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )

    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.startswith("DemoError: the demo needs root")
    assert proc.stderr.count("\n") == 1


# --- --backend ovs ------------------------------------------------------------------

STATE_ROOT = Path("/run/os-vif-demo")
OVS_DEMO = ("--backend", "ovs")
OVS_BINARIES = ("ovsdb-tool", "ovsdb-server", "ovs-vswitchd")
STARTED = re.compile(r"^\s*started (ovsdb-server|ovs-vswitchd) \(pid (\d+)\)", re.M)
STOPPED = re.compile(r"^\s*stopped (ovsdb-server|ovs-vswitchd) \(pid (\d+)\)", re.M)
GUEST_MAC = re.compile(r"guest vm\d: eth0 \S+ \(([0-9a-f:]{17})\)")
DEMO_BRIDGE = re.compile(r"\bbr-demo-[0-9a-f]{7}\b")
_PR_SET_CHILD_SUBREAPER = 36


def demo_daemons() -> dict[int, str]:
    """The demo's OVS daemons still running, by pid (``pgrep -a``).

    Only those started for a demo state directory: other tests' private
    daemons may be running. A zombie has no command line, so it is not listed.
    """
    listed = subprocess.run(
        ["pgrep", "-a", "^(ovsdb-server|ovs-vswitchd)$"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return {
        int(line.split()[0]): line
        for line in listed.splitlines()
        if f"--pidfile={STATE_ROOT}/" in line
    }


def state_dirs() -> set[str]:
    return {p.name for p in STATE_ROOT.iterdir()} if STATE_ROOT.is_dir() else set()


def reap(pids: list[int]) -> None:
    """Collect the exit status of adopted daemons, so that no zombie stays."""
    deadline = time.monotonic() + 10
    for pid in pids:
        while time.monotonic() < deadline:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                break  # not ours (or already collected)
            if done:
                break
            time.sleep(0.05)


@contextlib.contextmanager
def adopting_orphans() -> Iterator[None]:
    """Make this process the subreaper of what a ``--keep`` run leaves running.

    The daemons outlive the demo process; their new parent must collect them
    once ``--cleanup`` stops them. PID 1 does that on an ordinary host, not
    necessarily in a container: the test does it instead.
    """
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        pytest.skip(f"prctl(PR_SET_CHILD_SUBREAPER): {os.strerror(ctypes.get_errno())}")
    try:
        yield
    finally:
        libc.prctl(_PR_SET_CHILD_SUBREAPER, 0, 0, 0, 0)


@pytest.fixture
def ovs_leftovers(leftovers: None) -> Iterator[None]:
    """Fail the test if a demo leaves OVS daemons or state; stop and remove them."""
    reason = missing_requirements()
    if reason is not None:
        pytest.skip(reason)
    daemons, dirs = demo_daemons(), state_dirs()
    yield
    left = {pid: line for pid, line in demo_daemons().items() if pid not in daemons}
    for pid in left:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    reap(list(left))
    stale = state_dirs() - dirs
    for name in stale:
        shutil.rmtree(STATE_ROOT / name, ignore_errors=True)
    assert not left, f"daemons left running: {list(left.values())}"
    assert not stale, f"state left in {STATE_ROOT}: {sorted(stale)}"


def not_running(pids: list[int]) -> bool:
    running = demo_daemons()
    return not any(pid in running for pid in pids)


@pytest.mark.usefixtures("ovs_leftovers")
def test_ovs_demo_plugs_pings_unplugs_and_removes_everything():
    before = demo_namespaces()

    proc = run_demo(*OVS_DEMO)

    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stderr == ""
    out = proc.stdout
    host, vm1, vm2 = created_by(out)
    assert (vm1, vm2) == (f"{host}-vm1", f"{host}-vm2")
    started = dict(STARTED.findall(out))
    assert set(started) == {"ovsdb-server", "ovs-vswitchd"}, out
    assert f"listening on unix:{STATE_ROOT}/{host}/db.sock" in out
    plugins = out.split("os_vif.initialize(): plugins ", 1)[1].split("\n", 1)[0]
    assert "ovs" in plugins.split(", ")
    assert "isolate_vif=False per_port_bridge=False" in out
    bridge = f"br-demo-{host.rsplit('-', 1)[1][:7]}"
    # One guest the hybrid way, one as an OVS port, both on the demo's bridge.
    hybrid = re.findall(
        rf"os_vif\.(plug|unplug)\(VIFBridge vif_name=tap\S+ bridge_name=qbr\S+ "
        rf"network\.bridge={bridge}\) for vm1: ok",
        out,
    )
    port = re.findall(
        rf"os_vif\.(plug|unplug)\(VIFOpenVSwitch vif_name=tap\S+ bridge_name={bridge} "
        rf"create_port\) for vm2: ok",
        out,
    )
    assert hybrid == ["plug", "unplug"], out
    assert port == ["plug", "unplug"], out
    # The OVSDB records, read back while plugged.
    assert f"Bridge {bridge}: datapath_type netdev, qvo" in out
    assert len(re.findall(r"^\s*Port qvo\S+ \(vm1, hybrid plug\)$", out, re.M)) == 1, out
    assert len(re.findall(r"^\s*Port tap\S+ \(vm2, create_port\)$", out, re.M)) == 1, out
    assert out.count('Interface type "" (a kernel device); ovs-vswitchd opened it') == 2
    for mac in GUEST_MAC.findall(out):
        assert re.search(rf"external_ids:attached-mac\s+{mac}\s+\(vm\d's eth0\)", out), mac
    assert len(re.findall(r"external_ids:iface-id\s+[0-9a-f-]{36}\s+\(the VIF's", out)) == 2
    assert len(re.findall(r"external_ids:vm-uuid\s+[0-9a-f-]{36}\s+\(the instance\)", out)) == 2
    # The kernel devices of the hybrid plug, while plugged.
    assert re.search(r"^\s*qbr\S+\s+bridge\s", out, re.M), out
    assert re.search(r"^\s*qvb\S+\s+veth\s+qbr\S+\s+1500\s+up\s+UP", out, re.M), out
    # Ping through OVS before unplug, none after.
    (sent1, got1), (sent2, got2) = PING_SUMMARY.findall(out)
    assert (int(sent1), int(sent2)) == (3, 3), out
    assert int(got1) > 0, out
    assert int(got2) == 0, out
    assert f"vm1 reaches vm2 through {bridge}" in out
    assert out.index("received") < out.index("os_vif.unplug(") < out.rindex("received")
    # After unplug: the records and the hybrid devices are gone.
    assert f"Bridge {bridge}: datapath_type netdev, no VIF ports" in out
    assert out.count("gone, and its Interface record") == 2
    assert re.search(r"gone: qbr\S+, qvb\S+, qvo\S+ \(the hybrid plug", out), out
    # Clean-up: the daemons by pid, vswitchd's taps, the state, the namespaces.
    assert dict(STOPPED.findall(out)) == started
    assert re.search(rf"deleted the taps ovs-vswitchd left in {host}: .*\b{bridge}\b", out)
    assert f"removed {STATE_ROOT}/{host}" in out
    for name in (vm2, vm1, host):
        assert f"removed namespace {name} " in out
    assert out.rstrip().endswith("Done: plugged, pinged, unplugged, cleaned up.")
    assert not_running([int(pid) for pid in started.values()])
    assert demo_namespaces() <= before
    assert host not in state_dirs()


@pytest.mark.usefixtures("ovs_leftovers")
def test_ovs_keep_leaves_it_running_until_cleanup_stops_the_daemons():
    pids: list[int] = []
    with adopting_orphans():
        kept = run_demo(*OVS_DEMO, "--keep")
        try:
            assert kept.returncode == 0, kept.stdout + kept.stderr
            host, vm1, vm2 = created_by(kept.stdout)
            assert {host, vm1, vm2} <= demo_namespaces()
            state = json.loads((STATE_ROOT / host / "state.json").read_text())
            pids = sorted(state["pids"].values())
            assert sorted(int(pid) for _, pid in STARTED.findall(kept.stdout)) == pids
            assert set(pids) <= set(demo_daemons()), "the daemons should still run"
            assert "os-vif demo --cleanup" in kept.stdout
            assert "ovs-vsctl --db=unix:" in kept.stdout
            # Plugged again: both VIF ports on the bridge, and traffic flows.
            db = f"--db={state['remote']}"
            ports = subprocess.run(
                ["ovs-vsctl", db, "list-ports", state["bridge"]],
                capture_output=True,
                text=True,
                check=True,
            ).stdout.split()
            assert len(ports) == 2, ports
            assert any(p.startswith("qvo") for p in ports), ports
            assert Netns(vm1).run_inside(lambda: icmp_echo("10.99.0.2", 5.0))

            cleaned = run_demo("--cleanup")

            assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
            assert sorted(int(pid) for _, pid in STOPPED.findall(cleaned.stdout)) == pids
            assert re.search(rf"deleted the taps ovs-vswitchd left in {host}: ", cleaned.stdout)
            for name in (host, vm1, vm2):
                assert f"removed namespace {name} " in cleaned.stdout
            assert not {host, vm1, vm2} & demo_namespaces()
            assert host not in state_dirs()
            assert not_running(pids)
        finally:
            for name in CREATED.findall(kept.stdout):
                ip("netns", "delete", name, check=False)
            reap(pids)


@pytest.mark.usefixtures("leftovers")
def test_ovs_without_the_binaries_says_how_to_get_them(tmp_path: Path):
    # A PATH where nothing of Open vSwitch is (Python is run by its full path).
    empty = tmp_path / "bin"
    empty.mkdir()
    env = {**os.environ, "PATH": str(empty)}

    proc = subprocess.run(
        [*DEMO, *OVS_DEMO],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=env,
    )

    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert proc.stdout == ""  # refused before anything was made
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert proc.stderr.startswith("DemoError: Open vSwitch is not installed ("), proc.stderr
    for binary in OVS_BINARIES:
        assert binary in proc.stderr
    assert "apt-get install openvswitch-switch" in proc.stderr
    assert "--ovsdb-connection" in proc.stderr


@pytest.mark.usefixtures("ovs_leftovers")
def test_ovs_on_a_running_ovs_adds_and_removes_only_its_own_bridge(ovs_daemons: OvsDaemons):
    # The suite's private OVS stands in for a host's: a bridge of its own,
    # with a port, must come through untouched.
    ovs_daemons.vsctl("--timeout=30", "add-br", "br-host-demo")
    ovs_daemons.vsctl("--timeout=30", "set", "Bridge", "br-host-demo", "datapath_type=netdev")
    ovs_daemons.vsctl("--timeout=30", "add-port", "br-host-demo", "hostp0")
    ovs_daemons.vsctl("set", "Interface", "hostp0", "type=dummy")
    try:
        bridges_before = set(ovs_daemons.vsctl("list-br").split())

        proc = run_demo(*OVS_DEMO, "--ovsdb-connection", ovs_daemons.remote)

        assert proc.returncode == 0, proc.stdout + proc.stderr
        out = proc.stdout
        host, _, _ = created_by(out)
        bridge = f"br-demo-{host.rsplit('-', 1)[1][:7]}"
        assert f"Open vSwitch at {ovs_daemons.remote}" in out
        assert not STARTED.findall(out), "no private daemons with --ovsdb-connection"
        assert f"its own bridge {bridge} and removes it at the end" in out
        # The records are written and read back; that ovs-vswitchd, in
        # another namespace, cannot open the demo's devices, and says so.
        assert len(re.findall(r"external_ids:iface-id\s+[0-9a-f-]{36}", out)) == 2
        assert "could not open network device" in out
        assert "No ping from vm1 to vm2" in out
        assert out.count("gone, and its Interface record") == 2
        assert f"deleted OVS bridge {bridge} (and its ports) at {ovs_daemons.remote}" in out
        assert out.rstrip().endswith("Done: plugged, unplugged, cleaned up (no ping, see above).")
        assert set(ovs_daemons.vsctl("list-br").split()) == bridges_before
        assert ovs_daemons.vsctl("list-ports", "br-host-demo") == "hostp0"
        assert host not in state_dirs()
    finally:
        ovs_daemons.vsctl("--timeout=30", "--if-exists", "del-br", "br-host-demo")


@pytest.mark.usefixtures("ovs_leftovers")
def test_ovs_keep_on_a_running_ovs_then_cleanup_removes_its_bridge(ovs_daemons: OvsDaemons):
    kept = run_demo(*OVS_DEMO, "--ovsdb-connection", ovs_daemons.remote, "--keep")
    try:
        assert kept.returncode == 0, kept.stdout + kept.stderr
        host, _, _ = created_by(kept.stdout)
        bridge = f"br-demo-{host.rsplit('-', 1)[1][:7]}"
        assert len(ovs_daemons.vsctl("list-ports", bridge).split()) == 2

        cleaned = run_demo("--cleanup")

        assert cleaned.returncode == 0, cleaned.stdout + cleaned.stderr
        assert f"deleted OVS bridge {bridge} (and its ports)" in cleaned.stdout
        assert bridge not in ovs_daemons.vsctl("list-br").split()
        assert f"removed namespace {host} " in cleaned.stdout
        assert host not in state_dirs()
    finally:
        for name in CREATED.findall(kept.stdout):
            ip("netns", "delete", name, check=False)
        for name in DEMO_BRIDGE.findall(kept.stdout):
            ovs_daemons.vsctl("--timeout=30", "--if-exists", "del-br", name)


@pytest.mark.usefixtures("ovs_leftovers")
def test_ovs_ctrl_c_stops_the_daemons_and_cleans_up():
    argv = [*DEMO, *OVS_DEMO]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stdout is not None
        seen = []
        deadline = time.monotonic() + TIMEOUT
        for line in proc.stdout:
            seen.append(line)
            if line.startswith("3. Plug") or time.monotonic() > deadline:
                break
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=TIMEOUT)
    out = "".join(seen) + rest

    assert proc.returncode == 1, out + err
    assert err == "DemoError: interrupted; everything it made is removed\n"
    host, _, _ = created_by(out)
    started = dict(STARTED.findall(out))
    assert set(started) == {"ovsdb-server", "ovs-vswitchd"}, out
    assert dict(STOPPED.findall(out)) == started
    assert not_running([int(pid) for pid in started.values()])
    assert f"removed namespace {host} " in out


def test_ovsdb_connection_needs_the_ovs_backend():
    proc = run_demo("--ovsdb-connection", "unix:/nowhere/db.sock")

    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr == "UsageError: --ovsdb-connection is for --backend ovs\n"

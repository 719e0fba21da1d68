"""``os-vif demo``, run for real as the README tells users to run it.

Each test runs the command in a subprocess (``python -m os_vif demo``) and
checks what it prints and what it leaves: namespaces are listed with
iproute2, independently of the code under test. A guard removes any
namespace a test run left behind, and fails the test for it.
"""

from __future__ import annotations

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
    config.write_text("[linux_bridge]\nno_such_option = 1\n")

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
    assert "no_such_option" in proc.stderr
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

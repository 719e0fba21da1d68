"""vif_plug_ovs.sandbox: private daemons started, found ready, stopped by pid, cleaned up.

Each test runs its own sandbox in a namespace of its own; what it leaves is
checked in ``/proc``, with iproute2 and with ``ovs-vsctl``, not with the sandbox.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from fixtures.netns import created_netns, ip
from fixtures.ovs import OvsDaemons, missing_requirements
from vif_plug_ovs.sandbox import Sandbox, SandboxError

pytestmark = pytest.mark.functional


@pytest.fixture(autouse=True)
def _requirements():
    reason = missing_requirements()
    if reason is not None:
        pytest.skip(reason)


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except OSError:
        return False
    return state != "Z"


def test_a_sandbox_serves_and_leaves_nothing(tmp_path):
    with created_netns() as ns:
        sandbox = OvsDaemons(tmp_path / "ovs", netns=ns.name)
        with sandbox:
            pids = sandbox.pids
            assert set(pids) == {"ovsdb-server", "ovs-vswitchd"}
            sandbox.vsctl("add-br", "brs0", "--", "set", "Bridge", "brs0", "datapath_type=netdev")
            # Without --no-wait: ovs-vswitchd is there to apply it.
            assert "brs0" in ns.ifnames()
            cfg = [sandbox.vsctl("get", "Open_vSwitch", ".", c) for c in ("cur_cfg", "next_cfg")]
            assert cfg[0] == cfg[1]
        assert not any(running(pid) for pid in pids.values())
        assert ns.ifnames() <= {"lo"}, "the taps ovs-vswitchd left are deleted"
        assert (tmp_path / "ovs" / "conf.db").exists(), "a given directory is left in place"


def test_own_namespace_and_directory_are_removed():
    sandbox = Sandbox(netns="osvif-sbx-own", own_netns=True)
    with sandbox:
        assert "osvif-sbx-own" in ip("netns", "list").stdout
        workdir = sandbox.workdir
        assert workdir.is_dir()
    assert "osvif-sbx-own" not in ip("netns", "list").stdout
    assert not workdir.exists()


def test_another_process_stops_the_daemons_by_pid(tmp_path):
    with created_netns() as ns:
        first = OvsDaemons(tmp_path, netns=ns.name).start()
        first.vsctl("add-br", "brs1", "--", "set", "Bridge", "brs1", "datapath_type=netdev")
        pids = first.pids

        done = Sandbox.adopt(tmp_path, pids, netns=ns.name).stop()

        assert [(s.program, s.pid, s.how) for s in done.daemons] == [
            ("ovs-vswitchd", pids["ovs-vswitchd"], "stopped"),
            ("ovsdb-server", pids["ovsdb-server"], "stopped"),
        ]
        assert "brs1" in done.taps
        assert not done.left
        again = Sandbox.adopt(tmp_path, pids, netns=ns.name).stop()
        assert [s.how for s in again.daemons] == ["gone", "gone"]
        first.stop()  # collects its children


def test_a_reused_pid_is_not_signalled(tmp_path):
    # Our own pid, for a program of another name: the sandbox must not kill it.
    done = Sandbox.adopt(tmp_path, {"ovsdb-server": os.getpid()}).stop()
    assert [s.how for s in done.daemons] == ["gone"]


def test_restarting_ovsdb_server_keeps_the_database(tmp_path):
    with OvsDaemons(tmp_path, vswitchd=False) as sandbox:
        sandbox.vsctl("--no-wait", "add-br", "brs2")
        old = sandbox.pids["ovsdb-server"]
        new = sandbox.restart_ovsdb_server()
        assert new != old
        assert not running(old)
        assert sandbox.vsctl("--no-wait", "list-br") == "brs2"


def test_a_daemon_that_fails_is_reported_and_nothing_is_left(tmp_path):
    sandbox = Sandbox(tmp_path, vswitchd=False, server_args=("--no-such-option",))
    with pytest.raises(SandboxError, match=r"ovsdb-server exited with status 1: .*no-such-option"):
        sandbox.start()
    assert sandbox.pids == {}


def test_vswitchd_needs_a_namespace():
    with pytest.raises(ValueError, match="needs a network namespace"):
        Sandbox()

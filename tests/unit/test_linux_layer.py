"""The Linux host layer as a declared layer: its surface, Change, UndoLog, what differs."""

from __future__ import annotations

import importlib
import logging
import subprocess
import sys

import pytest

import os_vif.linux
from os_vif import PlugOutcome
from os_vif.linux._settings import bridge_differences, link_differences
from os_vif.linux.change import Change
from os_vif.linux.linkinfo import LinkInfo
from os_vif.linux.undo import UndoLog

CREATED, UPDATED, UNCHANGED = Change.CREATED, Change.UPDATED, Change.UNCHANGED

PUBLIC = ["change", "errors", "linkinfo", "locks", "names", "netlink", "netns", "sysctl", "undo"]


def test_the_package_declares_its_public_modules():
    assert os_vif.linux.__all__ == PUBLIC
    assert sorted(dir(os_vif.linux)) == PUBLIC
    assert os_vif.linux.netlink is importlib.import_module("os_vif.linux.netlink")
    with pytest.raises(AttributeError):
        _ = os_vif.linux.no_such_module


@pytest.mark.parametrize("module", PUBLIC)
def test_each_public_module_lists_real_public_names(module):
    loaded = importlib.import_module(f"os_vif.linux.{module}")
    assert loaded.__all__ == sorted(set(loaded.__all__))
    for name in loaded.__all__:
        assert hasattr(loaded, name), f"os_vif.linux.{module}.{name}"
        assert not name.startswith("_")
        assert getattr(loaded, name).__doc__, f"os_vif.linux.{module}.{name} has no docstring"


def test_importing_the_package_or_names_loads_no_netlink():
    # The linux_bridge plugin's config reads names at load time; the socket
    # code comes on the first plug.
    code = (
        "import sys, os_vif.linux, os_vif.linux.names; "
        "print(','.join(m for m in sys.modules if m.startswith('os_vif.linux.')))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "os_vif.linux.names"


def test_the_old_private_path_is_gone():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("os_vif._linux")


# --- Change ----------------------------------------------------------------------


def test_changes_of_one_thing_combine():
    assert UNCHANGED | UNCHANGED is UNCHANGED
    assert UNCHANGED | UPDATED is UPDATED
    assert UPDATED | CREATED is CREATED
    assert CREATED | UPDATED is CREATED  # what a call made stays "made"
    assert not UNCHANGED.changed
    assert UPDATED.changed
    assert CREATED.changed


# --- UndoLog ---------------------------------------------------------------------


def test_nothing_written_is_unchanged():
    log = UndoLog()
    assert log.outcome() is PlugOutcome.UNCHANGED
    log.record(UNCHANGED, "qbr1")
    log.record(UNCHANGED, "br-int", shared=True)
    assert log.outcome() is PlugOutcome.UNCHANGED


def test_everything_of_the_vifs_own_made_is_created():
    log = UndoLog()
    log.record(UNCHANGED, "br-int", shared=True)  # found as asked: says nothing
    log.record(CREATED, "qbr1")
    log.record(UPDATED, "qbr1")  # its sysctls, set just after it was made
    log.record(CREATED, "qvb1", "qvo1")
    assert log.outcome() is PlugOutcome.CREATED


def test_an_update_is_a_repair():
    log = UndoLog()
    log.record(UNCHANGED, "qbr1")
    log.record(UPDATED, "qbr1")  # an MTU fixed
    assert log.outcome() is PlugOutcome.REPAIRED
    shared = UndoLog()
    shared.record(UPDATED, "brq1", shared=True)  # a network's bridge, MTU fixed
    assert shared.outcome() is PlugOutcome.REPAIRED


def test_a_missing_piece_made_again_is_a_repair():
    log = UndoLog()
    log.record(CREATED, "qbr1")  # deleted by hand
    log.record(UNCHANGED, "qvo1")  # but the rest of the VIF was there
    assert log.outcome() is PlugOutcome.REPAIRED


def test_a_thing_both_shared_and_own_counts_as_own():
    log = UndoLog()
    log.record(UNCHANGED, "x", shared=True)
    log.record(UNCHANGED, "x")
    log.record(CREATED, "y")
    assert log.outcome() is PlugOutcome.REPAIRED


def test_rollback_undoes_only_creations_newest_first():
    done = []

    def plug():
        with UndoLog() as log:
            log.record(CREATED, "a", undo=lambda: done.append("a"))
            log.record(UPDATED, "b", undo=lambda: done.append("b"))  # existed: kept
            log.record(UNCHANGED, "c", undo=lambda: done.append("c"))
            log.push(lambda: done.append("pushed"))
            log.record(CREATED, "d", undo=lambda: done.append("d"))
            raise RuntimeError("half-way")

    with pytest.raises(RuntimeError):
        plug()
    assert done == ["d", "pushed", "a"]


def test_a_clean_exit_keeps_everything():
    done = []
    with UndoLog() as log:
        log.record(CREATED, "a", undo=lambda: done.append("a"))
    assert done == []
    log.rollback()  # later, explicitly
    assert done == ["a"]
    log.rollback()  # and only once
    assert done == ["a"]


def test_discard_keeps_what_was_done():
    done = []

    def plug():
        with UndoLog() as log:
            log.record(CREATED, "a", undo=lambda: done.append("a"))
            log.discard()
            raise RuntimeError("committed, then a timeout")

    with pytest.raises(RuntimeError):
        plug()
    assert done == []


def test_a_failing_undo_step_is_logged_and_the_others_run(caplog):
    done = []

    def broken():
        raise OSError("busy")

    log = UndoLog()
    log.record(CREATED, "a", undo=lambda: done.append("a"))
    log.record(CREATED, "b", undo=broken)
    with caplog.at_level(logging.ERROR, logger="os_vif.linux.undo"):
        log.rollback(ValueError("the cause"))
    assert done == ["a"]
    assert "the cause" in caplog.text


# --- what differs ----------------------------------------------------------------


def link(**values):
    return LinkInfo(**{"name": "p0", "index": 3, "kind": "veth", "mtu": 1500, "up": True, **values})


def test_link_differences_holds_only_what_differs():
    assert link_differences(link(), mtu=1500, up=True, alias="", promisc=False) == {}
    assert link_differences(link(alias="x"), alias="") == {"alias": ""}
    assert link_differences(link(), mtu=1400, up=False, promisc=True, master_index=7) == {
        "mtu": 1400,
        "up": False,
        "promisc": True,
        "master": 7,
    }
    assert link_differences(link(master_index=7), master_index=7) == {}
    assert link_differences(link(address="fa:16:3e:00:00:01"), address="fa:16:3e:00:00:02") == {
        "address": "fa:16:3e:00:00:02"
    }


def test_bridge_differences_compares_times_in_kernel_ticks():
    bridge = link(kind="bridge", stp=False, forward_delay=0.0, ageing_time=300.0)
    asked = {"mtu": 1500, "stp": False, "forward_delay": 0, "alias": None, "up": True}
    assert bridge_differences(bridge, **asked, ageing_time=None) == {}
    assert bridge_differences(bridge, **asked, ageing_time=300.004) == {}
    assert bridge_differences(bridge, **asked, ageing_time=0) == {"ageing_time": 0}
    asked["stp"], asked["forward_delay"] = True, 15
    assert bridge_differences(bridge, **asked, ageing_time=None) == {
        "stp": True,
        "forward_delay": 15,
    }
    # up=False leaves a bridge that is down alone
    down = link(kind="bridge", stp=False, forward_delay=0.0, up=False)
    assert bridge_differences(down, **{**asked, "stp": False, "forward_delay": 0, "up": False},
                              ageing_time=None) == {}  # fmt: skip

"""os-vif 5.3.0's own unit tests, run on this library and on os-vif 5.3.0.

The tests come from os-vif's wheel (PyPI, cached); ``unit_runner.py`` runs
them in the "ours + oslo" virtualenv and in the interop one, one process per
side. Every test of a public-behaviour module is one pytest item per side and
must pass on both. What cannot apply to another implementation (tests of
os-vif's private modules, tests that patch stevedore's ExtensionManager) is
listed below with the reason, and in docs/compat.md; anything else that
fails is a compatibility bug.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import compat_env
import pytest
from compat_env import REPO_ROOT
from compat_results import (
    collect,
    counts,
    record,
    side_by_side_tests,
    unittest_ids,
    unittest_modules,
)
from unit_runner import TEST_PACKAGES

from fixtures.venvs import unpacked_wheel
from interop.interop_upstream import UPSTREAM_VERSION

PUBLIC_MODULES = (
    "os_vif.tests.unit.test_base",
    "os_vif.tests.unit.test_exception",
    "os_vif.tests.unit.test_host_info",
    "os_vif.tests.unit.test_objects",
    "os_vif.tests.unit.test_os_vif",
    "os_vif.tests.unit.test_vif",
    "vif_plug_noop.tests.unit.test_plugin",
)
# Modules that test os-vif's private implementation: each imports a module
# that is no part of os-vif's public API, which this library does not have.
EXCLUDED_MODULES = {
    "os_vif.tests.unit.internal.ip.test_api": (
        "os_vif.internal.ip.api: os-vif's private ip-command layer (oslo.privsep + pyroute2)"
    ),
    "os_vif.tests.unit.internal.ip.linux.test_impl_pyroute2": (
        "os_vif.internal.ip.linux.impl_pyroute2: its private pyroute2 backend, tested by "
        "patching pyroute2.IPRoute"
    ),
    "vif_plug_ovs.tests.unit.test_linux_net": (
        "vif_plug_ovs.linux_net: the OVS plugin's private Linux helpers, tested by patching "
        "processutils, sysfs reads and ip_lib"
    ),
    "vif_plug_ovs.tests.unit.ovsdb.test_ovsdb_lib": (
        "vif_plug_ovs.ovsdb.ovsdb_lib: the OVS plugin's private ovsdbapp wrapper"
    ),
    "vif_plug_ovs.tests.unit.test_plugin": (
        "imports os_vif.internal.ip.api, vif_plug_ovs.linux_net and vif_plug_ovs.ovsdb.ovsdb_lib "
        "at module level and asserts calls into them and into OvsPlugin's private methods"
    ),
}
# Single tests of public-behaviour modules that patch stevedore, which this
# library does not load plugins with.
_STEVEDORE = "patches stevedore.extension.ExtensionManager, which this library does not use"
EXCLUDED_TESTS = {
    "os_vif.tests.unit.test_os_vif.TestOSVIF.test_initialize": _STEVEDORE,
    "os_vif.tests.unit.test_os_vif.TestOSVIF.test_plug": _STEVEDORE,
    "os_vif.tests.unit.test_os_vif.TestOSVIF.test_unplug": _STEVEDORE,
}
SUITE = f"os-vif {UPSTREAM_VERSION} unit tests"


def _root() -> Path:
    return unpacked_wheel("os-vif", UPSTREAM_VERSION)


def _selected_modules(root: Path) -> list[str]:
    return [m for m in unittest_modules(root, TEST_PACKAGES) if m not in EXCLUDED_MODULES]


def _selected_ids() -> list[str]:
    root = _root()
    ids = (i for m in _selected_modules(root) for i in unittest_ids(root, m))
    return [i for i in ids if i not in EXCLUDED_TESTS]


SELECTED = collect(_selected_ids)


@pytest.fixture(scope="session")
def unit_reports(
    sides: dict[str, Path], testtools_overlay: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    root = _root()
    modules = _selected_modules(root)
    excludes = [arg for test_id in EXCLUDED_TESTS for arg in ("--exclude", test_id)]
    reports = compat_env.script_reports(
        sides,
        "unit_runner.py",
        lambda side: tmp_path_factory.mktemp(f"unit-{side}"),
        lambda _work: ["--root", str(root), *excludes, *modules],
        path=[testtools_overlay],
    )
    for side, report in reports.items():
        record(SUITE, side, counts(report, SELECTED))
    return reports


(
    test_on_ours,
    test_on_os_vif,
    test_each_side_ran_its_own_os_vif,
    test_os_vif_ran_exactly_these_tests,
) = side_by_side_tests("unit_reports", SELECTED)


def test_the_selection_is_the_public_behaviour_modules() -> None:
    assert _selected_modules(_root()) == sorted(PUBLIC_MODULES)


def test_each_exclusion_names_a_real_test_and_is_documented() -> None:
    root = _root()
    modules = unittest_modules(root, TEST_PACKAGES)
    documented = (REPO_ROOT / "docs" / "compat.md").read_text()
    for module in EXCLUDED_MODULES:
        assert module in modules
        assert f"`{module}`" in documented, f"docs/compat.md does not list {module}"
    for test_id in EXCLUDED_TESTS:
        assert test_id in unittest_ids(root, test_id.rsplit(".", 2)[0])
        short = ".".join(test_id.split(".")[-2:])  # Class.test_name
        assert f"`{short}`" in documented, f"docs/compat.md does not list {test_id}"

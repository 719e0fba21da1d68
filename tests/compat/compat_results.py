"""Test ids read from consumers' test files, and their outcomes as pytest results.

Consumers' suites run in other virtualenvs under their own runners and report
one outcome per test (``unit_runner.py``, ``subunit_results.py``). Here each
of those tests becomes one pytest item, so a failure names the test and
carries its traceback. The ids are read from the test file itself (its
classes and ``test*`` methods, through ``ast``), before anything runs, so a
test that never ran is a failure rather than a silent absence.
"""

from __future__ import annotations

import ast
import subprocess
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

import pytest
from compat_env import REPO_ROOT

from interop.interop_upstream import UPSTREAM_VERSION

# suite -> side -> counts, filled by the suites, printed by conftest at the end.
SUMMARY: dict[str, dict[str, dict[str, int]]] = {}
SKIP_STATUSES = ("skip",)
PASS_STATUSES = ("success", "xfail")


def module_file(root: Path, module: str) -> Path:
    return root.joinpath(*module.split(".")).with_suffix(".py")


def unittest_ids(root: Path, module: str) -> list[str]:
    """The ids unittest gives the tests of ``module`` (a file under ``root``)."""
    return unittest_ids_in(module_file(root, module).read_text(), module)


def unittest_ids_in(source: str, module: str) -> list[str]:
    """The ids unittest gives the tests in ``source``, the text of ``module``.

    A class counts when it has ``test*`` methods, its own or inherited from
    classes of the same file, as unittest's loader counts them.
    """
    tree = ast.parse(source)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}

    def methods(name: str, seen: frozenset[str] = frozenset()) -> set[str]:
        node = classes[name]
        found = {
            item.name
            for item in node.body
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef)
            and item.name.startswith("test")
        }
        for base in node.bases:
            if isinstance(base, ast.Name) and base.id in classes and base.id not in seen:
                found |= methods(base.id, seen | {name})
        return found

    return sorted(f"{module}.{name}.{method}" for name in classes for method in methods(name))


def unittest_modules(root: Path, packages: Iterable[str]) -> list[str]:
    """Every ``test_*.py`` module under ``<package>/unit`` of each package."""
    found = []
    for package in packages:
        unit = root.joinpath(*package.split(".")) / "unit"
        for path in unit.rglob("test_*.py"):
            relative = path.relative_to(root).with_suffix("")
            found.append(".".join(relative.parts))
    return sorted(found)


def collect(make_ids: Callable[[], list[str]]) -> list[Any]:
    """Parameters for one item per test id; one failing item if none can be had.

    Reading the ids may need a download; when it fails, collection goes on
    and the single ``unavailable`` item reports why.
    """
    try:
        return list(make_ids())
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        return [pytest.param(f"unavailable: {exc}", id="unavailable")]


def module_of(test_id: str) -> str:
    return test_id.rsplit(".", 2)[0]


def check_outcome(report: dict[str, Any], test_id: str) -> None:
    """Pass, skip or fail the current pytest item as ``test_id`` did."""
    if test_id.startswith("unavailable: "):
        pytest.fail(test_id, pytrace=False)
    module = module_of(test_id)
    error = report["import_errors"].get(module)
    if error is not None:
        pytest.fail(f"{module} does not import:\n{error}", pytrace=False)
    outcome = report["tests"].get(test_id)
    if outcome is None:
        pytest.fail(f"{test_id} did not run", pytrace=False)
    status, detail = outcome["status"], outcome.get("detail", "")
    if status in PASS_STATUSES:
        return
    if status in SKIP_STATUSES:
        pytest.skip(f"the test skipped itself: {detail}")
    pytest.fail(f"{test_id}: {status}\n{detail}", pytrace=False)


def counts(report: dict[str, Any], ids: Iterable[str]) -> dict[str, int]:
    """How many of ``ids`` passed, failed, skipped or never ran."""
    tally = {"passed": 0, "failed": 0, "skipped": 0, "not run": 0}
    for test_id in ids:
        outcome = report["tests"].get(test_id)
        if outcome is None:
            tally["not run"] += 1
        elif outcome["status"] in PASS_STATUSES:
            tally["passed"] += 1
        elif outcome["status"] in SKIP_STATUSES:
            tally["skipped"] += 1
        else:
            tally["failed"] += 1
    return tally


def record(suite: str, side: str, tally: dict[str, int]) -> None:
    SUMMARY.setdefault(suite, {})[side] = tally


def normalized(value: Any) -> Any:
    """``value`` with each ``versioned_object.changes`` list sorted.

    oslo.versionedobjects lists the changed fields from a set, so their order
    changes from one process to the next even on os-vif itself.
    """
    if isinstance(value, dict):
        return {
            key: sorted(item) if key == "versioned_object.changes" else normalized(item)
            for key, item in value.items()
        }
    if isinstance(value, list):
        return [normalized(item) for item in value]
    return value


def side_by_side_tests(reports_fixture: str, ids: list[Any]) -> tuple[Callable[..., None], ...]:
    """The pytest tests of a consumer's suite run on both sides.

    ``reports_fixture`` names a fixture returning ``{"ours": report,
    "os-vif": report}``. Returns, to assign to module globals:
    ``test_on_ours`` and ``test_on_os_vif`` (one item per test id),
    ``test_each_side_ran_its_own_os_vif`` and ``test_os_vif_ran_exactly_these_tests``
    (on os-vif everything imports, so its report checks our reading of the ids).
    """

    def on(side: str) -> Callable[..., None]:
        @pytest.mark.parametrize("test_id", ids)
        def test(request: pytest.FixtureRequest, test_id: str) -> None:
            check_outcome(request.getfixturevalue(reports_fixture)[side], test_id)

        return test

    def each_side_ran_its_own_os_vif(request: pytest.FixtureRequest) -> None:
        reports = request.getfixturevalue(reports_fixture)
        assert Path(reports["ours"]["os_vif"]["file"]).is_relative_to(REPO_ROOT / "src")
        assert reports["os-vif"]["os_vif"]["version"] == UPSTREAM_VERSION

    def os_vif_ran_exactly_these_tests(request: pytest.FixtureRequest) -> None:
        report = request.getfixturevalue(reports_fixture)["os-vif"]
        assert report["import_errors"] == {}
        assert sorted(report["tests"]) == sorted(ids)

    return on("ours"), on("os-vif"), each_side_ran_its_own_os_vif, os_vif_ran_exactly_these_tests

"""Fixtures for the compatibility suites: consumers' code on us and on os-vif 5.3.0.

Every test here carries the ``compat`` marker. The virtualenvs are described
in ``compat_env``; the first session builds them from PyPI (a few minutes),
later sessions reuse them. At the end the terminal summary prints, suite by
suite, how many tests pass on each side.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import compat_env
import pytest
from compat_results import SUMMARY

HERE = Path(__file__).resolve().parent


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "compat: runs consumers' code (os-vif's and nova's tests, kuryr, a third-party "
        "plugin) on this library and on os-vif 5.3.0, each in its own virtualenv",
    )


@pytest.hookimpl(tryfirst=True)  # before "-m" selects on the marker
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.compat)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not SUMMARY:
        return
    terminalreporter.section("compatibility: passed / total, on us and on os-vif 5.3.0")
    for suite, sides in sorted(SUMMARY.items()):
        cells = []
        for side, tally in sides.items():
            total = sum(tally.values())
            extra = ", ".join(f"{n} {what}" for what, n in tally.items() if n and what != "passed")
            cells.append(f"{side} {tally['passed']}/{total}" + (f" ({extra})" if extra else ""))
        terminalreporter.write_line(f"{suite}: " + "; ".join(cells))


# What each suite needs built, so that all of it can start at once.
NEEDS = {
    "test_os_vif_unit.py": ("ours-oslo", "os-vif", "overlay-testtools"),
    "test_nova.py": ("nova-ours", "nova-os-vif"),
    "test_kuryr.py": ("ours-oslo", "os-vif", "overlay-kuryr"),
    "test_thirdparty_plugin.py": ("ours-oslo", "os-vif"),
    "test_object_oslo_bridge.py": ("ours-oslo",),
}


def pytest_collection_finish(session: pytest.Session) -> None:
    files = {item.path.name for item in session.items if item.path.is_relative_to(HERE)}
    compat_env.start([name for file in sorted(files) for name in NEEDS.get(file, ())])


def _provide(name: str) -> Path:
    try:
        return compat_env.provide(name)
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        pytest.fail(f"cannot provide {name}: {exc}", pytrace=False)


@pytest.fixture(scope="session")
def ours_oslo_python() -> Path:
    """The interpreter of the "ours + oslo" virtualenv."""
    return _provide("ours-oslo")


@pytest.fixture(scope="session")
def sides(ours_oslo_python: Path) -> dict[str, Path]:
    """Side name -> interpreter: "ours + oslo" and os-vif 5.3.0, ours first."""
    return {"ours": ours_oslo_python, "os-vif": _provide("os-vif")}


@pytest.fixture(scope="session")
def testtools_overlay() -> Path:
    return _provide("overlay-testtools")


@pytest.fixture(scope="session")
def kuryr_overlay() -> Path:
    return _provide("overlay-kuryr")


@pytest.fixture(scope="session")
def nova_pythons() -> dict[str, Path]:
    """Side name -> interpreter of a virtualenv with nova, ours first."""
    return {"ours": _provide("nova-ours"), "os-vif": _provide("nova-os-vif")}

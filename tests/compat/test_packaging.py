"""Our distribution: what it contains, and that consumers' installs keep it.

We are a drop-in replacement, distributed as ``os-vif``. Nova requires
``os-vif>=3.1.0``, kuryr-kubernetes ``os-vif>=1.12.0``, a plugin
``os-vif>=2.0.0``; if our version did not satisfy them, ``pip install nova``
on a host that has us would quietly replace us with PyPI's os-vif. So the
sdist and wheel are built here (``python -m build``, the wheel from the
sdist, which proves the sdist complete), the wheel is installed into a fresh
virtualenv, and pip is asked, with ``--dry-run --report``, what installing
each consumer would change: os-vif must not be in the list.
"""

from __future__ import annotations

import email.parser
import json
import shutil
import subprocess
import sys
import tarfile
import tomllib
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import compat_env
import pytest
from compat_env import HERE, KURYR_VERSION, NOVA_VERSION, REPO_ROOT
from packaging.requirements import Requirement
from packaging.version import Version

from fixtures.venvs import download_wheel, pip, run, venv_python
from interop.interop_upstream import UPSTREAM_VERSION

PYPROJECT = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]
CONSUMERS = {
    "nova": (f"nova=={NOVA_VERSION}", ("nova", NOVA_VERSION)),
    "kuryr-kubernetes": (f"kuryr-kubernetes=={KURYR_VERSION}", ("kuryr-kubernetes", KURYR_VERSION)),
}
# Files an sdist must carry for its tests and docs to run from it.
SDIST_MUST_HOLD = (
    "LICENSE",
    "MANIFEST.in",
    "README.md",
    "pyproject.toml",
    "docs/compat.md",
    "docs/objects.md",
    "src/os_vif/py.typed",
    "tests/conftest.py",
    "tests/unit/golden/vif_ovs.json",
    "tests/interop/upstream_peer.py",
    "tests/compat/constraints.txt",
    "tests/compat/thirdparty_plugin/pyproject.toml",
    "tests/compat/thirdparty_plugin/vif_plug_stamp/stamp.py",
    "tools/test.sh",
    ".ci/run",
)


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Our sdist and wheel, built as a release would be."""
    out = tmp_path_factory.mktemp("dist")
    try:
        with compat_env.building_ours():
            command = [sys.executable, "-m", "build", "--outdir", str(out), str(REPO_ROOT)]
            run(command, "python -m build", 900)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        pytest.fail(f"python -m build failed: {exc}", pytrace=False)
    return {"sdist": next(out.glob("*.tar.gz")), "wheel": next(out.glob("*.whl"))}


@pytest.fixture(scope="session")
def installed(dists: dict[str, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtualenv holding our wheel (and its dependencies) only."""
    venv = tmp_path_factory.mktemp("installed") / "venv"
    run([sys.executable, "-m", "venv", str(venv)], "python -m venv", 300)
    python = venv_python(venv)
    args = ["install", "--only-binary", ":all:", *compat_env.constraints_args()]
    args.append(str(dists["wheel"]))
    pip(python, args, "pip install <our wheel>")
    return python


def _sdist_names(sdist: Path) -> list[str]:
    with tarfile.open(sdist) as archive:
        top = f"os_vif-{VERSION}/"
        return [m.name.removeprefix(top) for m in archive.getmembers() if m.isfile()]


def _metadata(wheel: Path) -> Any:
    with zipfile.ZipFile(wheel) as archive:
        text = archive.read(f"os_vif-{VERSION}.dist-info/METADATA").decode()
    return email.parser.Parser().parsestr(text)


def test_the_version_is_a_final_release_at_the_api_level_we_implement() -> None:
    ours, upstream = Version(VERSION), Version(UPSTREAM_VERSION)
    assert not ours.is_prerelease
    assert not ours.is_postrelease
    assert ours.local is None
    assert ours.release[:2] == upstream.release[:2]
    # Our own patch series starts at 100, clear of os-vif's 5.3.x bug fixes.
    assert ours.release[2] >= 100


@pytest.mark.parametrize("consumer", sorted(CONSUMERS))
def test_the_version_satisfies_what_consumers_require(consumer: str) -> None:
    _, (name, version) = CONSUMERS[consumer]
    with zipfile.ZipFile(download_wheel(name, version)) as archive:
        info = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        metadata = email.parser.Parser().parsestr(archive.read(info).decode())
    wanted = [Requirement(r) for r in metadata.get_all("Requires-Dist") or []]
    os_vif = [r for r in wanted if r.name == "os-vif"]
    assert os_vif, f"{consumer} {version} no longer requires os-vif?"
    assert all(r.specifier.contains(VERSION) for r in os_vif), os_vif


def test_the_sdist_carries_tests_docs_and_license(dists: dict[str, Path]) -> None:
    names = _sdist_names(dists["sdist"])
    missing = [name for name in SDIST_MUST_HOLD if name not in names]
    assert not missing
    assert not [n for n in names if "__pycache__" in n or n.endswith(".pyc")]
    assert not [n for n in names if n.startswith((".venv/", ".git/"))]


def test_the_sdist_carries_every_test_file(dists: dict[str, Path]) -> None:
    names = set(_sdist_names(dists["sdist"]))
    if not (REPO_ROOT / ".git").exists():
        pytest.skip("not a git checkout: no list of tracked files to compare with")
    tracked = run(["git", "ls-files", "tests"], "git ls-files", 60, cwd=REPO_ROOT).stdout.split()
    assert [name for name in tracked if name not in names] == []


def test_the_wheel_metadata(dists: dict[str, Path]) -> None:
    metadata = _metadata(dists["wheel"])
    assert metadata["Name"] == "os-vif"
    assert metadata["Version"] == VERSION
    assert metadata["License-Expression"] == "Apache-2.0"
    assert metadata.get_all("License-File") == ["LICENSE"]
    assert "Programming Language :: Python :: 3.11" in metadata.get_all("Classifier")


def test_the_wheel_holds_the_license_and_no_tests(dists: dict[str, Path]) -> None:
    with zipfile.ZipFile(dists["wheel"]) as archive:
        names = archive.namelist()
    assert f"os_vif-{VERSION}.dist-info/licenses/LICENSE" in names
    top_level = {name.split("/", 1)[0] for name in names if "/" in name}
    packages = {init.parent.name for init in (REPO_ROOT / "src").glob("*/__init__.py")}
    assert top_level == packages | {f"os_vif-{VERSION}.dist-info"}
    assert "tests" not in top_level


def test_the_license_is_apache_2() -> None:
    text = (REPO_ROOT / "LICENSE").read_text()
    assert text.split()[:4] == ["Apache", "License", "Version", "2.0,"]
    assert "END OF TERMS AND CONDITIONS" in text


def _dry_run(python: Path, requirement: str, report: Path) -> dict[str, Any]:
    args = ["install", "--dry-run", "--report", str(report), "--only-binary", ":all:"]
    pip(python, [*args, *compat_env.constraints_args(), requirement], f"dry run {requirement}")
    answer: dict[str, Any] = json.loads(report.read_text())
    return answer


@pytest.fixture(scope="session")
def would_install(installed: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Consumer -> the names ``pip install --dry-run <consumer>`` would install."""
    work = tmp_path_factory.mktemp("dry-runs")
    # From a copy: pip builds a directory's metadata in place.
    plugin = shutil.copytree(HERE / "thirdparty_plugin", work / "plugin")
    requirements = {name: req for name, (req, _) in CONSUMERS.items()}
    requirements["os-vif-stamp-plugin"] = str(plugin)
    # Each resolves a whole dependency tree from PyPI's metadata: side by side.
    with ThreadPoolExecutor() as pool:
        futures = {
            name: pool.submit(_dry_run, installed, req, work / f"{name}.json")
            for name, req in requirements.items()
        }
        answers: dict[str, Any] = {}
        for name, future in futures.items():
            try:
                report = future.result()
            except RuntimeError as exc:
                answers[name] = exc
            else:
                answers[name] = [item["metadata"]["name"].lower() for item in report["install"]]
    return answers


@pytest.mark.parametrize("consumer", [*sorted(CONSUMERS), "os-vif-stamp-plugin"])
def test_installing_a_consumer_keeps_ours(would_install: dict[str, Any], consumer: str) -> None:
    names = would_install[consumer]
    if isinstance(names, Exception):
        pytest.fail(str(names), pytrace=False)
    assert consumer in names  # pip did resolve the consumer
    assert "os-vif" not in names

"""The virtualenvs the compatibility suites run in, and how to run code there.

Each suite runs consumers' code twice, once on this library and once on
os-vif 5.3.0, each side in its own virtualenv, and compares what happens:

- "ours + oslo": this repository installed (editable, so the working tree is
  what runs) with the oslo libraries that os-vif's tests and kuryr import.
- os-vif 5.3.0: the interop suite's virtualenv (``tests/interop``), untouched.
- overlays, installed with ``pip install --no-deps --target`` and put on the
  ``PYTHONPATH`` of both sides: testtools (os-vif's test base class) for the
  unit tests, kuryr-kubernetes 10.0.0 for its objects, the third-party test
  plugin for the plugin tests. Sharing them keeps the two sides identical but
  for the os-vif under test, and leaves the interop virtualenv as the
  interop tests and benchmarks expect it.
- Nova 34.0.0 with the test requirements its ``test_os_vif_util`` needs,
  twice: with this repository, then with os-vif 5.3.0.

Versions of everything else come from ``constraints.txt`` (pinned, as
OpenStack pins its own CI with upper-constraints), so a cold build today and
next month resolve the same packages; changing that file rebuilds the
virtualenvs. Everything is cached under ``fixtures.venvs.cache_root()``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import Any

from fixtures.venvs import (
    cache_root,
    ensure_venv,
    exclusive,
    fingerprint,
    marked_with,
    pip,
    read_marker,
    run,
    venv_python,
    write_marker,
)
from interop.interop_upstream import UPSTREAM_VERSION, ensure_upstream_venv, venv_path

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
CONSTRAINTS = HERE / "constraints.txt"
NOVA_VERSION = "34.0.0"
KURYR_VERSION = "10.0.0"
SCRIPT_TIMEOUT = 900

# What os-vif's unit tests and kuryr's objects import, beyond os-vif itself.
OSLO_REQUIREMENTS = (
    "oslo.config",
    "oslo.serialization",
    "oslo.versionedobjects",
    "stevedore",
    "fixtures",  # oslo_versionedobjects.fixture imports it
)
# The part of nova's test-requirements.txt that nova.test and its fixtures
# import; the rest (hacking, bandit, coverage, database drivers, barbican)
# serves other tests or linters.
NOVA_TEST_REQUIREMENTS = (
    "fixtures",
    "oslotest",
    "stestr",
    "testresources",
    "testscenarios",
    "testtools",
    "wsgi-intercept",
)
OURS_PROBE = (
    "import json, os_vif, importlib.metadata as m;"
    "print(json.dumps({'file': os_vif.__file__, 'version': m.version('os-vif')}))"
)


def compat_cache() -> Path:
    return cache_root() / "compat"


def constraints_args() -> list[str]:
    return ["--constraint", str(CONSTRAINTS)]


def _constraints_hash() -> str:
    return fingerprint(CONSTRAINTS.read_text())


def _ours_details() -> dict[str, str]:
    """What our editable install depends on: where the tree is, its metadata."""
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()
    return {"root": str(REPO_ROOT), "pyproject": fingerprint(pyproject)}


def _repo_tag() -> str:
    # Virtualenvs with our editable install point at one checkout each, so
    # two clones on one machine never repoint each other's environments.
    return fingerprint(str(REPO_ROOT))[:8]


def _check_ours(python: Path) -> dict[str, Any]:
    """Fail unless ``python`` imports os_vif from this checkout."""
    result = run([str(python), "-s", "-P", "-c", OURS_PROBE], "probing os_vif", 120)
    found: dict[str, Any] = json.loads(result.stdout)
    if not Path(found["file"]).resolve().is_relative_to(REPO_ROOT / "src"):
        raise RuntimeError(
            f"{python} imports os_vif {found['version']} from {found['file']}, not from "
            f"{REPO_ROOT / 'src'}: pip replaced this library (does our version satisfy "
            "the consumer's os-vif requirement?)"
        )
    return found


def building_ours() -> contextlib.AbstractContextManager[None]:
    """Hold while setuptools builds this checkout: it writes src/*.egg-info in place."""
    return exclusive(compat_cache() / f".build-{_repo_tag()}.lock")


def _install_ours(python: Path) -> None:
    with building_ours():
        args = ["install", "--only-binary", ":all:", *constraints_args(), "--editable"]
        args.append(str(REPO_ROOT))
        pip(python, args, "pip install -e .")


def _refresh_ours(venv: Path) -> None:
    """Reinstall our editable package when the project's metadata changed."""
    wanted = _ours_details()
    marker = read_marker(venv) or {}
    if marker.get("ours") == wanted:
        return
    with exclusive(venv.parent / f".{venv.name}.lock"):
        marker = read_marker(venv) or {}
        if marker.get("ours") != wanted:
            _install_ours(venv_python(venv))
            _check_ours(venv_python(venv))
            write_marker(venv, {**marker, "ours": wanted})


def _ensure(
    name: str, requirements: Sequence[str], steps: Sequence[Sequence[str]], *, ours: bool
) -> Path:
    """A cached virtualenv made by ``pip install <step>`` for each step, in order.

    The step ``("<ours>",)`` installs this checkout, editable.
    """
    venv = compat_cache() / name
    details = {"name": name, "constraints": _constraints_hash(), "requirements": requirements}

    def populate(python: Path) -> None:
        for step in steps:
            if step == ("<ours>",):
                _install_ours(python)
            else:
                pip(python, ["install", *constraints_args(), *step], f"{name}: pip install")
        if ours:
            _check_ours(python)

    full = {**details, "ours": _ours_details()} if ours else details
    python = ensure_venv(venv, usable=marked_with(details), populate=populate, details=full)
    if ours:
        _refresh_ours(venv)
    return python


def ours_oslo_python() -> Path:
    """This library plus the oslo libraries os-vif's tests and kuryr import."""
    oslo = ("--only-binary", ":all:", *OSLO_REQUIREMENTS)
    return _ensure(f"ours-oslo-{_repo_tag()}", oslo, [("<ours>",), oslo], ours=True)


def upstream_python() -> Path:
    """os-vif 5.3.0: the interop suite's virtualenv."""
    return ensure_upstream_venv(venv_path())


def nova_python(*, ours: bool) -> Path:
    """Nova 34.0.0 and its test requirements, on us or on os-vif 5.3.0."""
    nova = ("--only-binary", ":all:", f"nova=={NOVA_VERSION}", *NOVA_TEST_REQUIREMENTS)
    if ours:
        # Ours first: nova's "os-vif>=3.1.0" must then keep it, not replace it.
        name = f"nova-{NOVA_VERSION}-ours-{_repo_tag()}"
        return _ensure(name, nova, [("<ours>",), nova], ours=True)
    upstream = (*nova, f"os-vif=={UPSTREAM_VERSION}")
    name = f"nova-{NOVA_VERSION}-os-vif-{UPSTREAM_VERSION}"
    return _ensure(name, upstream, [upstream], ours=False)


def _overlay(name: str, requirements: Sequence[str]) -> Path:
    """A ``pip install --no-deps --target`` directory, for ``PYTHONPATH``."""
    target = compat_cache() / f"overlay-{name}"
    details = {"requirements": list(requirements), "constraints": _constraints_hash()}
    if (read_marker(target) or {}) == details:
        return target
    with exclusive(target.parent / f".{target.name}.lock"):
        if (read_marker(target) or {}) != details:
            staging = target.with_name(f".{target.name}.build")
            shutil.rmtree(staging, ignore_errors=True)
            shutil.rmtree(target, ignore_errors=True)
            args = ["install", "--no-deps", "--only-binary", ":all:", "--target", str(staging)]
            args += [*constraints_args(), *requirements]
            pip(Path(sys.executable), args, f"pip install --target (overlay {name})")
            write_marker(staging, details)
            staging.rename(target)
    return target


def testtools_overlay() -> Path:
    """testtools, the base of os-vif's test cases (it has no dependencies)."""
    return _overlay("testtools", ("testtools",))


def kuryr_overlay() -> Path:
    """kuryr-kubernetes without its dependencies.

    Apart: kuryr registers an ``os_vif`` entry point named ``noop`` of its
    own, which would stand in for the real noop plugin in os-vif's tests.
    """
    return _overlay("kuryr", (f"kuryr-kubernetes=={KURYR_VERSION}",))


def script_env(path: Sequence[Path] = ()) -> dict[str, str]:
    """The environment for a helper script: only ``path`` on PYTHONPATH."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("PYTHON")}
    env["PYTHONPATH"] = os.pathsep.join(str(entry) for entry in path)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def run_script(
    python: Path,
    script: str,
    args: Sequence[str],
    *,
    path: Sequence[Path] = (),
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``tests/compat/<script>`` under ``python``, isolated from this tree.

    ``-s`` leaves the user's site-packages out and ``-P`` keeps the script's
    directory off ``sys.path``: the script sees its virtualenv and ``path``.
    """
    return subprocess.run(
        [str(python), "-s", "-P", str(HERE / script), *args],
        capture_output=True,
        text=True,
        timeout=SCRIPT_TIMEOUT,
        check=False,
        env=script_env(path),
        cwd=cwd,
    )


def script_json(
    python: Path,
    script: str,
    args: Sequence[str],
    output: Path,
    *,
    path: Sequence[Path] = (),
    cwd: Path | None = None,
) -> dict[str, Any]:
    """Run a helper script that writes JSON to ``output``; return that JSON."""
    result = run_script(python, script, [*args, "--output", str(output)], path=path, cwd=cwd)
    if result.returncode != 0 or not output.exists():
        raise RuntimeError(
            f"{script} under {python} failed (exit {result.returncode}):\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-6000:]}"
        )
    answer: dict[str, Any] = json.loads(output.read_text())
    return answer


def script_reports(
    sides: Mapping[str, Path],
    script: str,
    workdir: Callable[[str], Path],
    args: Callable[[Path], Sequence[str]] = lambda _work: (),
    *,
    path: Sequence[Path] = (),
) -> dict[str, dict[str, Any]]:
    """Run ``script`` under each side's interpreter; its JSON report per side.

    ``workdir(side)`` gives a fresh directory for the side, and ``args(work)``
    the script's arguments for that directory.
    """
    reports = {}
    for side, python in sides.items():
        work = workdir(side)
        output = work / "report.json"
        reports[side] = script_json(python, script, args(work), output, path=path)
    return reports


BUILDERS: dict[str, Callable[[], Path]] = {
    "ours-oslo": ours_oslo_python,
    "os-vif": upstream_python,
    "overlay-testtools": testtools_overlay,
    "overlay-kuryr": kuryr_overlay,
    "nova-ours": lambda: nova_python(ours=True),
    "nova-os-vif": lambda: nova_python(ours=False),
}
_STARTED: dict[str, Future[Path]] = {}


def start(names: Sequence[str]) -> None:
    """Begin building ``names`` (keys of BUILDERS) in the background.

    A cold cache takes a minute or two per virtualenv, most of it waiting on
    downloads; building them side by side takes about as long as the slowest.
    """
    for name in names:
        if name not in _STARTED:
            # A thread per build that ends with it: tests that fork (the
            # functional ones) refuse to while other threads are alive.
            executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"build-{name}")
            _STARTED[name] = executor.submit(BUILDERS[name])
            executor.shutdown(wait=False)


def provide(name: str) -> Path:
    """The result of ``BUILDERS[name]``, built once per session."""
    start([name])
    return _STARTED[name].result()

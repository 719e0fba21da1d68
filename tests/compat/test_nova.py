"""Nova 34.0.0's ``test_os_vif_util``, on this library and on os-vif 5.3.0.

``nova/network/os_vif_util.py`` is where Nova turns its network model into
os-vif objects; its unit tests build both sides and compare primitives. They
run under Nova's own runner, as Nova's tox does (``stestr run``; the test
named, without discovery of the whole tree), in two virtualenvs that hold
nova==34.0.0 and the test requirements the module needs: one where this
library provides ``os_vif`` (installed first, kept by pip because its version
satisfies nova's ``os-vif>=3.1.0``), one with os-vif 5.3.0 from PyPI.
"""

from __future__ import annotations

import subprocess
import zipfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import compat_env
import pytest
from compat_env import NOVA_VERSION
from compat_results import collect, counts, record, side_by_side_tests, unittest_ids_in

from fixtures.venvs import download_wheel, run

MODULE = "nova.tests.unit.network.test_os_vif_util"
SUITE = f"nova {NOVA_VERSION} {MODULE.rsplit('.', 1)[1]}"
# What nova's tox.ini sets for its unit tests ([testenv] and [testenv:py3]).
NOVA_TEST_ENV = {
    "OS_STDOUT_CAPTURE": "1",
    "OS_STDERR_CAPTURE": "1",
    "OS_TEST_TIMEOUT": "160",
    "NOVA_RAISE_ON_GREENLET_LEAK": "True",
    "OS_NOVA_DISABLE_EVENTLET_PATCHING": "False",
}


def _ids() -> list[str]:
    with zipfile.ZipFile(download_wheel("nova", NOVA_VERSION)) as wheel:
        source = wheel.read(MODULE.replace(".", "/") + ".py").decode()
    return unittest_ids_in(source, MODULE)


TESTS = collect(_ids)


def _site_packages(python: Path) -> Path:
    code = "import sysconfig; print(sysconfig.get_paths()['purelib'])"
    return Path(run([str(python), "-s", "-c", code], "finding site-packages", 60).stdout.strip())


def _run_stestr(python: Path, workdir: Path) -> dict[str, Any]:
    """``stestr run`` the module in nova's tree; the outcomes as JSON."""
    site = _site_packages(python)
    stream = workdir / "stream.subunit"
    command = [str(python), "-s", "-P", "-m", "stestr"]
    command += ["--test-path", str(site / "nova" / "tests" / "unit"), "--top-dir", str(site)]
    command += ["run", "--subunit", "--no-discover", MODULE]
    env = compat_env.script_env() | NOVA_TEST_ENV
    with stream.open("wb") as out:
        result = subprocess.run(
            command,
            stdout=out,
            stderr=subprocess.PIPE,
            cwd=workdir,  # stestr keeps its repository (.stestr) in the working directory
            env=env,
            timeout=compat_env.SCRIPT_TIMEOUT,
            check=False,
        )
    # stestr exits 1 when a test failed; only a missing stream is the harness's problem.
    if stream.stat().st_size == 0:
        raise RuntimeError(f"stestr produced nothing (exit {result.returncode}):\n{result.stderr}")
    args = [str(stream), "--module", MODULE]
    return compat_env.script_json(python, "subunit_results.py", args, workdir / "report.json")


@pytest.fixture(scope="session")
def nova_reports(
    nova_pythons: dict[str, Path], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    workdirs = {side: tmp_path_factory.mktemp(f"nova-{side}") for side in nova_pythons}
    with ThreadPoolExecutor() as pool:  # nova takes seconds to import: both sides at once
        futures = {
            side: pool.submit(_run_stestr, python, workdirs[side])
            for side, python in nova_pythons.items()
        }
        reports = {}
        for side, future in futures.items():
            try:
                reports[side] = future.result()
            except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
                pytest.fail(f"cannot run nova's tests on {side}: {exc}", pytrace=False)
            record(SUITE, side, counts(reports[side], TESTS))
    return reports


(
    test_on_ours,
    test_on_os_vif,
    test_each_side_ran_its_own_os_vif,
    test_os_vif_ran_exactly_these_tests,
) = side_by_side_tests("nova_reports", TESTS)

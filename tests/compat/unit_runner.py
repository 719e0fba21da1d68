"""Run os-vif's own unit tests against whichever os-vif this interpreter has.

Run inside a compatibility virtualenv (see ``compat_env``), never imported::

    python -s -P unit_runner.py --root DIR [--exclude ID ...] --output FILE MODULE...

``DIR`` holds the files of os-vif's wheel. Only the test packages
(``os_vif.tests``, ``vif_plug_noop.tests``, ``vif_plug_ovs.tests``) are taken
from it, through a finder placed first on ``sys.meta_path``; ``os_vif`` and
every other module of it come from the virtualenv, so a module missing there
fails the tests that import it instead of being borrowed from the wheel.

The tests run in one process with unittest (testtools' TestCase is a
unittest TestCase), as one stestr worker would. The outcome of every test
goes to ``FILE`` as JSON: ``{"tests": {id: {"status", "detail"}},
"import_errors": {module: traceback}, "os_vif": {"file", "version"}}``;
``status`` is success, fail, error, skip, xfail or uxsuccess.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.abc
import importlib.machinery
import importlib.metadata
import importlib.util
import json
import sys
import traceback
import unittest
from collections.abc import Iterator, Sequence
from pathlib import Path
from types import ModuleType, TracebackType

TEST_PACKAGES = ("os_vif.tests", "vif_plug_noop.tests", "vif_plug_ovs.tests")

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None]


class TestPackagesFinder(importlib.abc.MetaPathFinder):
    """Find exactly the test packages in ``root``; nothing else."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None = None,
        target: ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname not in TEST_PACKAGES:
            return None
        package = self.root.joinpath(*fullname.split("."))
        return importlib.util.spec_from_file_location(
            fullname, package / "__init__.py", submodule_search_locations=[str(package)]
        )


class RecordingResult(unittest.TestResult):
    """Keep each test's outcome and, when it did not pass, why."""

    def __init__(self) -> None:
        super().__init__()
        self.outcomes: dict[str, dict[str, str]] = {}

    def _record(self, test: unittest.TestCase, status: str, detail: str = "") -> None:
        self.outcomes[test.id()] = {"status": status, "detail": detail}

    def addSuccess(self, test: unittest.TestCase) -> None:  # noqa: N802 (unittest's API)
        super().addSuccess(test)
        self._record(test, "success")

    def addFailure(self, test: unittest.TestCase, err: ExcInfo) -> None:  # type: ignore[override]  # noqa: N802
        super().addFailure(test, err)
        self._record(test, "fail", self._exc_info_to_string(err, test))

    def addError(self, test: unittest.TestCase, err: ExcInfo) -> None:  # type: ignore[override]  # noqa: N802
        super().addError(test, err)
        self._record(test, "error", self._exc_info_to_string(err, test))

    def addSkip(self, test: unittest.TestCase, reason: str) -> None:  # noqa: N802
        super().addSkip(test, reason)
        self._record(test, "skip", reason)

    def addExpectedFailure(self, test: unittest.TestCase, err: ExcInfo) -> None:  # type: ignore[override]  # noqa: N802
        super().addExpectedFailure(test, err)
        self._record(test, "xfail", self._exc_info_to_string(err, test))

    def addUnexpectedSuccess(self, test: unittest.TestCase) -> None:  # noqa: N802
        super().addUnexpectedSuccess(test)
        self._record(test, "uxsuccess")


def _flatten(suite: unittest.TestSuite | unittest.TestCase) -> Iterator[unittest.TestCase]:
    if isinstance(suite, unittest.TestSuite):
        for item in suite:
            yield from _flatten(item)
    else:
        yield suite


def _os_vif() -> dict[str, str]:
    try:
        module = importlib.import_module("os_vif")
        version = importlib.metadata.version("os-vif")
    except Exception:  # reported, not raised: the tests will say more
        return {"file": "", "version": "", "error": traceback.format_exc()}
    return {"file": str(module.__file__), "version": version}


def run(root: Path, modules: Sequence[str], excluded: set[str]) -> dict[str, object]:
    sys.meta_path.insert(0, TestPackagesFinder(root))
    loader = unittest.TestLoader()
    suite = unittest.TestSuite()
    import_errors: dict[str, str] = {}
    for name in modules:
        try:
            module = importlib.import_module(name)
        except Exception:  # a module that cannot import fails its tests
            import_errors[name] = traceback.format_exc()
            continue
        for test in _flatten(loader.loadTestsFromModule(module)):
            if test.id() not in excluded:
                suite.addTest(test)
    result = RecordingResult()
    suite.run(result)
    return {"os_vif": _os_vif(), "tests": result.outcomes, "import_errors": import_errors}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, required=True)
    parser.add_argument("--exclude", action="append", default=[])
    parser.add_argument("--output", type=Path, required=True)
    parser.add_argument("modules", nargs="+")
    options = parser.parse_args()
    report = run(options.root, options.modules, set(options.exclude))
    options.output.write_text(json.dumps(report, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

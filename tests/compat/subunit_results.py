"""Turn a subunit v2 stream (``stestr run --subunit``) into per-test JSON.

Run inside a virtualenv that has stestr (hence python-subunit and
testtools), never imported::

    python -s -P subunit_results.py STREAM --module MODULE --output FILE

Writes the same shape as ``unit_runner.py``: ``{"tests": {id: {"status",
"detail"}}, "import_errors": {module: text}, "os_vif": {"file", "version"}}``.
A module that does not import shows up in the stream as one failed test
named ``unittest.loader._FailedTest.<name>``; it is reported under
``import_errors`` for ``MODULE`` instead.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.metadata
import json
import sys
from pathlib import Path
from typing import Any

import subunit
import testtools

FAILED_IMPORT = "unittest.loader._FailedTest."


def _text(details: dict[str, Any]) -> str:
    return "\n".join(
        f"{name}:\n{content.as_text()}" for name, content in sorted(details.items())
    ).strip()


def read(stream_path: Path) -> dict[str, dict[str, str]]:
    outcomes: dict[str, dict[str, str]] = {}

    def on_test(test: dict[str, Any]) -> None:
        outcomes[test["id"]] = {"status": test["status"], "detail": _text(test["details"])}

    result = testtools.StreamToDict(on_test)
    with stream_path.open("rb") as stream:
        case = subunit.ByteStreamToStreamResult(stream, non_subunit_name="stdout")
        result.startTestRun()
        try:
            case.run(result)
        finally:
            result.stopTestRun()
    return outcomes


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stream", type=Path)
    parser.add_argument("--module", required=True)
    parser.add_argument("--output", type=Path, required=True)
    options = parser.parse_args()
    tests = read(options.stream)
    failed_imports = [tests.pop(i)["detail"] for i in list(tests) if i.startswith(FAILED_IMPORT)]
    import_errors = {options.module: "\n".join(failed_imports)} if failed_imports else {}
    module = importlib.import_module("os_vif")
    report = {
        "tests": tests,
        "import_errors": import_errors,
        "os_vif": {"file": module.__file__, "version": importlib.metadata.version("os-vif")},
    }
    options.output.write_text(json.dumps(report, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

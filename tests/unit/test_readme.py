"""The README's Python example runs as written."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.usefixtures("fresh_library")
def test_python_blocks_run(capsys):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.S)
    assert blocks
    for block in blocks:
        exec(compile(block, str(README), "exec"), {})  # noqa: S102 (our own README)
    assert "plug failed" not in capsys.readouterr().out


def test_readme_names_the_test_command():
    text = README.read_text()
    assert "./tools/test.sh" in text
    assert "./tools/test.sh" in (README.parent / ".ci" / "run").read_text()

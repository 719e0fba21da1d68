"""Session fixtures for the interop tests: os-vif 5.3.0 in its own virtualenv.

See ``interop_upstream`` for where the virtualenv lives (``OS_VIF_INTEROP_VENV``)
and how the peer process is driven.
"""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from interop_upstream import (
    UPSTREAM_VERSION,
    UpstreamPeer,
    ensure_upstream_venv,
    venv_path,
)


@pytest.fixture(scope="session")
def upstream_python() -> Path:
    try:
        return ensure_upstream_venv(venv_path())
    except (RuntimeError, OSError, subprocess.TimeoutExpired) as exc:
        pytest.fail(
            f"cannot provide os-vif {UPSTREAM_VERSION} for interop tests: {exc}",
            pytrace=False,
        )


@pytest.fixture(scope="session")
def upstream(
    upstream_python: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[UpstreamPeer]:
    stderr_path = tmp_path_factory.mktemp("upstream-peer") / "stderr.log"
    peer = UpstreamPeer(upstream_python, stderr_path)
    try:
        hello = peer.request("hello")
        assert hello.get("os_vif") == UPSTREAM_VERSION, hello
        yield peer
    finally:
        peer.close()


@pytest.fixture(scope="session")
def upstream_classes(upstream: UpstreamPeer) -> dict[str, Any]:
    answer = upstream.request("describe")
    assert answer["ok"], answer
    classes: dict[str, Any] = answer["classes"]
    return classes

"""Run OpenStack's os-vif 5.3.0 next to us: its virtualenv and its peer process.

os-vif lives in its own virtualenv, outside the repository (default
``~/.cache/os-vif-interop/os-vif-5.3.0``; set ``OS_VIF_INTEROP_VENV`` to use
another path). The first session creates it from PyPI (20-60 s); later
sessions reuse it once it proves valid. One peer process per session answers
every request (see ``upstream_peer.py``), so os-vif is imported once.
"""

from __future__ import annotations

import json
import os
import select
import subprocess
from pathlib import Path
from typing import Any

from fixtures.venvs import READY_MARKER, cache_root, ensure_venv, pip, run, venv_python

__all__ = [
    "READY_MARKER",
    "UPSTREAM_VERSION",
    "VENV_ENV_VAR",
    "UpstreamError",
    "UpstreamPeer",
    "ensure_upstream_venv",
    "installed_os_vif",
    "venv_path",
    "venv_python",
]

UPSTREAM_VERSION = "5.3.0"
VENV_ENV_VAR = "OS_VIF_INTEROP_VENV"
PEER_SCRIPT = Path(__file__).with_name("upstream_peer.py")
PEER_TIMEOUT = 60.0


def venv_path() -> Path:
    configured = os.environ.get(VENV_ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    return cache_root() / f"os-vif-{UPSTREAM_VERSION}"


def installed_os_vif(venv: Path) -> str | None:
    """Version of os-vif the virtualenv's interpreter can see, or None."""
    python = venv_python(venv)
    if not python.exists():
        return None
    try:
        result = subprocess.run(
            [
                str(python),
                "-I",
                "-c",
                "import importlib.metadata as m; print(m.version('os-vif'))",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    if result.returncode != 0:
        return None
    return result.stdout.strip()


def _populate(python: Path) -> None:
    pip(
        python,
        ["install", f"os-vif=={UPSTREAM_VERSION}"],
        f"pip install os-vif=={UPSTREAM_VERSION}",
    )
    run(
        [
            str(python),
            "-I",
            "-W",
            "ignore",
            "-c",
            "import os_vif.objects; os_vif.objects.register_all()",
        ],
        "importing os-vif",
        120,
    )


def ensure_upstream_venv(venv: Path) -> Path:
    """Return the interpreter of a virtualenv with os-vif==UPSTREAM_VERSION."""
    return ensure_venv(
        venv,
        # Any environment with that os-vif will do, ours or one a user points us at.
        usable=lambda path: installed_os_vif(path) == UPSTREAM_VERSION,
        populate=_populate,
        details={"os_vif": UPSTREAM_VERSION},
        hint=f" or point {VENV_ENV_VAR} elsewhere",
    )


class UpstreamError(Exception):
    """The peer process itself failed (not: os-vif refused a request)."""


class UpstreamPeer:
    """One os-vif process, spoken to in JSON lines."""

    def __init__(self, python: Path, stderr_path: Path) -> None:
        self.stderr_path = stderr_path
        self._stderr = stderr_path.open("w")
        # -I: ignore PYTHONPATH and friends and keep the script's directory
        # off sys.path, so the peer can only ever import the real os-vif.
        self._process = subprocess.Popen(
            [str(python), "-I", str(PEER_SCRIPT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
            encoding="utf-8",
            cwd=stderr_path.parent,
        )

    def _stderr_tail(self) -> str:
        self._stderr.flush()
        return self.stderr_path.read_text(errors="replace")[-4000:]

    def request(self, op: str, **fields: Any) -> dict[str, Any]:
        process = self._process
        assert process.stdin is not None
        assert process.stdout is not None
        try:
            process.stdin.write(json.dumps({"op": op, **fields}) + "\n")
            process.stdin.flush()
        except BrokenPipeError as exc:
            raise UpstreamError(f"peer is gone:\n{self._stderr_tail()}") from exc
        # One request, one answer: nothing is ever buffered ahead of select().
        ready, _, _ = select.select([process.stdout], [], [], PEER_TIMEOUT)
        if not ready:
            raise UpstreamError(f"no answer to {op} in {PEER_TIMEOUT}s")
        line = process.stdout.readline()
        if not line:
            raise UpstreamError(f"peer exited:\n{self._stderr_tail()}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def close(self) -> None:
        process = self._process
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.close()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        process.stdout.close()
        self._stderr.close()

"""Run OpenStack's os-vif 5.3.0 next to us: its virtualenv and its peer process.

os-vif lives in its own virtualenv, outside the repository (default
``~/.cache/os-vif-interop/os-vif-5.3.0``; set ``OS_VIF_INTEROP_VENV`` to use
another path). The first session creates it from PyPI (20-60 s); later
sessions reuse it once it proves valid. One peer process per session answers
every request (see ``upstream_peer.py``), so os-vif is imported once.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import select
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

UPSTREAM_VERSION = "5.3.0"
VENV_ENV_VAR = "OS_VIF_INTEROP_VENV"
# Written last, after os-vif installed and imported: its presence means "we
# built this virtualenv and the build finished".
READY_MARKER = ".os-vif-interop-ready"
PEER_SCRIPT = Path(__file__).with_name("upstream_peer.py")
PEER_TIMEOUT = 60.0
PIP_TIMEOUT = 900


def venv_path() -> Path:
    configured = os.environ.get(VENV_ENV_VAR)
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".cache" / "os-vif-interop" / f"os-vif-{UPSTREAM_VERSION}"


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


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


def _run(command: list[str], what: str, timeout: int) -> None:
    result = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"{what} failed (exit {result.returncode}): {' '.join(command)}\n"
            f"{result.stdout[-4000:]}\n{result.stderr[-4000:]}"
        )


@contextlib.contextmanager
def _exclusive(lock_path: Path) -> Iterator[None]:
    """Serialize builders: parallel sessions (xdist, two CI jobs) share a cache."""
    with lock_path.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _build(venv: Path) -> None:
    """Build a fresh virtualenv next to ``venv`` and move it into place.

    The interpreter is a symlink and pyvenv.cfg names only the base Python,
    so the renamed environment works; only console-script shebangs keep the
    temporary path, and we never run those (always ``bin/python -m ...``).
    """
    build_dir = Path(tempfile.mkdtemp(prefix=f".{venv.name}.build-", dir=venv.parent))
    try:
        _run([sys.executable, "-m", "venv", str(build_dir)], "python -m venv", 300)
        python = str(venv_python(build_dir))
        _run(
            [
                python,
                "-m",
                "pip",
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-input",
                f"os-vif=={UPSTREAM_VERSION}",
            ],
            f"pip install os-vif=={UPSTREAM_VERSION}",
            PIP_TIMEOUT,
        )
        _run(
            [
                python,
                "-I",
                "-W",
                "ignore",
                "-c",
                "import os_vif.objects; os_vif.objects.register_all()",
            ],
            "importing os-vif",
            120,
        )
        details = {"os_vif": UPSTREAM_VERSION, "built_with": sys.executable}
        (build_dir / READY_MARKER).write_text(json.dumps(details) + "\n")
        build_dir.chmod(0o755)  # mkdtemp made it private; a venv is not secret
        if venv.exists():
            shutil.rmtree(venv)
        build_dir.rename(venv)
    finally:
        if build_dir.exists():
            shutil.rmtree(build_dir, ignore_errors=True)


def ensure_upstream_venv(venv: Path) -> Path:
    """Return the interpreter of a virtualenv with os-vif==UPSTREAM_VERSION."""
    if installed_os_vif(venv) == UPSTREAM_VERSION:
        return venv_python(venv)
    venv.parent.mkdir(parents=True, exist_ok=True)
    with _exclusive(venv.parent / f".{venv.name}.lock"):
        # Another session may have finished the build while we waited.
        if installed_os_vif(venv) == UPSTREAM_VERSION:
            return venv_python(venv)
        # A directory without our marker is not ours: never delete it.
        is_ours = (venv / READY_MARKER).exists()
        if venv.exists() and any(venv.iterdir()) and not is_ours:
            raise RuntimeError(
                f"{venv} exists but has no working os-vif=={UPSTREAM_VERSION} "
                f"and was not built by these tests; remove it or point "
                f"{VENV_ENV_VAR} elsewhere"
            )
        _build(venv)
    if installed_os_vif(venv) != UPSTREAM_VERSION:
        raise RuntimeError(f"{venv}: os-vif=={UPSTREAM_VERSION} not usable after build")
    return venv_python(venv)


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

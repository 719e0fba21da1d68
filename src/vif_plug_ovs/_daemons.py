"""Starting and stopping the sandbox's daemons, as processes (see :mod:`.sandbox`)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from os_vif.exception import ExceptionBase

__all__ = [
    "PROGRAMS",
    "SCHEMA",
    "SERVER",
    "VSWITCHD",
    "Leftover",
    "SandboxError",
    "Stopped",
    "Teardown",
    "exit_error",
    "missing_programs",
    "program_path",
    "spawn",
    "stop_child",
    "stop_pid",
    "unavailable",
]

SERVER: Final = "ovsdb-server"
VSWITCHD: Final = "ovs-vswitchd"
#: The Open vSwitch programs a sandbox runs.
PROGRAMS: Final = ("ovsdb-tool", SERVER, VSWITCHD)
#: The schema Debian's openvswitch-common installs.
SCHEMA: Final = Path("/usr/share/openvswitch/vswitch.ovsschema")
_POLL: Final = 0.02


class SandboxError(ExceptionBase):
    """A private daemon did not start, or does not stop."""


@dataclass(frozen=True)
class Stopped:
    """What stopping one daemon found.

    Attributes:
        program: ``"ovsdb-server"`` or ``"ovs-vswitchd"``.
        pid: its process id.
        how: ``"stopped"`` (this call ended it), ``"exited"`` (it had exited
            already, with ``status``) or ``"gone"`` (no such daemon any more).
        status: its exit status, when known.
    """

    program: str
    pid: int
    how: str
    status: int | None = None

    def __str__(self) -> str:
        if self.how == "exited":
            return f"{self.program} (pid {self.pid}) had already exited with status {self.status}"
        if self.how == "gone":
            return f"{self.program} (pid {self.pid}) is not running any more"
        return f"stopped {self.program} (pid {self.pid})"


@dataclass(frozen=True)
class Leftover:
    """Something :meth:`.sandbox.Sandbox.stop` could not remove, and why."""

    what: str
    reason: str

    def __str__(self) -> str:
        return f"{self.what}: {self.reason}"


@dataclass(frozen=True)
class Teardown:
    """What :meth:`.sandbox.Sandbox.stop` did.

    Attributes:
        daemons: each daemon's fate, in the order stopped.
        taps: the tap devices deleted from the namespace.
        left: what is left behind; empty when everything is gone.
    """

    daemons: tuple[Stopped, ...] = ()
    taps: tuple[str, ...] = ()
    left: tuple[Leftover, ...] = ()


def missing_programs(*, vswitchd: bool = True) -> list[str]:
    """The Open vSwitch programs a sandbox needs that are not on ``PATH``."""
    needed = PROGRAMS if vswitchd else PROGRAMS[:2]
    return [name for name in needed if shutil.which(name) is None]


def unavailable(*, vswitchd: bool = True, schema: Path = SCHEMA) -> str | None:
    """Why a sandbox cannot run here, or None if it can.

    Args:
        vswitchd: with ovs-vswitchd (and so a network namespace: root).
        schema: the database schema it would use.
    """
    if vswitchd and os.geteuid() != 0:
        return "needs root (network namespaces and ovs-vswitchd)"
    missing = missing_programs(vswitchd=vswitchd)
    if missing:
        return f"missing binaries: {', '.join(missing)} (install openvswitch-switch)"
    if not schema.exists():
        return f"missing OVS schema {schema}"
    return None


def program_path(name: str) -> str:
    """The path of Open vSwitch program ``name`` on ``PATH``.

    Raises:
        SandboxError: it is not installed.
    """
    path = shutil.which(name)
    if path is None:
        raise SandboxError(f"{name} is not installed (apt-get install openvswitch-switch)")
    return path


def spawn(argv: Sequence[str], env: Mapping[str, str], output: Path) -> subprocess.Popen[bytes]:
    """Start a daemon in a session of its own, its output appended to ``output``.

    The session keeps it from the terminal's Ctrl-C: it is stopped by pid, in
    order. It starts in the network namespace of the calling thread.
    """
    with open(output, "ab") as out:
        return subprocess.Popen(  # noqa: S603 (an Open vSwitch daemon, the sandbox's args)
            argv,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=out,
            start_new_session=True,
        )


def exit_error(program: str, child: subprocess.Popen[bytes], *files: Path) -> SandboxError:
    """The error for a daemon that exited: its status and the last line it wrote.

    ``files`` are read in order (its log, then its output) for that line.
    """
    last = "(no log)"
    for path in files:
        with contextlib.suppress(OSError, IndexError):
            last = path.read_text(errors="replace").strip().splitlines()[-1]
            break
    return SandboxError(f"{program} exited with status {child.returncode}: {last}")


def stop_child(program: str, child: subprocess.Popen[bytes], sig: int, timeout: float) -> Stopped:
    """Stop a daemon this process started, and collect it (no zombie).

    Raises:
        SandboxError: it does not stop, even after SIGKILL.
    """
    if child.poll() is not None:
        return Stopped(program, child.pid, "exited", child.returncode)
    child.send_signal(sig)
    try:
        child.wait(timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        try:
            child.wait(timeout)
        except subprocess.TimeoutExpired:
            raise SandboxError(f"{program} (pid {child.pid}) does not stop") from None
    return Stopped(program, child.pid, "stopped", child.returncode)


def _is_daemon(pid: int, program: str, workdir: Path) -> bool:
    """Whether ``pid`` is still ``program`` started for ``workdir`` (not a reused pid)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    # A zombie has an empty command line: it is gone as far as we care.
    return os.path.basename(os.fsdecode(argv[0])) == program and any(
        os.fsdecode(arg).startswith(f"--pidfile={workdir}/") for arg in argv[1:]
    )


def _gone_within(pid: int, program: str, workdir: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _is_daemon(pid, program, workdir):
        if time.monotonic() > deadline:
            return False
        time.sleep(_POLL)
    return True


def stop_pid(program: str, pid: int, workdir: Path, timeout: float) -> Stopped:
    """Stop a daemon another process started for ``workdir``, by pid.

    Raises:
        SandboxError: it does not stop, even after SIGKILL.
    """
    if not _is_daemon(pid, program, workdir):
        return Stopped(program, pid, "gone")
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        if _gone_within(pid, program, workdir, timeout):
            return Stopped(program, pid, "stopped")
    raise SandboxError(f"{program} (pid {pid}) does not stop")

"""What an Open vSwitch run made outside its namespaces, kept on disk until removed.

Each run keeps ``/run/os-vif-demo/<host>/state.json``: the OVSDB connection,
the demo's bridge on it, and the private daemons' pids, so that ``os-vif
demo --cleanup`` can undo a ``--keep`` run, or one that was killed. The
private daemons' own files live in the same directory (see
:class:`vif_plug_ovs.sandbox.Sandbox`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TextIO

from os_vif.exception import ExceptionBase
from os_vif_demo._host import is_own_name
from os_vif_demo._output import write
from vif_plug_ovs.ovsdb import Ovsdb, SslFiles
from vif_plug_ovs.sandbox import Sandbox

__all__ = ["STATE_FILE", "STATE_ROOT", "State", "cleanup_state", "teardown"]

#: Where each run keeps its state file (and the private daemons their files).
STATE_ROOT: Final = Path("/run/os-vif-demo")
STATE_FILE: Final = "state.json"
# The demo's own reads and its bridge's removal.
OVSDB_TIMEOUT: Final = 10.0


@dataclass
class State:
    """What a run made outside its namespaces, saved for ``--cleanup``.

    Attributes:
        host: the demo's host namespace (and the state directory's name).
        remote: the OVSDB connection string.
        private: whether the daemons are the demo's own.
        bridge: the demo's OVS bridge, once the demo may have made it (on
            a running Open vSwitch: once it checked no such bridge exists).
        ssl_files: key, certificate and CA for an ``ssl:`` remote.
        pids: the private daemons' pids, by program name.
    """

    host: str
    remote: str
    private: bool
    bridge: str | None = None
    ssl_files: tuple[str, str, str] | None = None
    pids: dict[str, int] = field(default_factory=dict)

    def database(self) -> Ovsdb:
        """The run's database (its connection is shared with the plugin's).

        Raises:
            ValueError: the connection string or the SSL files are not usable.
        """
        ssl = SslFiles(*self.ssl_files) if self.ssl_files is not None else None
        return Ovsdb(self.remote, timeout=OVSDB_TIMEOUT, ssl_files=ssl)

    @property
    def workdir(self) -> Path:
        """The run's directory."""
        return STATE_ROOT / self.host

    def save(self) -> None:
        """Write the state file (whole, or not at all)."""
        path = self.workdir / STATE_FILE
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(dataclasses.asdict(self), indent=2) + "\n")
        temporary.replace(path)

    @classmethod
    def load(cls, workdir: Path) -> State:
        """Read a run's state file.

        Raises:
            OSError: it cannot be read.
            ValueError, KeyError, TypeError: it is not a state file.
        """
        data = json.loads((workdir / STATE_FILE).read_text())
        if not isinstance(data, dict):
            raise TypeError("not a JSON object")
        pids = data.get("pids", {})
        ssl = data.get("ssl_files")
        state = cls(
            host=str(data["host"]),
            remote=str(data["remote"]),
            private=bool(data["private"]),
            bridge=str(data["bridge"]) if data.get("bridge") else None,
            ssl_files=(str(ssl[0]), str(ssl[1]), str(ssl[2])) if ssl else None,
            pids={str(k): int(v) for k, v in pids.items()} if isinstance(pids, dict) else {},
        )
        if state.host != workdir.name:
            raise ValueError(f"names host {state.host!r}")
        return state


def _delete_bridge(state: State, say: Callable[[str], None]) -> list[str]:
    if state.private or state.bridge is None:
        return []
    try:
        database = state.database()
        deleted = database.delete_bridge(state.bridge)
        database.close()
    except (ExceptionBase, ValueError) as exc:
        say(f"   could not delete OVS bridge {state.bridge} at {state.remote}: {exc}")
        return [f"OVS bridge {state.bridge} at {state.remote}"]
    if deleted:
        say(f"   deleted OVS bridge {state.bridge} (and its ports) at {state.remote}")
    return []


def teardown(state: State, say: Callable[[str], None], sandbox: Sandbox | None) -> list[str]:
    """Undo what a run made outside its namespaces; return what is left behind.

    The demo's bridge on a running Open vSwitch; the private daemons, the
    taps they leave in the host namespace (if it is still there) and the
    state directory. The directory is kept while anything is left, so that
    ``--cleanup`` can try again.

    Args:
        state: the run's state.
        say: where to print.
        sandbox: the run's own daemons, when this process started them;
            else they are stopped by the pids in ``state``.
    """
    failed = _delete_bridge(state, say)
    if state.private:
        if sandbox is None:
            sandbox = Sandbox.adopt(state.workdir, state.pids, netns=state.host)
        done = sandbox.stop()
        for stopped in done.daemons:
            say(f"   {stopped}")
        if done.taps:
            say(f"   deleted the taps ovs-vswitchd left in {state.host}: {', '.join(done.taps)}")
        for leftover in done.left:
            failed.append(leftover.what)
            say(f"   could not remove {leftover}")
    if not failed:
        shutil.rmtree(state.workdir, ignore_errors=True)
        say(f"   removed {state.workdir}")
        with contextlib.suppress(OSError):
            STATE_ROOT.rmdir()  # only if no other run has a directory there
    return failed


def cleanup_state(out: TextIO) -> list[str]:
    """Undo what earlier ``--backend ovs`` runs left outside their namespaces.

    Only directories named as the demo names its host namespaces are read.

    Returns:
        What could not be removed.
    """
    try:
        entries = sorted(STATE_ROOT.iterdir())
    except FileNotFoundError:
        return []
    failed: list[str] = []
    for workdir in entries:
        if not is_own_name(workdir.name) or not workdir.is_dir():
            continue
        try:
            state = State.load(workdir)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            write(out, f"skipped {workdir}: no readable {STATE_FILE} ({exc})")
            failed.append(str(workdir))
            continue
        write(out, f"{workdir}: Open vSwitch at {state.remote}")
        failed += teardown(state, lambda text: write(out, text.strip()), None)
    return failed

"""Private Open vSwitch daemons in a directory of their own, for tools, tests and benchmarks.

A :class:`Sandbox` makes a fresh ``Open_vSwitch`` database with ``ovsdb-tool``
from the installed schema, runs ``ovsdb-server`` on a unix socket in its
directory and, optionally, ``ovs-vswitchd`` inside a network namespace, and
stops them by pid::

    with Sandbox(netns="osvif-ovs", own_netns=True) as ovs:
        database = Ovsdb(ovs.remote)      # vif_plug_ovs.ovsdb
        ...

Everything the programs write (database, socket, pid, log and control files)
stays in the directory: their ``OVS_RUNDIR``, ``OVS_LOGDIR``, ``OVS_DBDIR``
and ``OVS_SYSCONFDIR`` point there, so the host's own Open vSwitch is never
touched. Each daemon runs in a session of its own, out of reach of the
terminal's Ctrl-C: :meth:`Sandbox.stop` ends it, and a later process can do
the same from the pids alone (:meth:`Sandbox.adopt`).

ovs-vswitchd makes devices, so it runs only inside a network namespace: it
opens there the devices a plugin makes there. Bridges should use the
userspace datapath (:data:`DATAPATH`), which needs no kernel module; for each
bridge ovs-vswitchd then makes a tap device of the bridge's name, and
``ovs-netdev`` for the datapath, and it leaves them behind when it stops:
:meth:`Sandbox.stop` deletes the namespace's tap devices.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from types import TracebackType
from typing import Final

from os_vif.exception import ExceptionBase
from os_vif.linux import netns as namespaces
from os_vif.linux.netlink import Netlink
from vif_plug_ovs._daemons import (
    PROGRAMS,
    SCHEMA,
    SERVER,
    VSWITCHD,
    Leftover,
    SandboxError,
    Stopped,
    Teardown,
    exit_error,
    missing_programs,
    program_path,
    spawn,
    stop_child,
    stop_pid,
    unavailable,
)
from vif_plug_ovs._ovsdb import OvsdbClient
from vif_plug_ovs._sandbox_db import applied_configuration, init_database, request_configuration

__all__ = [
    "DATAPATH",
    "PROGRAMS",
    "SCHEMA",
    "Leftover",
    "Sandbox",
    "SandboxError",
    "Stopped",
    "Teardown",
    "missing_programs",
    "unavailable",
]

#: The datapath type that works without the openvswitch kernel module.
DATAPATH: Final = "netdev"
_STOP_ORDER: Final = (VSWITCHD, SERVER)
_ENV_DIRS: Final = ("OVS_RUNDIR", "OVS_LOGDIR", "OVS_DBDIR", "OVS_SYSCONFDIR")
_POLL: Final = 0.02


class Sandbox:
    """A private ovsdb-server, and optionally ovs-vswitchd, in one directory.

    Nothing runs until :meth:`start` (or ``with``); :meth:`stop` (or the end
    of the ``with`` block) stops what runs and removes what the sandbox made.

    Args:
        workdir: the directory; made if missing, and left in place. None:
            a fresh temporary directory, made now and removed by :meth:`stop`.
        netns: the network namespace the daemons run in; None: the
            caller's (then there can be no ovs-vswitchd).
        own_netns: create ``netns`` at :meth:`start` (loopback up) and
            delete it at :meth:`stop`.
        vswitchd: run ovs-vswitchd too.
        dummy_ports: let ovs-vswitchd accept ports of type ``dummy``: real
            OVS ports with no device behind them (``--enable-dummy``).
        server_args: more arguments for ovsdb-server (remotes, SSL files).
        schema: the database schema.
        timeout: seconds each daemon may take to start, and to stop.
        on_start: called with each daemon's program name and pid as soon as
            it is started (to record it: an interrupted caller must not lose it).

    Raises:
        ValueError: ovs-vswitchd, or ``own_netns``, without a namespace.
    """

    def __init__(
        self,
        workdir: Path | None = None,
        *,
        netns: str | None = None,
        own_netns: bool = False,
        vswitchd: bool = True,
        dummy_ports: bool = False,
        server_args: Sequence[str] = (),
        schema: Path = SCHEMA,
        timeout: float = 20.0,
        on_start: Callable[[str, int], None] | None = None,
    ) -> None:
        if netns is None and (vswitchd or own_netns):
            raise ValueError("ovs-vswitchd (or own_netns) needs a network namespace")
        self._temporary = workdir is None
        self.workdir = Path(tempfile.mkdtemp(prefix="osvif-ovs-")) if workdir is None else workdir
        self.netns = netns
        self._own_netns = own_netns
        self._netns_made = False
        self._vswitchd = vswitchd
        self._dummy_ports = dummy_ports
        self._server_args = tuple(server_args)
        self._schema = schema
        self.timeout = timeout
        self._on_start = on_start
        self._children: dict[str, subprocess.Popen[bytes]] = {}
        self._adopted: dict[str, int] = {}
        # Only then are the namespace's taps ovs-vswitchd's to delete.
        self._taps_expected = vswitchd

    @classmethod
    def adopt(cls, workdir: Path, pids: Mapping[str, int], *, netns: str | None = None) -> Sandbox:
        """A handle on daemons that another process started in ``workdir``.

        Only :meth:`stop` is meant for it: each pid is checked to still be
        that program, started for ``workdir``, before it is signalled.
        """
        sandbox = cls(workdir, netns=netns, vswitchd=False)
        sandbox._adopted = dict(pids)
        sandbox._taps_expected = VSWITCHD in pids
        return sandbox

    # --- where things are ---------------------------------------------------------

    @property
    def socket(self) -> Path:
        """ovsdb-server's unix socket."""
        return self.workdir / "db.sock"

    @property
    def remote(self) -> str:
        """The connection string for clients: ``unix:<socket>``."""
        return f"unix:{self.socket}"

    @property
    def database(self) -> Path:
        """The database file."""
        return self.workdir / "conf.db"

    @property
    def env(self) -> dict[str, str]:
        """The environment the programs run with (their directories: ``workdir``)."""
        return {**os.environ, **dict.fromkeys(_ENV_DIRS, str(self.workdir))}

    @property
    def pids(self) -> dict[str, int]:
        """The pids of the daemons started (or adopted), by program name."""
        return {**self._adopted, **{name: child.pid for name, child in self._children.items()}}

    def log(self, program: str) -> Path:
        """The log file of ``program``."""
        return self.workdir / f"{program}.log"

    def _output(self, program: str) -> Path:
        return self.workdir / f"{program}.out"

    # --- starting -----------------------------------------------------------------

    def start(self) -> Sandbox:
        """Make the database and start the daemons; return once they serve.

        On failure everything made so far is removed again.

        Raises:
            SandboxError: a program failed or did not get ready in time.
            HostOperationError: the namespace could not be made or entered.
        """
        try:
            if self._own_netns and self.netns is not None:
                self._make_netns(self.netns)
            self.create_database()
            self.start_ovsdb_server()
            self.init_database()
            if self._vswitchd:
                self.start_vswitchd()
        except BaseException:
            self.stop()
            raise
        return self

    def _make_netns(self, name: str) -> None:
        namespaces.create_netns(name)
        self._netns_made = True

        def loopback_up() -> None:
            with Netlink() as nl:
                nl.set_up("lo")

        namespaces.run_in(name, loopback_up)

    def create_database(self) -> None:
        """Make a fresh, empty database from the schema (``ovsdb-tool create``).

        Raises:
            SandboxError: ovsdb-tool failed.
        """
        self.workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.database.unlink(missing_ok=True)
        made = subprocess.run(  # noqa: S603 (an Open vSwitch program, on our files)
            [program_path("ovsdb-tool"), "create", str(self.database), str(self._schema)],
            capture_output=True,
            text=True,
            check=False,
            env=self.env,
        )
        if made.returncode != 0:
            raise SandboxError(f"ovsdb-tool create {self.database} failed: {made.stderr.strip()}")

    def init_database(self) -> None:
        """Insert the ``Open_vSwitch`` row, unless there is one (``ovs-vsctl init``)."""
        init_database(self._client())

    def start_ovsdb_server(self) -> int:
        """Start ovsdb-server on the database; return its pid once it listens.

        Raises:
            SandboxError: it exited, or did not listen in time.
        """
        self.socket.unlink(missing_ok=True)
        args = (str(self.database), f"--remote=punix:{self.socket}", *self._server_args)
        child = self._spawn(SERVER, args)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            self._check_running(SERVER, child)
            with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as sock:
                sock.connect(str(self.socket))
                return child.pid
            time.sleep(_POLL)
        raise SandboxError(f"{SERVER} did not listen on {self.socket} within {self.timeout:g} s")

    def start_vswitchd(self) -> int:
        """Start ovs-vswitchd; return its pid once it has applied the database.

        Raises:
            SandboxError: it exited, or did not catch up in time.
        """
        args = (self.remote, *(("--enable-dummy",) if self._dummy_ports else ()))
        child = self._spawn(VSWITCHD, args)
        client = self._client()
        target = request_configuration(client)
        deadline = time.monotonic() + self.timeout
        while time.monotonic() < deadline:
            self._check_running(VSWITCHD, child)
            if applied_configuration(client) >= target:
                return child.pid
            time.sleep(_POLL)
        raise SandboxError(f"{VSWITCHD} did not apply the database within {self.timeout:g} s")

    def _client(self) -> OvsdbClient:
        return OvsdbClient(self.remote, timeout=self.timeout, wait=False)

    def _spawn(self, program: str, args: Sequence[str]) -> subprocess.Popen[bytes]:
        argv = [
            program_path(program),
            *args,
            f"--pidfile={self.workdir}/{program}.pid",
            f"--unixctl={self.workdir}/{program}.ctl",
            f"--log-file={self.log(program)}",
            "-vconsole:off",
            "--no-chdir",
        ]

        def start() -> subprocess.Popen[bytes]:
            child = spawn(argv, self.env, self._output(program))
            # Recorded on this thread: an interrupt while the caller waits
            # for it must not lose the pid.
            self._children[program] = child
            if self._on_start is not None:
                self._on_start(program, child.pid)
            return child

        return start() if self.netns is None else namespaces.run_in(self.netns, start)

    def _check_running(self, program: str, child: subprocess.Popen[bytes]) -> None:
        if child.poll() is not None:
            raise exit_error(program, child, self.log(program), self._output(program))

    # --- stopping -----------------------------------------------------------------

    def stop_ovsdb_server(self, sig: int = signal.SIGTERM) -> Stopped | None:
        """Stop ovsdb-server by pid (``SIGKILL`` stands for a crash); None if not started.

        Raises:
            SandboxError: it does not stop, even after SIGKILL.
        """
        return self._stop(SERVER, sig)

    def restart_ovsdb_server(self, sig: int = signal.SIGKILL) -> int:
        """Stop ovsdb-server with ``sig`` and start it again on the same database."""
        self.stop_ovsdb_server(sig)
        return self.start_ovsdb_server()

    def stop_vswitchd(self, sig: int = signal.SIGTERM) -> Stopped | None:
        """Stop ovs-vswitchd by pid; None if it was not started.

        Raises:
            SandboxError: it does not stop, even after SIGKILL.
        """
        return self._stop(VSWITCHD, sig)

    def _stop(self, program: str, sig: int) -> Stopped | None:
        child = self._children.pop(program, None)
        if child is not None:
            return stop_child(program, child, sig, self.timeout)
        pid = self._adopted.pop(program, None)
        if pid is None:
            return None
        return stop_pid(program, pid, self.workdir, self.timeout)

    def stop(self) -> Teardown:
        """Stop the daemons, delete the taps they left, remove what the sandbox made.

        It goes on past what fails, and reports it: a daemon that does not
        stop, taps that cannot be deleted. The directory is removed only if
        it is the sandbox's own (``workdir=None``) and nothing is left.
        """
        left: list[Leftover] = []
        self._client().close()
        daemons = self._stop_daemons(left)
        taps = self._delete_taps(left)
        if self._netns_made and self.netns is not None:
            try:
                namespaces.delete_netns(self.netns)
                self._netns_made = False
            except ExceptionBase as exc:
                left.append(Leftover(f"namespace {self.netns}", str(exc)))
        if self._temporary and not left:
            shutil.rmtree(self.workdir, ignore_errors=True)
        return Teardown(tuple(daemons), tuple(taps), tuple(left))

    def _stop_daemons(self, left: list[Leftover]) -> list[Stopped]:
        daemons = []
        for program in _STOP_ORDER:
            pid = self.pids.get(program)
            try:
                stopped = self._stop(program, signal.SIGTERM)
            except SandboxError as exc:
                left.append(Leftover(f"{program} pid {pid}", str(exc)))
            else:
                daemons += [stopped] if stopped is not None else []
        return daemons

    def _delete_taps(self, left: list[Leftover]) -> list[str]:
        name = self.netns
        if not self._taps_expected or name is None or name not in namespaces.list_netns(name):
            return []
        try:
            return namespaces.run_in(name, _delete_taps)
        except ExceptionBase as exc:
            left.append(Leftover(f"the taps ovs-vswitchd left in {name}", str(exc)))
            return []

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        teardown = self.stop()
        if teardown.left and exc is None:
            raise SandboxError("left behind: " + "; ".join(map(str, teardown.left)))


def _delete_taps() -> list[str]:
    with Netlink() as nl:
        return nl.delete_links(link.name for link in nl.list_links() if link.kind == "tun")

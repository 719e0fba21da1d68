"""``os-vif demo --backend ovs``: the demo's two guests, plugged into Open vSwitch.

The namespaces are those of the Linux bridge demo (:mod:`os_vif._demo`); the
guests are plugged with the ``ovs`` plugin into an OVS bridge of the demo's
own, ``br-demo-<id>`` (datapath_type ``netdev``), one each way::

    osvif-demo-<id>   the demo's host: os_vif.plug() runs here
    |  br-demo-<id>   OVS bridge
    |  |-- qvo<id> <-veth-> qvb<id> -- qbr<id> -- tap<id>  <-veth->  vm1 eth0
    |  |                      (VIFBridge: the hybrid plug)
    |  '-- tap<id>                                         <-veth->  vm2 eth0
    |                         (VIFOpenVSwitch, create_port)

Without ``--ovsdb-connection`` the demo runs a private ``ovsdb-server`` and
``ovs-vswitchd`` inside its host namespace, on a fresh database in
``/run/os-vif-demo/<host>/``: ``ovs-vswitchd`` opens devices in its own
namespace, so it finds the ones the plugin makes there. It uses the userspace
(``netdev``) datapath, which needs no kernel module; for each bridge it makes
a tap device of the bridge's name, and one ``ovs-netdev`` for the datapath.
At the end both daemons are stopped by pid and those taps deleted.

With ``--ovsdb-connection URL`` the demo uses a running Open vSwitch: it adds
only its own bridge and removes it at the end, never touching another. The
devices still live in the demo's namespace, where that ovs-vswitchd (in its
own namespace) cannot open them: the records are written and shown, the
ping is skipped with ovs-vswitchd's own error as the reason.

Either way the run keeps a state file (``state.json``, in the same directory)
naming the daemons' pids, the OVSDB connection and the bridge, so that
``os-vif demo --cleanup`` can undo a ``--keep`` run, or one that was killed.

The daemons are the only processes the demo starts (and ``ovsdb-tool``, which
makes their database); the database is read and written through the plugin's
own OVSDB client (:mod:`vif_plug_ovs._ovsdb`), devices through netlink.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final, TextIO

from os_vif._config import ConfigSource, build_config, read_config
from os_vif._demo import (
    GUEST_IFNAME,
    OVS_STATE_ROOT,
    DemoError,
    _Demo,
    _Guest,
    _link_table,
    _require_plugin,
    _write,
)
from os_vif.exception import ExceptionBase
from os_vif.linux import netns
from os_vif.linux.names import (
    BRIDGE_PREFIX,
    TAP_PREFIX,
    VETH_BRIDGE_PREFIX,
    VETH_OVS_PREFIX,
    derived_name,
)
from os_vif.linux.netlink import Netlink
from os_vif.objects.network import Network
from os_vif.objects.vif import VIFBridge, VIFOpenVSwitch, VIFPortProfileOpenVSwitch
from vif_plug_ovs._ovsdb import DelBridge, Outcome, OvsdbClient, SslFiles
from vif_plug_ovs._ovsdb.commands import Applied, Command
from vif_plug_ovs._ovsdb.model import Model
from vif_plug_ovs._ovsdb.queries import Query, Singleton
from vif_plug_ovs._ovsdb.schema import Value
from vif_plug_ovs.config import OvsConfig

__all__ = ["BINARIES", "STATE_ROOT", "OvsDemo", "cleanup_state"]

PLUGIN: Final = "ovs"
#: Where each run keeps its state file (and the private daemons their files).
STATE_ROOT: Final = OVS_STATE_ROOT
STATE_FILE: Final = "state.json"
#: The Open vSwitch programs the private daemons need.
BINARIES: Final = ("ovsdb-tool", "ovsdb-server", "ovs-vswitchd")
DATAPATH: Final = "netdev"
BRIDGE_PREFIX_DEMO: Final = "br-demo-"
# ovsdb-server listening, ovs-vswitchd applying its first configuration.
START_TIMEOUT: Final = 20.0
START_POLL: Final = 0.02
STOP_TIMEOUT: Final = 10.0
# The demo's own reads and its bridge's removal.
OVSDB_TIMEOUT: Final = 10.0
_DAEMONS_STOP_ORDER: Final = ("ovs-vswitchd", "ovsdb-server")
_MARK: Final = "os-vif-demo"
_IFACE_IDS: Final = ("iface-id", "attached-mac", "vm-uuid", "iface-status")


def _find_binaries() -> tuple[dict[str, str], list[str]]:
    """The Open vSwitch programs found on PATH, and the names of those missing."""
    found = {name: shutil.which(name) for name in BINARIES}
    paths = {name: path for name, path in found.items() if path is not None}
    return paths, [name for name in BINARIES if name not in paths]


# --- state --------------------------------------------------------------------


@dataclass
class _State:
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

    def client(self) -> OvsdbClient:
        """A client of the run's ovsdb-server (the plugin's shares its connection).

        Raises:
            ValueError: the connection string or the SSL files are not usable.
        """
        ssl = SslFiles(*self.ssl_files) if self.ssl_files is not None else None
        return OvsdbClient(self.remote, timeout=OVSDB_TIMEOUT, wait=False, ssl_files=ssl)

    @property
    def workdir(self) -> Path:
        return STATE_ROOT / self.host

    def save(self) -> None:
        path = self.workdir / STATE_FILE
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps(dataclasses.asdict(self), indent=2) + "\n")
        temporary.replace(path)

    @classmethod
    def load(cls, workdir: Path) -> _State:
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


# --- processes ------------------------------------------------------------------


def _is_daemon(pid: int, program: str, workdir: Path) -> bool:
    """Whether ``pid`` is still ``program`` started for ``workdir`` (not a reused pid)."""
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False  # gone
    # A zombie has an empty command line: it is gone as far as we care.
    return os.path.basename(os.fsdecode(argv[0])) == program and any(
        os.fsdecode(arg).startswith(f"--pidfile={workdir}/") for arg in argv[1:]
    )


def _wait_gone(pid: int, program: str, workdir: Path, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while _is_daemon(pid, program, workdir):
        if time.monotonic() > deadline:
            return False
        time.sleep(START_POLL)
    return True


def _stop_daemon(
    program: str, pid: int, workdir: Path, child: subprocess.Popen[bytes] | None
) -> str:
    """Stop one private daemon by pid; return what happened, for the reader.

    Raises:
        DemoError: it did not go away, even after SIGKILL.
    """
    if child is not None:  # ours: wait for it, so that it leaves no zombie
        if child.poll() is not None:
            return f"{program} (pid {pid}) had already exited with status {child.returncode}"
        child.terminate()
        try:
            child.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait(STOP_TIMEOUT)
        return f"stopped {program} (pid {pid})"
    if not _is_daemon(pid, program, workdir):
        return f"{program} (pid {pid}) is not running any more"
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    if not _wait_gone(pid, program, workdir, STOP_TIMEOUT):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        if not _wait_gone(pid, program, workdir, STOP_TIMEOUT):
            raise DemoError(f"{program} (pid {pid}) does not stop")
    return f"stopped {program} (pid {pid})"


def _delete_taps(host: str) -> list[str]:
    """Inside ``host``: delete the tap devices ovs-vswitchd made; return their names."""

    def delete() -> list[str]:
        with Netlink() as nl:
            return nl.delete_links(link.name for link in nl.list_links() if link.kind == "tun")

    return netns.run_in(host, delete)


def _teardown(
    state: _State,
    say: Callable[[str], None],
    children: Mapping[str, subprocess.Popen[bytes]],
) -> list[str]:
    """Undo what a run made outside its namespaces; return what is left behind.

    The demo's bridge on a running Open vSwitch; the private daemons, the
    taps they leave in the host namespace (if it is still there) and the
    state directory. The directory is kept while anything is left, so that
    ``--cleanup`` can try again.
    """
    failed: list[str] = []
    if not state.private and state.bridge is not None:
        try:
            client = state.client()
            (result,) = client.execute(DelBridge(state.bridge))
            client.close()
        except (ExceptionBase, ValueError) as exc:
            failed.append(f"OVS bridge {state.bridge} at {state.remote}")
            say(f"   could not delete OVS bridge {state.bridge} at {state.remote}: {exc}")
        else:
            if result.outcome is Outcome.DELETED:
                say(f"   deleted OVS bridge {state.bridge} (and its ports) at {state.remote}")
    for program in _DAEMONS_STOP_ORDER:
        pid = state.pids.get(program)
        if pid is None:
            continue
        try:
            say("   " + _stop_daemon(program, pid, state.workdir, children.get(program)))
        except DemoError as exc:
            failed.append(f"{program} pid {pid}")
            say(f"   could not stop {program}: {exc}")
    if state.private and state.host in netns.list_netns(state.host):
        try:
            taps = _delete_taps(state.host)
        except ExceptionBase as exc:
            failed.append(f"the taps ovs-vswitchd left in {state.host}")
            say(f"   could not delete the taps ovs-vswitchd left in {state.host}: {exc}")
        else:
            if taps:
                say(f"   deleted the taps ovs-vswitchd left in {state.host}: {', '.join(taps)}")
    if not failed:
        shutil.rmtree(state.workdir, ignore_errors=True)
        say(f"   removed {state.workdir}")
        with contextlib.suppress(OSError):
            STATE_ROOT.rmdir()  # only if no other run has a directory there
    return failed


def cleanup_state(out: TextIO, own: Callable[[str], bool]) -> list[str]:
    """Undo what earlier ``--backend ovs`` runs left outside their namespaces.

    Args:
        out: where to print.
        own: whether a host namespace name is one the demo makes; other
            directories are left alone.

    Returns:
        What could not be removed.
    """
    try:
        entries = sorted(STATE_ROOT.iterdir())
    except FileNotFoundError:
        return []
    failed: list[str] = []
    for workdir in entries:
        if not own(workdir.name) or not workdir.is_dir():
            continue
        try:
            state = _State.load(workdir)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            _write(out, f"skipped {workdir}: no readable {STATE_FILE} ({exc})")
            failed.append(str(workdir))
            continue
        _write(out, f"{workdir}: Open vSwitch at {state.remote}")
        failed += _teardown(state, lambda text: _write(out, text.strip()), {})
    return failed


# --- OVSDB ------------------------------------------------------------------------


@dataclass(frozen=True)
class _InitDatabase(Command):
    """Insert the ``Open_vSwitch`` row of a fresh database (``ovs-vsctl init``).

    ``next_cfg`` starts at 1, so that ovs-vswitchd's first pass (``cur_cfg``
    1) shows it has read the database.
    """

    host: str

    def describe(self) -> str:
        return "initialise the Open_vSwitch table"

    def queries(self, model: Model) -> Iterator[Query]:
        yield Singleton("Open_vSwitch")

    def apply(self, model: Model) -> Applied:
        row = model.singleton("Open_vSwitch")
        if row is not None:
            return Applied(Outcome.UNCHANGED, (), row)
        row = model.insert("Open_vSwitch", {"next_cfg": 1, "external_ids": {_MARK: self.host}})
        return Applied(Outcome.CREATED, (), row)


def _optional(value: Value) -> Value:
    """An optional column's value: its one atom, or None."""
    if isinstance(value, frozenset):
        return next(iter(value)) if len(value) == 1 else None
    return value


def _text_map(value: Value) -> dict[str, str]:
    return {str(k): str(v) for k, v in value.items()} if isinstance(value, dict) else {}


# --- the demo ---------------------------------------------------------------------


class OvsDemo(_Demo):
    """The demo on Open vSwitch: one hybrid and one create_port VIF."""

    plugin = PLUGIN

    @classmethod
    def prepare(cls, out: TextIO, config: ConfigSource, connection: str | None) -> OvsDemo:
        """Check what the run needs, before anything is made.

        Raises:
            DemoError: no ``ovs`` plugin; no Open vSwitch programs (and no
                ``connection``); a connection string that is not one.
            ConfigError: bad ``ovs`` options in ``config``.
        """
        _require_plugin(PLUGIN)
        binaries: dict[str, str] = {}
        if connection is None:
            binaries, missing = _find_binaries()
            if missing:
                raise DemoError(
                    f"Open vSwitch is not installed ({', '.join(missing)} not found on PATH): "
                    "install it (apt-get install openvswitch-switch), or pass "
                    "--ovsdb-connection URL to use a running one"
                )
        return cls(out, config, connection, binaries)

    def __init__(
        self,
        out: TextIO,
        config: ConfigSource,
        connection: str | None,
        binaries: Mapping[str, str],
    ) -> None:
        super().__init__(out, config)
        self.binaries = dict(binaries)
        self.private = connection is None
        remote = connection or f"unix:{STATE_ROOT / self.host / 'db.sock'}"
        options = _plugin_config(config, remote)
        # What os_vif.initialize() gets: the ovs plugin's options only.
        self.config = {PLUGIN: dataclasses.asdict(options)}
        self.options = options
        self.state = _State(
            host=self.host,
            remote=remote,
            private=self.private,
            ssl_files=options.ssl_files,
        )
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.state_saved = False
        try:
            self.reader = self.state.client()
        except ValueError as exc:
            raise DemoError(f"--ovsdb-connection: {exc}") from None
        # What the hybrid plug of the first guest makes: qbr, qvb, qvo.
        first, _ = self.guests
        qvb = derived_name(VETH_BRIDGE_PREFIX, first.vif.id)
        qvo = derived_name(VETH_OVS_PREFIX, first.vif.id)
        self.hybrid_devices = [derived_name(BRIDGE_PREFIX, first.vif.id), qvb, qvo]
        self.ports = {guest.label: self.port_name(guest) for guest in self.guests}
        self.unopened: dict[str, str] = {}

    # --- hooks ------------------------------------------------------------------

    def bridge_name(self) -> str:
        # Unique per run (a kernel device name: 15 bytes at most), so that a
        # running Open vSwitch never has it already.
        return BRIDGE_PREFIX_DEMO + self.host.rsplit("-", 1)[1][:7]

    def make_vif(self, index: int, vif_id: str, network: Network) -> VIFBridge | VIFOpenVSwitch:
        profile = VIFPortProfileOpenVSwitch(
            interface_id=vif_id,
            profile_id="",
            datapath_type=DATAPATH,
            create_port=index != 0,
        )
        if index == 0:
            return VIFBridge(
                id=vif_id,
                plugin=PLUGIN,
                network=network,
                vif_name=derived_name(TAP_PREFIX, vif_id),
                bridge_name=derived_name(BRIDGE_PREFIX, vif_id),
                port_profile=profile,
            )
        return VIFOpenVSwitch(
            id=vif_id,
            plugin=PLUGIN,
            network=network,
            vif_name=derived_name(TAP_PREFIX, vif_id),
            bridge_name=self.bridge,
            port_profile=profile,
        )

    def port_name(self, guest: _Guest) -> str:
        """The guest's OVS port: ``qvo<id>`` (hybrid) or its tap itself."""
        if isinstance(guest.vif, VIFBridge):
            return derived_name(VETH_OVS_PREFIX, guest.vif.id)
        return guest.vif_name

    def title(self) -> str:
        return "os-vif demo: two guests on Open vSwitch, plugged with os_vif.plug() (ovs plugin)"

    def start_backend(self) -> None:
        self.state_saved = True  # first: an interrupt from here on removes the directory
        self.state.workdir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.state.save()
        if self.private:
            self.section(f"Open vSwitch, private to the demo (inside {self.host})")
            self.state.bridge = self.bridge  # a fresh database: nobody else's
            self.start_daemons()
        else:
            self.section(f"Open vSwitch at {self.state.remote}")
            self.check_running_ovs()

    def before_plug(self) -> None:
        options = self.options
        self.say(
            f"   ovs plugin options: ovsdb_connection={options.ovsdb_connection} "
            f"isolate_vif={options.isolate_vif} per_port_bridge={options.per_port_bridge}"
        )
        nl = self.host_netlink()
        for guest in self.guests:
            nl.set_up(guest.vif_name)
        names = ", ".join(guest.vif_name for guest in self.guests)
        self.say(f"   set {names} up, as a hypervisor does when it starts a guest")

    def describe_vif(self, guest: _Guest) -> str:
        vif = guest.vif
        if isinstance(vif, VIFBridge):
            return (
                f"VIFBridge vif_name={vif.vif_name} bridge_name={vif.bridge_name} "
                f"network.bridge={self.bridge}"
            )
        return f"VIFOpenVSwitch vif_name={vif.vif_name} bridge_name={self.bridge} create_port"

    def carrier_devices(self) -> set[str]:
        return {guest.vif_name for guest in self.guests} | set(self.hybrid_devices[1:])

    def show_plugged(self) -> None:
        self.section(f"OVSDB records of {self.bridge}, read back with the plugin's OVSDB client")
        self.show_records(plugged=True)
        self.section(f"Kernel devices in {self.host}, read back over netlink")
        self.show_devices()

    def show_unplugged(self) -> None:
        self.show_records(plugged=False)
        self.show_devices()
        left = set(self.device_names())
        gone = [name for name in self.hybrid_devices if name not in left]
        if gone:
            self.say(f"   gone: {', '.join(gone)} (the hybrid plug's Linux bridge and veth pair)")

    def no_ping_reason(self) -> str | None:
        if self.private or not self.unopened:
            return None
        port, error = next(iter(self.unopened.items()))
        return (
            f"ovs-vswitchd could not open {port}: {error}.\n"
            "It opens devices in its own network namespace, and the demo's are in "
            f"{self.host}:\n"
            "with a running Open vSwitch the demo writes and shows the records, but no "
            "traffic flows.\n"
            "For the ping, run it without --ovsdb-connection (private daemons inside "
            "the demo's namespace)."
        )

    def release_backend(self) -> list[str]:
        if not self.state_saved:
            return []
        return _teardown(self.state, self.say_if_heard, self.children)

    def kept_commands(self) -> list[str]:
        first, second = self.guests
        db = f"--db={self.state.remote}"
        return [
            f"ovs-vsctl {db} show",
            f"ovs-vsctl {db} list Interface {self.ports[first.label]}",
            f"ip netns exec {self.host} ip link",
            f"ip netns exec {first.netns} ping -c 3 {second.address.ip}",
        ]

    def kept_notes(self) -> list[str]:
        if not self.private:
            return [f"The bridge {self.bridge} stays on the Open vSwitch at {self.state.remote}."]
        pids = ", ".join(f"{name} (pid {pid})" for name, pid in self.state.pids.items())
        return [f"Still running: {pids}; state in {self.state.workdir / STATE_FILE}."]

    # --- Open vSwitch -------------------------------------------------------------

    def start_daemons(self) -> None:
        workdir = self.state.workdir
        database = workdir / "conf.db"
        database.unlink(missing_ok=True)
        made = subprocess.run(  # noqa: S603 (an Open vSwitch program, on the demo's files)
            [self.binaries["ovsdb-tool"], "create", str(database)],
            capture_output=True,
            text=True,
            check=False,
            env=self.daemon_env(),
        )
        if made.returncode != 0:
            raise DemoError(f"ovsdb-tool create {database} failed: {made.stderr.strip()}")
        self.say(f"   created the database {database} (ovsdb-tool create)")
        sock = workdir / "db.sock"
        server = self.spawn("ovsdb-server", str(database), f"--remote=punix:{sock}")
        self.wait_for_socket(sock, server)
        self.say(f"   started ovsdb-server (pid {server.pid}), listening on {self.state.remote}")
        self.reader.execute(_InitDatabase(self.host))
        started = time.monotonic()
        vswitchd = self.spawn("ovs-vswitchd", self.state.remote)
        self.wait_for_vswitchd(vswitchd)
        waited = (time.monotonic() - started) * 1000
        self.say(
            f"   started ovs-vswitchd (pid {vswitchd.pid}); it applied the database's "
            f"configuration {waited:.0f} ms later"
        )
        self.say(
            f"   bridges use the userspace datapath ({DATAPATH}): no kernel module needed; "
            f"its devices appear in {self.host}"
        )

    def daemon_env(self) -> dict[str, str]:
        env = dict(os.environ)
        # Anything the programs would put in the system's Open vSwitch
        # directories goes to the demo's instead.
        for var in ("OVS_RUNDIR", "OVS_LOGDIR", "OVS_DBDIR", "OVS_SYSCONFDIR"):
            env[var] = str(self.state.workdir)
        return env

    def spawn(self, program: str, *args: str) -> subprocess.Popen[bytes]:
        """Start ``program`` inside the demo's host; record its pid at once."""
        workdir = self.state.workdir
        argv = [
            self.binaries[program],
            *args,
            f"--pidfile={workdir}/{program}.pid",
            f"--unixctl={workdir}/{program}.ctl",
            f"--log-file={workdir}/{program}.log",
            "-vconsole:off",
            "--no-chdir",
        ]
        env = self.daemon_env()

        def start() -> subprocess.Popen[bytes]:
            # A child starts in the network namespace of the thread that
            # forks it: this one, inside the host. A session of its own keeps
            # it from the terminal's Ctrl-C: clean-up stops it, by pid.
            with open(workdir / f"{program}.out", "ab") as output:
                child = subprocess.Popen(  # noqa: S603 (an Open vSwitch daemon, the demo's args)
                    argv,
                    env=env,
                    stdin=subprocess.DEVNULL,
                    stdout=output,
                    stderr=output,
                    start_new_session=True,
                )
            # Recorded here, not by the caller: an interrupt while the
            # caller waits for this thread must not lose the pid.
            self.children[program] = child
            self.state.pids[program] = child.pid
            self.state.save()
            return child

        return self.in_host(start)

    def daemon_failure(self, program: str, child: subprocess.Popen[bytes]) -> DemoError:
        log = self.state.workdir / f"{program}.log"
        try:
            last = log.read_text(errors="replace").strip().splitlines()[-1]
        except (OSError, IndexError):
            last = "(no log)"
        return DemoError(f"{program} exited with status {child.returncode}: {last}")

    def wait_for_socket(self, path: Path, child: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise self.daemon_failure("ovsdb-server", child)
            with contextlib.suppress(OSError), socket.socket(socket.AF_UNIX) as sock:
                sock.connect(str(path))
                return
            time.sleep(START_POLL)
        raise DemoError(f"ovsdb-server did not listen on {path} within {START_TIMEOUT:g} s")

    def wait_for_vswitchd(self, child: subprocess.Popen[bytes]) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if child.poll() is not None:
                raise self.daemon_failure("ovs-vswitchd", child)
            row = self.reader.get("Open_vSwitch", ".", ["cur_cfg"])
            if row is not None and isinstance(row["cur_cfg"], int) and row["cur_cfg"] >= 1:
                return
            time.sleep(START_POLL)
        raise DemoError(f"ovs-vswitchd did not read the database within {START_TIMEOUT:g} s")

    def check_running_ovs(self) -> None:
        # Connected from here, outside the demo's namespace, so that a tcp:
        # remote on 127.0.0.1 is the host's: the plugin shares the connection.
        try:
            row = self.reader.get("Open_vSwitch", ".", ["ovs_version", "bridges"])
        except ExceptionBase as exc:
            raise DemoError(f"cannot use the Open vSwitch at {self.state.remote}: {exc}") from exc
        if row is None:
            raise DemoError(f"the database at {self.state.remote} has no Open_vSwitch row")
        version = _optional(row["ovs_version"])
        bridges = row["bridges"]
        count = len(bridges) if isinstance(bridges, frozenset) else 1
        self.say(
            f"   connected{f' to Open vSwitch {version}' if version else ''}: "
            f"{count} bridge{'s' if count != 1 else ''} there already"
        )
        if self.reader.bridge_exists(self.bridge):
            raise DemoError(f"bridge {self.bridge} already exists at {self.state.remote}")
        # From now on it is ours: clean-up (or --cleanup) deletes it.
        self.state.bridge = self.bridge
        self.state.save()
        self.say(
            f"   the demo adds its own bridge {self.bridge} and removes it at the end; "
            "it touches no other"
        )

    # --- showing ------------------------------------------------------------------

    def show_records(self, *, plugged: bool) -> None:
        bridge = self.reader.get("Bridge", self.bridge, ["datapath_type"])
        if bridge is None:
            self.say(f"   no bridge {self.bridge}")
            return
        ports = [p for p in self.reader.bridge_ports(self.bridge) or [] if p != self.bridge]
        listed = ", ".join(ports) if ports else "no VIF ports"
        self.say(
            f"   Bridge {self.bridge}: datapath_type {_optional(bridge['datapath_type'])}, "
            f"{listed} (and its own internal port)"
        )
        self.unopened = {}
        for guest in self.guests:
            port = self.ports[guest.label]
            if plugged:
                self.show_port(guest, port)
            elif self.reader.port_exists(port) or self.reader.get("Interface", port, []):
                raise DemoError(f"port {port} of {guest.label} is still in OVSDB after unplug")
            else:
                self.say(f"   Port {port} ({guest.label}): gone, and its Interface record")

    def show_port(self, guest: _Guest, port: str) -> None:
        kind = "hybrid plug" if isinstance(guest.vif, VIFBridge) else "create_port"
        iface = self.reader.get("Interface", port, ["type", "external_ids", "ofport", "error"])
        if iface is None or not self.reader.port_exists(port):
            raise DemoError(f"no Port/Interface {port} in OVSDB for {guest.label} after plug")
        iface_type = str(iface["type"])
        ofport = _optional(iface["ofport"])
        error = _optional(iface["error"])
        if isinstance(ofport, int) and ofport > 0:
            opened = f"ovs-vswitchd opened it as OpenFlow port {ofport}"
        else:
            opened = f"ovs-vswitchd could not open it: {error or 'no ofport yet'}"
            self.unopened[port] = str(error or "no ofport")
        described = f'"{iface_type}"' + (" (a kernel device)" if not iface_type else "")
        self.say(f"   Port {port} ({guest.label}, {kind})")
        self.say(f"      Interface type {described}; {opened}")
        ids = _text_map(iface["external_ids"])
        expected = {
            "iface-id": guest.vif.id,
            "attached-mac": guest.vif.address,
            "vm-uuid": guest.instance.uuid,
        }
        notes = {
            "iface-id": "the VIF's port profile interface_id",
            "attached-mac": f"{guest.label}'s {GUEST_IFNAME}",
            "vm-uuid": "the instance",
        }
        for key in _IFACE_IDS:
            value = ids.get(key, "(missing)")
            note = f"  ({notes[key]})" if key in notes and value == expected[key] else ""
            self.say(f"      external_ids:{key:<13} {value}{note}")
            if key in expected and value != expected[key]:
                raise DemoError(f"{port}: external_ids:{key} is {value}, not {expected[key]}")

    def device_names(self) -> list[str]:
        return [link.name for link in self.host_netlink().list_links() if link.name != "lo"]

    def show_devices(self) -> None:
        links = [link for link in self.host_netlink().list_links() if link.name != "lo"]
        for line in _link_table(links):
            self.say("   " + line)
        taps = [link.name for link in links if link.kind == "tun"]
        if taps:
            self.say(f"   {', '.join(taps)}: taps ovs-vswitchd made for its userspace datapath")


def _plugin_config(config: ConfigSource, remote: str) -> OvsConfig:
    """The ``ovs`` plugin's options: those of ``config``, with the demo's.

    The demo sets the connection, and turns off what would keep its guests
    apart (a dead VLAN only a network agent lifts, a bridge per port).

    Raises:
        ConfigError: the ``ovs`` options in ``config`` are not valid.
        DemoError: ``remote`` is not a connection string (or an ``ssl:``
            one lacks its files).
    """
    base = build_config(OvsConfig, read_config(config).get(PLUGIN))
    try:
        return dataclasses.replace(
            base, ovsdb_connection=remote, isolate_vif=False, per_port_bridge=False
        )
    except ValueError as exc:
        hint = " (SSL files come from the ovs options of --config)" if "ssl" in str(exc) else ""
        raise DemoError(f"--ovsdb-connection: {exc}{hint}") from None

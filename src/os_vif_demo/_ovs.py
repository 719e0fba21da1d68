"""The Open vSwitch tour: the two guests, plugged by ``ovs``, one each way.

The guests are plugged into an OVS bridge of the demo's own, ``br-demo-<id>``
(datapath_type ``netdev``)::

    osvif-demo-<id>   the demo's host: os_vif.plug() runs here
    |  br-demo-<id>   OVS bridge
    |  |-- qvo<id> <-veth-> qvb<id> -- qbr<id> -- tap<id>  <-veth->  vm1 eth0
    |  |                      (VIFBridge: the hybrid plug)
    |  '-- tap<id>                                         <-veth->  vm2 eth0
    |                         (VIFOpenVSwitch, create_port)

Without ``--ovsdb-connection`` the demo runs private daemons inside its host
namespace (:class:`vif_plug_ovs.sandbox.Sandbox`, in
``/run/os-vif-demo/<host>/``): ovs-vswitchd opens devices in its own
namespace, so it finds the ones the plugin makes there.

With ``--ovsdb-connection URL`` the demo uses a running Open vSwitch: it adds
only its own bridge and removes it at the end, never touching another. The
devices still live in the demo's namespace, where that ovs-vswitchd (in its
own namespace) cannot open them: the records are written and shown, the
ping is skipped with ovs-vswitchd's own error as the reason.

Either way the run keeps a state file (:mod:`._ovs_state`), so that ``os-vif
demo --cleanup`` can undo a ``--keep`` run, or one that was killed.
"""

from __future__ import annotations

import dataclasses
import time
from typing import Final, TextIO

from os_vif.exception import ExceptionBase
from os_vif.linux.names import (
    BRIDGE_PREFIX,
    TAP_PREFIX,
    VETH_BRIDGE_PREFIX,
    VETH_OVS_PREFIX,
    derived_name,
)
from os_vif.objects.network import Network
from os_vif.objects.vif import VIFBridge, VIFOpenVSwitch, VIFPortProfileOpenVSwitch
from os_vif_demo._errors import DemoError
from os_vif_demo._host import Guest
from os_vif_demo._ovs_records import show_devices, show_records
from os_vif_demo._ovs_state import STATE_FILE, STATE_ROOT, State, teardown
from os_vif_demo._tour import Config, Tour, require_plugin
from vif_plug_ovs.config import OvsConfig
from vif_plug_ovs.sandbox import DATAPATH, Sandbox, missing_programs

__all__ = ["PLUGIN", "OvsTour"]

PLUGIN: Final = "ovs"
BRIDGE_PREFIX_DEMO: Final = "br-demo-"


class OvsTour(Tour):
    """The demo on Open vSwitch: one hybrid and one create_port VIF."""

    plugin = PLUGIN

    @classmethod
    def prepare(cls, out: TextIO, config: Config, connection: str | None) -> OvsTour:
        """Check what the run needs, before anything is made.

        Raises:
            DemoError: no ``ovs`` plugin; no Open vSwitch programs (and no
                ``connection``); a connection string that is not one.
            ConfigError: bad ``ovs`` options in ``config``.
        """
        require_plugin(PLUGIN)
        missing = missing_programs() if connection is None else []
        if missing:
            raise DemoError(
                f"Open vSwitch is not installed ({', '.join(missing)} not found on PATH): "
                "install it (apt-get install openvswitch-switch), or pass "
                "--ovsdb-connection URL to use a running one"
            )
        return cls(out, config, connection)

    def __init__(self, out: TextIO, config: Config, connection: str | None) -> None:
        super().__init__(out, config)
        self.private = connection is None
        workdir = STATE_ROOT / self.host
        self.sandbox = (
            Sandbox(workdir, netns=self.host, on_start=self._started) if self.private else None
        )
        remote = connection or f"unix:{workdir / 'db.sock'}"
        self.options = _plugin_config(config, remote)
        # What os_vif.initialize() gets: the ovs plugin's options only.
        self.config = {PLUGIN: dataclasses.asdict(self.options)}
        self.state = State(
            host=self.host, remote=remote, private=self.private, ssl_files=self.options.ssl_files
        )
        self.state_saved = False
        try:
            self.database = self.state.database()
        except ValueError as exc:
            raise DemoError(f"--ovsdb-connection: {exc}") from None
        # What the hybrid plug of the first guest makes: qbr, qvb, qvo.
        first_id = self.guests[0].vif.id
        self.hybrid_devices = [
            derived_name(prefix, first_id)
            for prefix in (BRIDGE_PREFIX, VETH_BRIDGE_PREFIX, VETH_OVS_PREFIX)
        ]
        self.ports = {guest.label: self.port_name(guest) for guest in self.guests}
        self.unopened: dict[str, str] = {}

    def _started(self, program: str, pid: int) -> None:
        self.state.pids[program] = pid
        self.state.save()

    # --- hooks ----------------------------------------------------------------------

    def bridge_name(self) -> str:
        # Unique per run (a kernel device name: 15 bytes at most), so that a
        # running Open vSwitch never has it already.
        return BRIDGE_PREFIX_DEMO + self.host.rsplit("-", 1)[1][:7]

    def make_vif(self, index: int, vif_id: str, network: Network) -> VIFBridge | VIFOpenVSwitch:
        profile = VIFPortProfileOpenVSwitch(
            interface_id=vif_id, profile_id="", datapath_type=DATAPATH, create_port=index != 0
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

    def port_name(self, guest: Guest) -> str:
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
        if self.sandbox is not None:
            self.section(f"Open vSwitch, private to the demo (inside {self.host})")
            self.state.bridge = self.bridge  # a fresh database: nobody else's
            self.start_daemons(self.sandbox)
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

    def describe_vif(self, guest: Guest) -> str:
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
        self.section(f"OVSDB records of {self.bridge}, read back with vif_plug_ovs.ovsdb")
        self.unopened = self.show_records(plugged=True)
        self.section(f"Kernel devices in {self.host}, read back over netlink")
        show_devices(self.say, self.host_netlink().list_links())

    def show_unplugged(self) -> None:
        self.show_records(plugged=False)
        links = self.host_netlink().list_links()
        show_devices(self.say, links)
        left = {link.name for link in links}
        gone = [name for name in self.hybrid_devices if name not in left]
        if gone:
            self.say(f"   gone: {', '.join(gone)} (the hybrid plug's Linux bridge and veth pair)")

    def show_records(self, *, plugged: bool) -> dict[str, str]:
        """Show the bridge and the guests' ports; return those not opened."""
        return show_records(
            self.say, self.database, self.bridge, self.ports, self.guests, plugged=plugged
        )

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
        return teardown(self.state, self.output.say_if_heard, self.sandbox)

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

    # --- Open vSwitch ---------------------------------------------------------------

    def start_daemons(self, sandbox: Sandbox) -> None:
        """The private daemons, one step at a time, each told."""
        sandbox.create_database()
        self.say(f"   created the database {sandbox.database} (ovsdb-tool create)")
        pid = sandbox.start_ovsdb_server()
        self.say(f"   started ovsdb-server (pid {pid}), listening on {self.state.remote}")
        sandbox.init_database()
        started = time.monotonic()
        pid = sandbox.start_vswitchd()
        waited = (time.monotonic() - started) * 1000
        self.say(
            f"   started ovs-vswitchd (pid {pid}); it applied the database's "
            f"configuration {waited:.0f} ms later"
        )
        self.say(
            f"   bridges use the userspace datapath ({DATAPATH}): no kernel module needed; "
            f"its devices appear in {self.host}"
        )

    def check_running_ovs(self) -> None:
        """Check the running Open vSwitch, and that the demo's bridge is not there yet."""
        # Connected from here, outside the demo's namespace, so that a tcp:
        # remote on 127.0.0.1 is the host's: the plugin shares the connection.
        try:
            switch = self.database.switch()
            taken = self.database.bridge_exists(self.bridge)
        except ExceptionBase as exc:
            raise DemoError(f"cannot use the Open vSwitch at {self.state.remote}: {exc}") from exc
        if switch is None:
            raise DemoError(f"the database at {self.state.remote} has no Open_vSwitch row")
        version = f" to Open vSwitch {switch.ovs_version}" if switch.ovs_version else ""
        count = switch.bridge_count
        self.say(f"   connected{version}: {count} bridge{'s' if count != 1 else ''} there already")
        if taken:
            raise DemoError(f"bridge {self.bridge} already exists at {self.state.remote}")
        # From now on it is ours: clean-up (or --cleanup) deletes it.
        self.state.bridge = self.bridge
        self.state.save()
        self.say(
            f"   the demo adds its own bridge {self.bridge} and removes it at the end; "
            "it touches no other"
        )


def _plugin_config(config: Config, remote: str) -> OvsConfig:
    """The ``ovs`` plugin's options: those of ``config``, with the demo's.

    The demo sets the connection, and turns off what would keep its guests
    apart (a dead VLAN only a network agent lifts, a bridge per port).

    Raises:
        ConfigError: the ``ovs`` options in ``config`` are not valid.
        DemoError: ``remote`` is not a connection string (or an ``ssl:``
            one lacks its files).
    """
    base = OvsConfig.read(PLUGIN, config)
    try:
        return dataclasses.replace(
            base, ovsdb_connection=remote, isolate_vif=False, per_port_bridge=False
        )
    except ValueError as exc:
        hint = " (SSL files come from the ovs options of --config)" if "ssl" in str(exc) else ""
        raise DemoError(f"--ovsdb-connection: {exc}{hint}") from None

"""``os-vif demo``: two guests on a Linux bridge, plugged through the public API.

Everything happens in network namespaces the demo creates, so the host's own
network is never touched::

    osvif-demo-<id>            the demo's "compute host": os_vif.plug() runs
    |                          here and makes the bridge br-demo
    |-- tap<vif id>  <-veth->  osvif-demo-<id>-vm1: eth0 10.99.0.1/24
    '-- tap<vif id>  <-veth->  osvif-demo-<id>-vm2: eth0 10.99.0.2/24

Each guest is a namespace with one end of a veth pair (``eth0``); the other
end waits in the host namespace under the VIF's ``vif_name``, as a device a
hypervisor made would. The demo plugs a ``VIFBridge`` for each with the
``linux_bridge`` plugin, reads the bridge and its ports back over netlink,
pings one guest from the other (raw ICMP, from a thread inside the guest),
unplugs both and shows that the ping now fails, then deletes the namespaces
(and so every device). ``--keep`` plugs the guests again and leaves it all up;
``--cleanup`` removes what such a run left.

``--backend ovs`` plugs the same two guests into Open vSwitch instead, with
the ``ovs`` plugin: see :mod:`os_vif._demo_ovs`, which builds on the class
here (its hooks: the VIFs, what is shown after plug and unplug, the backend's
start and clean-up).

Host work goes through :mod:`os_vif.linux` (netlink, ``setns``); nothing
runs ``ip`` or ``ping``.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import ipaddress
import os
import re
import secrets
import signal
import socket
import struct
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path
from types import FrameType
from typing import Final, TextIO, TypeVar

import os_vif
from os_vif import _api
from os_vif._config import ConfigSource
from os_vif.exception import ExceptionBase, HostOperationError
from os_vif.linux import netns
from os_vif.linux.linkinfo import LinkInfo
from os_vif.linux.names import TAP_PREFIX, derived_name
from os_vif.linux.netlink import Netlink
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.network import Network
from os_vif.objects.subnet import Subnet, SubnetList
from os_vif.objects.vif import VIFBridge, VIFOpenVSwitch

__all__ = ["BACKENDS", "PREFIX", "DemoError", "cleanup", "run"]

#: Every namespace the demo creates is named with this prefix.
PREFIX: Final = "osvif-demo-"
PLUGIN: Final = "linux_bridge"
#: What ``--backend`` accepts: the plugin that plugs the guests.
BACKENDS: Final = ("linux_bridge", "ovs")
#: Where ``--backend ovs`` runs keep their state (see :mod:`os_vif._demo_ovs`).
OVS_STATE_ROOT: Final = Path("/run/os-vif-demo")
BRIDGE: Final = "br-demo"
MTU: Final = 1500
SUBNET: Final = ipaddress.IPv4Network("10.99.0.0/24")
GUEST_IFNAME: Final = "eth0"
GUESTS: Final = ("vm1", "vm2")
PING_COUNT: Final = 3
PING_TIMEOUT: Final = 0.5
PING_INTERVAL: Final = 0.2
CARRIER_TIMEOUT: Final = 3.0
CARRIER_POLL: Final = 0.05

# Only names this demo makes: the host, or one of its guests. --cleanup
# removes nothing else, whatever else starts with the prefix.
_OWN_NAME: Final = re.compile(re.escape(PREFIX) + r"[0-9a-f]{8}(-vm[0-9]+)?")
# CAP_NET_ADMIN (devices), CAP_NET_RAW (the ping), CAP_SYS_ADMIN (namespaces).
_CAPABILITIES: Final = {12: "CAP_NET_ADMIN", 13: "CAP_NET_RAW", 21: "CAP_SYS_ADMIN"}
_ICMP_ECHO_REPLY: Final = 0
_ICMP_ECHO_REQUEST: Final = 8
_SOL_RAW: Final = 255
_ICMP_FILTER: Final = 1
_ICMP_HEADER: Final = struct.Struct("!BBHHH")
_PAYLOAD: Final = b"os-vif demo ping".ljust(48, b".")

_T = TypeVar("_T")


class DemoError(ExceptionBase):
    """The demo could not run, or what it shows did not happen."""


@dataclass(frozen=True)
class _Guest:
    label: str
    netns: str
    address: ipaddress.IPv4Interface
    vif: VIFBridge | VIFOpenVSwitch
    instance: InstanceInfo

    @property
    def vif_name(self) -> str:
        return self.vif.vif_name


def run(
    out: TextIO,
    *,
    keep: bool = False,
    config: ConfigSource = None,
    backend: str = PLUGIN,
    ovsdb_connection: str | None = None,
) -> None:
    """Run the demo, printing each step to ``out``.

    Args:
        out: where to print.
        keep: leave the namespaces up, the guests plugged, instead of
            removing everything at the end.
        config: plugin options, as for :func:`os_vif.initialize`.
        backend: one of :data:`BACKENDS`: a Linux bridge, or Open vSwitch.
        ovsdb_connection: with ``backend="ovs"``, the ovsdb-server of a
            running Open vSwitch to use; None starts private daemons.

    Raises:
        DemoError: no privileges, no plugin for the backend (or, for
            ``ovs``, no Open vSwitch), the guests could not reach each
            other while plugged (or still could after unplug), the run was
            interrupted, or clean-up failed.
        ExceptionBase: a step of the library failed (``PlugException``,
            ``HostOperationError``...); everything made is removed first.
    """
    _check_can_run()
    demo = _new_demo(out, config, backend, ovsdb_connection)
    with _terminate_as_interrupt():
        try:
            demo.play(keep=keep)
            if keep:
                demo.explain_kept()
                return
            demo.section("Clean up")
        except KeyboardInterrupt:
            left = demo.clean_up("\nInterrupted: cleaning up.")
            raise DemoError("interrupted" + _left_behind(left)) from None
        except BaseException:
            # The error that stopped the run is the one to report; what
            # clean-up could not remove is printed on the way.
            demo.clean_up("\nFailed: cleaning up.")
            raise
        left = demo.clean_up()
    if left:
        raise DemoError("clean-up failed" + _left_behind(left))
    demo.say("\n" + demo.done_message())


def _new_demo(
    out: TextIO, config: ConfigSource, backend: str, ovsdb_connection: str | None
) -> _Demo:
    if backend == "ovs":
        from os_vif import _demo_ovs  # noqa: PLC0415 (only this backend needs it)

        demo: _Demo = _demo_ovs.OvsDemo.prepare(out, config, ovsdb_connection)
        return demo
    if backend != PLUGIN:
        raise DemoError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
    if ovsdb_connection is not None:
        raise DemoError("--ovsdb-connection is for --backend ovs")
    _require_plugin(PLUGIN)
    return _Demo(out, config)


def _left_behind(names: list[str]) -> str:
    if not names:
        return "; everything it made is removed"
    return f"; left behind: {', '.join(names)} (remove with: os-vif demo --cleanup)"


def cleanup(out: TextIO) -> None:
    """Remove what earlier demo runs left: namespaces (and so devices), OVS.

    Only names the demo makes are removed: ``osvif-demo-<8 hex digits>`` and
    its guests ``...-vm<N>``. Open vSwitch runs (``--backend ovs``) left a
    state directory each: their private daemons are stopped by pid, the
    devices those left deleted, or their bridge removed from the running
    Open vSwitch they used (see :mod:`os_vif._demo_ovs`).

    Raises:
        DemoError: no privileges, or something could not be removed.
    """
    _check_can_run()
    failed: list[str] = []
    if OVS_STATE_ROOT.is_dir():
        # Only then: the Linux bridge demo never loads the ovs plugin's code.
        from os_vif import _demo_ovs  # noqa: PLC0415

        failed += _demo_ovs.cleanup_state(out, lambda name: _OWN_NAME.fullmatch(name) is not None)
    names = [name for name in netns.list_netns(PREFIX) if _OWN_NAME.fullmatch(name)]
    if not names:
        _write(out, "No demo namespaces to remove.")
    for name in names:
        try:
            netns.delete_netns(name)
        except ExceptionBase as exc:
            failed.append(name)
            _write(out, f"could not remove {name}: {exc}")
        else:
            _write(out, f"removed namespace {name} (and its devices)")
    if failed:
        raise DemoError(f"could not remove {', '.join(failed)}")


def _write(out: TextIO, text: str) -> None:
    out.write(text + "\n")
    out.flush()


def _check_can_run() -> None:
    missing = _missing_capabilities()
    if missing:
        raise DemoError(
            f"the demo needs root: it creates network namespaces and devices "
            f"(missing {', '.join(missing)})"
        )


def _missing_capabilities() -> list[str]:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            line = next(line for line in status if line.startswith("CapEff:"))
        effective = int(line.split()[1], 16)
    except (OSError, StopIteration, ValueError, IndexError):
        return [] if os.geteuid() == 0 else list(_CAPABILITIES.values())
    return [name for bit, name in _CAPABILITIES.items() if not effective & (1 << bit)]


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Let SIGTERM clean up as Ctrl-C does (only the main thread gets signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


@contextlib.contextmanager
def _signals_ignored() -> Iterator[None]:
    """Let clean-up finish even if Ctrl-C is pressed again."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


class _Demo:
    """One run: the names it picked, what it made, what it prints.

    This class is the Linux bridge demo; :class:`os_vif._demo_ovs.OvsDemo`
    overrides its hooks (marked "hook" below) for Open vSwitch.
    """

    #: The plugin that plugs the guests.
    plugin = PLUGIN

    def __init__(self, out: TextIO, config: ConfigSource) -> None:
        self.out = out
        self.config = config
        self.host = PREFIX + secrets.token_hex(4)
        self.bridge = self.bridge_name()
        self.made: list[str] = []
        self.sockets: list[socket.socket | Netlink] = []
        self.steps = 0
        self.loaded: tuple[str, ...] = ()
        self.reader_gone = False
        self.pinged = False
        hosts = SUBNET.hosts()
        self.guests = [
            self._describe_guest(index, label, next(hosts)) for index, label in enumerate(GUESTS)
        ]

    def _describe_guest(self, index: int, label: str, address: ipaddress.IPv4Address) -> _Guest:
        network = Network(
            id=str(uuid.uuid4()),
            label="osvif-demo",
            bridge=self.bridge,
            mtu=MTU,
            subnets=SubnetList([Subnet(cidr=str(SUBNET))]),
        )
        instance = InstanceInfo(
            uuid=str(uuid.uuid4()), name=f"osvif-demo-{label}", project_id="osvif-demo"
        )
        return _Guest(
            label=label,
            netns=f"{self.host}-{label}",
            address=ipaddress.IPv4Interface(f"{address}/{SUBNET.prefixlen}"),
            vif=self.make_vif(index, str(uuid.uuid4()), network),
            instance=instance,
        )

    # --- hooks (the Linux bridge backend) ------------------------------------------

    def bridge_name(self) -> str:
        """Hook: the bridge both guests are plugged into."""
        return BRIDGE

    def make_vif(self, index: int, vif_id: str, network: Network) -> VIFBridge | VIFOpenVSwitch:
        """Hook: the VIF of guest number ``index`` (its MAC is set once wired)."""
        return VIFBridge(
            id=vif_id,
            plugin=self.plugin,
            network=network,
            vif_name=derived_name(TAP_PREFIX, vif_id),
            bridge_name=BRIDGE,
        )

    def title(self) -> str:
        """Hook: the first line printed."""
        return "os-vif demo: two guests on one Linux bridge, plugged with os_vif.plug()"

    def start_backend(self) -> None:
        """Hook: what the backend needs before the plug (after the namespaces)."""

    def before_plug(self) -> None:
        """Hook: what a hypervisor would do before plugging, inside the host."""

    def describe_vif(self, guest: _Guest) -> str:
        """Hook: the VIF as printed with each os_vif call."""
        return f"VIFBridge vif_name={guest.vif_name} bridge_name={BRIDGE}"

    def carrier_devices(self) -> set[str]:
        """Hook: the devices that must have carrier before the first ping."""
        return {guest.vif_name for guest in self.guests}

    def show_plugged(self) -> None:
        """Hook: show what the plug made."""
        self.section(f"Bridge {BRIDGE} and its ports, read back over netlink")
        self.show_bridge()

    def show_unplugged(self) -> None:
        """Hook: show what is left after unplug."""
        self.show_bridge()

    def no_ping_reason(self) -> str | None:
        """Hook: why the guests cannot be expected to reach each other, if so."""
        return None

    def release_backend(self) -> list[str]:
        """Hook: clean-up before the namespaces go; return what is left behind."""
        return []

    def forget_backend(self) -> list[str]:
        """Hook: clean-up after the namespaces went; return what is left behind."""
        return []

    def kept_commands(self) -> list[str]:
        """Hook: commands to look around a --keep run."""
        first, second = self.guests
        return [
            f"ip netns exec {self.host} ip -d link show {BRIDGE}",
            f"ip netns exec {self.host} ip link show master {BRIDGE}",
            f"ip netns exec {first.netns} ping -c 3 {second.address.ip}",
        ]

    def kept_notes(self) -> list[str]:
        """Hook: lines printed after the commands of a --keep run."""
        return []

    def done_message(self) -> str:
        """Hook: the last line of a run that went through."""
        if self.pinged:
            return "Done: plugged, pinged, unplugged, cleaned up."
        return "Done: plugged, unplugged, cleaned up (no ping, see above)."

    # --- output --------------------------------------------------------------

    def say(self, text: str = "") -> None:
        if self.reader_gone:
            return
        try:
            _write(self.out, text)
        except BrokenPipeError:
            # The reader (``| head``) left: stop printing, but let the error
            # stop the run and clean-up still remove everything.
            self.reader_gone = True
            raise

    def say_if_heard(self, text: str) -> None:
        with contextlib.suppress(BrokenPipeError):
            self.say(text)

    def section(self, title: str) -> None:
        self.steps += 1
        self.say(f"\n{self.steps}. {title}")

    # --- the steps -------------------------------------------------------------

    def play(self, *, keep: bool) -> None:
        self.say(self.title())
        self.section("Namespaces (the host's own network is not touched)")
        self.create_namespaces()
        self.start_backend()
        self.section(f"Plug, inside {self.host}")
        self.initialize()
        self.before_plug()
        for guest in self.guests:
            self.call_api("plug", guest)
        self.wait_for_carrier()
        self.show_plugged()
        first, second = self.guests
        no_ping = self.no_ping_reason()
        if no_ping is None:
            self.section(f"Ping {second.label} ({second.address.ip}) from {first.label}")
            if not self.ping(first, second):
                raise DemoError(
                    f"{first.label} cannot reach {second.label} through {self.bridge} after plug"
                )
            self.say(f"   {first.label} reaches {second.label} through {self.bridge}")
            self.pinged = True
        else:
            self.section(f"No ping from {first.label} to {second.label}")
            for line in no_ping.splitlines():
                self.say(f"   {line}")
        self.section("Unplug")
        for guest in self.guests:
            self.call_api("unplug", guest)
        self.show_unplugged()
        if self.pinged:
            self.say(f"   ping {second.label} ({second.address.ip}) from {first.label} again:")
            if self.ping(first, second):
                raise DemoError(f"{first.label} still reaches {second.label} after unplug")
            self.say(f"   no path from {first.label} to {second.label} any more, as expected")
        if keep:
            self.section("Plug again and leave it up (--keep)")
            for guest in self.guests:
                self.call_api("plug", guest)

    def create_namespaces(self) -> None:
        self._create_netns(self.host)
        self.say(f"   created {self.host:<26} the demo's host, where os_vif.plug() runs")
        for guest in self.guests:
            self._create_netns(guest.netns)
            mac = netns.run_in(guest.netns, functools.partial(self._wire_guest, guest))
            guest.vif.address = mac
            self.say(
                f"   created {guest.netns:<26} guest {guest.label}: {GUEST_IFNAME} "
                f"{guest.address} ({mac}), host end {guest.vif_name}"
            )

    def _create_netns(self, name: str) -> None:
        # Listed first, so that an interrupt half-way through still removes it.
        self.made.append(name)
        try:
            netns.create_netns(name)
        except HostOperationError as exc:
            if exc.errno == errno.EEXIST:  # someone else's: not ours to remove
                self.made.remove(name)
            raise

    def _wire_guest(self, guest: _Guest) -> str:
        """Inside the guest: a veth pair, the host end sent to the host."""
        with Netlink() as nl:
            nl.ensure_veth_pair(GUEST_IFNAME, guest.vif_name, mtu=MTU)
            netns.move_link(guest.vif_name, self.host)
            nl.set_up("lo")
            nl.set_up(GUEST_IFNAME)
            netns.add_address(GUEST_IFNAME, str(guest.address))
            link = nl.get_link(GUEST_IFNAME)
        if link is None or link.address is None:
            raise DemoError(f"{GUEST_IFNAME} vanished from {guest.netns}")
        return link.address

    def in_host(self, func: Callable[[], _T]) -> _T:
        return netns.run_in(self.host, func)

    def initialize(self) -> None:
        # Loaded from a thread inside the demo's host, so that whatever a
        # plugin opens at load time (a netlink socket) acts there.
        report = self.in_host(lambda: os_vif.initialize(reset=True, config=self.config))
        self.loaded = report.loaded
        self.say(f"   os_vif.initialize(): plugins {', '.join(report.loaded) or 'none'}")
        if self.plugin not in report.loaded:
            reason = report.failed.get(self.plugin, "not found")
            raise DemoError(f"the {self.plugin} plugin did not load: {reason}")

    def call_api(self, verb: str, guest: _Guest) -> None:
        api = os_vif.plug if verb == "plug" else os_vif.unplug
        vif = guest.vif
        started = time.perf_counter()
        self.in_host(lambda: api(vif, guest.instance))
        elapsed = (time.perf_counter() - started) * 1000
        self.say(
            f"   os_vif.{verb}({self.describe_vif(guest)}) for {guest.label}: ok, {elapsed:.1f} ms"
        )

    def wait_for_carrier(self) -> None:
        """Wait until every port reports carrier, so the first ping gets through.

        The kernel delivers a veth's carrier change with up to a second's
        delay, and a bridge port forwards only once it has carrier.
        """
        nl = self.host_netlink()
        names = self.carrier_devices()
        started = time.monotonic()
        while True:
            down = sorted(
                link.name
                for link in nl.list_links()
                if link.name in names and link.operstate != "UP"
            )
            waited = time.monotonic() - started
            if not down:
                self.say(f"   ports have carrier ({waited:.1f} s after plug)")
                return
            if waited > CARRIER_TIMEOUT:
                self.say(f"   still no carrier on {', '.join(down)} after {waited:.1f} s")
                return
            time.sleep(CARRIER_POLL)

    def show_bridge(self) -> None:
        nl = self.host_netlink()
        links = nl.list_links()
        bridge = next((link for link in links if link.name == BRIDGE), None)
        if bridge is None:
            self.say(f"   no bridge {BRIDGE} in {self.host}")
            return
        ports = [link for link in links if link.master_index == bridge.index]
        for line in _link_table([bridge, *ports]):
            self.say("   " + line)
        stp = "on" if bridge.stp else "off"
        delay = f"{bridge.forward_delay:g} s" if bridge.forward_delay is not None else "?"
        count = f"{len(ports)} port{'s' if len(ports) != 1 else ''}" if ports else "no ports"
        self.say(f"   {BRIDGE}: {count}, STP {stp}, forward delay {delay}")

    def host_netlink(self) -> Netlink:
        for held in self.sockets:
            if isinstance(held, Netlink):
                return held
        nl = self.in_host(Netlink)
        self.sockets.append(nl)
        return nl

    def ping(self, source: _Guest, destination: _Guest) -> bool:
        sock = netns.run_in(source.netns, _icmp_socket)
        self.sockets.append(sock)
        target = str(destination.address.ip)
        ident = secrets.randbelow(0x10000)
        received = 0
        for seq in range(1, PING_COUNT + 1):
            if seq > 1:
                time.sleep(PING_INTERVAL)
            rtt = _echo(sock, target, ident, seq, PING_TIMEOUT)
            if rtt is None:
                self.say(f"   no reply from {target}: icmp_seq={seq} (waited {PING_TIMEOUT:g} s)")
            else:
                received += 1
                self.say(f"   reply from {target}: icmp_seq={seq} time={rtt * 1000:.3f} ms")
        self.say(f"   {PING_COUNT} sent, {received} received")
        return received > 0

    # --- the end ---------------------------------------------------------------

    def clean_up(self, header: str | None = None) -> list[str]:
        """Remove what this run made; return what is left behind.

        Nothing stops it half-way: not a second Ctrl-C, not a reader gone.
        """
        with _signals_ignored():
            if header is not None:
                self.say_if_heard(header)
            self.close_sockets()
            failed = self.release_backend()
            left: list[str] = []
            for name in reversed(self.made):
                try:
                    netns.delete_netns(name)
                except ExceptionBase as exc:
                    left.append(name)
                    self.say_if_heard(f"   could not remove {name}: {exc}")
                else:
                    self.say_if_heard(f"   removed namespace {name} (and its devices)")
            self.made = left
            failed += left
            failed += self.forget_backend()
        return failed

    def close_sockets(self) -> None:
        """Close every socket opened in the demo's namespaces, the plugins' too.

        An open socket keeps its namespace, and so its devices, alive after
        the namespace's name is removed.
        """
        for held in self.sockets:
            held.close()
        self.sockets.clear()
        for name in self.loaded:
            with contextlib.suppress(ExceptionBase):
                _api.loaded_plugin(name).close()

    def explain_kept(self) -> None:
        self.close_sockets()
        self.say("\nLeft up (--keep). Look around:")
        for command in self.kept_commands():
            self.say(f"   {command}")
        for note in self.kept_notes():
            self.say(note)
        self.say("Remove it all with:\n   os-vif demo --cleanup")


def _require_plugin(plugin: str) -> None:
    if not metadata.entry_points(group="os_vif", name=plugin):
        raise DemoError(
            f"the {plugin} plugin is not installed (no {plugin!r} entry point in group 'os_vif')"
        )


def _link_table(links: list[LinkInfo]) -> list[str]:
    rows = [("NAME", "KIND", "MASTER", "MTU", "ADMIN", "OPER")]
    rows += [
        (
            link.name,
            link.kind or "-",
            link.master_name or "-",
            str(link.mtu),
            "up" if link.up else "down",
            link.operstate or "-",
        )
        for link in links
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]


# --- ping ------------------------------------------------------------------------


def _icmp_socket() -> socket.socket:
    """A raw ICMP socket in the calling thread's namespace, echo replies only."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW | socket.SOCK_CLOEXEC, socket.IPPROTO_ICMP)
    # A raw socket sees every ICMP message of the namespace; the kernel
    # filter (a bit per type to drop) keeps only echo replies.
    sock.setsockopt(
        _SOL_RAW, _ICMP_FILTER, struct.pack("=I", ~(1 << _ICMP_ECHO_REPLY) & 0xFFFFFFFF)
    )
    return sock


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def _echo(sock: socket.socket, target: str, ident: int, seq: int, timeout: float) -> float | None:
    """Send one echo request; return the round-trip time, or None on timeout."""
    header = _ICMP_HEADER.pack(_ICMP_ECHO_REQUEST, 0, 0, ident, seq)
    packet = (
        _ICMP_HEADER.pack(_ICMP_ECHO_REQUEST, 0, _checksum(header + _PAYLOAD), ident, seq)
        + _PAYLOAD
    )
    sent = time.perf_counter()
    deadline = sent + timeout
    try:
        sock.sendto(packet, (target, 0))
    except OSError:
        # No route or no neighbour answer: the same as no reply, for a ping.
        return None
    while (left := deadline - time.perf_counter()) > 0:
        sock.settimeout(left)
        try:
            data, (source, _) = sock.recvfrom(2048)
        except TimeoutError:
            return None
        received = time.perf_counter()
        offset = (data[0] & 0x0F) * 4  # past the IPv4 header
        if len(data) < offset + _ICMP_HEADER.size or source != target:
            continue
        kind, _, _, got_ident, got_seq = _ICMP_HEADER.unpack_from(data, offset)
        if (kind, got_ident, got_seq) == (_ICMP_ECHO_REPLY, ident, seq):
            return received - sent
    return None

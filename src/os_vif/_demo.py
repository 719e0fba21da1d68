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

Host work goes through :mod:`os_vif._linux` (netlink, ``setns``); nothing
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
from types import FrameType
from typing import Final, TextIO, TypeVar

import os_vif
from os_vif import _api
from os_vif._config import ConfigSource
from os_vif._linux import netns
from os_vif._linux.linkinfo import LinkInfo
from os_vif._linux.names import TAP_PREFIX, derived_name
from os_vif._linux.netlink import Netlink
from os_vif.exception import ExceptionBase, HostOperationError
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.network import Network
from os_vif.objects.subnet import Subnet, SubnetList
from os_vif.objects.vif import VIFBridge

__all__ = ["PREFIX", "DemoError", "cleanup", "run"]

#: Every namespace the demo creates is named with this prefix.
PREFIX: Final = "osvif-demo-"
PLUGIN: Final = "linux_bridge"
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
    vif: VIFBridge
    instance: InstanceInfo

    @property
    def vif_name(self) -> str:
        return self.vif.vif_name


def run(out: TextIO, *, keep: bool = False, config: ConfigSource = None) -> None:
    """Run the demo, printing each step to ``out``.

    Args:
        out: where to print.
        keep: leave the namespaces up, the guests plugged, instead of
            removing everything at the end.
        config: plugin options, as for :func:`os_vif.initialize`.

    Raises:
        DemoError: no privileges, no ``linux_bridge`` plugin, the guests
            could not reach each other while plugged (or still could after
            unplug), the run was interrupted, or clean-up failed.
        ExceptionBase: a step of the library failed (``PlugException``,
            ``HostOperationError``...); everything made is removed first.
    """
    _check_can_run()
    _require_plugin()
    demo = _Demo(out, config)
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
    demo.say("\nDone: plugged, pinged, unplugged, cleaned up.")


def _left_behind(names: list[str]) -> str:
    if not names:
        return "; everything it made is removed"
    return f"; left behind: {', '.join(names)} (remove with: os-vif demo --cleanup)"


def cleanup(out: TextIO) -> None:
    """Remove the namespaces (and so the devices) earlier demo runs left.

    Only names the demo makes are removed: ``osvif-demo-<8 hex digits>`` and
    its guests ``...-vm<N>``.

    Raises:
        DemoError: no privileges, or a namespace could not be removed.
    """
    _check_can_run()
    names = [name for name in netns.list_netns(PREFIX) if _OWN_NAME.fullmatch(name)]
    if not names:
        _write(out, "No demo namespaces to remove.")
        return
    failed: list[str] = []
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
    """One run: the names it picked, what it made, what it prints."""

    def __init__(self, out: TextIO, config: ConfigSource) -> None:
        self.out = out
        self.config = config
        self.host = PREFIX + secrets.token_hex(4)
        self.made: list[str] = []
        self.sockets: list[socket.socket | Netlink] = []
        self.steps = 0
        self.initialized = False
        self.reader_gone = False
        hosts = SUBNET.hosts()
        self.guests = [self._describe_guest(label, next(hosts)) for label in GUESTS]

    def _describe_guest(self, label: str, address: ipaddress.IPv4Address) -> _Guest:
        vif_id = str(uuid.uuid4())
        network = Network(
            id=str(uuid.uuid4()),
            label="osvif-demo",
            bridge=BRIDGE,
            mtu=MTU,
            subnets=SubnetList([Subnet(cidr=str(SUBNET))]),
        )
        vif = VIFBridge(
            id=vif_id,
            plugin=PLUGIN,
            network=network,
            vif_name=derived_name(TAP_PREFIX, vif_id),
            bridge_name=BRIDGE,
        )
        instance = InstanceInfo(
            uuid=str(uuid.uuid4()), name=f"osvif-demo-{label}", project_id="osvif-demo"
        )
        return _Guest(
            label=label,
            netns=f"{self.host}-{label}",
            address=ipaddress.IPv4Interface(f"{address}/{SUBNET.prefixlen}"),
            vif=vif,
            instance=instance,
        )

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
        self.say("os-vif demo: two guests on one Linux bridge, plugged with os_vif.plug()")
        self.section("Namespaces (the host's own network is not touched)")
        self.create_namespaces()
        self.section(f"Plug, inside {self.host}")
        self.initialize()
        for guest in self.guests:
            self.call_api("plug", guest)
        self.wait_for_carrier()
        self.section(f"Bridge {BRIDGE} and its ports, read back over netlink")
        self.show_bridge()
        first, second = self.guests
        self.section(f"Ping {second.label} ({second.address.ip}) from {first.label}")
        if not self.ping(first, second):
            raise DemoError(
                f"{first.label} cannot reach {second.label} through {BRIDGE} after plug"
            )
        self.say(f"   {first.label} reaches {second.label} through {BRIDGE}")
        self.section("Unplug")
        for guest in self.guests:
            self.call_api("unplug", guest)
        self.show_bridge()
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
        report = self.in_host(lambda: os_vif.initialize(self.config, reset=True))
        self.initialized = True
        self.say(f"   os_vif.initialize(): plugins {', '.join(report.loaded) or 'none'}")
        if PLUGIN not in report.loaded:
            reason = report.failed.get(PLUGIN, "not found")
            raise DemoError(f"the {PLUGIN} plugin did not load: {reason}")

    def call_api(self, verb: str, guest: _Guest) -> None:
        api = os_vif.plug if verb == "plug" else os_vif.unplug
        vif = guest.vif
        started = time.perf_counter()
        self.in_host(lambda: api(vif, guest.instance))
        elapsed = (time.perf_counter() - started) * 1000
        self.say(
            f"   os_vif.{verb}(VIFBridge vif_name={vif.vif_name} bridge_name={BRIDGE}) "
            f"for {guest.label}: ok, {elapsed:.1f} ms"
        )

    def wait_for_carrier(self) -> None:
        """Wait until every port reports carrier, so the first ping gets through.

        The kernel delivers a veth's carrier change with up to a second's
        delay, and a bridge port forwards only once it has carrier.
        """
        nl = self.host_netlink()
        names = {guest.vif_name for guest in self.guests}
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
        """Remove what this run made; return the namespaces left behind.

        Nothing stops it half-way: not a second Ctrl-C, not a reader gone.
        """
        with _signals_ignored():
            if header is not None:
                self.say_if_heard(header)
            self.close_sockets()
            failed: list[str] = []
            for name in reversed(self.made):
                try:
                    netns.delete_netns(name)
                except ExceptionBase as exc:
                    failed.append(name)
                    self.say_if_heard(f"   could not remove {name}: {exc}")
                else:
                    self.say_if_heard(f"   removed namespace {name} (and its devices)")
            self.made = failed
        return failed

    def close_sockets(self) -> None:
        """Close every socket opened in the demo's namespaces, the plugin's too.

        An open socket keeps its namespace, and so its devices, alive after
        the namespace's name is removed.
        """
        for held in self.sockets:
            held.close()
        self.sockets.clear()
        if self.initialized:
            with contextlib.suppress(ExceptionBase):
                _api.loaded_plugin(PLUGIN).close()

    def explain_kept(self) -> None:
        self.close_sockets()
        first, second = self.guests
        self.say("\nLeft up (--keep). Look around:")
        for command in (
            f"ip netns exec {self.host} ip -d link show {BRIDGE}",
            f"ip netns exec {self.host} ip link show master {BRIDGE}",
            f"ip netns exec {first.netns} ping -c 3 {second.address.ip}",
        ):
            self.say(f"   {command}")
        self.say("Remove it all with:\n   os-vif demo --cleanup")


def _require_plugin() -> None:
    if not metadata.entry_points(group="os_vif", name=PLUGIN):
        raise DemoError(
            f"the {PLUGIN} plugin is not installed (no {PLUGIN!r} entry point in group 'os_vif')"
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

"""One run of the demo, whatever the backend: the steps, and the clean-up.

A tour makes the namespaces (:mod:`._host`), loads the plugins with
:func:`os_vif.initialize` inside the demo's host namespace, plugs each guest
with :func:`os_vif.plug`, shows what that made, pings one guest from the
other, unplugs both with :func:`os_vif.unplug`, shows that the ping now
fails, and removes everything. A backend is a subclass that fills in the
hooks (:mod:`._bridge`, :mod:`._ovs`).
"""

from __future__ import annotations

import abc
import contextlib
import functools
import ipaddress
import secrets
import signal
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from importlib import metadata
from pathlib import Path
from typing import Any, Final, TextIO, TypeAlias, TypeVar

import os_vif
from os_vif.linux import netns
from os_vif.linux.netlink import Netlink
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.network import Network
from os_vif.objects.subnet import Subnet, SubnetList
from os_vif.objects.vif import VIFBridge, VIFOpenVSwitch
from os_vif_demo import _ping
from os_vif_demo._errors import DemoError
from os_vif_demo._host import (
    GUEST_IFNAME,
    GUESTS,
    MTU,
    PREFIX,
    SUBNET,
    Guest,
    Namespaces,
    wire_guest,
)
from os_vif_demo._output import Output

__all__ = ["Config", "Tour", "require_plugin"]

#: What ``os_vif.initialize(config=...)`` gets from the demo.
Config: TypeAlias = "Mapping[str, Mapping[str, Any]] | str | Path | None"

PING_COUNT: Final = 3
PING_TIMEOUT: Final = 0.5
PING_INTERVAL: Final = 0.2
CARRIER_TIMEOUT: Final = 3.0
CARRIER_POLL: Final = 0.05

_T = TypeVar("_T")


def require_plugin(plugin: str) -> None:
    """Refuse to start without the plugin's entry point.

    Raises:
        DemoError: the plugin is not installed.
    """
    if not metadata.entry_points(group="os_vif", name=plugin):
        raise DemoError(
            f"the {plugin} plugin is not installed (no {plugin!r} entry point in group 'os_vif')"
        )


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


class Tour(abc.ABC):
    """One run: the names it picked, what it made, what it prints."""

    #: The plugin that plugs the guests.
    plugin: str

    def __init__(self, out: TextIO, config: Config) -> None:
        self.output = Output(out)
        self.say = self.output.say
        self.section = self.output.section
        self.config = config
        self.host = PREFIX + secrets.token_hex(4)
        self.bridge = self.bridge_name()
        self.namespaces = Namespaces()
        self.sockets: list[socket.socket | Netlink] = []
        self.initialized = False
        self.pinged = False
        hosts = SUBNET.hosts()
        self.guests = [
            self._describe_guest(index, label, next(hosts)) for index, label in enumerate(GUESTS)
        ]

    def _describe_guest(self, index: int, label: str, address: ipaddress.IPv4Address) -> Guest:
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
        return Guest(
            label=label,
            netns=f"{self.host}-{label}",
            address=ipaddress.IPv4Interface(f"{address}/{SUBNET.prefixlen}"),
            vif=self.make_vif(index, str(uuid.uuid4()), network),
            instance=instance,
        )

    # --- hooks ----------------------------------------------------------------------

    @abc.abstractmethod
    def bridge_name(self) -> str:
        """The bridge both guests are plugged into."""

    @abc.abstractmethod
    def make_vif(self, index: int, vif_id: str, network: Network) -> VIFBridge | VIFOpenVSwitch:
        """The VIF of guest number ``index`` (its MAC is set once wired)."""

    @abc.abstractmethod
    def title(self) -> str:
        """The first line printed."""

    @abc.abstractmethod
    def describe_vif(self, guest: Guest) -> str:
        """The VIF as printed with each os_vif call."""

    @abc.abstractmethod
    def show_plugged(self) -> None:
        """Show what the plug made."""

    @abc.abstractmethod
    def show_unplugged(self) -> None:
        """Show what is left after unplug."""

    @abc.abstractmethod
    def kept_commands(self) -> list[str]:
        """Commands to look around a ``--keep`` run."""

    def start_backend(self) -> None:  # noqa: B027 (a hook; most backends need nothing)
        """What the backend needs before the plug (after the namespaces)."""

    def before_plug(self) -> None:  # noqa: B027 (a hook; most backends need nothing)
        """What a hypervisor would do before plugging, inside the host."""

    def carrier_devices(self) -> set[str]:
        """The devices that must have carrier before the first ping."""
        return {guest.vif_name for guest in self.guests}

    def no_ping_reason(self) -> str | None:
        """Why the guests cannot be expected to reach each other, if so."""
        return None

    def release_backend(self) -> list[str]:
        """Clean-up before the namespaces go; return what is left behind."""
        return []

    def kept_notes(self) -> list[str]:
        """Lines printed after the commands of a ``--keep`` run."""
        return []

    def done_message(self) -> str:
        """The last line of a run that went through."""
        if self.pinged:
            return "Done: plugged, pinged, unplugged, cleaned up."
        return "Done: plugged, unplugged, cleaned up (no ping, see above)."

    # --- the steps ------------------------------------------------------------------

    def play(self, *, keep: bool) -> None:
        """Every step, from the namespaces to the unplug (and the re-plug, to keep)."""
        self.say(self.title())
        self.section("Namespaces (the host's own network is not touched)")
        self.create_namespaces()
        self.start_backend()
        self.section(f"Plug, inside {self.host}")
        self.initialize()
        self.before_plug()
        self.call_api_for_all("plug")
        self.wait_for_carrier()
        self.show_plugged()
        self.ping_while_plugged()
        self.section("Unplug")
        self.call_api_for_all("unplug")
        self.show_unplugged()
        self.ping_after_unplug()
        if keep:
            self.section("Plug again and leave it up (--keep)")
            self.call_api_for_all("plug")

    def create_namespaces(self) -> None:
        """The host namespace, then each guest's, wired to it."""
        self.namespaces.create(self.host)
        self.say(f"   created {self.host:<26} the demo's host, where os_vif.plug() runs")
        for guest in self.guests:
            self.namespaces.create(guest.netns)
            mac = netns.run_in(guest.netns, functools.partial(wire_guest, guest, self.host))
            guest.vif.address = mac
            self.say(
                f"   created {guest.netns:<26} guest {guest.label}: {GUEST_IFNAME} "
                f"{guest.address} ({mac}), host end {guest.vif_name}"
            )

    def in_host(self, func: Callable[[], _T]) -> _T:
        """Call ``func`` on a thread inside the demo's host namespace."""
        return netns.run_in(self.host, func)

    def initialize(self) -> None:
        """Load the plugins, from a thread inside the demo's host.

        Whatever a plugin opens at load time then acts there.
        """
        report = self.in_host(lambda: os_vif.initialize(reset=True, config=self.config))
        self.initialized = True
        self.say(f"   os_vif.initialize(): plugins {', '.join(report.loaded) or 'none'}")
        if self.plugin not in report.loaded:
            reason = report.failed.get(self.plugin, "not found")
            raise DemoError(f"the {self.plugin} plugin did not load: {reason}")

    def call_api_for_all(self, verb: str) -> None:
        """``os_vif.plug`` (or ``unplug``) each guest's VIF, inside the host."""
        api = os_vif.plug if verb == "plug" else os_vif.unplug
        for guest in self.guests:
            started = time.perf_counter()
            self.in_host(functools.partial(api, guest.vif, guest.instance))
            elapsed = (time.perf_counter() - started) * 1000
            self.say(
                f"   os_vif.{verb}({self.describe_vif(guest)}) for {guest.label}: "
                f"ok, {elapsed:.1f} ms"
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

    def ping_while_plugged(self) -> None:
        """Ping the second guest from the first: it must answer (unless it cannot)."""
        first, second = self.guests
        no_ping = self.no_ping_reason()
        if no_ping is not None:
            self.section(f"No ping from {first.label} to {second.label}")
            for line in no_ping.splitlines():
                self.say(f"   {line}")
            return
        self.section(f"Ping {second.label} ({second.address.ip}) from {first.label}")
        if not self.ping(first, second):
            raise DemoError(
                f"{first.label} cannot reach {second.label} through {self.bridge} after plug"
            )
        self.say(f"   {first.label} reaches {second.label} through {self.bridge}")
        self.pinged = True

    def ping_after_unplug(self) -> None:
        """Ping again, if the first went through: now it must fail."""
        if not self.pinged:
            return
        first, second = self.guests
        self.say(f"   ping {second.label} ({second.address.ip}) from {first.label} again:")
        if self.ping(first, second):
            raise DemoError(f"{first.label} still reaches {second.label} after unplug")
        self.say(f"   no path from {first.label} to {second.label} any more, as expected")

    def host_netlink(self) -> Netlink:
        """A netlink socket in the demo's host namespace (one, kept until clean-up)."""
        for held in self.sockets:
            if isinstance(held, Netlink):
                return held
        nl = self.in_host(Netlink)
        self.sockets.append(nl)
        return nl

    def ping(self, source: Guest, destination: Guest) -> bool:
        """Ping ``destination`` from inside ``source``; whether any reply came."""
        sock = netns.run_in(source.netns, _ping.icmp_socket)
        self.sockets.append(sock)
        target = str(destination.address.ip)
        ident = secrets.randbelow(0x10000)
        received = 0
        for seq in range(1, PING_COUNT + 1):
            if seq > 1:
                time.sleep(PING_INTERVAL)
            rtt = _ping.echo(sock, target, ident, seq, PING_TIMEOUT)
            if rtt is None:
                self.say(f"   no reply from {target}: icmp_seq={seq} (waited {PING_TIMEOUT:g} s)")
            else:
                received += 1
                self.say(f"   reply from {target}: icmp_seq={seq} time={rtt * 1000:.3f} ms")
        self.say(f"   {PING_COUNT} sent, {received} received")
        return received > 0

    # --- the end --------------------------------------------------------------------

    def clean_up(self, header: str | None = None) -> list[str]:
        """Remove what this run made; return what is left behind.

        Nothing stops it half-way: not a second Ctrl-C, not a reader gone.
        """
        with _signals_ignored():
            if header is not None:
                self.output.say_if_heard(header)
            self.close_sockets()
            failed = self.release_backend()
            failed += self.namespaces.remove_all(self.output.say_if_heard)
        return failed

    def close_sockets(self) -> None:
        """Close every socket opened in the demo's namespaces, the plugins' too.

        An open socket keeps its namespace, and so its devices, alive after
        the namespace's name is removed.
        """
        for held in self.sockets:
            held.close()
        self.sockets.clear()
        if self.initialized:
            # A plugin keeps a netlink socket in the namespace it first
            # worked in. initialize(reset=True) closes the plugins it
            # replaces; the new ones hold nothing until used.
            os_vif.initialize(reset=True, config={})
            self.initialized = False

    def explain_kept(self) -> None:
        """Close what is open and tell how to look around, and how to clean up."""
        self.close_sockets()
        self.say("\nLeft up (--keep). Look around:")
        for command in self.kept_commands():
            self.say(f"   {command}")
        for note in self.kept_notes():
            self.say(note)
        self.say("Remove it all with:\n   os-vif demo --cleanup")

"""The demo's namespaces: its "compute host" and the guests wired to it.

Each guest is a namespace with one end of a veth pair (``eth0``); the other
end waits in the host namespace under the VIF's ``vif_name``, as a device a
hypervisor made would. Every name is ``osvif-demo-<8 hex digits>`` (the host)
or that and ``-vm<N>`` (a guest): clean-up removes only such names.
"""

from __future__ import annotations

import errno
import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, TextIO

from os_vif.exception import ExceptionBase, HostOperationError
from os_vif.linux import netns
from os_vif.linux.netlink import Netlink
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFBridge, VIFOpenVSwitch
from os_vif_demo._errors import DemoError
from os_vif_demo._output import write

__all__ = [
    "GUESTS",
    "GUEST_IFNAME",
    "MTU",
    "PREFIX",
    "SUBNET",
    "Guest",
    "Namespaces",
    "is_own_name",
    "remove_leftovers",
    "wire_guest",
]

#: Every namespace the demo creates is named with this prefix.
PREFIX: Final = "osvif-demo-"
GUEST_IFNAME: Final = "eth0"
GUESTS: Final = ("vm1", "vm2")
MTU: Final = 1500
SUBNET: Final = ipaddress.IPv4Network("10.99.0.0/24")

# Only names this demo makes: the host, or one of its guests. --cleanup
# removes nothing else, whatever else starts with the prefix.
_OWN_NAME: Final = re.compile(re.escape(PREFIX) + r"[0-9a-f]{8}(-vm[0-9]+)?")


def is_own_name(name: str) -> bool:
    """Whether ``name`` is one the demo gives its namespaces."""
    return _OWN_NAME.fullmatch(name) is not None


@dataclass(frozen=True)
class Guest:
    """One guest: its namespace, address, VIF and instance."""

    label: str
    netns: str
    address: ipaddress.IPv4Interface
    vif: VIFBridge | VIFOpenVSwitch
    instance: InstanceInfo

    @property
    def vif_name(self) -> str:
        """The host end of the guest's veth pair: the VIF's device."""
        return self.vif.vif_name


class Namespaces:
    """The namespaces one run made, to remove at the end."""

    def __init__(self) -> None:
        self.made: list[str] = []

    def create(self, name: str) -> None:
        """Create namespace ``name``; one of that name already there is not ours."""
        # Listed first, so that an interrupt half-way through still removes it.
        self.made.append(name)
        try:
            netns.create_netns(name)
        except HostOperationError as exc:
            if exc.errno == errno.EEXIST:
                self.made.remove(name)
            raise

    def remove_all(self, say: Callable[[str], None]) -> list[str]:
        """Remove them, newest first (and so their devices); return those left."""
        self.made = _remove(reversed(self.made), lambda text: say("   " + text))
        return self.made


def _remove(names: Iterable[str], say: Callable[[str], None]) -> list[str]:
    left: list[str] = []
    for name in names:
        try:
            netns.delete_netns(name)
        except ExceptionBase as exc:
            left.append(name)
            say(f"could not remove {name}: {exc}")
        else:
            say(f"removed namespace {name} (and its devices)")
    return left


def wire_guest(guest: Guest, host: str) -> str:
    """Inside the guest: a veth pair, the host end sent to ``host``; return eth0's MAC."""
    with Netlink() as nl:
        nl.ensure_veth_pair(GUEST_IFNAME, guest.vif_name, mtu=MTU)
        nl.move_link(guest.vif_name, host)
        nl.set_up("lo")
        nl.set_up(GUEST_IFNAME)
        nl.add_address(GUEST_IFNAME, str(guest.address))
        link = nl.get_link(GUEST_IFNAME)
    if link is None or link.address is None:
        raise DemoError(f"{GUEST_IFNAME} vanished from {guest.netns}")
    return link.address


def remove_leftovers(out: TextIO) -> list[str]:
    """Remove the namespaces earlier runs left (and so their devices); return failures."""
    names = [name for name in netns.list_netns(PREFIX) if is_own_name(name)]
    if not names:
        write(out, "No demo namespaces to remove.")
    return _remove(names, lambda text: write(out, text))

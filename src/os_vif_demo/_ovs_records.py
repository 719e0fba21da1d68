"""What the Open vSwitch tour shows: the OVSDB records the plug wrote, the devices it made.

The records are read back through :class:`vif_plug_ovs.ovsdb.Ovsdb`; each
interface's ``external_ids`` are checked against the VIF they came from.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from os_vif.linux.linkinfo import LinkInfo
from os_vif.objects.vif import VIFBridge
from os_vif_demo._errors import DemoError
from os_vif_demo._host import GUEST_IFNAME, Guest
from os_vif_demo._output import link_table
from vif_plug_ovs.ovsdb import InterfaceRecord, Ovsdb

__all__ = ["show_devices", "show_records"]

_IFACE_IDS = ("iface-id", "attached-mac", "vm-uuid", "iface-status")

Say = Callable[[str], None]


def show_records(
    say: Say,
    database: Ovsdb,
    bridge: str,
    ports: Mapping[str, str],
    guests: Sequence[Guest],
    *,
    plugged: bool,
) -> dict[str, str]:
    """Show the bridge and each guest's port; return the ports not opened, with why.

    Args:
        say: where to print.
        database: the run's database.
        bridge: the demo's bridge.
        ports: each guest's OVS port, by label.
        guests: the guests.
        plugged: whether the guests are plugged (their ports must be there)
            or unplugged (they must be gone).

    Raises:
        DemoError: a port is missing after plug, or still there after unplug,
            or its external_ids are not the VIF's.
    """
    record = database.bridge(bridge)
    if record is None:
        say(f"   no bridge {bridge}")
        return {}
    vif_ports = [p for p in record.ports if p != bridge]
    listed = ", ".join(vif_ports) if vif_ports else "no VIF ports"
    say(
        f"   Bridge {bridge}: datapath_type {record.datapath_type}, "
        f"{listed} (and its own internal port)"
    )
    unopened: dict[str, str] = {}
    for guest in guests:
        port = ports[guest.label]
        if plugged:
            error = _show_port(say, database, guest, port)
            if error is not None:
                unopened[port] = error
        elif database.port_exists(port) or database.interface(port) is not None:
            raise DemoError(f"port {port} of {guest.label} is still in OVSDB after unplug")
        else:
            say(f"   Port {port} ({guest.label}): gone, and its Interface record")
    return unopened


def _show_port(say: Say, database: Ovsdb, guest: Guest, port: str) -> str | None:
    """Show one guest's port; return why ovs-vswitchd could not open it, if so."""
    kind = "hybrid plug" if isinstance(guest.vif, VIFBridge) else "create_port"
    iface = database.interface(port)
    if iface is None or not database.port_exists(port):
        raise DemoError(f"no Port/Interface {port} in OVSDB for {guest.label} after plug")
    unopened = None
    if iface.opened:
        opened = f"ovs-vswitchd opened it as OpenFlow port {iface.ofport}"
    else:
        opened = f"ovs-vswitchd could not open it: {iface.error or 'no ofport yet'}"
        unopened = iface.error or "no ofport"
    described = f'"{iface.type}"' + (" (a kernel device)" if not iface.type else "")
    say(f"   Port {port} ({guest.label}, {kind})")
    say(f"      Interface type {described}; {opened}")
    _show_external_ids(say, iface, guest)
    return unopened


def _show_external_ids(say: Say, iface: InterfaceRecord, guest: Guest) -> None:
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
        value = iface.external_ids.get(key, "(missing)")
        note = f"  ({notes[key]})" if key in notes and value == expected[key] else ""
        say(f"      external_ids:{key:<13} {value}{note}")
        if key in expected and value != expected[key]:
            raise DemoError(f"{iface.name}: external_ids:{key} is {value}, not {expected[key]}")


def show_devices(say: Say, links: Sequence[LinkInfo]) -> None:
    """The devices of the demo's host namespace (but loopback), as a table."""
    shown = [link for link in links if link.name != "lo"]
    for line in link_table(shown):
        say("   " + line)
    taps = [link.name for link in shown if link.kind == "tun"]
    if taps:
        say(f"   {', '.join(taps)}: taps ovs-vswitchd made for its userspace datapath")

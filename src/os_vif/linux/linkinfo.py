"""What the kernel reports about one network device, as a frozen value."""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["LinkInfo"]


@dataclass(frozen=True, slots=True)
class LinkInfo:
    """One network device as netlink reported it at the time of the read.

    Attributes:
        name: the interface name.
        index: the interface index.
        kind: the driver kind (``"bridge"``, ``"veth"``, ``"tun"``, ``"vlan"``,
            ``"macvlan"`` ...), or ``None`` for devices without one (physical
            NICs, loopback).
        mtu: the MTU.
        up: whether the device is administratively up (``IFF_UP``).
        promisc: whether the administrator's promiscuous flag is set (``ip
            link set promisc on``; not the count a bridge keeps on its ports).
        operstate: the operational state (``"UP"``, ``"DOWN"``, ``"UNKNOWN"``
            ...).
        address: the link-layer address in lower case, if any.
        alias: the interface alias (``ifalias``), if set.
        group: the device group (0 is the kernel's default group).
        master_index: the index of the master (bridge, bond), if any.
        master_name: the master's name, if any and resolvable.
        link_index: the related device: a veth's peer, a VLAN's parent.
        link_netnsid: set when ``link_index`` refers to another namespace.
        stp: bridges only: whether spanning tree is on.
        forward_delay: bridges only: the forward delay, in seconds.
        ageing_time: bridges only: how long learned addresses are kept, in
            seconds.
        vlan_id: VLAN devices only: the 802.1Q id.
        tun_type: tun devices only: ``"tap"`` or ``"tun"``.
        multiqueue: tun devices only: whether the device is multiqueue.

    """

    name: str
    index: int
    kind: str | None
    mtu: int
    up: bool
    promisc: bool = False
    operstate: str | None = None
    address: str | None = None
    alias: str | None = None
    group: int = 0
    master_index: int | None = None
    master_name: str | None = None
    link_index: int | None = None
    link_netnsid: int | None = None
    stp: bool | None = None
    forward_delay: float | None = None
    ageing_time: float | None = None
    vlan_id: int | None = None
    tun_type: str | None = None
    multiqueue: bool | None = None

    @property
    def is_tap(self) -> bool:
        """Whether this is a tap device (a tun device in tap mode)."""
        return self.kind == "tun" and self.tun_type == "tap"

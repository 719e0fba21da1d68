"""The link and address requests we send, encoded here with ``struct``.

Each request is a netlink message: the header, an ``ifinfomsg`` (or
``ifaddrmsg``) and attributes, nested where the kernel nests them (bridge
options, the veth peer, the VLAN id). Attributes are given as (name, value)
pairs, named as in ``<linux/if_link.h>``; :data:`_ATTRS` knows the number and
the encoding of each name we use. The bytes are exactly those pyroute2 would
produce for the same request (a unit test compares them), without importing
pyroute2, which costs about 100 ms, nor its per-message overhead. The
transport fills in each message's length and sequence number.
"""

from __future__ import annotations

import ipaddress
import socket
import struct
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TypeAlias

__all__ = [
    "IFF_PROMISC",
    "IFF_UP",
    "Attr",
    "bridge_converge",
    "bridge_settle",
    "delete_group",
    "delete_link",
    "dump_links",
    "get_link",
    "new_address",
    "new_bridge",
    "new_veth",
    "new_vlan",
    "set_group",
    "set_link",
]

# From <linux/rtnetlink.h>, <linux/netlink.h> and <linux/if.h>.
_RTM_NEWLINK: Final = 16
_RTM_DELLINK: Final = 17
_RTM_GETLINK: Final = 18
_RTM_NEWADDR: Final = 20
_NLM_F_REQUEST: Final = 0x1
_NLM_F_ACK: Final = 0x4
_NLM_F_DUMP: Final = 0x300
_NLM_F_EXCL: Final = 0x200
_NLM_F_CREATE: Final = 0x400
_REQUEST: Final = _NLM_F_REQUEST | _NLM_F_ACK
_CREATE: Final = _REQUEST | _NLM_F_CREATE | _NLM_F_EXCL
IFF_UP: Final = 0x1
IFF_PROMISC: Final = 0x100
_RTEXT_FILTER_SKIP_STATS: Final = 1 << 3
# The bridge takes times in clock_t, which the kernel fixes at USER_HZ=100.
_USER_HZ: Final = 100

#: A netlink attribute: (name, value); a nested attribute's value is a
#: ``{"attrs": [...]}`` mapping.
Attr: TypeAlias = tuple[str, Any]

_SKIP_STATS: Final[Attr] = ("IFLA_EXT_MASK", _RTEXT_FILTER_SKIP_STATS)

# nlmsghdr (length and sequence filled in by the transport), ifinfomsg,
# ifaddrmsg, and an attribute's header.
_HEADER: Final = struct.Struct("=IHHII")
_IFINFOMSG: Final = struct.Struct("=BxHiII")
_IFADDRMSG: Final = struct.Struct("=BBBBi")
_NLA: Final = struct.Struct("=HH")
_U16: Final = struct.Struct("=H")
_U32: Final = struct.Struct("=I")


def _asciiz(value: Any) -> bytes:
    return str(value).encode() + b"\0"


def _u32(value: Any) -> bytes:
    return _U32.pack(value)


def _u16(value: Any) -> bytes:
    return _U16.pack(value)


def _mac(value: Any) -> bytes:
    return bytes.fromhex(str(value).replace(":", ""))


def _ip(value: Any) -> bytes:
    return ipaddress.ip_address(value).packed


def _nested(value: Any) -> bytes:
    return _attrs(value["attrs"])


def _peer(value: Any) -> bytes:
    # VETH_INFO_PEER holds a whole ifinfomsg, then the peer's attributes.
    return _IFINFOMSG.pack(0, 0, 0, 0, 0) + _attrs(value["attrs"])


#: Every attribute we send: its number (within its nest) and encoding.
_ATTRS: Final[Mapping[str, tuple[int, Callable[[Any], bytes]]]] = {
    "IFLA_ADDRESS": (1, _mac),
    "IFLA_IFNAME": (3, _asciiz),
    "IFLA_MTU": (4, _u32),
    "IFLA_LINK": (5, _u32),
    "IFLA_MASTER": (10, _u32),
    "IFLA_LINKINFO": (18, _nested),
    "IFLA_IFALIAS": (20, _asciiz),
    "IFLA_GROUP": (27, _u32),
    "IFLA_NET_NS_FD": (28, _u32),
    "IFLA_EXT_MASK": (29, _u32),
    "IFLA_INFO_KIND": (1, _asciiz),
    "IFLA_INFO_DATA": (2, _nested),
    "IFLA_BR_FORWARD_DELAY": (1, _u32),
    "IFLA_BR_AGEING_TIME": (4, _u32),
    "IFLA_BR_STP_STATE": (5, _u32),
    "VETH_INFO_PEER": (1, _peer),
    "IFLA_VLAN_ID": (1, _u16),
    "IFA_ADDRESS": (1, _ip),
    "IFA_LOCAL": (2, _ip),
}


def _attrs(attrs: Sequence[Attr]) -> bytes:
    chunks = []
    for name, value in attrs:
        number, encode = _ATTRS[name]
        payload = encode(value)
        length = _NLA.size + len(payload)
        chunks += [_NLA.pack(length, number), payload, b"\0" * (-length % 4)]
    return b"".join(chunks)


def _message(msg_type: int, flags: int, body: bytes) -> bytes:
    return _HEADER.pack(_HEADER.size + len(body), msg_type, flags, 0, 0) + body


def _encode(
    msg_type: int,
    flags: int,
    *,
    index: int = 0,
    up: bool | None = None,
    promisc: bool | None = None,
    attrs: Sequence[Attr] = (),
) -> bytes:
    # ifi_change selects the flags that ifi_flags sets; 0 leaves them all.
    if_flags = (IFF_UP if up else 0) | (IFF_PROMISC if promisc else 0)
    change = (0 if up is None else IFF_UP) | (0 if promisc is None else IFF_PROMISC)
    body = _IFINFOMSG.pack(0, 0, index, if_flags, change) + _attrs(attrs)
    return _message(msg_type, flags, body)


def _linkinfo(kind: str, data: Sequence[Attr] = ()) -> Attr:
    info: list[Attr] = [("IFLA_INFO_KIND", kind)]
    if data:
        info.append(("IFLA_INFO_DATA", {"attrs": list(data)}))
    return ("IFLA_LINKINFO", {"attrs": info})


# --- reading and deleting ------------------------------------------------------


def get_link(*, name: str | None = None, index: int = 0) -> bytes:
    """Ask for one device, by name or index, without statistics."""
    attrs = [_SKIP_STATS] + ([("IFLA_IFNAME", name)] if name is not None else [])
    return _encode(_RTM_GETLINK, _REQUEST, index=index, attrs=attrs)


def dump_links() -> bytes:
    """Ask for every device of the namespace, without statistics."""
    return _encode(_RTM_GETLINK, _NLM_F_REQUEST | _NLM_F_DUMP, attrs=[_SKIP_STATS])


def delete_link(*, name: str | None = None, index: int = 0) -> bytes:
    """Delete one device, by name or index."""
    attrs = [("IFLA_IFNAME", name)] if name is not None else []
    return _encode(_RTM_DELLINK, _REQUEST, index=index, attrs=attrs)


def delete_group(group: int) -> bytes:
    """Delete every device of a device group, in one kernel operation."""
    return _encode(_RTM_DELLINK, _REQUEST, attrs=[("IFLA_GROUP", group)])


def set_group(index: int, group: int) -> bytes:
    """Move a device (by index) to a device group."""
    return _encode(_RTM_NEWLINK, _REQUEST, index=index, attrs=[("IFLA_GROUP", group)])


# --- changing ------------------------------------------------------------------


def set_link(
    name: str,
    *,
    mtu: int | None = None,
    up: bool | None = None,
    master: int | None = None,
    alias: str | None = None,
    address: str | None = None,
    promisc: bool | None = None,
    extra: Sequence[Attr] = (),
) -> bytes:
    """Change an existing device, by name; None leaves a setting alone.

    ``master=0`` detaches the device; ``alias=""`` removes its alias;
    ``promisc`` is the administrator's promiscuous flag (``ip link set
    promisc``), not the count a bridge keeps on its ports.
    """
    attrs: list[Attr] = [("IFLA_IFNAME", name)]
    for key, value in (
        ("IFLA_MTU", mtu),
        ("IFLA_MASTER", master),
        ("IFLA_IFALIAS", alias),
        ("IFLA_ADDRESS", address),
    ):
        if value is not None:
            attrs.append((key, value))
    attrs.extend(extra)
    # RTM_NEWLINK without NLM_F_CREATE changes an existing device and, unlike
    # RTM_SETLINK, also applies kind-specific IFLA_INFO_DATA.
    return _encode(_RTM_NEWLINK, _REQUEST, up=up, promisc=promisc, attrs=attrs)


# --- creating ------------------------------------------------------------------


def _bridge_options(
    *,
    stp: bool | None = None,
    forward_delay: float | None = None,
    ageing_time: float | None = None,
) -> Attr:
    options: list[Attr] = []
    if forward_delay is not None:
        options.append(("IFLA_BR_FORWARD_DELAY", round(forward_delay * _USER_HZ)))
    if ageing_time is not None:
        options.append(("IFLA_BR_AGEING_TIME", round(ageing_time * _USER_HZ)))
    if stp is not None:
        options.append(("IFLA_BR_STP_STATE", int(stp)))
    return _linkinfo("bridge", options)


def new_bridge(
    name: str,
    *,
    mtu: int,
    stp: bool,
    forward_delay: float,
    up: bool | None,
    ageing_time: float | None = None,
) -> bytes:
    """Create a bridge (fails with EEXIST if the name is taken)."""
    # At creation STP is off when the delay is applied, so any delay passes;
    # the kernel then applies the STP state.
    attrs = [
        ("IFLA_IFNAME", name),
        ("IFLA_MTU", mtu),
        _bridge_options(stp=stp, forward_delay=forward_delay, ageing_time=ageing_time),
    ]
    return _encode(_RTM_NEWLINK, _CREATE, up=up, attrs=attrs)


def bridge_settle(name: str, *, mtu: int, alias: str | None) -> list[bytes]:
    """Finish a bridge just created: pin its MTU, set its alias."""
    # An MTU given at creation is not "set by the user" for the bridge, which
    # then follows its ports' MTU (the first 1500-byte port raises it).
    # Changing it once through another value pins it; setting the same value
    # would be a no-op that pins nothing.
    detour = mtu - 1 if mtu > 68 else mtu + 1
    return [set_link(name, mtu=detour), set_link(name, mtu=mtu, alias=alias)]


def bridge_converge(
    name: str,
    *,
    mtu: int | None = None,
    stp: bool | None = None,
    forward_delay: float | None = None,
    alias: str | None = None,
    up: bool | None = None,
    ageing_time: float | None = None,
) -> list[bytes]:
    """Bring an existing bridge to these settings; None leaves one alone.

    Returns no request at all when every setting is None.
    """
    requests = []
    if any(value is not None for value in (mtu, alias, up, forward_delay, ageing_time)):
        extra = []
        if forward_delay is not None or ageing_time is not None:
            extra.append(_bridge_options(forward_delay=forward_delay, ageing_time=ageing_time))
        requests.append(set_link(name, mtu=mtu, alias=alias, up=up, extra=extra))
    if stp is None:
        return requests
    set_stp = set_link(name, extra=[_bridge_options(stp=stp)])
    # The kernel checks a delay against the STP state of the moment: turn STP
    # off before setting a short delay, on after setting a valid one.
    return [*requests, set_stp] if stp else [set_stp, *requests]


def new_veth(name: str, peer: str, *, mtu: int, up: bool | None) -> bytes:
    """Create a veth pair (fails with EEXIST if either name is taken).

    Only ``name`` is brought up here: the kernel configures the peer before
    the two ends are joined, so bringing it up in this request fails
    (ENOTCONN); see :func:`veth_settle`.
    """
    peer_msg = {"attrs": [("IFLA_IFNAME", peer), ("IFLA_MTU", mtu)]}
    attrs = [
        ("IFLA_IFNAME", name),
        ("IFLA_MTU", mtu),
        _linkinfo("veth", [("VETH_INFO_PEER", peer_msg)]),
    ]
    return _encode(_RTM_NEWLINK, _CREATE, up=up, attrs=attrs)


def veth_settle(name: str, peer: str, *, alias: str | None, up: bool | None) -> list[bytes]:
    """Finish a veth pair just created: the peer's state, both aliases."""
    requests = []
    if alias is not None:
        requests.append(set_link(name, alias=alias))
    if alias is not None or up is not None:
        requests.append(set_link(peer, alias=alias, up=up))
    return requests


def new_vlan(
    name: str, parent_index: int, vlan_id: int, *, mtu: int | None, up: bool | None
) -> bytes:
    """Create an 802.1Q device on the device with index ``parent_index``."""
    attrs: list[Attr] = [
        ("IFLA_IFNAME", name),
        ("IFLA_LINK", parent_index),
        _linkinfo("vlan", [("IFLA_VLAN_ID", vlan_id)]),
    ]
    if mtu is not None:
        attrs.append(("IFLA_MTU", mtu))
    return _encode(_RTM_NEWLINK, _CREATE, up=up, attrs=attrs)


# --- addresses -----------------------------------------------------------------


def new_address(index: int, address: str, prefixlen: int) -> bytes:
    """Add an IP address to the device with index ``index``.

    Fails with EEXIST if the device already has it. An IPv4 address comes
    with its prefix route, as ``ip address add`` gives it.
    """
    ip = ipaddress.ip_address(address)
    family = socket.AF_INET if ip.version == 4 else socket.AF_INET6
    # For IPv4 the kernel takes the local address from IFA_LOCAL and the
    # peer (the same, on a broadcast link) from IFA_ADDRESS.
    attrs: list[Attr] = [("IFA_ADDRESS", str(ip))]
    if ip.version == 4:
        attrs.insert(0, ("IFA_LOCAL", str(ip)))
    body = _IFADDRMSG.pack(family, prefixlen, 0, 0, index) + _attrs(attrs)
    return _message(_RTM_NEWADDR, _CREATE, body)

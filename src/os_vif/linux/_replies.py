"""Reading the kernel's link messages (``RTM_NEWLINK`` replies).

Only the dozen attributes :class:`LinkInfo` reports are read. pyroute2 can
decode these messages too, but it decodes all of them (the address-family
data alone is most of a message): that measured ~0.5 ms for a bridge and
~1.8 ms for ``lo``, against ~0.1 ms here and ~0.01 ms for the kernel round
trip, and a batch delete lists every device of the host first.
"""

from __future__ import annotations

import struct
from typing import Any, Final

from os_vif.linux.linkinfo import LinkInfo

__all__ = ["parse_link"]

_IFF_UP: Final = 0x1
_IFF_PROMISC: Final = 0x100
_TUN_TYPES: Final = {1: "tun", 2: "tap"}
# Bridge times are in clock_t, which the kernel fixes at USER_HZ=100.
_USER_HZ: Final = 100

# Attribute numbers from <linux/if_link.h>; only those LinkInfo reports.
_IFLA_ADDRESS: Final = 1
_IFLA_IFNAME: Final = 3
_IFLA_MTU: Final = 4
_IFLA_LINK: Final = 5
_IFLA_MASTER: Final = 10
_IFLA_OPERSTATE: Final = 16
_IFLA_LINKINFO: Final = 18
_IFLA_IFALIAS: Final = 20
_IFLA_GROUP: Final = 27
_IFLA_LINK_NETNSID: Final = 37
_IFLA_INFO_KIND: Final = 1
_IFLA_INFO_DATA: Final = 2
_IFLA_BR_FORWARD_DELAY: Final = 1
_IFLA_BR_AGEING_TIME: Final = 4
_IFLA_BR_STP_STATE: Final = 5
_IFLA_VLAN_ID: Final = 1
_IFLA_TUN_TYPE: Final = 3
_IFLA_TUN_MULTI_QUEUE: Final = 7
_NLA_TYPE_MASK: Final = 0x3FFF
_OPERSTATES: Final = (
    "UNKNOWN",
    "NOTPRESENT",
    "DOWN",
    "LOWERLAYERDOWN",
    "TESTING",
    "DORMANT",
    "UP",
)
# nlmsghdr (16 bytes) then ifinfomsg: family, pad, type, index, flags, change.
_IFINFOMSG: Final = struct.Struct("=16xBxHiII")
_NLA: Final = struct.Struct("=HH")
_U8: Final = struct.Struct("=B")
_U16: Final = struct.Struct("=H")
_U32: Final = struct.Struct("=I")
_S32: Final = struct.Struct("=i")


def _attrs(data: memoryview) -> dict[int, memoryview]:
    """Index a run of netlink attributes by type (the last one wins)."""
    found: dict[int, memoryview] = {}
    offset = 0
    while offset + _NLA.size <= len(data):
        length, kind = _NLA.unpack_from(data, offset)
        if length < _NLA.size or offset + length > len(data):
            break
        found[kind & _NLA_TYPE_MASK] = data[offset + _NLA.size : offset + length]
        offset += (length + 3) & ~3
    return found


def _text(value: memoryview | None) -> str | None:
    if value is None:
        return None
    return bytes(value).split(b"\0", 1)[0].decode("utf-8", "replace")


def _number(value: memoryview | None, fmt: struct.Struct) -> int | None:
    if value is None or len(value) < fmt.size:
        return None
    return int(fmt.unpack_from(value)[0])


def _operstate(value: memoryview | None) -> str | None:
    state = _number(value, _U8)
    if state is None:
        return None
    return _OPERSTATES[state] if state < len(_OPERSTATES) else str(state)


def _mac(value: memoryview | None) -> str | None:
    return ":".join(f"{octet:02x}" for octet in bytes(value)) if value else None


def parse_link(data: bytes) -> LinkInfo:
    """Decode one ``RTM_NEWLINK`` message (header included) into a LinkInfo.

    ``master_name`` is left unset: resolving it needs another lookup.
    """
    view = memoryview(data)
    _, _, index, flags, _ = _IFINFOMSG.unpack_from(view)
    attrs = _attrs(view[_IFINFOMSG.size :])
    kind = None
    fields: dict[str, Any] = {}
    linkinfo = attrs.get(_IFLA_LINKINFO)
    if linkinfo is not None:
        info = _attrs(linkinfo)
        kind = _text(info.get(_IFLA_INFO_KIND))
        info_data = info.get(_IFLA_INFO_DATA)
        if kind is not None and info_data is not None:
            fields = _kind_fields(kind, _attrs(info_data))
    return LinkInfo(
        name=_text(attrs.get(_IFLA_IFNAME)) or "",
        index=index,
        kind=kind,
        mtu=_number(attrs.get(_IFLA_MTU), _U32) or 0,
        up=bool(flags & _IFF_UP),
        promisc=bool(flags & _IFF_PROMISC),
        operstate=_operstate(attrs.get(_IFLA_OPERSTATE)),
        address=_mac(attrs.get(_IFLA_ADDRESS)),
        alias=_text(attrs.get(_IFLA_IFALIAS)) or None,
        group=_number(attrs.get(_IFLA_GROUP), _U32) or 0,
        master_index=_number(attrs.get(_IFLA_MASTER), _U32) or None,
        link_index=_number(attrs.get(_IFLA_LINK), _U32),
        link_netnsid=_number(attrs.get(_IFLA_LINK_NETNSID), _S32),
        **fields,
    )


def _kind_fields(kind: str, data: dict[int, memoryview]) -> dict[str, Any]:
    if kind == "bridge":
        stp = _number(data.get(_IFLA_BR_STP_STATE), _U32)
        delay = _number(data.get(_IFLA_BR_FORWARD_DELAY), _U32)
        ageing = _number(data.get(_IFLA_BR_AGEING_TIME), _U32)
        return {
            "stp": None if stp is None else bool(stp),
            "forward_delay": None if delay is None else delay / _USER_HZ,
            "ageing_time": None if ageing is None else ageing / _USER_HZ,
        }
    if kind == "vlan":
        return {"vlan_id": _number(data.get(_IFLA_VLAN_ID), _U16)}
    if kind == "tun":
        tun_type = _number(data.get(_IFLA_TUN_TYPE), _U8)
        multiqueue = _number(data.get(_IFLA_TUN_MULTI_QUEUE), _U8)
        return {
            "tun_type": _TUN_TYPES.get(tun_type or 0),
            "multiqueue": None if multiqueue is None else bool(multiqueue),
        }
    return {}

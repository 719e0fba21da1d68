"""Device settings: checking the values asked for, and what differs from the kernel's.

The ``ensure_*`` primitives read a device before writing to it and send only
the settings that differ (:func:`link_differences`,
:func:`bridge_differences`), so a device found as asked gets no request at
all and the primitive can say "unchanged" truthfully. These are pure
functions of a :class:`~os_vif.linux.linkinfo.LinkInfo`: unit tests need no
kernel.
"""

from __future__ import annotations

import re
from typing import Any, Final

from os_vif.linux.linkinfo import LinkInfo

__all__ = [
    "bridge_differences",
    "check_alias",
    "check_mtu",
    "link_differences",
    "normalize_mac",
]

_MTU_RANGE: Final = range(68, 65536)
_MAX_ALIAS_BYTES: Final = 255
_MAC: Final = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
# The bridge keeps its times in clock_t, which the kernel fixes at USER_HZ=100.
_USER_HZ: Final = 100


def check_mtu(mtu: int | None) -> None:
    """Refuse an MTU no Ethernet-like device can take (ValueError)."""
    if mtu is not None and (isinstance(mtu, bool) or mtu not in _MTU_RANGE):
        raise ValueError(f"MTU must be an integer from 68 to 65535, got {mtu!r}")


def check_alias(alias: str | None) -> None:
    """Refuse an alias longer than the kernel keeps (ValueError)."""
    if alias is not None and len(alias.encode()) > _MAX_ALIAS_BYTES:
        raise ValueError(f"alias longer than {_MAX_ALIAS_BYTES} bytes: {alias!r}")


def normalize_mac(mac: str | None) -> str | None:
    """Return a MAC address in lower case, or raise ValueError."""
    if mac is None:
        return None
    normalized = mac.lower()
    if not _MAC.match(normalized):
        raise ValueError(f"not a MAC address: {mac!r}")
    return normalized


def link_differences(
    link: LinkInfo,
    *,
    mtu: int | None = None,
    up: bool | None = None,
    alias: str | None = None,
    address: str | None = None,
    promisc: bool | None = None,
    master_index: int | None = None,
) -> dict[str, Any]:
    """The settings asked for that ``link`` does not have yet.

    None means "leave it"; ``alias=""`` asks for no alias. The result holds
    only the differing settings, as keywords of ``_requests.set_link``
    (``master_index`` becomes ``master``); it is empty when the device is as
    asked.
    """
    wanted: dict[str, Any] = {}
    if mtu is not None and link.mtu != mtu:
        wanted["mtu"] = mtu
    if up is not None and link.up != up:
        wanted["up"] = up
    if alias is not None and (link.alias or "") != alias:
        wanted["alias"] = alias
    if address is not None and link.address != address:
        wanted["address"] = address
    if promisc is not None and link.promisc != promisc:
        wanted["promisc"] = promisc
    if master_index is not None and link.master_index != master_index:
        wanted["master"] = master_index
    return wanted


def _ticks(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * _USER_HZ)


def bridge_differences(
    link: LinkInfo,
    *,
    mtu: int,
    stp: bool,
    forward_delay: float,
    alias: str | None,
    up: bool,
    ageing_time: float | None,
) -> dict[str, Any]:
    """The bridge settings asked for that ``link`` lacks, as ``bridge_converge`` keywords.

    ``up`` False and ``alias``/``ageing_time`` None leave those alone; times
    are compared in the kernel's own unit (1/100 s).
    """
    wanted = link_differences(link, mtu=mtu, alias=alias, up=True if up else None)
    if link.stp != stp:
        wanted["stp"] = stp
    if _ticks(link.forward_delay) != _ticks(forward_delay):
        wanted["forward_delay"] = forward_delay
    if ageing_time is not None and _ticks(link.ageing_time) != _ticks(ageing_time):
        wanted["ageing_time"] = ageing_time
    return wanted

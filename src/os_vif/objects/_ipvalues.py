"""Fast IP address and network values for object fields.

Objects are built and read by the thousand when a host re-plugs its VIFs, and
``ipaddress`` parsing dominates that cost. These subclasses of the standard
types parse with the C library (``inet_pton``), remember their wire text, and
compute derived attributes (``network``, ``netmask``) only when asked. They
are ordinary ``ipaddress`` objects to callers.

The text form is the C library's ``inet_ntop``, which writes IPv4-mapped and
IPv4-compatible IPv6 addresses dotted, exactly as netaddr (and so os-vif) does.
"""

from __future__ import annotations

import ipaddress

# The C module: socket.py would add milliseconds of enum set-up to our import.
from _socket import AF_INET, AF_INET6, inet_ntop, inet_pton
from functools import cached_property
from typing import Final

__all__ = [
    "IPv4Address",
    "IPv4Interface",
    "IPv6Address",
    "IPv6Interface",
    "parse_address",
    "parse_interface",
]

_AF_INET: Final = AF_INET
_AF_INET6: Final = AF_INET6


class IPv4Address(ipaddress.IPv4Address):
    """An IPv4 address that keeps its text form."""

    __slots__ = ("_text",)
    _text: str
    _ip: int  # the standard class's own slot, set directly when parsing

    def __str__(self) -> str:
        return self._text


class IPv6Address(ipaddress.IPv6Address):
    """An IPv6 address that keeps its (netaddr-compatible) text form."""

    __slots__ = ("_text",)
    _text: str
    _ip: int
    _scope_id: str | None

    def __str__(self) -> str:
        return self._text


class IPv4Interface(ipaddress.IPv4Interface):
    """An IPv4 address with prefix length (host bits kept)."""

    _text: str
    _ip: int
    _prefixlen: int

    def __str__(self) -> str:
        return self._text

    @cached_property
    def network(self) -> ipaddress.IPv4Network:  # type: ignore[override]
        """The network the address belongs to."""
        return ipaddress.IPv4Network((int(self), self._prefixlen), strict=False)

    @cached_property
    def netmask(self) -> ipaddress.IPv4Address:  # type: ignore[override]
        """The network mask."""
        return self.network.netmask


class IPv6Interface(ipaddress.IPv6Interface):
    """An IPv6 address with prefix length (host bits kept)."""

    _text: str
    _ip: int
    _prefixlen: int
    _scope_id: str | None

    def __str__(self) -> str:
        return self._text

    @cached_property
    def network(self) -> ipaddress.IPv6Network:  # type: ignore[override]
        """The network the address belongs to."""
        return ipaddress.IPv6Network((int(self), self._prefixlen), strict=False)

    @cached_property
    def netmask(self) -> ipaddress.IPv6Address:  # type: ignore[override]
        """The network mask."""
        return self.network.netmask


def _v4(packed: bytes) -> IPv4Address:
    address = IPv4Address.__new__(IPv4Address)
    address._ip = int.from_bytes(packed, "big")
    address._text = inet_ntop(_AF_INET, packed)
    return address


def _v6(packed: bytes) -> IPv6Address:
    address = IPv6Address.__new__(IPv6Address)
    address._ip = int.from_bytes(packed, "big")
    address._scope_id = None
    address._text = inet_ntop(_AF_INET6, packed)
    return address


def parse_address(text: str) -> IPv4Address | IPv6Address:
    """Parse an IPv4 or IPv6 address (no zone id).

    Raises:
        ValueError: the text is not an address.

    """
    try:
        return _v4(inet_pton(_AF_INET, text))
    except OSError:
        pass
    try:
        return _v6(inet_pton(_AF_INET6, text))
    except (OSError, ValueError):
        raise ValueError(f"{text!r} is not an IP address") from None


def from_ipaddress(
    value: ipaddress.IPv4Address | ipaddress.IPv6Address,
) -> IPv4Address | IPv6Address:
    """Convert a standard ``ipaddress`` address to ours."""
    if isinstance(value, IPv4Address | IPv6Address):
        return value
    if isinstance(value, ipaddress.IPv6Address) and value.scope_id:
        raise ValueError("IPv6 zone identifiers are not supported")
    if isinstance(value, ipaddress.IPv4Address):
        return _v4(value.packed)
    return _v6(value.packed)


def _interface(address: IPv4Address | IPv6Address, prefix: int) -> IPv4Interface | IPv6Interface:
    result: IPv4Interface | IPv6Interface
    if isinstance(address, IPv4Address):
        result = IPv4Interface.__new__(IPv4Interface)
    else:
        result = IPv6Interface.__new__(IPv6Interface)
        result._scope_id = None
    result._ip = address._ip
    result._prefixlen = prefix
    result._text = f"{address._text}/{prefix}"
    return result


def parse_interface(text: str) -> IPv4Interface | IPv6Interface:
    """Parse ``address[/prefix]``; the prefix may also be a netmask or hostmask.

    A bare address gets the full-length prefix, and host bits are kept
    (``10.0.0.5/24`` stays as it is), as netaddr's IPNetwork does.

    Raises:
        ValueError: the text is not an address with a valid prefix.

    """
    address_text, slash, prefix_text = text.partition("/")
    address = parse_address(address_text)
    width = 32 if isinstance(address, IPv4Address) else 128
    if not slash:
        return _interface(address, width)
    if prefix_text.isascii() and prefix_text.isdigit() and len(prefix_text) <= 3:
        prefix = int(prefix_text)
        if prefix <= width:
            return _interface(address, prefix)
        raise ValueError(f"prefix length {prefix} is longer than {width}")
    if isinstance(address, IPv6Address):
        return _interface(address, _ipv6_netmask_prefix(prefix_text))
    # IPv4 netmask and hostmask forms are rare: let ipaddress decode them.
    standard = ipaddress.ip_interface(text)
    return _interface(address, standard.network.prefixlen)


def _ipv6_netmask_prefix(mask_text: str) -> int:
    """The prefix length of an IPv6 netmask (``ffff:ffff::`` is 32)."""
    mask_address = parse_address(mask_text)
    if mask_address.version != 6:
        raise ValueError(f"{mask_text!r} is not an IPv6 netmask")
    mask = int(mask_address)
    prefix = 128 - (~mask & (2**128 - 1)).bit_length()
    if mask != (2**128 - 1) ^ ((1 << (128 - prefix)) - 1):
        raise ValueError(f"{mask_text!r} is not a contiguous netmask")
    return prefix


def from_ipinterface(
    value: ipaddress.IPv4Interface
    | ipaddress.IPv6Interface
    | ipaddress.IPv4Network
    | ipaddress.IPv6Network,
) -> IPv4Interface | IPv6Interface:
    """Convert a standard ``ipaddress`` interface or network to ours."""
    if isinstance(value, IPv4Interface | IPv6Interface):
        return value
    if isinstance(value, ipaddress.IPv4Network | ipaddress.IPv6Network):
        return _interface(from_ipaddress(value.network_address), value.prefixlen)
    return _interface(from_ipaddress(value.ip), value.network.prefixlen)

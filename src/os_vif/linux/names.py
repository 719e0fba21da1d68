"""Network device names: the kernel's rules and the names os-vif derives.

The kernel keeps an interface name in ``IFNAMSIZ`` (16) bytes including the
terminating NUL, so a name holds at most 15 bytes of UTF-8. It also refuses
``.`` and ``..``, and any name containing ``/``, ``:`` or a byte its ``isspace``
accepts (ASCII whitespace and ``0xA0``). A ``%`` makes the kernel treat the name
as a template (``tap%d`` becomes ``tap0``), so a device would not get the name
asked for; we refuse it, and control characters, as well.

Generated names follow os-vif: a short prefix plus the VIF id, cut to 14
characters (see ``host-conventions.md``), so a host can switch between the two
implementations and still find its devices.
"""

from __future__ import annotations

from typing import Final

from os_vif.exception import InvalidDeviceName

__all__ = [
    "BRIDGE_PREFIX",
    "DERIVED_NAME_LEN",
    "MAX_NAME_BYTES",
    "OWNER_ALIAS_PREFIX",
    "PER_PORT_BRIDGE_PREFIX",
    "TAP_PREFIX",
    "VETH_BRIDGE_PREFIX",
    "VETH_OVS_PREFIX",
    "VHOSTUSER_PREFIX",
    "derived_name",
    "owned_by",
    "owner_alias",
    "validate_device_name",
]

#: Longest name the kernel accepts, in bytes (IFNAMSIZ less the NUL).
MAX_NAME_BYTES: Final = 15
#: Length os-vif cuts generated names to.
DERIVED_NAME_LEN: Final = 14

#: Hybrid plug: the per-VIF Linux bridge.
BRIDGE_PREFIX: Final = "qbr"
#: Hybrid plug: the veth end enslaved to the per-VIF bridge.
VETH_BRIDGE_PREFIX: Final = "qvb"
#: Hybrid plug: the veth end added to the OVS bridge.
VETH_OVS_PREFIX: Final = "qvo"
#: vhost-user OVS port.
VHOSTUSER_PREFIX: Final = "vhu"
#: Tap device.
TAP_PREFIX: Final = "tap"
#: Per-port OVS bridge.
PER_PORT_BRIDGE_PREFIX: Final = "pb"

#: Alias prefix marking a device os-vif created for a VIF.
OWNER_ALIAS_PREFIX: Final = "os-vif:"

_REFUSED_CHARS: Final = frozenset("/:%")
# The kernel's isspace() is Latin-1: byte 0xA0 counts as a space even when it
# is part of a multi-byte UTF-8 character.
_KERNEL_SPACE_BYTE: Final = 0xA0


def validate_device_name(name: object) -> str:
    """Check that ``name`` is an interface name the kernel would accept as is.

    Args:
        name: the candidate name.

    Returns:
        The name, unchanged, so the call can be used inline.

    Raises:
        InvalidDeviceName: the name is not a string, is empty, is longer than
            15 bytes of UTF-8, is ``.`` or ``..``, or contains ``/``, ``:``,
            ``%``, whitespace or a control character.

    """
    if not isinstance(name, str):
        raise InvalidDeviceName(name=name, reason="must be a string")
    if not name:
        raise InvalidDeviceName(name=name, reason="must not be empty")
    try:
        encoded = name.encode("utf-8")
    except UnicodeEncodeError:
        raise InvalidDeviceName(name=name, reason="is not valid UTF-8") from None
    if len(encoded) > MAX_NAME_BYTES:
        raise InvalidDeviceName(
            name=name,
            reason=(f"is {len(encoded)} bytes long; the kernel allows {MAX_NAME_BYTES} (IFNAMSIZ)"),
        )
    if name in (".", ".."):
        raise InvalidDeviceName(name=name, reason="must not be '.' or '..'")
    for char in name:
        if char in _REFUSED_CHARS:
            raise InvalidDeviceName(name=name, reason=f"must not contain {char!r}")
        if char.isspace() or not char.isprintable():
            raise InvalidDeviceName(
                name=name,
                reason=f"must not contain whitespace or control character {char!r}",
            )
    if _KERNEL_SPACE_BYTE in encoded:
        raise InvalidDeviceName(
            name=name,
            reason="contains byte 0xA0, which the kernel treats as whitespace",
        )
    return name


def derived_name(prefix: str, vif_id: str) -> str:
    """Build the device name os-vif uses for a VIF: prefix + id, cut to 14.

    ``derived_name("qvb", "3c8b6f1e-...")`` is ``"qvb3c8b6f1e-..."`` cut to 14
    characters, the same name OpenStack's os-vif gives that device.

    Args:
        prefix: one of the prefixes in this module (``qbr``, ``qvb``, ``qvo``,
            ``vhu``, ``tap``, ``pb``), or another short prefix.
        vif_id: the VIF id, normally its UUID text.

    Returns:
        The derived, validated name.

    Raises:
        InvalidDeviceName: the prefix is empty or too long to leave room for
            part of the id, or the resulting name is not valid.

    """
    if not prefix or len(prefix) >= DERIVED_NAME_LEN:
        raise InvalidDeviceName(
            name=prefix,
            reason=f"prefix must be 1 to {DERIVED_NAME_LEN - 1} characters",
        )
    if not vif_id:
        raise InvalidDeviceName(name=prefix, reason="VIF id must not be empty")
    return validate_device_name((prefix + vif_id)[:DERIVED_NAME_LEN])


def owner_alias(vif_id: str) -> str:
    """Return the interface alias that marks a device as made for ``vif_id``.

    Plugins set it on devices they create, so that unplug and cleanup remove
    only what os-vif made.
    """
    return OWNER_ALIAS_PREFIX + vif_id


def owned_by(alias: str | None) -> str | None:
    """Return the VIF id an alias marks its device as made for, or None."""
    if alias is None or not alias.startswith(OWNER_ALIAS_PREFIX):
        return None
    return alias[len(OWNER_ALIAS_PREFIX) :] or None

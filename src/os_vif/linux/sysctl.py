"""Per-device network sysctls under ``/proc/sys/net``.

``/proc/sys/net`` shows the network namespace of the thread that opens the
file, so these functions act in the caller's namespace, as the netlink socket
does when it is opened there. Every function takes ``root`` (``/proc/sys`` by
default) so tests can point it at a directory of their own.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Final, Literal

from os_vif.exception import NetworkInterfaceNotFound
from os_vif.linux.change import Change
from os_vif.linux.errors import host_errors
from os_vif.linux.names import validate_device_name

__all__ = [
    "PROC_SYS",
    "disable_ipv6",
    "enable_ipv6",
    "ensure_conf",
    "ipv6_disabled",
    "read_conf",
    "write_conf",
]

PROC_SYS: Final = Path("/proc/sys")

Family = Literal["ipv4", "ipv6"]

# The device's directory vanishing between the check and the access (ENOENT)
# means the device is gone.
_GONE: Final = (errno.ENODEV, errno.ENOENT)


def _conf_path(root: Path, family: Family, device: str, key: str) -> Path:
    validate_device_name(device)
    if not key or "/" in key or key in (".", ".."):
        raise ValueError(f"invalid sysctl key {key!r}")
    return root / "net" / family / "conf" / device / key


def read_conf(device: str, key: str, *, family: Family = "ipv4", root: Path = PROC_SYS) -> str:
    """Read ``net.<family>.conf.<device>.<key>``.

    Raises:
        NetworkInterfaceNotFound: the device has no such directory (it does
            not exist, or the family is disabled for the whole host).
        HostOperationError: the file could not be read.

    """
    path = _conf_path(root, family, device, key)
    if not path.parent.is_dir():
        raise NetworkInterfaceNotFound(interface=device)
    with host_errors(f"read sysctl {family}.{key}", device, not_found=_GONE):
        return path.read_text().strip()


def write_conf(
    device: str,
    key: str,
    value: str | int,
    *,
    family: Family = "ipv4",
    root: Path = PROC_SYS,
) -> None:
    """Write ``net.<family>.conf.<device>.<key>``.

    Raises:
        NetworkInterfaceNotFound: the device has no such directory.
        HostOperationError: the kernel refused the value.

    """
    path = _conf_path(root, family, device, key)
    if not path.parent.is_dir():
        raise NetworkInterfaceNotFound(interface=device)
    with host_errors(f"write sysctl {family}.{key}={value}", device, not_found=_GONE):
        path.write_text(f"{value}\n")


def ensure_conf(
    device: str,
    key: str,
    value: str | int,
    *,
    family: Family = "ipv4",
    root: Path = PROC_SYS,
) -> Change:
    """Set ``net.<family>.conf.<device>.<key>`` unless it already has ``value``.

    Returns:
        UPDATED if the value differed and was written, UNCHANGED if not.

    Raises:
        NetworkInterfaceNotFound: the device has no such directory.
        HostOperationError: the file could not be read, or the kernel
            refused the value.
    """
    if read_conf(device, key, family=family, root=root) == str(value):
        return Change.UNCHANGED
    write_conf(device, key, value, family=family, root=root)
    return Change.UPDATED


def _ipv6_available(root: Path) -> bool:
    # With ipv6.disable=1 on the kernel command line the whole tree is absent.
    return (root / "net" / "ipv6" / "conf").is_dir()


def disable_ipv6(device: str, *, root: Path = PROC_SYS) -> Change:
    """Turn IPv6 off on a device (no link-local address, no autoconf).

    Does nothing when IPv6 is disabled for the whole kernel.

    Returns:
        UPDATED if IPv6 was on, UNCHANGED if it was off already.

    Raises:
        NetworkInterfaceNotFound: the device does not exist.
        HostOperationError: the write failed.

    """
    return _set_ipv6_disabled(device, disabled=True, root=root)


def enable_ipv6(device: str, *, root: Path = PROC_SYS) -> Change:
    """Turn IPv6 back on for a device.

    Does nothing when IPv6 is disabled for the whole kernel (it cannot be
    turned on per device then).

    Returns:
        UPDATED if IPv6 was off, UNCHANGED if it was on already (or cannot
        be turned on).

    Raises:
        NetworkInterfaceNotFound: the device does not exist.
        HostOperationError: the write failed.

    """
    return _set_ipv6_disabled(device, disabled=False, root=root)


def _set_ipv6_disabled(device: str, *, disabled: bool, root: Path) -> Change:
    if not _ipv6_available(root):
        validate_device_name(device)
        return Change.UNCHANGED
    return ensure_conf(device, "disable_ipv6", int(disabled), family="ipv6", root=root)


def ipv6_disabled(device: str, *, root: Path = PROC_SYS) -> bool:
    """Whether IPv6 is off on a device (always True if off kernel-wide).

    Raises:
        NetworkInterfaceNotFound: the device does not exist.

    """
    if not _ipv6_available(root):
        validate_device_name(device)
        return True
    return read_conf(device, "disable_ipv6", family="ipv6", root=root) == "1"

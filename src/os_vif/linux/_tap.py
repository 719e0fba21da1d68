"""Persistent tap devices, made through ``/dev/net/tun``.

The kernel does not create tun/tap devices over rtnetlink; they are made by
opening ``/dev/net/tun``, naming the device with ``TUNSETIFF`` and keeping it
after the file is closed with ``TUNSETPERSIST``. The device is created in the
network namespace of the calling thread.
"""

from __future__ import annotations

import errno
import fcntl
import os
import struct
from pathlib import Path
from typing import Final

__all__ = ["TUN_DEVICE", "create_tap"]

TUN_DEVICE: Final = Path("/dev/net/tun")

_IFF_TAP: Final = 0x0002
_IFF_MULTI_QUEUE: Final = 0x0100
_IFF_NO_PI: Final = 0x1000
# Fail with EBUSY instead of attaching when the name is taken.
_IFF_TUN_EXCL: Final = 0x8000
_IFREQ_SIZE: Final = 40
_IFNAMSIZ: Final = 16


def _iow(kind: str, number: int, size: int) -> int:
    # The ioctl direction bits differ on a few architectures (asm/ioctl.h).
    if os.uname().machine.startswith(("ppc", "powerpc", "mips", "sparc")):
        write, shift = 4, 29
    else:
        write, shift = 1, 30
    return (write << shift) | (size << 16) | (ord(kind) << 8) | number


_TUNSETIFF: Final = _iow("T", 202, 4)
_TUNSETPERSIST: Final = _iow("T", 203, 4)


def create_tap(name: str, *, multiqueue: bool = False, packet_info: bool = False) -> bool:
    """Create a persistent tap device unless the name is already taken.

    By default the device has no packet-information header (``IFF_NO_PI``),
    as a hypervisor expects; the hypervisor sets its own features when it
    attaches either way.

    Args:
        name: a validated interface name.
        multiqueue: create the device with ``IFF_MULTI_QUEUE``.
        packet_info: keep the packet-information header (no ``IFF_NO_PI``),
            as ``ip tuntap add`` and os-vif make taps.

    Returns:
        True if the device was created, False if a device of that name
        already exists (of whatever kind: the caller checks it).

    Raises:
        OSError: the kernel refused (translated by the caller).

    """
    flags = _IFF_TAP | _IFF_TUN_EXCL
    if not packet_info:
        flags |= _IFF_NO_PI
    if multiqueue:
        flags |= _IFF_MULTI_QUEUE
    request = struct.pack(f"{_IFNAMSIZ}sH", name.encode(), flags)
    request = request.ljust(_IFREQ_SIZE, b"\0")
    fd = os.open(TUN_DEVICE, os.O_RDWR | os.O_CLOEXEC)
    try:
        try:
            fcntl.ioctl(fd, _TUNSETIFF, request)
        except OSError as exc:
            if exc.errno == errno.EBUSY:
                return False
            raise
        fcntl.ioctl(fd, _TUNSETPERSIST, 1)
    finally:
        os.close(fd)
    return True

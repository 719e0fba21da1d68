"""The one place where kernel errors become os-vif exceptions.

Netlink replies, ``ioctl`` on ``/dev/net/tun`` and writes under ``/proc/sys``
all fail with an ``OSError`` carrying an errno (the netlink transport raises
one with the kernel's extended-ack text as its message). :func:`host_errors`
turns it into the most specific class of :mod:`os_vif.exception`:

- ``ENODEV`` (no such device; for files, also ``ENOENT``) ->
  ``NetworkInterfaceNotFound``
- ``EOPNOTSUPP`` while creating a device of some kind -> ``HostOperationError``
  saying which kernel module is missing
- ``EBUSY``, ``EAGAIN``, ``EINTR``, ``ENOBUFS`` -> ``HostOperationError`` with
  ``retriable=True``
- anything else -> ``HostOperationError`` with the errno kept

:class:`DeviceConflictError` is raised directly (not translated) when a device
exists but is not what an ``ensure_*`` call asked for.
"""

from __future__ import annotations

import errno as errno_codes
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from typing import Final

from os_vif.exception import (
    ExceptionBase,
    HostOperationError,
    NetworkInterfaceNotFound,
)

__all__ = ["DeviceConflictError", "host_errors", "translate"]

_RETRIABLE: Final = frozenset(
    {errno_codes.EBUSY, errno_codes.EAGAIN, errno_codes.EINTR, errno_codes.ENOBUFS}
)

# The module that provides each device kind, for the "not supported" message.
_KIND_MODULES: Final = {
    "vlan": "8021q",
    "bridge": "bridge",
    "veth": "veth",
    "macvlan": "macvlan",
    "tun": "tun",
    "vxlan": "vxlan",
    "dummy": "dummy",
}


class DeviceConflictError(HostOperationError):
    """A device exists under the name asked for, but is not the one wanted.

    Raised by the ``ensure_*`` primitives instead of reusing or replacing a
    device the caller did not describe (a veth where a bridge was asked for,
    a veth whose peer has another name, a tap without multiqueue...).

    Attributes:
        device: the device name.
        expected: what the caller asked for.
        found: what the kernel has.

    """

    def __init__(self, *, step: str, device: str, expected: str, found: str) -> None:
        self.expected = expected
        self.found = found
        super().__init__(
            step=step,
            device=device,
            errno=errno_codes.EEXIST,
            detail=f"the device exists as {found}, expected {expected}",
        )


def translate(
    exc: OSError,
    *,
    step: str,
    device: str | None = None,
    kind: str | None = None,
    not_found: Collection[int] = (errno_codes.ENODEV,),
) -> ExceptionBase:
    """Map a kernel error to the most specific os-vif exception.

    Args:
        exc: the error, with its ``errno`` set.
        step: what was being done, e.g. ``"create bridge"``.
        device: the device the error is about.
        kind: the device kind being created, when the step creates one.
        not_found: the errnos that mean ``device`` does not exist.

    Returns:
        The exception to raise (``raise translate(...) from exc``).

    """
    code = exc.errno
    text = exc.strerror or (errno_codes.errorcode.get(code, "") if code else "")
    if code in not_found and device is not None:
        return NetworkInterfaceNotFound(interface=device)
    if code == errno_codes.EOPNOTSUPP and kind is not None:
        module = _KIND_MODULES.get(kind, kind)
        text = (
            f"this kernel cannot create {kind} devices: the {module!r} module "
            f"is missing or not loadable ({text})"
        )
    elif code in (errno_codes.EPERM, errno_codes.EACCES):
        text = f"{text}; CAP_NET_ADMIN is required"
    return HostOperationError(
        step=step,
        device=device,
        errno=code,
        detail=text,
        retriable=code in _RETRIABLE,
    )


@contextmanager
def host_errors(
    step: str,
    device: str | None = None,
    *,
    kind: str | None = None,
    not_found: Collection[int] = (errno_codes.ENODEV,),
) -> Iterator[None]:
    """Translate any ``OSError`` raised inside the block (see :func:`translate`).

    Args:
        step: what the block does, for the message.
        device: the device it acts on.
        kind: the device kind, when the block creates a device.
        not_found: the errnos that mean ``device`` does not exist.

    Raises:
        NetworkInterfaceNotFound: the kernel answered ``ENODEV``.
        HostOperationError: any other kernel error.

    """
    try:
        yield
    except OSError as exc:
        raise translate(exc, step=step, device=device, kind=kind, not_found=not_found) from exc

"""Errors of the ovs plugin, under os-vif's names.

::

    os_vif.exception.ExceptionBase
    ├── AgentError                  os-vif's; kept for plugins that raise it
    ├── MissingPortProfile          (ValueError) the VIF has no port profile
    ├── WrongPortProfile            (ValueError) not a VIFPortProfileOpenVSwitch
    ├── MissingVIFField             (ValueError) network, address ... is not set
    ├── TapCreationNotSupported     (ValueError) create_tap on another VIF type
    ├── PciDeviceNotFoundById       (LookupError) no such VF, or no switchdev PF
    └── RepresentorNotFound         (LookupError) the PF has no representor
                                    for the VF

The classes os-vif has give os-vif's message for os-vif's keywords (see
:mod:`os_vif.exception`); ``MissingVIFField`` is ours.

Everything the plugin raises for bad input is raised before any host work.
OVSDB failures are the OVSDB client's classes, all reachable here (their
tree is drawn in :mod:`vif_plug_ovs._ovsdb.errors`; every one is an
:class:`os_vif.exception.HostOperationError`, with ``retriable`` set where
trying again may help); kernel failures are
:class:`~os_vif.exception.HostOperationError` and its kin.
"""

from __future__ import annotations

from typing import Any

from os_vif.exception import ExceptionBase
from vif_plug_ovs._ovsdb.errors import (
    OvsdbCommandError,
    OvsdbConflictError,
    OvsdbConnectionError,
    OvsdbConstraintError,
    OvsdbError,
    OvsdbProtocolError,
    OvsdbReferentialIntegrityError,
    OvsdbTimeoutError,
    OvsdbTransactionError,
    RowExistsError,
    RowNotFoundError,
)

__all__ = [
    "AgentError",
    "MissingPortProfile",
    "MissingVIFField",
    "OvsdbCommandError",
    "OvsdbConflictError",
    "OvsdbConnectionError",
    "OvsdbConstraintError",
    "OvsdbError",
    "OvsdbProtocolError",
    "OvsdbReferentialIntegrityError",
    "OvsdbTimeoutError",
    "OvsdbTransactionError",
    "PciDeviceNotFoundById",
    "RepresentorNotFound",
    "RowExistsError",
    "RowNotFoundError",
    "TapCreationNotSupported",
    "WrongPortProfile",
]


def _given(**keywords: object) -> dict[str, object]:
    # The rule of os_vif.exception: None counts as not given.
    return {key: value for key, value in keywords.items() if value is not None}


class AgentError(ExceptionBase):
    """A call to an agent failed (os-vif's; this plugin does not raise it).

    Attributes:
        method: the call.
    """

    msg_fmt = "Error during following call to agent: %(method)s"

    def __init__(
        self, message: str | None = None, *, method: str | None = None, **kwargs: Any
    ) -> None:
        self.method = method
        super().__init__(message, **_given(method=method), **kwargs)


class MissingPortProfile(ExceptionBase, ValueError):
    """The VIF has no port profile; the OVS plugin needs one."""

    msg_fmt = "A port profile is mandatory for the OpenVSwitch plugin"


class WrongPortProfile(ExceptionBase, ValueError):
    """The VIF's port profile is not a VIFPortProfileOpenVSwitch (or subclass).

    Attributes:
        profile: the profile's class name.
    """

    msg_fmt = "Port profile %(profile)s is not a subclass of VIFPortProfileOpenVSwitch"

    def __init__(
        self, message: str | None = None, *, profile: str | None = None, **kwargs: Any
    ) -> None:
        self.profile = profile
        super().__init__(message, **_given(profile=profile), **kwargs)


class MissingVIFField(ExceptionBase, ValueError):
    """A field the plugin needs for this VIF is not set.

    Attributes:
        vif_class: the VIF's class name.
        field: the missing field, dotted (``network.bridge``).
    """

    def __init__(self, *, vif_class: str, field: str) -> None:
        self.vif_class = vif_class
        self.field = field
        super().__init__(f"{vif_class}.{field} is required by the ovs plugin")


class TapCreationNotSupported(ExceptionBase, ValueError):
    """``create_tap`` was asked for a VIF type other than VIFOpenVSwitch.

    Attributes:
        vif_type: the VIF's class name.
    """

    msg_fmt = (
        "Tap device creation requested for unsupported VIF type. create_tap is only "
        "supported for VIFOpenVSwitch, got %(vif_type)s"
    )

    def __init__(
        self, message: str | None = None, *, vif_type: str | None = None, **kwargs: Any
    ) -> None:
        self.vif_type = vif_type
        super().__init__(message, **_given(vif_type=vif_type), **kwargs)


class PciDeviceNotFoundById(ExceptionBase, LookupError):
    """A PCI device (a VF, or its switchdev PF netdev) was not found in sysfs.

    Attributes:
        id: the PCI address.
        reason: what was missing; appended to os-vif's message when given.
    """

    msg_fmt = "PCI device %(id)s not found"

    def __init__(
        self,
        message: str | None = None,
        *,
        id: str | None = None,
        reason: str = "",
        **kwargs: Any,
    ) -> None:
        self.id = id
        self.reason = reason
        super().__init__(message, **_given(id=id), **kwargs)
        if reason and not message:
            self.message = f"{self.message}: {reason}"
            self.args = (self.message,)


class RepresentorNotFound(ExceptionBase, LookupError):
    """The PF has no representor netdev for the VF.

    Attributes:
        ifname: the PF's netdev.
        vf_num: the VF number.
    """

    msg_fmt = "Failed getting representor port for PF %(ifname)s with %(vf_num)s"

    def __init__(
        self,
        message: str | None = None,
        *,
        ifname: str | None = None,
        vf_num: int | None = None,
        **kwargs: Any,
    ) -> None:
        self.ifname = ifname
        self.vf_num = vf_num
        super().__init__(message, **_given(ifname=ifname, vf_num=vf_num), **kwargs)

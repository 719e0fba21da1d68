"""Errors of the ovs plugin, under os-vif's names.

::

    os_vif.exception.ExceptionBase
    ├── MissingPortProfile          (ValueError) the VIF has no port profile
    ├── WrongPortProfile            (ValueError) not a VIFPortProfileOpenVSwitch
    ├── MissingVIFField             (ValueError) network, address ... is not set
    ├── TapCreationNotSupported     (ValueError) create_tap on another VIF type
    ├── PciDeviceNotFoundById       (LookupError) no such VF, or no switchdev PF
    └── RepresentorNotFound         (LookupError) the PF has no representor
                                    for the VF

Everything the plugin raises for bad input is raised before any host work.
OVSDB failures are the classes of :mod:`vif_plug_ovs._ovsdb` (subclasses of
:class:`os_vif.exception.HostOperationError`); kernel failures are
:class:`~os_vif.exception.HostOperationError` and its kin.
"""

from __future__ import annotations

from os_vif.exception import ExceptionBase

__all__ = [
    "MissingPortProfile",
    "MissingVIFField",
    "PciDeviceNotFoundById",
    "RepresentorNotFound",
    "TapCreationNotSupported",
    "WrongPortProfile",
]


class MissingPortProfile(ExceptionBase, ValueError):
    """The VIF has no port profile; the OVS plugin needs one."""

    def __init__(self) -> None:
        super().__init__("A port profile is mandatory for the OpenVSwitch plugin")


class WrongPortProfile(ExceptionBase, ValueError):
    """The VIF's port profile is not a VIFPortProfileOpenVSwitch (or subclass).

    Attributes:
        profile: the profile's class name.
    """

    def __init__(self, *, profile: str) -> None:
        self.profile = profile
        super().__init__(f"Port profile {profile} is not a subclass of VIFPortProfileOpenVSwitch")


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

    def __init__(self, *, vif_type: str) -> None:
        self.vif_type = vif_type
        super().__init__(
            "Tap device creation requested for unsupported VIF type. create_tap is only "
            f"supported for VIFOpenVSwitch, got {vif_type}"
        )


class PciDeviceNotFoundById(ExceptionBase, LookupError):
    """A PCI device (a VF, or its switchdev PF netdev) was not found in sysfs.

    Attributes:
        id: the PCI address.
        reason: what was missing.
    """

    def __init__(self, *, id: str, reason: str = "") -> None:
        self.id = id
        self.reason = reason
        tail = f": {reason}" if reason else ""
        super().__init__(f"PCI device {id} not found{tail}")


class RepresentorNotFound(ExceptionBase, LookupError):
    """The PF has no representor netdev for the VF.

    Attributes:
        ifname: the PF's netdev.
        vf_num: the VF number.
    """

    def __init__(self, *, ifname: str, vf_num: int) -> None:
        self.ifname = ifname
        self.vf_num = vf_num
        super().__init__(f"Failed getting representor port for PF {ifname} with {vf_num}")

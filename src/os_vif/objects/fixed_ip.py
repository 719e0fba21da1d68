"""Fixed IP addresses of a subnet, with the floating IPs mapped to them."""

from __future__ import annotations

from os_vif.objects import fields
from os_vif.objects.base import ObjectListBase, VersionedObject
from os_vif.objects.fields import IPAddress

__all__ = ["FixedIP", "FixedIPList"]


class FixedIP(VersionedObject):
    """One fixed address and the floating addresses that reach it."""

    # Version 1.0: first version
    VERSION = "1.0"

    address: IPAddress = fields.IPAddressField()
    floating_ips: list[IPAddress] = fields.ListOfIPAddressField()


class FixedIPList(ObjectListBase[FixedIP]):
    """A versioned list of :class:`FixedIP`."""

    # Version 1.0: first version
    VERSION = "1.0"

    objects: list[FixedIP] = fields.ListOfObjectsField("FixedIP")

"""Static routes of a subnet."""

from __future__ import annotations

from os_vif.objects import fields
from os_vif.objects.base import ObjectListBase, VersionedObject
from os_vif.objects.fields import IPAddress, IPNetwork

__all__ = ["Route", "RouteList"]


class Route(VersionedObject):
    """A route to ``cidr`` through ``gateway`` (or out of ``interface``)."""

    # Version 1.0: first version
    VERSION = "1.0"

    cidr: IPNetwork = fields.IPNetworkField()
    gateway: IPAddress = fields.IPAddressField()
    interface: str = fields.StringField()


class RouteList(ObjectListBase[Route]):
    """A versioned list of :class:`Route`."""

    # Version 1.0: first version
    VERSION = "1.0"

    objects: list[Route] = fields.ListOfObjectsField("Route")

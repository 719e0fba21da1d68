"""Subnets of a network."""

from __future__ import annotations

from os_vif.objects import fields
from os_vif.objects.base import ObjectListBase, VersionedObject
from os_vif.objects.fields import IPAddress, IPNetwork
from os_vif.objects.fixed_ip import FixedIPList
from os_vif.objects.route import RouteList

__all__ = ["Subnet", "SubnetList"]


class Subnet(VersionedObject):
    """An IP subnet: its prefix, gateway, DNS servers, addresses and routes."""

    # Version 1.0: first version
    VERSION = "1.0"

    cidr: IPNetwork = fields.IPNetworkField()
    dns: list[IPAddress] = fields.ListOfIPAddressField()
    gateway: IPAddress = fields.IPAddressField()
    ips: FixedIPList = fields.ObjectField("FixedIPList")
    routes: RouteList = fields.ObjectField("RouteList")
    dhcp_server: IPAddress = fields.IPAddressField()


class SubnetList(ObjectListBase[Subnet]):
    """A versioned list of :class:`Subnet`."""

    # Version 1.0: first version
    VERSION = "1.0"

    objects: list[Subnet] = fields.ListOfObjectsField("Subnet")

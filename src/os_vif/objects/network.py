"""The network a VIF is attached to."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, ClassVar

from os_vif.objects import fields
from os_vif.objects.base import VersionedObject
from os_vif.objects.subnet import SubnetList

__all__ = ["Network"]


class Network(VersionedObject):
    """A layer 2 network, its subnets and how the host should reach it.

    When not given, ``subnets`` (empty), ``multi_host``,
    ``should_provide_bridge``, ``should_provide_vlan`` (all False) and ``mtu``
    (None) are set by the constructor, as os-vif does, so they are on the wire.
    """

    # Version 1.0: first version
    # Version 1.1: 'mtu' added
    VERSION = "1.1"

    id: str = fields.UUIDField()
    bridge: str = fields.StringField()
    label: str = fields.StringField()
    subnets: SubnetList = fields.ObjectField("SubnetList")
    multi_host: bool = fields.BooleanField()
    should_provide_bridge: bool = fields.BooleanField()
    should_provide_vlan: bool = fields.BooleanField()
    bridge_interface: str | None = fields.StringField(nullable=True)
    vlan: int | None = fields.IntegerField(nullable=True)
    mtu: int | None = fields.IntegerField(nullable=True, since="1.1")

    _obj_constructor_defaults: ClassVar[Mapping[str, Callable[[], Any]]] = {
        "subnets": lambda: SubnetList(objects=[]),
        "multi_host": lambda: False,
        "should_provide_bridge": lambda: False,
        "should_provide_vlan": lambda: False,
        "mtu": lambda: None,
    }

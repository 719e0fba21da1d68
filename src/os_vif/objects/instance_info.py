"""The instance (virtual machine or container) a VIF belongs to."""

from __future__ import annotations

from os_vif.objects import fields
from os_vif.objects.base import VersionedObject

__all__ = ["InstanceInfo"]


class InstanceInfo(VersionedObject):
    """Identity of the instance whose interface is being plugged."""

    # Version 1.0: first version
    VERSION = "1.0"

    uuid: str = fields.UUIDField()
    name: str = fields.StringField()
    project_id: str = fields.StringField()

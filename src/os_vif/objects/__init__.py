"""The versioned object model: VIFs, port profiles, networks and host info.

Importing this package registers every class; each is reachable here as
``os_vif.objects.<Name>`` and in its submodule, as in os-vif.
"""

import sys

from os_vif.objects import base, fields
from os_vif.objects.base import ObjectListBase, VersionedObject
from os_vif.objects.fixed_ip import FixedIP, FixedIPList
from os_vif.objects.host_info import (
    HostInfo,
    HostPluginInfo,
    HostPortProfileInfo,
    HostVIFInfo,
)
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.network import Network
from os_vif.objects.route import Route, RouteList
from os_vif.objects.subnet import Subnet, SubnetList
from os_vif.objects.vif import (
    DatapathOffloadBase,
    DatapathOffloadRepresentor,
    VIFBase,
    VIFBridge,
    VIFDirect,
    VIFGeneric,
    VIFHostDevice,
    VIFNestedDPDK,
    VIFOpenVSwitch,
    VIFPortProfile8021Qbg,
    VIFPortProfile8021Qbh,
    VIFPortProfileBase,
    VIFPortProfileFPBridge,
    VIFPortProfileFPOpenVSwitch,
    VIFPortProfileFPTap,
    VIFPortProfileK8sDPDK,
    VIFPortProfileOpenVSwitch,
    VIFPortProfileOVSRepresentor,
    VIFVHostUser,
)


def register_all() -> None:
    """Register every class with oslo.versionedobjects too, when it is in use.

    Importing this package registers every class in our own registry. os-vif
    callers call this, and os-vif's classes then live in oslo's registry,
    where oslo code (an oslo object holding a VIF, os-vif's own tests) looks
    them up; so ours go there too, when ``oslo_versionedobjects`` is already
    imported. It is never imported for this.
    """
    if "oslo_versionedobjects" in sys.modules:
        from os_vif.objects import _ovo  # noqa: PLC0415

        _ovo.ensure_active()


__all__ = [
    "DatapathOffloadBase",
    "DatapathOffloadRepresentor",
    "FixedIP",
    "FixedIPList",
    "HostInfo",
    "HostPluginInfo",
    "HostPortProfileInfo",
    "HostVIFInfo",
    "InstanceInfo",
    "Network",
    "ObjectListBase",
    "Route",
    "RouteList",
    "Subnet",
    "SubnetList",
    "VIFBase",
    "VIFBridge",
    "VIFDirect",
    "VIFGeneric",
    "VIFHostDevice",
    "VIFNestedDPDK",
    "VIFOpenVSwitch",
    "VIFPortProfile8021Qbg",
    "VIFPortProfile8021Qbh",
    "VIFPortProfileBase",
    "VIFPortProfileFPBridge",
    "VIFPortProfileFPOpenVSwitch",
    "VIFPortProfileFPTap",
    "VIFPortProfileK8sDPDK",
    "VIFPortProfileOVSRepresentor",
    "VIFPortProfileOpenVSwitch",
    "VIFVHostUser",
    "VersionedObject",
    "base",
    "fields",
    "register_all",
]

# A process that already uses oslo.versionedobjects sees our classes there.
register_all()

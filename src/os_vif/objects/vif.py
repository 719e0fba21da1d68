"""VIF objects (one class per way of wiring a guest to the host) and port profiles."""

from __future__ import annotations

from os_vif.objects import fields
from os_vif.objects.base import VersionedObject
from os_vif.objects.network import Network

__all__ = [
    "DatapathOffloadBase",
    "DatapathOffloadRepresentor",
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
]

# Port profile subclasses whose versions track VIFPortProfileOpenVSwitch's.
_SAME_VERSIONS_1_4 = {f"1.{minor}": f"1.{minor}" for minor in range(5)}
_SAME_VERSIONS_1_1 = {"1.0": "1.0", "1.1": "1.1"}


# --- datapath offload --------------------------------------------------------


class DatapathOffloadBase(VersionedObject):
    """Base of the ways a port's datapath can be offloaded."""

    # Version 1.0: first version
    VERSION = "1.0"


class DatapathOffloadRepresentor(DatapathOffloadBase):
    """Offload through a VF representor netdev."""

    # Version 1.0: first version
    VERSION = "1.0"

    representor_name: str | None = fields.StringField(nullable=True)
    representor_address: str | None = fields.StringField(nullable=True)


# --- port profiles -----------------------------------------------------------


class VIFPortProfileBase(VersionedObject):
    """Base of the port profiles: metadata that identifies a VIF to its backend."""

    # Version 1.0: first version
    # Version 1.1: 'datapath_offload' added
    VERSION = "1.1"

    datapath_offload: DatapathOffloadBase | None = fields.ObjectField(
        "DatapathOffloadBase",
        subclasses=True,
        nullable=True,
        since="1.1",
        child_versions={"1.1": "1.0"},
    )


class VIFPortProfileOpenVSwitch(VIFPortProfileBase):
    """Identifies a VIF to Open vSwitch (and to the agents watching it)."""

    # Version 1.0: first version
    # Version 1.1: 'datapath_type' added
    # Version 1.2: builds on VIFPortProfileBase 1.1
    # Version 1.3: 'create_port' added
    # Version 1.4: 'create_tap' and 'multiqueue' added
    VERSION = "1.4"
    PARENT_VERSIONS = {"1.0": "1.0", "1.1": "1.0", "1.2": "1.1", "1.3": "1.1", "1.4": "1.1"}

    interface_id: str = fields.UUIDField()
    profile_id: str = fields.StringField()
    datapath_type: str | None = fields.StringField(nullable=True, since="1.1")
    create_port: bool = fields.BooleanField(default=False, since="1.3")
    create_tap: bool = fields.BooleanField(default=False, since="1.4")
    multiqueue: bool = fields.BooleanField(default=False, since="1.4")


class VIFPortProfileFPOpenVSwitch(VIFPortProfileOpenVSwitch):
    """Open vSwitch port profile for a fast-path vhost-user VIF."""

    # Version 1.0: first version
    # Version 1.1-1.4: each builds on the same VIFPortProfileOpenVSwitch version
    VERSION = "1.4"
    PARENT_VERSIONS = _SAME_VERSIONS_1_4

    bridge_name: str = fields.StringField()
    hybrid_plug: bool = fields.BooleanField(default=False)


class VIFPortProfileOVSRepresentor(VIFPortProfileOpenVSwitch):
    """Open vSwitch port profile for a VF representor (deprecated by os-vif)."""

    # Version 1.0: first version
    # Version 1.1-1.4: each builds on the same VIFPortProfileOpenVSwitch version
    VERSION = "1.4"
    PARENT_VERSIONS = _SAME_VERSIONS_1_4
    # os-vif marks the class for removal: building or reading one warns.
    _obj_deprecation = (
        "Using class 'VIFPortProfileOVSRepresentor' (either directly or via "
        "inheritance) is deprecated; use the datapath_offload field "
        "(DatapathOffloadRepresentor) of a port profile instead"
    )

    representor_name: str | None = fields.StringField(nullable=True)
    representor_address: str | None = fields.PCIAddressField(nullable=True)


class VIFPortProfileFPBridge(VIFPortProfileBase):
    """Linux bridge port profile for a fast-path vhost-user VIF."""

    # Version 1.0: first version
    # Version 1.1: builds on VIFPortProfileBase 1.1
    VERSION = "1.1"
    PARENT_VERSIONS = _SAME_VERSIONS_1_1

    bridge_name: str = fields.StringField()


class VIFPortProfileFPTap(VIFPortProfileBase):
    """Calico (routed tap) port profile for a fast-path vhost-user VIF."""

    # Version 1.0: first version
    # Version 1.1: builds on VIFPortProfileBase 1.1
    VERSION = "1.1"
    PARENT_VERSIONS = _SAME_VERSIONS_1_1

    mac_address: str | None = fields.MACAddressField(nullable=True)


class VIFPortProfile8021Qbg(VIFPortProfileBase):
    """Port profile of a VEPA device following 802.1Qbg."""

    # Version 1.0: first version
    # Version 1.1: builds on VIFPortProfileBase 1.1
    VERSION = "1.1"
    PARENT_VERSIONS = _SAME_VERSIONS_1_1

    manager_id: int = fields.IntegerField()
    type_id: int = fields.IntegerField()
    type_id_version: int = fields.IntegerField()
    instance_id: str = fields.UUIDField()


class VIFPortProfile8021Qbh(VIFPortProfileBase):
    """Port profile of a VEPA device following 802.1Qbh."""

    # Version 1.0: first version
    # Version 1.1: builds on VIFPortProfileBase 1.1
    VERSION = "1.1"
    PARENT_VERSIONS = _SAME_VERSIONS_1_1

    profile_id: str = fields.StringField()


class VIFPortProfileK8sDPDK(VIFPortProfileBase):
    """Port profile of a nested DPDK interface handed to a Kubernetes pod."""

    # Version 1.0: first version
    # Version 1.1: builds on VIFPortProfileBase 1.1
    VERSION = "1.1"
    PARENT_VERSIONS = _SAME_VERSIONS_1_1

    l3_setup: bool = fields.BooleanField()
    selflink: str = fields.StringField()
    resourceversion: str = fields.StringField()


# --- VIFs --------------------------------------------------------------------


class VIFBase(VersionedObject):
    """Fields every VIF has; use one of the subclasses."""

    # Version 1.0: first version
    VERSION = "1.0"

    id: str = fields.UUIDField()
    address: str | None = fields.MACAddressField(nullable=True)
    network: Network | None = fields.ObjectField("Network", nullable=True)
    plugin: str = fields.StringField()
    active: bool = fields.BooleanField(default=True)
    preserve_on_delete: bool = fields.BooleanField(default=False)
    has_traffic_filtering: bool = fields.BooleanField(default=False)
    port_profile: VIFPortProfileBase = fields.ObjectField("VIFPortProfileBase", subclasses=True)


class VIFGeneric(VIFBase):
    """A guest tap device whose host wiring the plugin alone decides."""

    # Version 1.0: first version
    VERSION = "1.0"

    vif_name: str = fields.StringField()


class VIFBridge(VIFBase):
    """A guest device attached to a host Linux bridge."""

    # Version 1.0: first version
    VERSION = "1.0"

    vif_name: str = fields.StringField()
    bridge_name: str = fields.StringField()


class VIFOpenVSwitch(VIFBase):
    """A guest device attached to an Open vSwitch bridge."""

    # Version 1.0: first version
    VERSION = "1.0"

    vif_name: str = fields.StringField()
    bridge_name: str = fields.StringField()


class VIFDirect(VIFBase):
    """A macvtap device on a physical NIC, in VEPA, passthrough or bridge mode."""

    # Version 1.0: first version
    VERSION = "1.0"

    vif_name: str = fields.StringField()
    dev_address: str = fields.PCIAddressField()
    mode: str = fields.VIFDirectModeField()
    vlan_name: str = fields.StringField()


class VIFVHostUser(VIFBase):
    """A vhost-user socket whose data plane a userspace backend serves."""

    # Version 1.0: first version
    # Version 1.1: 'vif_name' added
    VERSION = "1.1"

    vif_name: str = fields.StringField(since="1.1")
    path: str = fields.StringField()
    mode: str = fields.VIFVHostUserModeField()


class VIFHostDevice(VIFBase):
    """A host PCI device (a whole NIC or an SR-IOV VF) passed to the guest."""

    # Version 1.0: first version
    VERSION = "1.0"

    dev_type: str = fields.VIFHostDeviceDevTypeField()
    dev_address: str = fields.PCIAddressField()


class VIFNestedDPDK(VIFBase):
    """A DPDK interface inside a VM handed on to a nested Kubernetes pod."""

    # Version 1.0: first version
    VERSION = "1.0"

    pci_address: str = fields.StringField()
    dev_driver: str = fields.StringField()

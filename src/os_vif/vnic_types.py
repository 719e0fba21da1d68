"""The VNIC types a network port can ask for (Neutron's ``binding:vnic_type``)."""

from typing import Final

__all__ = [
    "ACCELERATOR_DIRECT",
    "ACCELERATOR_DIRECT_PHYSICAL",
    "ALL",
    "BAREMETAL",
    "DIRECT",
    "DIRECT_PHYSICAL",
    "MACVTAP",
    "NORMAL",
    "REMOTE_MANAGED",
    "SMARTNIC",
    "VDPA",
    "VIRTIO_FORWARDER",
]

NORMAL: Final = "normal"
DIRECT: Final = "direct"
MACVTAP: Final = "macvtap"
DIRECT_PHYSICAL: Final = "direct-physical"
BAREMETAL: Final = "baremetal"
VIRTIO_FORWARDER: Final = "virtio-forwarder"
SMARTNIC: Final = "smart-nic"
VDPA: Final = "vdpa"
ACCELERATOR_DIRECT: Final = "accelerator-direct"
ACCELERATOR_DIRECT_PHYSICAL: Final = "accelerator-direct-physical"
REMOTE_MANAGED: Final = "remote-managed"

ALL: Final = (
    NORMAL,
    DIRECT,
    MACVTAP,
    DIRECT_PHYSICAL,
    BAREMETAL,
    VIRTIO_FORWARDER,
    SMARTNIC,
    VDPA,
    ACCELERATOR_DIRECT,
    ACCELERATOR_DIRECT_PHYSICAL,
    REMOTE_MANAGED,
)

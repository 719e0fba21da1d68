"""One check of a VIF for plug and unplug alike, before any host work.

:func:`checked` refuses what the plugin cannot act on (no or wrong port
profile, no network, a device name the kernel would refuse, ``create_tap``
on a type that has no tap) and returns a :class:`CheckedVIF`: the VIF with
the values every handler needs already worked out (the OVS bridge, the
datapath type, the MTU).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from os_vif.linux.names import validate_device_name
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.network import Network
from os_vif.objects.vif import (
    VIFBase,
    VIFBridge,
    VIFHostDevice,
    VIFOpenVSwitch,
    VIFPortProfileOpenVSwitch,
    VIFVHostUser,
)
from vif_plug_ovs.config import OvsConfig
from vif_plug_ovs.constants import OVS_DATAPATH_SYSTEM, TRUNK_BR_PREFIX
from vif_plug_ovs.exception import (
    MissingPortProfile,
    MissingVIFField,
    TapCreationNotSupported,
    WrongPortProfile,
)

__all__ = [
    "CheckedVIF",
    "OvsVIF",
    "checked",
    "is_trunk_bridge",
]

OvsVIF = VIFBridge | VIFOpenVSwitch | VIFVHostUser | VIFHostDevice
V = TypeVar("V", VIFBridge, VIFOpenVSwitch, VIFVHostUser, VIFHostDevice)


def is_trunk_bridge(bridge: str) -> bool:
    """Whether ``bridge`` is a trunk bridge (its name starts with ``tbr-``)."""
    return bridge.startswith(TRUNK_BR_PREFIX)


@dataclass(frozen=True)
class CheckedVIF(Generic[V]):
    """A VIF that passed :func:`checked`, with what the handlers derive from it.

    Attributes:
        vif: the VIF.
        profile: its port profile.
        network: its network.
        bridge: the OVS bridge (``network.bridge``), a valid device name.
        datapath_type: the profile's datapath type, or the VIF type's default.
        mtu: the network's MTU, or the configured ``network_device_mtu``.
        create_tap: whether the plugin makes (and removes) the tap device.
        qos_datapath: the datapath type that decides whether a new port gets
            a QoS row: the profile's, or ``system`` when it gives none. For a
            vhost-user VIF without one this is ``system`` although its bridge
            is made ``netdev``: os-vif decides so, and the records match it.
    """

    vif: V
    profile: VIFPortProfileOpenVSwitch
    network: Network
    bridge: str
    datapath_type: str
    mtu: int
    create_tap: bool
    qos_datapath: str

    def address(self) -> str:
        """The VIF's MAC address.

        Raises:
            MissingVIFField: it is not set.
        """
        address = self.vif.address if "address" in self.vif else None
        if not address:
            raise MissingVIFField(vif_class=self.vif.obj_name(), field="address")
        return address

    def external_ids(
        self, instance_info: InstanceInfo | None, *, bridge: str, iface_id: str | None = None
    ) -> dict[str, str]:
        """The ``Interface.external_ids`` that identify the VIF's port.

        ``iface-id`` is the profile's interface id (the Neutron port) unless
        given; ``vm-uuid`` is set when the instance is known; a port on a
        trunk bridge also names the bridge, for Neutron's trunk cleanup.

        Raises:
            MissingVIFField: the VIF has no MAC address.
        """
        ids = {
            "iface-id": iface_id or self.profile.interface_id,
            "iface-status": "active",
            "attached-mac": self.address(),
        }
        if instance_info is not None and "uuid" in instance_info:
            ids["vm-uuid"] = instance_info.uuid
        if is_trunk_bridge(bridge):
            ids["bridge_name"] = bridge
        return ids


def _profile(vif: VIFBase) -> VIFPortProfileOpenVSwitch:
    if "port_profile" not in vif or vif.port_profile is None:
        raise MissingPortProfile
    profile = vif.port_profile
    if not isinstance(profile, VIFPortProfileOpenVSwitch):
        raise WrongPortProfile(profile=type(profile).obj_name())
    return profile


def _network(vif: VIFBase) -> Network:
    network = vif.network if "network" in vif else None
    if network is None:
        raise MissingVIFField(vif_class=vif.obj_name(), field="network")
    if "bridge" not in network or not network.bridge:
        raise MissingVIFField(vif_class=vif.obj_name(), field="network.bridge")
    return network


def _check_names(vif: OvsVIF) -> None:
    if isinstance(vif, VIFBridge | VIFOpenVSwitch):
        validate_device_name(vif.vif_name)
    if isinstance(vif, VIFBridge):
        validate_device_name(vif.bridge_name)
    if isinstance(vif, VIFHostDevice) and "dev_address" not in vif:
        raise MissingVIFField(vif_class=vif.obj_name(), field="dev_address")
    if isinstance(vif, VIFVHostUser) and vif.mode == "server" and not vif.path:
        raise MissingVIFField(vif_class=vif.obj_name(), field="path")


def _writes_a_port(vif: OvsVIF, profile: VIFPortProfileOpenVSwitch, config: OvsConfig) -> bool:
    if not isinstance(vif, VIFOpenVSwitch):
        return True
    return bool(profile.create_port or profile.create_tap or config.per_port_bridge)


def checked(
    vif: V, config: OvsConfig, *, default_datapath: str, plugging: bool = True
) -> CheckedVIF[V]:
    """Check ``vif`` and work out what plugging (or unplugging) it needs.

    Args:
        vif: the VIF, of a class the plugin declares.
        config: the plugin's options.
        default_datapath: the datapath type when the profile gives none.
        plugging: also require what only a plug uses (the MAC address of a
            VIF whose port or tap the plugin makes).

    Raises:
        MissingPortProfile: the VIF has no port profile.
        WrongPortProfile: the profile is not a VIFPortProfileOpenVSwitch.
        MissingVIFField: the network (or its bridge), or a field the VIF
            type needs (the MAC address, to plug a port), is not set.
        InvalidDeviceName: the bridge or a device name is not valid.
        TapCreationNotSupported: ``create_tap`` on a VIF other than
            VIFOpenVSwitch.
    """
    profile = _profile(vif)
    network = _network(vif)
    bridge = validate_device_name(network.bridge)
    _check_names(vif)
    create_tap = bool(profile.create_tap)
    if create_tap and not isinstance(vif, VIFOpenVSwitch):
        raise TapCreationNotSupported(vif_type=vif.obj_name())
    datapath = profile.datapath_type if "datapath_type" in profile else None
    mtu = network.mtu if "mtu" in network and network.mtu else config.network_device_mtu
    address = vif.address if "address" in vif else None
    if plugging and not address and _writes_a_port(vif, profile, config):
        raise MissingVIFField(vif_class=vif.obj_name(), field="address")
    return CheckedVIF(
        vif=vif,
        profile=profile,
        network=network,
        bridge=bridge,
        datapath_type=datapath or default_datapath,
        mtu=mtu,
        create_tap=create_tap,
        qos_datapath=datapath or OVS_DATAPATH_SYSTEM,
    )

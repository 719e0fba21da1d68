"""Options of the linux_bridge plugin (section ``[os_vif_linux_bridge]``)."""

from __future__ import annotations

from dataclasses import dataclass

from os_vif.linux.names import validate_device_name
from os_vif.plugin import PluginConfig, option

__all__ = ["LinuxBridgeConfig"]

_MIN_MTU = 68
_MAX_MTU = 65535


@dataclass(frozen=True)
class LinuxBridgeConfig(PluginConfig):
    """How the plugin builds bridges and picks uplinks.

    The first eight options are those of os-vif's former plugin, so an
    existing ``nova.conf`` section loads as it is. The iptables options are
    accepted and ignored: this plugin does not write firewall rules.

    Attributes:
        use_ipv6: leave IPv6 enabled on the bridges (off: the bridge gets no
            link-local address and sends no router solicitations).
        iptables_top_regex: accepted for compatibility; unused.
        iptables_bottom_regex: accepted for compatibility; unused.
        iptables_drop_action: accepted for compatibility; unused.
        forward_bridge_interface: accepted for compatibility; unused.
        vlan_interface: the parent of ``vlan<N>`` uplinks (default: the
            network's bridge_interface).
        flat_interface: the uplink of flat networks (default: the network's
            bridge_interface).
        network_device_mtu: the MTU when the network gives none.
        delete_empty_bridges: on unplug, delete a bridge this plugin created
            once no port but its own uplink is left on it.
    """

    # os-vif's plugin read all eight from [DEFAULT] before they had a section.
    use_ipv6: bool = option(False, deprecated_group="DEFAULT")
    iptables_top_regex: str = option("", deprecated_group="DEFAULT")
    iptables_bottom_regex: str = option("", deprecated_group="DEFAULT")
    iptables_drop_action: str = option("DROP", deprecated_group="DEFAULT")
    forward_bridge_interface: tuple[str, ...] = option(
        ("all",), deprecated_group="DEFAULT", multi=True
    )
    vlan_interface: str | None = option(None, deprecated_group="DEFAULT")
    flat_interface: str | None = option(None, deprecated_group="DEFAULT")
    network_device_mtu: int = option(1500, deprecated_group="DEFAULT")
    delete_empty_bridges: bool = False

    def __post_init__(self) -> None:
        if not _MIN_MTU <= self.network_device_mtu <= _MAX_MTU:
            raise ValueError(
                f"network_device_mtu {self.network_device_mtu} is outside {_MIN_MTU}..{_MAX_MTU}"
            )
        for name in (self.vlan_interface, self.flat_interface):
            if name is not None:
                validate_device_name(name)

"""The Linux bridge tour: both guests on one bridge, plugged by ``linux_bridge``.

::

    osvif-demo-<id>            the demo's "compute host": os_vif.plug() runs
    |                          here and makes the bridge br-demo
    |-- tap<vif id>  <-veth->  osvif-demo-<id>-vm1: eth0 10.99.0.1/24
    '-- tap<vif id>  <-veth->  osvif-demo-<id>-vm2: eth0 10.99.0.2/24

The demo plugs a ``VIFBridge`` for each guest, reads the bridge and its ports
back over netlink, pings, unplugs, and shows the bridge without ports.
"""

from __future__ import annotations

from typing import Final

from os_vif.linux.names import TAP_PREFIX, derived_name
from os_vif.objects.network import Network
from os_vif.objects.vif import VIFBridge
from os_vif_demo._host import Guest
from os_vif_demo._output import link_table
from os_vif_demo._tour import Tour

__all__ = ["PLUGIN", "BridgeTour"]

PLUGIN: Final = "linux_bridge"
BRIDGE: Final = "br-demo"


class BridgeTour(Tour):
    """Two guests on one Linux bridge, in the demo's host namespace."""

    plugin = PLUGIN

    def bridge_name(self) -> str:
        return BRIDGE

    def make_vif(self, index: int, vif_id: str, network: Network) -> VIFBridge:
        return VIFBridge(
            id=vif_id,
            plugin=self.plugin,
            network=network,
            vif_name=derived_name(TAP_PREFIX, vif_id),
            bridge_name=BRIDGE,
        )

    def title(self) -> str:
        return "os-vif demo: two guests on one Linux bridge, plugged with os_vif.plug()"

    def describe_vif(self, guest: Guest) -> str:
        return f"VIFBridge vif_name={guest.vif_name} bridge_name={BRIDGE}"

    def show_plugged(self) -> None:
        self.section(f"Bridge {BRIDGE} and its ports, read back over netlink")
        self.show_bridge()

    def show_unplugged(self) -> None:
        self.show_bridge()

    def kept_commands(self) -> list[str]:
        first, second = self.guests
        return [
            f"ip netns exec {self.host} ip -d link show {BRIDGE}",
            f"ip netns exec {self.host} ip link show master {BRIDGE}",
            f"ip netns exec {first.netns} ping -c 3 {second.address.ip}",
        ]

    def show_bridge(self) -> None:
        """The bridge and its ports, as netlink reports them now."""
        links = self.host_netlink().list_links()
        bridge = next((link for link in links if link.name == BRIDGE), None)
        if bridge is None:
            self.say(f"   no bridge {BRIDGE} in {self.host}")
            return
        ports = [link for link in links if link.master_index == bridge.index]
        for line in link_table([bridge, *ports]):
            self.say("   " + line)
        stp = "on" if bridge.stp else "off"
        delay = f"{bridge.forward_delay:g} s" if bridge.forward_delay is not None else "?"
        count = f"{len(ports)} port{'s' if len(ports) != 1 else ''}" if ports else "no ports"
        self.say(f"   {BRIDGE}: {count}, STP {stp}, forward delay {delay}")

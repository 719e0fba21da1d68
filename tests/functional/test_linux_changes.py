"""What the ``ensure_*`` primitives report, on a real kernel, each test in its own netns.

A primitive reads before it writes: it says "created" when it made the
device (or the port), "updated" when something differed and was set (the
test changes it by hand first, with iproute2), "unchanged" when nothing was
written. The kernel is read back with iproute2, not with the code under test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from fixtures.netns import Netns, created_netns
from os_vif.exception import NetworkInterfaceNotFound
from os_vif.linux import sysctl
from os_vif.linux.change import Change
from os_vif.linux.netlink import Netlink

pytestmark = pytest.mark.functional

CREATED, UPDATED, UNCHANGED = Change.CREATED, Change.UPDATED, Change.UNCHANGED


def kernel(netns: Netns, name: str) -> dict[str, Any]:
    link = netns.link(name)
    assert link is not None, f"{name} does not exist"
    return link


def bridge_options(netns: Netns, name: str) -> dict[str, Any]:
    return dict(kernel(netns, name)["linkinfo"]["info_data"])


def test_a_bridge_changed_by_hand_is_updated_then_unchanged(nl: Netlink, netns: Netns) -> None:
    asked = {"mtu": 1450, "stp": False, "forward_delay": 0, "ageing_time": 0, "up": True}
    assert nl.ensure_bridge("br-a", **asked) is CREATED
    assert nl.ensure_bridge("br-a", **asked) is UNCHANGED
    for change in (
        ["mtu", "1400"],
        ["down"],
        ["type", "bridge", "ageing_time", "30000"],
        ["type", "bridge", "forward_delay", "400"],
    ):
        netns.ip("link", "set", "br-a", *change)
        assert nl.ensure_bridge("br-a", **asked) is UPDATED, change
        link = kernel(netns, "br-a")
        assert (link["mtu"], "UP" in link["flags"]) == (1450, True)
        options = bridge_options(netns, "br-a")
        assert (options["ageing_time"], options["forward_delay"]) == (0, 0)
        assert nl.ensure_bridge("br-a", **asked) is UNCHANGED


def test_a_veth_end_changed_by_hand_is_updated(nl: Netlink, netns: Netns) -> None:
    assert nl.ensure_veth_pair("qvb-a", "qvo-a", mtu=1450, up=True) is CREATED
    netns.ip("link", "set", "qvo-a", "mtu", "1300")
    assert nl.ensure_veth_pair("qvb-a", "qvo-a", mtu=1450, up=True) is UPDATED
    assert kernel(netns, "qvo-a")["mtu"] == 1450
    assert nl.ensure_veth_pair("qvb-a", "qvo-a", mtu=1450, up=True) is UNCHANGED


def test_a_tap_whose_mac_was_changed_is_updated(nl: Netlink, netns: Netns) -> None:
    mac = "fa:16:3e:00:00:01"
    assert nl.ensure_tap("tap-a", mac=mac, mtu=1400) is CREATED
    netns.ip("link", "set", "tap-a", "address", "fa:16:3e:00:00:02")
    assert nl.ensure_tap("tap-a", mac=mac, mtu=1400) is UPDATED
    assert kernel(netns, "tap-a")["address"] == mac
    assert nl.ensure_tap("tap-a", mac=mac.upper(), mtu=1400) is UNCHANGED


def test_ensure_link_sends_only_what_differs(nl: Netlink, netns: Netns) -> None:
    netns.ip("link", "add", "p-a", "mtu", "1500", "type", "veth", "peer", "p-b")
    assert nl.ensure_link("p-a", mtu=1500, up=False, promisc=False, alias="") is UNCHANGED
    assert nl.ensure_link("p-a", mtu=1400, up=True, promisc=True, alias="x") is UPDATED
    link = kernel(netns, "p-a")
    assert (link["mtu"], link["ifalias"]) == (1400, "x")
    assert {"UP", "PROMISC"} <= set(link["flags"])
    assert nl.ensure_link("p-a", mtu=1400, up=True, promisc=True, alias="x") is UNCHANGED
    assert nl.ensure_link("p-a", up=False) is UPDATED
    assert "UP" not in kernel(netns, "p-a")["flags"]
    with pytest.raises(NetworkInterfaceNotFound):
        nl.ensure_link("absent0", up=True)


def test_ensure_port_made_moved_and_found(nl: Netlink, netns: Netns) -> None:
    nl.ensure_bridge("br-a", mtu=1500)
    nl.ensure_bridge("br-b", mtu=1500)
    netns.ip("link", "add", "p-a", "mtu", "1500", "type", "veth", "peer", "p-b")

    assert nl.ensure_port("p-a", "br-a", mtu=1400, up=True) is CREATED
    assert kernel(netns, "p-a")["master"] == "br-a"
    assert nl.ensure_port("p-a", "br-a", mtu=1400, up=True) is UNCHANGED
    netns.ip("link", "set", "p-a", "master", "br-b")
    assert nl.ensure_port("p-a", "br-a", mtu=1400, up=True) is UPDATED
    assert kernel(netns, "p-a")["master"] == "br-a"
    netns.ip("link", "set", "p-a", "down")
    assert nl.ensure_port("p-a", "br-a", mtu=1400, up=True) is UPDATED
    assert "UP" in kernel(netns, "p-a")["flags"]
    with pytest.raises(NetworkInterfaceNotFound, match="br-c"):
        nl.ensure_port("p-a", "br-c")


def test_ensure_conf_writes_only_a_different_value(nl: Netlink, netns: Netns) -> None:
    nl.ensure_bridge("br-a", mtu=1500)
    flag = Path("/proc/sys/net/ipv4/conf/br-a/arp_ignore")
    assert sysctl.ensure_conf("br-a", "arp_ignore", 1) is UPDATED
    assert netns.run_inside(flag.read_text) == "1\n"
    assert sysctl.ensure_conf("br-a", "arp_ignore", 1) is UNCHANGED
    assert sysctl.disable_ipv6("br-a") is UPDATED
    assert sysctl.disable_ipv6("br-a") is UNCHANGED


def test_move_link_and_add_address_use_the_handle(nl: Netlink, netns: Netns) -> None:
    with created_netns() as other:
        nl.ensure_veth_pair("m-a", "m-b", mtu=1500)
        nl.move_link("m-b", other.name)
        assert netns.link("m-b") is None
        assert other.link("m-b") is not None
        nl.add_address("m-a", "10.98.0.1/24")
        addresses = netns.ip("-j", "address", "show", "dev", "m-a").stdout
        assert '"local":"10.98.0.1"' in addresses.replace(" ", "")
        with pytest.raises(ValueError, match="prefix"):
            nl.add_address("m-a", "10.98.0.2")

"""Our netlink requests are, byte for byte, what pyroute2 encodes for them.

pyroute2 (a test dependency only) knows the layout of every attribute; the
library encodes its few requests itself, to spare the import of pyroute2
(about 100 ms) on the first plug and its per-message cost.
"""

from __future__ import annotations

import pytest

from os_vif.linux import _requests as requests

ifinfmsg = pytest.importorskip("pyroute2.netlink.rtnl.ifinfmsg").ifinfmsg
ifaddrmsg = pytest.importorskip("pyroute2.netlink.rtnl.ifaddrmsg").ifaddrmsg


def pyroute2_link(msg_type, flags, *, index=0, up=None, promisc=None, attrs=()):
    msg = ifinfmsg()
    msg["index"] = index
    msg["flags"] = (requests.IFF_UP if up else 0) | (requests.IFF_PROMISC if promisc else 0)
    msg["change"] = (0 if up is None else requests.IFF_UP) | (
        0 if promisc is None else requests.IFF_PROMISC
    )
    msg["attrs"] = [list(attr) for attr in attrs]
    msg["header"]["type"] = msg_type
    msg["header"]["flags"] = flags
    msg.encode()
    return bytes(msg.data)


def linkinfo(kind, data=()):
    info = [("IFLA_INFO_KIND", kind)]
    if data:
        info.append(("IFLA_INFO_DATA", {"attrs": list(data)}))
    return ("IFLA_LINKINFO", {"attrs": info})


REQUEST, CREATE = 0x5, 0x605
NEWLINK, DELLINK, GETLINK = 16, 17, 18
SKIP_STATS = ("IFLA_EXT_MASK", 8)

CASES = [
    (requests.get_link(name="tap0"),
     pyroute2_link(GETLINK, REQUEST, attrs=[SKIP_STATS, ("IFLA_IFNAME", "tap0")])),
    (requests.get_link(index=7), pyroute2_link(GETLINK, REQUEST, index=7, attrs=[SKIP_STATS])),
    (requests.dump_links(), pyroute2_link(GETLINK, 0x301, attrs=[SKIP_STATS])),
    (requests.delete_link(name="qvb1"),
     pyroute2_link(DELLINK, REQUEST, attrs=[("IFLA_IFNAME", "qvb1")])),
    (requests.delete_group(4242), pyroute2_link(DELLINK, REQUEST, attrs=[("IFLA_GROUP", 4242)])),
    (requests.set_group(3, 9), pyroute2_link(NEWLINK, REQUEST, index=3, attrs=[("IFLA_GROUP", 9)])),
    (requests.set_link("eth0", mtu=1450, up=True, master=5, alias="os-vif:x",
                       address="fa:16:3e:01:02:03", promisc=False),
     pyroute2_link(NEWLINK, REQUEST, up=True, promisc=False, attrs=[
         ("IFLA_IFNAME", "eth0"), ("IFLA_MTU", 1450), ("IFLA_MASTER", 5),
         ("IFLA_IFALIAS", "os-vif:x"), ("IFLA_ADDRESS", "fa:16:3e:01:02:03")])),
    (requests.set_link("eth0", alias="", master=0, up=False),
     pyroute2_link(NEWLINK, REQUEST, up=False, attrs=[
         ("IFLA_IFNAME", "eth0"), ("IFLA_MASTER", 0), ("IFLA_IFALIAS", "")])),
    (requests.set_link("eth0", extra=[("IFLA_NET_NS_FD", 12)]),
     pyroute2_link(NEWLINK, REQUEST, attrs=[("IFLA_IFNAME", "eth0"), ("IFLA_NET_NS_FD", 12)])),
    (requests.new_bridge("qbr1", mtu=1450, stp=False, forward_delay=0, up=True, ageing_time=0),
     pyroute2_link(NEWLINK, CREATE, up=True, attrs=[
         ("IFLA_IFNAME", "qbr1"), ("IFLA_MTU", 1450),
         linkinfo("bridge", [("IFLA_BR_FORWARD_DELAY", 0), ("IFLA_BR_AGEING_TIME", 0),
                             ("IFLA_BR_STP_STATE", 0)])])),
    (requests.new_veth("qvb1", "qvo1", mtu=9000, up=True),
     pyroute2_link(NEWLINK, CREATE, up=True, attrs=[
         ("IFLA_IFNAME", "qvb1"), ("IFLA_MTU", 9000),
         linkinfo("veth", [("VETH_INFO_PEER", {"attrs": [("IFLA_IFNAME", "qvo1"),
                                                        ("IFLA_MTU", 9000)]})])])),
    (requests.new_vlan("vlan100", 4, 100, mtu=1500, up=None),
     pyroute2_link(NEWLINK, CREATE, attrs=[
         ("IFLA_IFNAME", "vlan100"), ("IFLA_LINK", 4), linkinfo("vlan", [("IFLA_VLAN_ID", 100)]),
         ("IFLA_MTU", 1500)])),
]  # fmt: skip


@pytest.mark.parametrize(("ours", "theirs"), CASES)
def test_link_requests_match_pyroute2(ours, theirs):
    assert ours == theirs


def test_bridge_settings_requests_match_pyroute2():
    converge = requests.bridge_converge(
        "br0", mtu=1400, stp=True, forward_delay=15, alias=None, up=True, ageing_time=300
    )
    rest = pyroute2_link(
        NEWLINK,
        REQUEST,
        up=True,
        attrs=[
            ("IFLA_IFNAME", "br0"),
            ("IFLA_MTU", 1400),
            linkinfo("bridge", [("IFLA_BR_FORWARD_DELAY", 1500), ("IFLA_BR_AGEING_TIME", 30000)]),
        ],
    )
    stp = pyroute2_link(NEWLINK, REQUEST, attrs=[
        ("IFLA_IFNAME", "br0"), linkinfo("bridge", [("IFLA_BR_STP_STATE", 1)])])  # fmt: skip
    assert converge == [rest, stp]


@pytest.mark.parametrize(("address", "family", "attrs"), [
    ("10.0.0.1", 2, [["IFA_LOCAL", "10.0.0.1"], ["IFA_ADDRESS", "10.0.0.1"]]),
    ("2001:db8::1", 10, [["IFA_ADDRESS", "2001:db8::1"]]),
])  # fmt: skip
def test_address_requests_match_pyroute2(address, family, attrs):
    msg = ifaddrmsg()
    msg["family"], msg["prefixlen"], msg["index"] = family, 24, 3
    msg["attrs"] = attrs
    msg["header"]["type"], msg["header"]["flags"] = 20, CREATE
    msg.encode()
    assert requests.new_address(3, address, 24) == bytes(msg.data)

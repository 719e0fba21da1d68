"""The netlink primitives against a real kernel, each test in its own netns.

What the code did is read back with iproute2 (``ip -d -j link``), an
independent netlink client, not with the code under test.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from fixtures.netns import Guest, Netns, created_netns, unique_ifname
from os_vif.exception import (
    HostOperationError,
    InvalidDeviceName,
    NetworkInterfaceNotFound,
)
from os_vif.linux import sysctl
from os_vif.linux.change import Change
from os_vif.linux.netlink import DeviceConflictError, Netlink

pytestmark = pytest.mark.functional

ALIAS = "os-vif:3c8b6f1e-4b1e-4e5e-9a8f-2f1e3d4c5b6a"


def kernel(netns: Netns, name: str) -> dict[str, Any]:
    """Read a device that must exist, through iproute2."""
    link = netns.link(name)
    assert link is not None, f"{name} does not exist"
    return link


def info_data(link: dict[str, Any]) -> dict[str, Any]:
    return dict(link["linkinfo"].get("info_data", {}))


def is_up(link: dict[str, Any]) -> bool:
    return "UP" in link["flags"]


def socket_fds() -> set[str]:
    fds = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:"):
            fds.add(target)
    return fds


# --- bridges -----------------------------------------------------------------


def test_ensure_bridge_creates_it_as_asked(nl: Netlink, netns: Netns) -> None:
    assert nl.ensure_bridge("br-a", mtu=1450, alias=ALIAS, up=True) is Change.CREATED

    link = netns.link("br-a")
    assert link is not None
    assert link["linkinfo"]["info_kind"] == "bridge"
    assert link["mtu"] == 1450
    assert info_data(link)["stp_state"] == 0
    assert info_data(link)["forward_delay"] == 0
    assert link["ifalias"] == ALIAS
    assert is_up(link)


def test_ensure_bridge_twice_is_a_no_op(nl: Netlink, netns: Netns) -> None:
    assert nl.ensure_bridge("br-a", mtu=1450) is Change.CREATED
    index = kernel(netns, "br-a")["ifindex"]

    assert nl.ensure_bridge("br-a", mtu=1450) is Change.UNCHANGED

    link = netns.link("br-a")
    assert link is not None
    assert link["ifindex"] == index
    assert link["mtu"] == 1450


def test_ensure_bridge_converges_an_existing_bridge(nl: Netlink, netns: Netns) -> None:
    # A bridge someone else made, with STP on and the default forward delay.
    netns.ip("link", "add", "br-a", "mtu", "1500", "type", "bridge", "stp_state", "1")

    change = nl.ensure_bridge("br-a", mtu=1400, stp=False, forward_delay=0, up=True)

    assert change is Change.UPDATED
    link = netns.link("br-a")
    assert link is not None
    assert link["mtu"] == 1400
    assert info_data(link)["stp_state"] == 0
    assert info_data(link)["forward_delay"] == 0
    assert is_up(link)
    assert "ifalias" not in link  # no alias asked for: none set


def test_ensure_bridge_with_stp(nl: Netlink, netns: Netns) -> None:
    nl.ensure_bridge("br-a", mtu=1500, stp=True, forward_delay=4)

    data = info_data(kernel(netns, "br-a"))
    assert data["stp_state"] == 1
    assert data["forward_delay"] == 400  # centiseconds

    # And back: STP off with no delay, on the existing bridge.
    assert nl.ensure_bridge("br-a", mtu=1500) is Change.UPDATED
    data = info_data(kernel(netns, "br-a"))
    assert (data["stp_state"], data["forward_delay"]) == (0, 0)


def test_ensure_bridge_refuses_a_delay_stp_cannot_use(nl: Netlink) -> None:
    with pytest.raises(ValueError, match="forward delay"):
        nl.ensure_bridge("br-a", mtu=1500, stp=True, forward_delay=0)


def test_ensure_bridge_on_another_kind_raises(nl: Netlink, netns: Netns) -> None:
    netns.ip("link", "add", "br-a", "mtu", "1400", "type", "veth", "peer", "x-a")

    with pytest.raises(DeviceConflictError) as info:
        nl.ensure_bridge("br-a", mtu=1500)

    assert info.value.device == "br-a"
    assert info.value.errno == errno.EEXIST
    assert "veth" in str(info.value)
    assert isinstance(info.value, HostOperationError)
    link = netns.link("br-a")
    assert link is not None
    assert (link["linkinfo"]["info_kind"], link["mtu"]) == ("veth", 1400)


def test_bridge_mtu_does_not_follow_a_larger_port(nl: Netlink, netns: Netns) -> None:
    nl.ensure_bridge("br-a", mtu=1450)
    netns.ip("link", "add", "p-a", "mtu", "1500", "type", "veth", "peer", "p-b")

    nl.set_master("p-a", "br-a")

    assert kernel(netns, "br-a")["mtu"] == 1450


# --- veth pairs --------------------------------------------------------------


def test_ensure_veth_pair(nl: Netlink, netns: Netns) -> None:
    assert nl.ensure_veth_pair("qvb-a", "qvo-a", mtu=1450, up=True, alias=ALIAS) is Change.CREATED

    for name, peer in (("qvb-a", "qvo-a"), ("qvo-a", "qvb-a")):
        link = netns.link(name)
        assert link is not None
        assert link["linkinfo"]["info_kind"] == "veth"
        assert link["link"] == peer
        assert link["mtu"] == 1450
        assert is_up(link)
        assert link["ifalias"] == ALIAS


def test_ensure_veth_pair_twice_converges(nl: Netlink, netns: Netns) -> None:
    assert nl.ensure_veth_pair("qvb-a", "qvo-a", mtu=1500) is Change.CREATED
    assert nl.ensure_veth_pair("qvb-a", "qvo-a", mtu=1400, up=True) is Change.UPDATED

    for name in ("qvb-a", "qvo-a"):
        link = netns.link(name)
        assert link is not None
        assert (link["mtu"], is_up(link)) == (1400, True)
    # Either order names the same pair.
    assert nl.ensure_veth_pair("qvo-a", "qvb-a", mtu=1400) is Change.UNCHANGED


def test_ensure_veth_pair_with_another_peer_raises(nl: Netlink, netns: Netns) -> None:
    netns.ip("link", "add", "qvb-a", "type", "veth", "peer", "other")

    with pytest.raises(DeviceConflictError) as info:
        nl.ensure_veth_pair("qvb-a", "qvo-a", mtu=1500)

    assert info.value.device == "qvb-a"
    assert "another peer" in str(info.value)
    assert netns.link("qvo-a") is None


def test_ensure_veth_pair_whose_peer_name_is_taken(nl: Netlink, netns: Netns) -> None:
    netns.ip("link", "add", "qvo-a", "type", "bridge")

    with pytest.raises(DeviceConflictError) as info:
        nl.ensure_veth_pair("qvb-a", "qvo-a", mtu=1500)

    assert info.value.device == "qvo-a"
    assert "bridge" in str(info.value)
    assert netns.link("qvb-a") is None


# --- taps --------------------------------------------------------------------


def test_ensure_tap(nl: Netlink, netns: Netns) -> None:
    mac = "fa:16:3e:12:34:56"

    assert nl.ensure_tap("tap-a", mac=mac.upper(), mtu=1400, up=True) is Change.CREATED

    link = netns.link("tap-a")
    assert link is not None
    assert link["linkinfo"]["info_kind"] == "tun"
    data = info_data(link)
    assert (data["type"], data["pi"], data["multi_queue"]) == ("tap", False, False)
    assert data["persist"] is True
    assert (link["address"], link["mtu"], is_up(link)) == (mac, 1400, True)
    info = nl.get_link("tap-a")
    assert info is not None
    assert info.is_tap
    assert info.multiqueue is False


def test_ensure_tap_twice_and_multiqueue(nl: Netlink, netns: Netns) -> None:
    assert nl.ensure_tap("tap-a", multiqueue=True) is Change.CREATED
    assert nl.ensure_tap("tap-a", multiqueue=True, mtu=1300) is Change.UPDATED
    assert nl.ensure_tap("tap-a", multiqueue=True, mtu=1300) is Change.UNCHANGED

    link = netns.link("tap-a")
    assert link is not None
    assert info_data(link)["multi_queue"] is True
    assert link["mtu"] == 1300
    with pytest.raises(DeviceConflictError, match="single queue"):
        nl.ensure_tap("tap-a", multiqueue=False)


def test_ensure_tap_on_another_kind_raises(nl: Netlink, netns: Netns) -> None:
    netns.ip("link", "add", "tap-a", "type", "bridge")

    with pytest.raises(DeviceConflictError, match="bridge"):
        nl.ensure_tap("tap-a")


def test_ensure_tap_removes_the_tap_when_it_cannot_be_set_up(nl: Netlink, netns: Netns) -> None:
    # A multicast MAC passes our format check but the kernel refuses it.
    with pytest.raises(HostOperationError) as info:
        nl.ensure_tap("tap-a", mac="01:00:5e:00:00:01")

    assert info.value.device == "tap-a"
    assert netns.link("tap-a") is None


def test_ensure_tap_refuses_a_thread_in_another_namespace(nl: Netlink) -> None:
    with created_netns() as other:
        with pytest.raises(HostOperationError, match="another network namespace"):
            other.run_inside(lambda: nl.ensure_tap("tap-a"))
        assert other.link("tap-a") is None


# --- VLAN --------------------------------------------------------------------


def kernel_has_vlan(netns: Netns) -> bool:
    probe = unique_ifname("probe")
    made = netns.ip(
        "link",
        "add",
        "link",
        "lo",
        "name",
        probe,
        "type",
        "vlan",
        "id",
        "2",
        check=False,
    )
    if made.returncode == 0:
        netns.ip("link", "del", probe)
    return made.returncode == 0


def test_ensure_vlan(nl: Netlink, netns: Netns) -> None:
    netns.ip("link", "add", "uplink", "type", "veth", "peer", "uplink-p")

    if kernel_has_vlan(netns):
        assert nl.ensure_vlan("vlan5", "uplink", 5, mtu=1400) is Change.CREATED
        link = netns.link("vlan5")
        assert link is not None
        assert (info_data(link)["id"], link["link"]) == (5, "uplink")
        assert nl.ensure_vlan("vlan5", "uplink", 5) is Change.UNCHANGED
        with pytest.raises(DeviceConflictError):
            nl.ensure_vlan("vlan5", "uplink", 6)
        return

    # This kernel has no 802.1Q module: a clear error, nothing left behind.
    with pytest.raises(HostOperationError) as info:
        nl.ensure_vlan("vlan5", "uplink", 5)
    assert info.value.device == "vlan5"
    assert info.value.errno == errno.EOPNOTSUPP
    assert "8021q" in str(info.value)
    assert netns.link("vlan5") is None


def test_ensure_vlan_needs_its_parent(nl: Netlink) -> None:
    with pytest.raises(NetworkInterfaceNotFound) as info:
        nl.ensure_vlan("vlan5", "nic-absent", 5)
    assert info.value.interface == "nic-absent"


@pytest.mark.parametrize("vlan_id", [0, 4095, -1])
def test_ensure_vlan_refuses_bad_ids(nl: Netlink, vlan_id: int) -> None:
    with pytest.raises(ValueError, match="VLAN id"):
        nl.ensure_vlan("vlan5", "lo", vlan_id)


# --- setting -----------------------------------------------------------------


def test_set_up_down_and_mtu(nl: Netlink, netns: Netns) -> None:
    netns.ip("link", "add", "dev-a", "type", "bridge")

    nl.set_up("dev-a")
    assert is_up(kernel(netns, "dev-a"))
    nl.set_mtu("dev-a", 1280)
    assert kernel(netns, "dev-a")["mtu"] == 1280
    nl.set_down("dev-a")
    assert not is_up(kernel(netns, "dev-a"))


def test_setting_an_absent_device_raises_not_found(nl: Netlink) -> None:
    for call in (nl.set_up, nl.set_down, lambda name: nl.set_mtu(name, 1400)):
        with pytest.raises(NetworkInterfaceNotFound) as info:
            call("absent0")
        assert info.value.interface == "absent0"


@pytest.mark.parametrize("mtu", [20, 65536, True])
def test_set_mtu_refuses_impossible_values(nl: Netlink, netns: Netns, mtu: int) -> None:
    netns.ip("link", "add", "dev-a", "type", "veth", "peer", "dev-b")
    with pytest.raises(ValueError, match="MTU"):
        nl.set_mtu("dev-a", mtu)
    assert kernel(netns, "dev-a")["mtu"] == 1500


def test_set_and_clear_master(nl: Netlink, netns: Netns) -> None:
    nl.ensure_bridge("br-a", mtu=1500)
    nl.ensure_veth_pair("p-a", "p-b", mtu=1500)

    nl.set_master("p-a", "br-a")
    nl.set_master("p-a", "br-a")  # already attached: fine

    assert kernel(netns, "p-a")["master"] == "br-a"
    info = nl.get_link("p-a")
    assert info is not None
    assert info.master_name == "br-a"
    assert info.master_index == kernel(netns, "br-a")["ifindex"]

    nl.clear_master("p-a")
    nl.clear_master("p-a")  # no master: fine
    nl.clear_master("absent0")  # no device: fine
    assert "master" not in kernel(netns, "p-a")


def test_set_master_names_the_missing_device(nl: Netlink, netns: Netns) -> None:
    nl.ensure_bridge("br-a", mtu=1500)
    with pytest.raises(NetworkInterfaceNotFound) as info:
        nl.set_master("absent0", "br-a")
    assert info.value.interface == "absent0"

    netns.ip("link", "add", "p-a", "type", "veth", "peer", "p-b")
    with pytest.raises(NetworkInterfaceNotFound) as info:
        nl.set_master("p-a", "absent-br")
    assert info.value.interface == "absent-br"


def test_set_master_to_a_non_master_device(nl: Netlink, netns: Netns) -> None:
    netns.ip("link", "add", "p-a", "type", "veth", "peer", "p-b")
    netns.ip("link", "add", "q-a", "type", "veth", "peer", "q-b")
    with pytest.raises(HostOperationError) as info:
        nl.set_master("p-a", "q-a")
    assert info.value.device == "p-a"
    assert "q-a" in info.value.step


def test_alias_set_get_and_clear(nl: Netlink, netns: Netns) -> None:
    netns.ip("link", "add", "dev-a", "type", "bridge")
    assert nl.get_alias("dev-a") is None

    nl.set_alias("dev-a", ALIAS)
    assert kernel(netns, "dev-a")["ifalias"] == ALIAS
    assert nl.get_alias("dev-a") == ALIAS

    nl.set_alias("dev-a", None)
    assert "ifalias" not in kernel(netns, "dev-a")
    assert nl.get_alias("dev-a") is None
    with pytest.raises(NetworkInterfaceNotFound):
        nl.get_alias("absent0")


# --- reading -----------------------------------------------------------------


def test_get_link_agrees_with_the_kernel(nl: Netlink, netns: Netns) -> None:
    netns.ip("link", "add", "br-a", "mtu", "1400", "type", "bridge")
    netns.ip("link", "set", "br-a", "alias", ALIAS, "up")

    info = nl.get_link("br-a")
    link = netns.link("br-a")

    assert info is not None
    assert link is not None
    assert (info.name, info.index, info.kind) == ("br-a", link["ifindex"], "bridge")
    assert (info.mtu, info.up, info.alias) == (1400, True, ALIAS)
    assert info.address == link["address"]
    assert info.stp is False
    assert info.forward_delay == link["linkinfo"]["info_data"]["forward_delay"] / 100
    assert nl.get_link_by_index(info.index) == info
    assert nl.get_link("absent0") is None


def test_list_links(nl: Netlink, netns: Netns) -> None:
    nl.ensure_bridge("br-a", mtu=1500)
    nl.ensure_veth_pair("p-a", "p-b", mtu=1500)
    nl.set_master("p-a", "br-a")

    links = {link.name: link for link in nl.list_links()}

    assert set(links) == netns.ifnames()
    assert links["p-a"].master_name == "br-a"
    assert links["p-a"].link_index == links["p-b"].index
    assert links["lo"].kind is None


def test_decoded_links_match_iproute2(nl: Netlink, netns: Netns) -> None:
    """Every field LinkInfo reports, for every kind here, against ip -d -j."""
    netns.ip("link", "add", "br-a", "mtu", "1400", "type", "bridge", "stp_state", "1")
    netns.ip("link", "set", "br-a", "alias", ALIAS, "up")
    netns.ip("link", "add", "p-a", "type", "veth", "peer", "p-b")
    netns.ip("link", "set", "p-a", "master", "br-a", "group", "7", "promisc", "on", "up")
    netns.ip("tuntap", "add", "dev", "tap-a", "mode", "tap", "multi_queue")
    netns.ip("link", "set", "tap-a", "address", "fa:16:3e:00:00:0a")

    links = nl.list_links()

    assert [link.name for link in links] == [link["ifname"] for link in netns.links()]
    for link in links:
        kernel_view = kernel(netns, link.name)
        group = kernel_view["group"]
        data = kernel_view.get("linkinfo", {}).get("info_data", {})
        assert link.index == kernel_view["ifindex"]
        assert link.kind == kernel_view.get("linkinfo", {}).get("info_kind")
        assert link.mtu == kernel_view["mtu"]
        assert link.up == is_up(kernel_view)
        assert link.promisc == ("PROMISC" in kernel_view["flags"])
        # operstate is left out: the kernel updates it asynchronously.
        assert link.address == kernel_view.get("address")
        assert link.alias == kernel_view.get("ifalias")
        assert link.master_name == kernel_view.get("master")
        assert link.group == (0 if group == "default" else int(group))
        peer = next((other for other in links if other.index == link.link_index), None)
        assert (peer.name if peer else None) == kernel_view.get("link")
        if link.kind == "bridge":
            assert link.stp == bool(data["stp_state"])
            assert link.forward_delay == data["forward_delay"] / 100
            assert link.ageing_time == data["ageing_time"] / 100
        if link.kind == "tun":
            assert (link.tun_type, link.multiqueue) == (data["type"], data["multi_queue"])
        again = nl.get_link(link.name)
        assert again is not None
        assert dataclasses.replace(link, operstate=None) == dataclasses.replace(
            again, operstate=None
        )


# --- deleting ----------------------------------------------------------------


def test_delete_link(nl: Netlink, netns: Netns) -> None:
    nl.ensure_bridge("br-a", mtu=1500)

    assert nl.delete_link("br-a") is True
    assert netns.link("br-a") is None
    assert nl.delete_link("br-a") is False  # already gone: done


def test_delete_one_veth_end_deletes_both(nl: Netlink, netns: Netns) -> None:
    nl.ensure_veth_pair("p-a", "p-b", mtu=1500)

    assert nl.delete_link("p-b") is True

    assert netns.link("p-a") is None
    assert nl.delete_link("p-a") is False


def test_delete_link_refused_by_the_kernel(nl: Netlink, netns: Netns) -> None:
    with pytest.raises(HostOperationError) as info:
        nl.delete_link("lo")
    assert (info.value.device, info.value.errno) == ("lo", errno.EOPNOTSUPP)
    assert netns.link("lo") is not None


def test_delete_links_in_one_batch(nl: Netlink, netns: Netns) -> None:
    bridges = [f"br-{i}" for i in range(3)]
    pairs = [(f"qvb-{i}", f"qvo-{i}") for i in range(4)]
    for name in bridges:
        nl.ensure_bridge(name, mtu=1500)
    for name, peer in pairs:
        nl.ensure_veth_pair(name, peer, mtu=1500)
    nl.ensure_tap("tap-0")
    nl.ensure_bridge("keep-me", mtu=1500)
    # Both ends of the first pair listed, one end of the others.
    wanted = [*bridges, "qvb-0", "qvo-0", "qvb-1", "qvo-2", "qvb-3", "tap-0", "gone"]

    deleted = nl.delete_links(wanted)

    assert deleted == [name for name in wanted if name != "gone"]
    assert netns.ifnames() == {"lo", "keep-me"}
    assert kernel(netns, "keep-me")["group"] == "default"
    assert nl.delete_links(wanted) == []


def test_delete_links_with_one_refused(nl: Netlink, netns: Netns) -> None:
    nl.ensure_bridge("br-a", mtu=1500)
    nl.ensure_veth_pair("p-a", "p-b", mtu=1500)

    with pytest.raises(HostOperationError) as info:
        nl.delete_links(["br-a", "lo", "p-a"])

    assert info.value.device == "lo"
    # The others are gone all the same, and lo keeps its group.
    assert netns.ifnames() == {"lo"}
    assert kernel(netns, "lo")["group"] == "default"


def test_delete_links_of_nothing(nl: Netlink) -> None:
    assert nl.delete_links([]) == []
    assert nl.delete_links(["absent0"]) == []


# --- names, sockets, threads ---------------------------------------------------


CALLS: list[Callable[[Netlink, str], object]] = [
    lambda nl, name: nl.ensure_bridge(name, mtu=1500),
    lambda nl, name: nl.ensure_veth_pair(name, "peer0", mtu=1500),
    lambda nl, name: nl.ensure_veth_pair("end0", name, mtu=1500),
    lambda nl, name: nl.ensure_tap(name),
    lambda nl, name: nl.ensure_vlan(name, "lo", 5),
    lambda nl, name: nl.set_master(name, "lo"),
    lambda nl, name: nl.set_master("lo", name),
    lambda nl, name: nl.set_mtu(name, 1500),
    lambda nl, name: nl.set_alias(name, "x"),
    lambda nl, name: nl.get_link(name),
    lambda nl, name: nl.delete_link(name),
    lambda nl, name: nl.delete_links(["lo", name]),
    lambda nl, name: sysctl.disable_ipv6(name),
]


@pytest.mark.parametrize("name", ["", "x" * 16, "a/b", "a b", "a:b"])
@pytest.mark.parametrize("call", CALLS)
def test_bad_names_are_refused_before_any_host_work(
    nl: Netlink, netns: Netns, call: Callable[[Netlink, str], object], name: str
) -> None:
    before = netns.links()
    with pytest.raises(InvalidDeviceName):
        call(nl, name)
    assert netns.links() == before


def test_one_socket_for_many_calls(netns: Netns) -> None:
    before = socket_fds()
    with Netlink() as nl:
        opened = socket_fds() - before
        assert len(opened) == 1
        fileno = nl.fileno()

        def work(i: int) -> None:
            nl.ensure_bridge("br-s", mtu=1500)
            nl.ensure_veth_pair(f"s{i}-a", f"s{i}-b", mtu=1500)
            nl.set_master(f"s{i}-a", "br-s")
            nl.get_link(f"s{i}-a")
            nl.list_links()

        with ThreadPoolExecutor(4) as pool:
            list(pool.map(work, range(12)))

        assert socket_fds() - before == opened
        assert nl.fileno() == fileno
    assert socket_fds() - before == set()


def test_closed_wrapper_raises(netns: Netns) -> None:
    nl = Netlink()
    nl.close()
    with pytest.raises(HostOperationError) as info:
        nl.get_link("lo")
    assert info.value.errno == errno.EBADF


def test_a_forked_child_cannot_share_the_socket(nl: Netlink) -> None:
    if threading.active_count() != 1:
        pytest.skip("fork() with other threads alive is unsafe")
    pid = os.fork()
    if pid == 0:  # the child: must be refused, not read the parent's replies
        code = 2
        try:
            nl.get_link("lo")
        except HostOperationError as exc:
            code = 0 if exc.errno == errno.EBADF else 1
        except BaseException:
            code = 3
        finally:
            os._exit(code)  # never return into pytest in the child
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert nl.get_link("lo") is not None  # the parent's socket still works


def test_threads_plug_onto_one_bridge(nl: Netlink, netns: Netns) -> None:
    count = 16
    barrier = threading.Barrier(count)

    def plug(i: int) -> Change:
        barrier.wait()
        created = nl.ensure_bridge("br-t", mtu=1450, up=True)
        nl.ensure_veth_pair(f"t{i}-a", f"t{i}-b", mtu=1450, up=True)
        nl.set_master(f"t{i}-a", "br-t")
        return created

    with ThreadPoolExecutor(count) as pool:
        created = list(pool.map(plug, range(count)))

    assert created.count(Change.CREATED) == 1
    ports = {link["ifname"] for link in netns.links() if link.get("master") == "br-t"}
    assert ports == {f"t{i}-a" for i in range(count)}
    assert kernel(netns, "br-t")["mtu"] == 1450


# --- sysctl ------------------------------------------------------------------


def test_disable_ipv6_in_the_namespace(nl: Netlink, netns: Netns) -> None:
    nl.ensure_bridge("br-a", mtu=1500)
    flag = Path("/proc/sys/net/ipv6/conf/br-a/disable_ipv6")

    sysctl.disable_ipv6("br-a")

    # Read from a fresh thread in the namespace, not through the code.
    assert netns.run_inside(flag.read_text) == "1\n"
    assert sysctl.ipv6_disabled("br-a")
    sysctl.enable_ipv6("br-a")
    assert netns.run_inside(flag.read_text) == "0\n"
    with pytest.raises(NetworkInterfaceNotFound):
        sysctl.disable_ipv6("absent0")


# --- guests ------------------------------------------------------------------


def test_guests_talk_through_a_bridge(
    nl: Netlink, netns: Netns, make_guest: Callable[..., Guest]
) -> None:
    one = make_guest("vm-one", address="10.99.0.1/24")
    two = make_guest("vm-two", address="10.99.0.2/24")
    assert {"vm-one", "vm-two"} <= netns.ifnames()
    assert two.ip_address is not None

    nl.ensure_bridge("br-g", mtu=1500, up=True)
    for guest in (one, two):
        nl.configure_link(guest.host_ifname, master="br-g", up=True)

    assert one.ping(two.ip_address)

    nl.clear_master(two.host_ifname)
    assert not one.ping(two.ip_address, timeout=0.5)

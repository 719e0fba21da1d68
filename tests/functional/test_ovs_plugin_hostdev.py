"""VIFHostDevice (SR-IOV VF representors) with a real ovsdb-server and kernel.

There is no SR-IOV hardware here: sysfs is the only part faked. The plugin's
sysfs root points at a tree in ``tmp_path`` that describes a switchdev PF,
its VFs and their representors; the representor named there is a real veth
device in the daemons' namespace, so bringing it up and setting its MTU is
real kernel work, and the OVS records are real.
"""

from __future__ import annotations

import pytest

from fixtures.ovs_plugin import (  # noqa: F401 (fixtures are registered by import)
    bridge_fixture,
    fake_sriov_sysfs,
    hostdev_vif,
    instance,
    make_plugin_fixture,
    ovs_host_fixture,
    unique,
    view_fixture,
)
from vif_plug_ovs.exception import PciDeviceNotFoundById, RepresentorNotFound

pytestmark = pytest.mark.functional

PF_PCI = "0000:03:00.0"


@pytest.fixture
def representor(ovs_host):
    """A real device standing for the representor of VF 1 (down, MTU 1500)."""
    name, peer = unique("eth_rep"), unique("rpe")
    ovs_host.ip("link", "add", name, "type", "veth", "peer", "name", peer)
    yield name
    ovs_host.ip("link", "del", name, check=False)


def test_kernel_representor_is_found_brought_up_and_added(
    ovs_host, view, tmp_path, make_plugin, representor
):
    system_bridge = unique("brs")
    vfs = fake_sriov_sysfs(
        tmp_path,
        pf_pci=PF_PCI,
        representors={
            "decoy0": "pf1vf1",  # VF 1 of the other PF on the same switch
            representor: "pf0vf1",
            "decoy1": "pf0vf2",
        },
    )
    plugin = make_plugin(default_qos_type="linux-noop")
    plugin.sysfs_root = tmp_path
    vif, inst = hostdev_vif(system_bridge, vfs[1], datapath_type=None), instance()
    try:
        plugin.plug(vif, inst)
        link = ovs_host.link(representor)
        assert "UP" in link["flags"]
        assert link["mtu"] == 1450
        assert view.row("Bridge", system_bridge, "datapath_type") == {"datapath_type": "system"}
        assert view.ports(system_bridge) == [representor]
        iface = view.row("Interface", representor, "type", "external_ids")
        assert iface["type"] == ""
        assert iface["external_ids"]["iface-id"] == vif.port_profile.interface_id
        assert iface["external_ids"]["attached-mac"] == vif.address
        assert view.row("Port", representor, "qos")["qos"] != []  # system datapath

        plugin.unplug(vif, inst)
        assert view.ports(system_bridge) == []
        # The representor belongs to the VF: it stays, down.
        assert "UP" not in ovs_host.link(representor)["flags"]
        assert view.rows("QoS", "_uuid") == []
    finally:
        view.delete_bridge(system_bridge)


def test_dpdk_representor_on_the_netdev_datapath(ovs_host, view, bridge, tmp_path, make_plugin):
    vfs = fake_sriov_sysfs(tmp_path, pf_pci=PF_PCI)
    plugin = make_plugin()
    plugin.sysfs_root = tmp_path
    vif = hostdev_vif(bridge, vfs[3], datapath_type="netdev")
    port = ("vfr" + vif.id)[:14]
    plugin.plug(vif, None)
    assert view.ports(bridge) == [port]
    iface = view.row("Interface", port, "type", "options", "mtu_request")
    assert iface == {
        "type": "dpdk",
        "options": {"dpdk-devargs": f"{PF_PCI},representor=[3]"},
        "mtu_request": 1450,
    }
    plugin.unplug(vif, None)
    assert view.ports(bridge) == []


def test_missing_representor_or_vf_is_a_clear_error_before_any_write(
    ovs_host, view, bridge, tmp_path, make_plugin
):
    vfs = fake_sriov_sysfs(tmp_path, pf_pci=PF_PCI, representors={"rep9": "pf0vf2"})
    plugin = make_plugin()
    plugin.sysfs_root = tmp_path
    before = view.next_cfg()
    with pytest.raises(RepresentorNotFound, match="with 1"):
        plugin.plug(hostdev_vif(bridge, vfs[1], datapath_type="system"), None)
    with pytest.raises(PciDeviceNotFoundById, match=r"0000:09:00\.1"):
        plugin.plug(hostdev_vif(bridge, "0000:09:00.1", datapath_type="netdev"), None)
    assert view.next_cfg() == before

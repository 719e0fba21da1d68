"""SR-IOV sysfs lookups, on a fake sysfs tree.

There is no SR-IOV hardware here: each test builds the sysfs of a switchdev
PF, its VFs and representors under ``tmp_path`` (the only faked part of the
plugin's tests) and points the lookups at it.
"""

from __future__ import annotations

import pytest

from fixtures.ovs_plugin import fake_sriov_sysfs
from vif_plug_ovs import _sriov
from vif_plug_ovs.exception import PciDeviceNotFoundById, RepresentorNotFound

PF = "0000:03:00.0"


def test_vf_number_and_pf_address(tmp_path):
    vfs = fake_sriov_sysfs(tmp_path, pf_pci=PF, vfs=10)
    for number, address in vfs.items():
        assert _sriov.vf_number(address, root=tmp_path) == number
        assert _sriov.pf_pci_address(address, root=tmp_path) == PF
    assert _sriov.dpdk_devargs(vfs[9], root=tmp_path) == f"{PF},representor=[9]"


def test_not_a_vf(tmp_path):
    fake_sriov_sysfs(tmp_path, pf_pci=PF)
    for address in (PF, "0000:42:00.0"):
        with pytest.raises(PciDeviceNotFoundById, match=address):
            _sriov.vf_number(address, root=tmp_path)
        with pytest.raises(PciDeviceNotFoundById):
            _sriov.pf_pci_address(address, root=tmp_path)


def test_the_uplink_is_preferred_among_the_pfs_netdevs(tmp_path):
    vfs = fake_sriov_sysfs(tmp_path, pf_pci=PF, pf_ifname="enp3s0f0np0")
    # A second, switchdev netdev of the same PF that is not the uplink.
    (tmp_path / "bus/pci/devices" / PF / "net/aaa0").mkdir()
    (tmp_path / "class/net/aaa0").mkdir()
    (tmp_path / "class/net/aaa0/phys_switch_id").write_text("b8599f0a4c7e\n")
    (tmp_path / "class/net/aaa0/phys_port_name").write_text("pf0vf7\n")
    assert _sriov.switchdev_pf_ifname(vfs[0], root=tmp_path) == "enp3s0f0np0"


def test_a_pf_not_in_switchdev_mode_is_refused(tmp_path):
    vfs = fake_sriov_sysfs(tmp_path, pf_pci=PF, pf_ifname="ens1")
    (tmp_path / "class/net/ens1/phys_switch_id").write_text("\n")
    with pytest.raises(PciDeviceNotFoundById, match="switchdev"):
        _sriov.switchdev_pf_ifname(vfs[0], root=tmp_path)


@pytest.mark.parametrize("port_name", ["1", "vf1", "pf0vf1", "PF0VF1", "vf1@pf0"])
def test_representor_by_phys_port_name_forms(tmp_path, port_name):
    fake_sriov_sysfs(
        tmp_path,
        pf_pci=PF,
        pf_ifname="pf0",
        representors={"rep_other": "pf0vf2", "rep1": port_name},
    )
    assert _sriov.representor_ifname("pf0", 1, root=tmp_path) == "rep1"


def test_representors_of_another_pf_or_switch_are_skipped(tmp_path):
    fake_sriov_sysfs(
        tmp_path,
        pf_pci=PF,
        pf_ifname="pf0",
        representors={"a_pf1": "pf1vf1", "b_mine": "pf0vf1"},
    )
    other = tmp_path / "class/net/c_switch"
    other.mkdir()
    (other / "phys_switch_id").write_text("0000000000\n")
    (other / "phys_port_name").write_text("1\n")
    assert _sriov.representor_ifname("pf0", 1, root=tmp_path) == "b_mine"
    with pytest.raises(RepresentorNotFound, match="pf0 with 3"):
        _sriov.representor_ifname("pf0", 3, root=tmp_path)


def test_lookups_refuse_paths(tmp_path):
    with pytest.raises(PciDeviceNotFoundById):
        _sriov.vf_number("../../etc", root=tmp_path)

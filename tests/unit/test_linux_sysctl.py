"""Per-device sysctls, against a fake /proc/sys tree."""

from __future__ import annotations

from pathlib import Path

import pytest

from os_vif.exception import InvalidDeviceName, NetworkInterfaceNotFound
from os_vif.linux import sysctl
from os_vif.linux.change import Change


@pytest.fixture
def root(tmp_path: Path) -> Path:
    for family in ("ipv4", "ipv6"):
        conf = tmp_path / "net" / family / "conf" / "br0"
        conf.mkdir(parents=True)
    (tmp_path / "net/ipv6/conf/br0/disable_ipv6").write_text("0\n")
    (tmp_path / "net/ipv4/conf/br0/arp_ignore").write_text("0\n")
    return tmp_path


def test_disable_and_enable_ipv6(root: Path) -> None:
    flag = root / "net/ipv6/conf/br0/disable_ipv6"
    assert sysctl.disable_ipv6("br0", root=root) is Change.UPDATED
    assert flag.read_text() == "1\n"
    assert sysctl.ipv6_disabled("br0", root=root)
    assert sysctl.disable_ipv6("br0", root=root) is Change.UNCHANGED
    assert sysctl.enable_ipv6("br0", root=root) is Change.UPDATED
    assert flag.read_text() == "0\n"
    assert not sysctl.ipv6_disabled("br0", root=root)


def test_ipv6_disabled_kernel_wide_is_tolerated(tmp_path: Path) -> None:
    # ipv6.disable=1: no net/ipv6 at all.
    (tmp_path / "net" / "ipv4" / "conf" / "br0").mkdir(parents=True)
    sysctl.disable_ipv6("br0", root=tmp_path)
    sysctl.enable_ipv6("br0", root=tmp_path)
    assert sysctl.ipv6_disabled("br0", root=tmp_path)
    assert not (tmp_path / "net" / "ipv6").exists()


def test_missing_device_is_reported(root: Path) -> None:
    with pytest.raises(NetworkInterfaceNotFound) as info:
        sysctl.disable_ipv6("nope0", root=root)
    assert info.value.interface == "nope0"


def test_names_are_validated_first(root: Path) -> None:
    with pytest.raises(InvalidDeviceName):
        sysctl.disable_ipv6("../../x", root=root)


def test_read_and_write_any_conf_key(root: Path) -> None:
    sysctl.write_conf("br0", "arp_ignore", 1, root=root)
    assert sysctl.read_conf("br0", "arp_ignore", root=root) == "1"


@pytest.mark.parametrize("key", ["", "..", "a/b"])
def test_bad_keys_are_refused(root: Path, key: str) -> None:
    with pytest.raises(ValueError, match="sysctl key"):
        sysctl.write_conf("br0", key, 1, root=root)

"""SR-IOV lookups in sysfs: a VF's number, its PF, and the VF's representor.

A NIC in switchdev mode gives each VF a *representor* netdev on the host:
what OVS forwards to the representor reaches the VF (and so the guest).
Sysfs tells which is which:

- ``bus/pci/devices/<VF>/physfn`` links to the PF's PCI device, and the PF's
  ``virtfn<N>`` links point back at each VF: N is the VF number;
- the PF's netdevs are under ``bus/pci/devices/<VF>/physfn/net/``; in
  switchdev mode they carry a ``phys_switch_id``, and the uplink's
  ``phys_port_name`` reads ``p<N>``;
- every representor on the same switch shares that ``phys_switch_id``, and
  its ``phys_port_name`` names the VF: ``<N>``, ``vf<N>`` or ``pf<M>vf<N>``
  (M: the PCI function of the PF it belongs to).

Every function takes ``root`` (``/sys`` by default) so tests can run them on a
tree of their own.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Final

from os_vif.exception import InvalidDeviceName
from os_vif.linux.names import validate_device_name
from vif_plug_ovs.exception import PciDeviceNotFoundById, RepresentorNotFound

__all__ = [
    "SYSFS",
    "dpdk_devargs",
    "pf_pci_address",
    "representor_ifname",
    "switchdev_pf_ifname",
    "vf_number",
]

SYSFS: Final = Path("/sys")

_VIRTFN: Final = re.compile(r"virtfn(\d+)")
_UPLINK: Final = re.compile(r"p(\d+)", re.IGNORECASE)
_VF_ONLY: Final = re.compile(r"(\d+)")
_VF: Final = re.compile(r"vf(\d+)", re.IGNORECASE)
_PF: Final = re.compile(r"pf(\d+)", re.IGNORECASE)


def _pci_device(root: Path, pci_address: str) -> Path:
    # The address comes from a validated PCIAddressField; refuse anything that
    # could step out of the directory anyway.
    if not pci_address or "/" in pci_address or pci_address in (".", ".."):
        raise PciDeviceNotFoundById(id=pci_address, reason="not a PCI address")
    return root / "bus" / "pci" / "devices" / pci_address


def _read(path: Path) -> str | None:
    try:
        return path.read_text().strip()
    except OSError:
        return None


def _switch_id(root: Path, ifname: str) -> str | None:
    return _read(root / "class" / "net" / ifname / "phys_switch_id") or None


def _port_name(root: Path, ifname: str) -> str | None:
    return _read(root / "class" / "net" / ifname / "phys_port_name") or None


def vf_number(vf_pci: str, *, root: Path = SYSFS) -> int:
    """Return the VF number of the VF at PCI address ``vf_pci``.

    Raises:
        PciDeviceNotFoundById: the device is not a VF (no ``physfn``), or its
            PF does not list it.
    """
    physfn = _pci_device(root, vf_pci) / "physfn"
    try:
        entries = sorted(os.listdir(physfn))
    except OSError as exc:
        raise PciDeviceNotFoundById(id=vf_pci, reason="not a VF (no physfn)") from exc
    for entry in entries:
        match = _VIRTFN.fullmatch(entry)
        if match is None:
            continue
        try:
            target = os.readlink(physfn / entry)
        except OSError:
            continue
        if os.path.basename(target) == vf_pci:
            return int(match.group(1))
    raise PciDeviceNotFoundById(id=vf_pci, reason="its PF lists no virtfn for it")


def pf_pci_address(vf_pci: str, *, root: Path = SYSFS) -> str:
    """Return the PCI address of the PF the VF at ``vf_pci`` belongs to.

    Raises:
        PciDeviceNotFoundById: the device is not a VF.
    """
    try:
        target = os.readlink(_pci_device(root, vf_pci) / "physfn")
    except OSError as exc:
        raise PciDeviceNotFoundById(id=vf_pci, reason="not a VF (no physfn)") from exc
    return os.path.basename(target)


def switchdev_pf_ifname(vf_pci: str, *, root: Path = SYSFS) -> str:
    """Return the netdev of the VF's PF in switchdev mode (its uplink).

    Among the PF's netdevs with a ``phys_switch_id``, the one whose
    ``phys_port_name`` reads ``p<N>`` (the uplink representor) wins; else
    the first.

    Raises:
        PciDeviceNotFoundById: no netdev of the PF is in switchdev mode.
    """
    net = _pci_device(root, vf_pci) / "physfn" / "net"
    try:
        netdevs = sorted(os.listdir(net))
    except OSError as exc:
        raise PciDeviceNotFoundById(id=vf_pci, reason="its PF has no netdev") from exc
    switchdev = [name for name in netdevs if _switch_id(root, name) is not None]
    for name in switchdev:
        port_name = _port_name(root, name)
        if port_name is not None and _UPLINK.search(port_name):
            return name
    if switchdev:
        return switchdev[0]
    raise PciDeviceNotFoundById(id=vf_pci, reason="its PF has no netdev in switchdev mode")


def _pf_function(root: Path, pf_ifname: str) -> int | None:
    try:
        address = os.path.basename(os.readlink(root / "class" / "net" / pf_ifname / "device"))
    except OSError:
        return None
    _, dot, function = address.rpartition(".")
    return int(function) if dot and function.isdigit() else None


def _vf_of(port_name: str) -> int | None:
    match = _VF_ONLY.fullmatch(port_name) or _VF.search(port_name)
    return int(match.group(1)) if match else None


def representor_ifname(pf_ifname: str, vf_num: int, *, root: Path = SYSFS) -> str:
    """Return the representor netdev of VF ``vf_num`` of the PF ``pf_ifname``.

    A representor shares the PF's ``phys_switch_id``; its ``phys_port_name``
    names the VF, and, when it has the ``pf<M>vf<N>`` form, M must be the
    PF's PCI function (two PFs of one NIC share a switch).

    Raises:
        RepresentorNotFound: no netdev represents that VF.
    """
    switch = _switch_id(root, pf_ifname)
    pf_function = _pf_function(root, pf_ifname)
    if switch is None or pf_function is None:
        raise RepresentorNotFound(ifname=pf_ifname, vf_num=vf_num)
    try:
        netdevs = sorted(os.listdir(root / "class" / "net"))
    except OSError as exc:
        raise RepresentorNotFound(ifname=pf_ifname, vf_num=vf_num) from exc
    for name in netdevs:
        if name == pf_ifname or _switch_id(root, name) != switch:
            continue
        port_name = _port_name(root, name)
        if port_name is None:
            continue
        owner = _PF.search(port_name)
        if owner is not None and int(owner.group(1)) != pf_function:
            continue
        if _vf_of(port_name) == vf_num:
            try:
                return validate_device_name(name)
            except InvalidDeviceName:
                continue
    raise RepresentorNotFound(ifname=pf_ifname, vf_num=vf_num)


def dpdk_devargs(vf_pci: str, *, root: Path = SYSFS) -> str:
    """Return the ``options:dpdk-devargs`` of the VF's DPDK representor.

    The form OVS-DPDK takes is ``<PF PCI address>,representor=[<VF number>]``.

    Raises:
        PciDeviceNotFoundById: the device is not a VF.
    """
    return f"{pf_pci_address(vf_pci, root=root)},representor=[{vf_number(vf_pci, root=root)}]"

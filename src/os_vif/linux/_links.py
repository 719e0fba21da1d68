"""Reading, changing and deleting devices over one rtnetlink socket.

:class:`LinkOps` is the base of :class:`os_vif.linux.netlink.Netlink`, which
adds the ``ensure_*`` primitives; see that module for the whole picture.
"""

from __future__ import annotations

import dataclasses
import errno
import os
import re
from collections.abc import Iterable, Sequence
from typing import Final

from os_vif.exception import HostOperationError, NetworkInterfaceNotFound
from os_vif.linux import _requests as requests
from os_vif.linux._replies import parse_link
from os_vif.linux._transport import Reply, RtnlSocket
from os_vif.linux.errors import host_errors
from os_vif.linux.linkinfo import LinkInfo
from os_vif.linux.names import validate_device_name

__all__ = ["LinkOps", "check_alias", "check_mtu", "normalize_mac"]

_DUMP_ATTEMPTS: Final = 5
_MTU_RANGE: Final = range(68, 65536)
_MAX_ALIAS_BYTES: Final = 255
_MAC: Final = re.compile(r"^[0-9a-f]{2}(:[0-9a-f]{2}){5}$")
# Group ids for batch deletion come from the top half of the u32 range, away
# from the small numbers administrators give device groups.
_BATCH_GROUP_BASE: Final = 1 << 31


def check_mtu(mtu: int | None) -> None:
    """Refuse an MTU no Ethernet-like device can take (ValueError)."""
    if mtu is not None and (isinstance(mtu, bool) or mtu not in _MTU_RANGE):
        raise ValueError(f"MTU must be an integer from 68 to 65535, got {mtu!r}")


def check_alias(alias: str | None) -> None:
    """Refuse an alias longer than the kernel keeps (ValueError)."""
    if alias is not None and len(alias.encode()) > _MAX_ALIAS_BYTES:
        raise ValueError(f"alias longer than {_MAX_ALIAS_BYTES} bytes: {alias!r}")


def normalize_mac(mac: str | None) -> str | None:
    """Return a MAC address in lower case, or raise ValueError."""
    if mac is None:
        return None
    normalized = mac.lower()
    if not _MAC.match(normalized):
        raise ValueError(f"not a MAC address: {mac!r}")
    return normalized


class LinkOps:
    """Device reads, changes and deletions over one netlink socket.

    The socket lives in the network namespace of the thread that creates the
    instance, and every exchange with the kernel holds its lock, so one
    instance serves any number of threads.

    Raises:
        HostOperationError: the socket could not be opened.
    """

    def __init__(self) -> None:
        with host_errors("open netlink socket"):
            self._sock = RtnlSocket()

    def close(self) -> None:
        """Close the socket. Later calls raise HostOperationError (EBADF)."""
        self._sock.close()

    def fileno(self) -> int:
        """Return the file descriptor of the one socket this instance uses."""
        return self._sock.fileno()

    # --- plumbing ----------------------------------------------------------

    def _exchange(self, messages: Sequence[bytes], step: str, device: str | None) -> list[Reply]:
        with host_errors(step, device):
            return self._sock.exchange(messages)

    def _apply(self, messages: Sequence[bytes], step: str, device: str | None) -> None:
        with host_errors(step, device):
            for reply in self._sock.exchange(messages):
                reply.check()

    def _lookup(self, name: str | None = None, *, index: int = 0) -> LinkInfo | None:
        device = name if name is not None else f"#{index}"
        (reply,) = self._exchange([requests.get_link(name=name, index=index)], "read link", device)
        if reply.error == errno.ENODEV:
            return None
        with host_errors("read link", device):
            reply.check()
        return parse_link(reply.payloads[0]) if reply.payloads else None

    def _require(self, name: str) -> LinkInfo:
        link = self._lookup(name)
        if link is None:
            raise NetworkInterfaceNotFound(interface=name)
        return link

    def _with_master_name(self, link: LinkInfo | None) -> LinkInfo | None:
        if link is None or link.master_index is None:
            return link
        master = self._lookup(index=link.master_index)
        return dataclasses.replace(link, master_name=master.name if master else None)

    # --- reading -------------------------------------------------------------

    def get_link(self, name: str) -> LinkInfo | None:
        """Read one device by name.

        Returns:
            The device, with ``master_name`` resolved, or None if absent.

        Raises:
            InvalidDeviceName: the name is not valid.
            HostOperationError: the kernel refused the request.
        """
        validate_device_name(name)
        return self._with_master_name(self._lookup(name))

    def get_link_by_index(self, index: int) -> LinkInfo | None:
        """Read one device by interface index; None if there is none."""
        if index <= 0:
            raise ValueError(f"interface index must be positive, got {index!r}")
        return self._with_master_name(self._lookup(index=index))

    def list_links(self) -> list[LinkInfo]:
        """Read every device in the namespace, masters' names resolved.

        Raises:
            HostOperationError: the kernel refused, or the device table kept
                changing during the dump (retriable).
        """
        for _ in range(_DUMP_ATTEMPTS):
            (reply,) = self._exchange([requests.dump_links()], "list links", None)
            with host_errors("list links"):
                reply.check()
            if not reply.interrupted:
                break
        else:
            raise HostOperationError(
                step="list links",
                errno=errno.EINTR,
                detail="the device table kept changing during the dump",
                retriable=True,
            )
        links = [parse_link(payload) for payload in reply.payloads]
        names = {link.index: link.name for link in links}
        return [
            dataclasses.replace(link, master_name=names.get(link.master_index))
            if link.master_index is not None
            else link
            for link in links
        ]

    def get_alias(self, name: str) -> str | None:
        """Return a device's alias, or None if it has none.

        Raises:
            NetworkInterfaceNotFound: the device does not exist.
        """
        validate_device_name(name)
        return self._require(name).alias

    # --- changing ------------------------------------------------------------

    def configure_link(
        self,
        name: str,
        *,
        mtu: int | None = None,
        up: bool | None = None,
        master: str | None = None,
        alias: str | None = None,
        promisc: bool | None = None,
    ) -> None:
        """Change several settings of a device in one kernel request.

        Args:
            name: the device.
            mtu: new MTU, if given.
            up: True to bring up, False to bring down, None to leave.
            master: the bridge (or other master) to attach to, if given.
            alias: new alias; ``""`` removes it.
            promisc: True or False to set the promiscuous flag (as ``ip
                link set promisc`` does), None to leave it.

        Raises:
            InvalidDeviceName: a name is not valid.
            ValueError: the MTU or alias is out of range.
            NetworkInterfaceNotFound: ``name`` or ``master`` does not exist.
            HostOperationError: the kernel refused.
        """
        validate_device_name(name)
        check_mtu(mtu)
        check_alias(alias)
        master_index = None
        if master is not None:
            validate_device_name(master)
            master_index = self._require(master).index
        step = f"attach to {master!r}" if master is not None else "configure link"
        request = requests.set_link(
            name, mtu=mtu, up=up, master=master_index, alias=alias, promisc=promisc
        )
        self._apply([request], step, name)

    def set_up(self, name: str) -> None:
        """Bring a device up (administratively).

        Raises:
            NetworkInterfaceNotFound: the device does not exist.
        """
        self.configure_link(name, up=True)

    def set_down(self, name: str) -> None:
        """Bring a device down.

        Raises:
            NetworkInterfaceNotFound: the device does not exist.
        """
        self.configure_link(name, up=False)

    def set_mtu(self, name: str, mtu: int) -> None:
        """Set a device's MTU.

        Raises:
            ValueError: the MTU is outside 68..65535.
            NetworkInterfaceNotFound: the device does not exist.
            HostOperationError: the device refuses that MTU.
        """
        self.configure_link(name, mtu=mtu)

    def set_master(self, device: str, bridge: str) -> None:
        """Attach ``device`` to ``bridge``; already attached is fine.

        Raises:
            NetworkInterfaceNotFound: either device does not exist.
            HostOperationError: the kernel refused (e.g. ``bridge`` is not a
                master device).
        """
        self.configure_link(device, master=bridge)

    def clear_master(self, device: str) -> None:
        """Detach ``device`` from its master; no master, or no device, is fine.

        Raises:
            InvalidDeviceName: the name is not valid.
            HostOperationError: the kernel refused.
        """
        validate_device_name(device)
        request = requests.set_link(device, master=0)
        (reply,) = self._exchange([request], "detach from master", device)
        if reply.error != errno.ENODEV:
            with host_errors("detach from master", device):
                reply.check()

    def set_alias(self, name: str, alias: str | None) -> None:
        """Set a device's alias; None or ``""`` removes it.

        Raises:
            NetworkInterfaceNotFound: the device does not exist.
        """
        self.configure_link(name, alias=alias or "")

    # --- deleting ------------------------------------------------------------

    def delete_link(self, name: str) -> bool:
        """Delete a device; a device that does not exist counts as deleted.

        Deleting one end of a veth pair deletes both.

        Returns:
            True if this call deleted it, False if it was already gone.

        Raises:
            InvalidDeviceName: the name is not valid.
            HostOperationError: the kernel refused (e.g. a physical NIC).
        """
        validate_device_name(name)
        (reply,) = self._exchange([requests.delete_link(name=name)], "delete link", name)
        if reply.error == errno.ENODEV:
            return False
        with host_errors("delete link", name):
            reply.check()
        return True

    def delete_links(self, names: Iterable[str]) -> list[str]:
        """Delete several devices in as few kernel operations as possible.

        The kernel pays a synchronisation (an RCU grace period, ~16 ms on
        the reference host) for each delete request, whether or not requests
        are sent together. So the devices are tagged with a fresh random
        device group, then removed by one group delete: one synchronisation
        for all of them. veth pairs gain the most; a bridge still pays a
        grace period of its own inside the kernel. Deleting a veth end
        deletes its peer too; a pair listed by both names is deleted once.

        Only the named devices are read (in one exchange), never the whole
        device table: the cost does not grow with the devices on the host.
        The group ids come at random from the top half of the u32 range,
        away from the small numbers administrators use; another device
        would have to carry that very id (1 chance in 2**31) to be caught.

        Args:
            names: the devices to delete; absent ones are skipped.

        Returns:
            The names that existed and are now deleted, in the order given.

        Raises:
            InvalidDeviceName: a name is not valid (before anything is done).
            HostOperationError: a device could not be deleted; the others
                have been.
        """
        wanted = list(dict.fromkeys(validate_device_name(name) for name in names))
        if not wanted:
            return []
        present = self._lookup_many(wanted)
        targets = _without_covered_peers(present)
        if len(targets) > 1:
            targets = self._delete_group(targets, used={link.group for link in present})
        failures: list[HostOperationError] = []
        for link in targets:
            try:
                self._delete_index(link)
            except HostOperationError as exc:
                failures.append(exc)
        if failures:
            raise failures[0]
        return [link.name for link in present]

    def _lookup_many(self, names: Sequence[str]) -> list[LinkInfo]:
        """The devices of ``names`` that exist, read in one exchange."""
        replies = self._exchange([requests.get_link(name=n) for n in names], "read link", None)
        found = []
        for name, reply in zip(names, replies, strict=True):
            if reply.error == errno.ENODEV:
                continue
            with host_errors("read link", name):
                reply.check()
            if reply.payloads:
                found.append(parse_link(reply.payloads[0]))
        return found

    def _delete_index(self, link: LinkInfo) -> None:
        request = requests.delete_link(index=link.index)
        (reply,) = self._exchange([request], "delete link", link.name)
        if reply.error != errno.ENODEV:
            with host_errors("delete link", link.name):
                reply.check()

    def _delete_group(self, targets: Sequence[LinkInfo], used: set[int]) -> list[LinkInfo]:
        """Delete ``targets`` with one group delete; return those left over."""
        group = _random_group()
        while group in used:
            group = _random_group()
        tag = [requests.set_group(link.index, group) for link in targets]
        replies = self._exchange(tag, "tag links for deletion", None)
        tagged: list[LinkInfo] = []
        leftover: list[LinkInfo] = []
        for link, reply in zip(targets, replies, strict=True):
            if not reply.error:
                tagged.append(link)
            elif reply.error != errno.ENODEV:
                leftover.append(link)
        if not tagged:
            return leftover
        (reply,) = self._exchange([requests.delete_group(group)], "delete links", None)
        if not reply.error:
            return leftover
        # Some device cannot be deleted (a NIC has no rtnl_link_ops), and the
        # kernel then deletes none: give them their groups back and let the
        # per-device pass say which one failed.
        restore = [requests.set_group(link.index, link.group) for link in tagged]
        self._exchange(restore, "restore link groups", None)
        return tagged + leftover


def _random_group() -> int:
    return _BATCH_GROUP_BASE | int.from_bytes(os.urandom(4), "little")


def _without_covered_peers(links: Sequence[LinkInfo]) -> list[LinkInfo]:
    """Drop veth ends whose peer is also listed: deleting one deletes both."""
    kept: list[LinkInfo] = []
    kept_indexes: set[int] = set()
    for link in links:
        if link.kind == "veth" and link.link_netnsid is None and link.link_index in kept_indexes:
            continue
        kept.append(link)
        kept_indexes.add(link.index)
    return kept

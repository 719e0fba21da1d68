"""Deleting devices, one or many at once, over the layer's netlink socket.

:class:`LinkDeletion` adds deletion to :class:`~os_vif.linux._links.LinkOps`;
:class:`os_vif.linux.netlink.Netlink` is built on both. "Gone" counts as
deleted everywhere.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterable, Sequence
from typing import Final

from os_vif.exception import HostOperationError
from os_vif.linux import _requests as requests
from os_vif.linux._links import LinkOps
from os_vif.linux._replies import parse_link
from os_vif.linux.errors import host_errors
from os_vif.linux.linkinfo import LinkInfo
from os_vif.linux.names import validate_device_name

__all__ = ["LinkDeletion"]

# Group ids for batch deletion come from the top half of the u32 range, away
# from the small numbers administrators give device groups.
_BATCH_GROUP_BASE: Final = 1 << 31


class LinkDeletion(LinkOps):
    """Device deletions: :meth:`delete_link` and :meth:`delete_links`."""

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

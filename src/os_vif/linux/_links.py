"""Reading, changing and deleting devices over one rtnetlink socket.

:class:`LinkOps` is the base of :class:`os_vif.linux.netlink.Netlink`, which
adds the ``ensure_*`` primitives; see that module for the whole picture.
Every request of the layer goes through :meth:`LinkOps._exchange`, which
holds the socket's lock and translates kernel errors.
"""

from __future__ import annotations

import dataclasses
import errno
import ipaddress
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Final

from os_vif.exception import HostOperationError, NetworkInterfaceNotFound
from os_vif.linux import _requests as requests
from os_vif.linux._replies import parse_link
from os_vif.linux._settings import check_alias, check_mtu, link_differences
from os_vif.linux._transport import Reply, RtnlSocket
from os_vif.linux.change import Change
from os_vif.linux.errors import host_errors
from os_vif.linux.linkinfo import LinkInfo
from os_vif.linux.names import validate_device_name
from os_vif.linux.netns import NETNS_RUN_DIR, netns_path

__all__ = ["LinkOps"]

_DUMP_ATTEMPTS: Final = 5


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

    def ensure_link(
        self,
        name: str,
        *,
        mtu: int | None = None,
        up: bool | None = None,
        alias: str | None = None,
        promisc: bool | None = None,
    ) -> Change:
        """Bring an existing device to these settings, sending only what differs.

        Args:
            name: the device.
            mtu: the MTU, if given.
            up: True for up, False for down, None to leave the state.
            alias: the alias; ``""`` for none; None to leave it.
            promisc: the administrator's promiscuous flag, if given.

        Returns:
            UPDATED if a setting differed and was set, UNCHANGED if none did.

        Raises:
            InvalidDeviceName: the name is not valid.
            ValueError: the MTU or alias is out of range.
            NetworkInterfaceNotFound: the device does not exist.
            HostOperationError: the kernel refused.
        """
        validate_device_name(name)
        check_mtu(mtu)
        check_alias(alias)
        link = self._require(name)
        wanted = link_differences(link, mtu=mtu, up=up, alias=alias, promisc=promisc)
        if not wanted:
            return Change.UNCHANGED
        self._apply([requests.set_link(name, **wanted)], "configure link", name)
        return Change.UPDATED

    def ensure_port(
        self,
        device: str,
        master: str,
        *,
        mtu: int | None = None,
        up: bool | None = None,
        promisc: bool | None = None,
    ) -> Change:
        """Make ``device`` a port of ``master`` with these settings, in one request.

        A device on another master is moved; whether that is right is the
        caller's decision (a host's uplink on another bridge is not ours to
        take).

        Returns:
            CREATED if the device had no master (the port is new: a rollback
            undoes it with :meth:`clear_master`), UPDATED if it was moved or
            a setting differed, UNCHANGED if it was already as asked.

        Raises:
            InvalidDeviceName: a name is not valid.
            ValueError: the MTU is out of range.
            NetworkInterfaceNotFound: either device does not exist.
            HostOperationError: the kernel refused (e.g. ``master`` cannot
                take ports).
        """
        validate_device_name(device)
        validate_device_name(master)
        check_mtu(mtu)
        link = self._require(device)
        master_index = self._require(master).index
        wanted = link_differences(link, mtu=mtu, up=up, promisc=promisc, master_index=master_index)
        if not wanted:
            return Change.UNCHANGED
        self._apply([requests.set_link(device, **wanted)], f"attach to {master!r}", device)
        return Change.CREATED if link.master_index is None else Change.UPDATED

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

    def move_link(self, device: str, netns: str, *, run_dir: Path = NETNS_RUN_DIR) -> None:
        """Move ``device`` from this socket's namespace into the named namespace ``netns``.

        The device keeps its name; its addresses and its master are dropped,
        as the kernel does for every move. Moving one end of a veth pair
        keeps the pair joined across the two namespaces.

        Raises:
            InvalidDeviceName: the device name is not valid.
            ValueError: the namespace name is not valid.
            NetworkInterfaceNotFound: the device does not exist here.
            HostOperationError: the namespace does not exist, or the kernel
                refused (the name is taken there, or the device cannot move).
        """
        validate_device_name(device)
        path = netns_path(netns, run_dir=run_dir)
        step = f"move to network namespace {netns!r}"
        with host_errors(step, device, not_found=()):
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            self._apply([requests.set_link(device, extra=[("IFLA_NET_NS_FD", fd)])], step, device)
        finally:
            os.close(fd)

    def add_address(self, device: str, address: str) -> None:
        """Add an IP address with its prefix (``"10.0.0.1/24"``) to ``device``.

        An IPv4 address comes with its prefix route, as with ``ip address
        add``.

        Raises:
            InvalidDeviceName: the device name is not valid.
            ValueError: ``address`` is not an address with a prefix length.
            NetworkInterfaceNotFound: the device does not exist.
            HostOperationError: the kernel refused (EEXIST: already there).
        """
        validate_device_name(device)
        interface = ipaddress.ip_interface(address)
        if "/" not in address:
            raise ValueError(f"address needs a prefix length: {address!r}")
        index = self._require(device).index
        request = requests.new_address(index, str(interface.ip), interface.network.prefixlen)
        self._apply([request], f"add address {address}", device)

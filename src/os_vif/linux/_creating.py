"""Creating devices, or accepting and converging existing ones: the ``ensure_*`` primitives.

:class:`LinkCreation` adds them to :class:`~os_vif.linux._deleting.LinkDeletion`;
:class:`os_vif.linux.netlink.Netlink` is built on it (see that module for
the whole picture). Each primitive creates the device, or reads the one
under the name, refuses it if it is of another shape, and sends only the
settings that differ; it answers with a :class:`~os_vif.linux.change.Change`.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Sequence
from typing import Final

from os_vif.exception import HostOperationError
from os_vif.linux import _requests as requests
from os_vif.linux import _tap as tap
from os_vif.linux._deleting import LinkDeletion
from os_vif.linux._settings import (
    bridge_differences,
    check_alias,
    check_mtu,
    link_differences,
    normalize_mac,
)
from os_vif.linux.change import Change
from os_vif.linux.errors import DeviceConflictError, host_errors
from os_vif.linux.linkinfo import LinkInfo
from os_vif.linux.names import validate_device_name

__all__ = ["LinkCreation"]

# A device that vanishes between "exists" and the re-read is created again;
# past this many rounds something else is fighting over the name.
_ENSURE_ATTEMPTS: Final = 3
_VLAN_IDS: Final = range(1, 4095)
# Kernel STP refuses forward delays outside 2..30 s (BR_MIN/MAX_FORWARD_DELAY).
_STP_FORWARD_DELAY: Final = (2.0, 30.0)
# The kernel keeps the ageing time in clock_t (1/100 s) in a u32.
_MAX_AGEING_TIME: Final = (2**32 - 1) / 100


def _describe(link: LinkInfo) -> str:
    if link.is_tap:
        return "a tap device" + (" (multiqueue)" if link.multiqueue else "")
    return f"a {link.kind} device" if link.kind else "a device without a kind"


def _netns_inode() -> int | None:
    try:
        return os.stat("/proc/thread-self/ns/net").st_ino
    except OSError:
        return None


# Inspects an existing device: raises DeviceConflictError if it is not the
# one asked for, returns the requests that converge it (none when it is as
# asked), or None if it vanished.
_Inspect = Callable[[], Sequence[bytes] | None]


class LinkCreation(LinkDeletion):
    """The ``ensure_*`` primitives, over the socket of ``LinkOps``.

    Raises:
        HostOperationError: the socket could not be opened.
    """

    def __init__(self) -> None:
        super().__init__()
        self._netns = _netns_inode()

    # --- the shared "ensure" loop ------------------------------------------------

    def _ensure(
        self,
        name: str,
        *,
        kind: str,
        create: Callable[[], bool],
        settle: Sequence[bytes],
        inspect: _Inspect,
        label: str | None = None,
    ) -> Change:
        """Create a device, or accept the existing one and converge it.

        ``create`` returns False when the name is taken. ``settle`` are the
        requests that finish a device just created; if they fail the device
        is deleted again (it is new, so it is ours). ``kind`` is the kernel's
        link kind, ``label`` what messages call the device (default: kind).
        """
        label = label or kind
        step = f"create {label}"
        for _ in range(_ENSURE_ATTEMPTS):
            with host_errors(step, name, kind=kind):
                created = create()
            if created:
                try:
                    self._apply(settle, f"configure new {label}", name)
                except Exception:
                    self.delete_link(name)
                    raise
                return Change.CREATED
            converge = inspect()
            if converge is not None:
                if not converge:
                    return Change.UNCHANGED
                self._apply(converge, f"update {label}", name)
                return Change.UPDATED
        raise HostOperationError(
            step=step,
            device=name,
            errno=errno.EEXIST,
            detail="the name is taken but the device keeps disappearing",
            retriable=True,
        )

    def _send_create(self, request: bytes) -> Callable[[], bool]:
        def create() -> bool:
            (reply,) = self._sock.exchange([request])
            if reply.error == errno.EEXIST:
                return False
            reply.check()
            return True

        return create

    # --- ensure ----------------------------------------------------------------

    def ensure_bridge(
        self,
        name: str,
        *,
        mtu: int,
        stp: bool = False,
        forward_delay: float = 0,
        alias: str | None = None,
        up: bool = False,
        ageing_time: float | None = None,
    ) -> Change:
        """Make sure a Linux bridge ``name`` exists with these settings.

        An existing bridge is kept and brought to the MTU, STP state and
        forward delay (and alias, ageing time, and up, when given); its ports
        are left alone. The MTU is pinned: ports joining later do not change
        it.

        Args:
            name: the bridge name.
            mtu: the MTU.
            stp: run the kernel's spanning tree.
            forward_delay: seconds a port spends learning before it
                forwards; with ``stp`` the kernel requires 2 to 30.
            alias: an alias to set (to mark devices os-vif created).
            up: also bring the bridge up.
            ageing_time: seconds a learned MAC address is kept; 0 makes
                the bridge flood every frame (None leaves the kernel's
                default, 300 s).

        Returns:
            CREATED, UPDATED (it existed and a setting differed) or
            UNCHANGED.

        Raises:
            InvalidDeviceName: the name is not valid.
            ValueError: MTU, alias or forward delay out of range.
            DeviceConflictError: ``name`` exists but is not a bridge.
            HostOperationError: the kernel refused.
        """
        validate_device_name(name)
        check_mtu(mtu)
        check_alias(alias)
        low, high = _STP_FORWARD_DELAY
        if forward_delay < 0 or (stp and not low <= forward_delay <= high):
            limits = f" ({low:g} to {high:g} s with STP)" if stp else ""
            raise ValueError(f"forward delay {forward_delay!r} s is out of range{limits}")
        if ageing_time is not None and not 0 <= ageing_time <= _MAX_AGEING_TIME:
            raise ValueError(f"ageing time {ageing_time!r} s is out of range")

        def inspect() -> Sequence[bytes] | None:
            link = self._lookup(name)
            if link is None:
                return None
            if link.kind != "bridge":
                raise DeviceConflictError(
                    step="ensure bridge", device=name, expected="a bridge", found=_describe(link)
                )
            wanted = bridge_differences(
                link,
                mtu=mtu,
                stp=stp,
                forward_delay=forward_delay,
                alias=alias,
                up=up,
                ageing_time=ageing_time,
            )
            return requests.bridge_converge(name, **wanted)

        create = requests.new_bridge(
            name,
            mtu=mtu,
            stp=stp,
            forward_delay=forward_delay,
            up=up or None,
            ageing_time=ageing_time,
        )
        return self._ensure(
            name,
            kind="bridge",
            create=self._send_create(create),
            settle=requests.bridge_settle(name, mtu=mtu, alias=alias),
            inspect=inspect,
        )

    def ensure_veth_pair(
        self,
        name: str,
        peer: str,
        *,
        mtu: int,
        up: bool = False,
        alias: str | None = None,
    ) -> Change:
        """Make sure the veth pair ``name``/``peer`` exists, MTU set on both.

        Args:
            name: one end.
            peer: the other end.
            mtu: the MTU of both ends.
            up: also bring both ends up.
            alias: an alias to set on both ends.

        Returns:
            CREATED, UPDATED (it existed and a setting of either end
            differed) or UNCHANGED.

        Raises:
            InvalidDeviceName: a name is not valid.
            ValueError: both names are the same, or MTU or alias out of range.
            DeviceConflictError: either name is taken by something other than
                this pair.
            HostOperationError: the kernel refused.
        """
        validate_device_name(name)
        validate_device_name(peer)
        if name == peer:
            raise ValueError(f"the two ends of a veth pair need two names: {name!r}")
        check_mtu(mtu)
        check_alias(alias)

        def conflict(device: str, found: LinkInfo) -> DeviceConflictError:
            other = peer if device == name else name
            return DeviceConflictError(
                step="ensure veth pair",
                device=device,
                expected=f"a veth device paired with {other!r}",
                found="a veth device with another peer"
                if found.kind == "veth"
                else _describe(found),
            )

        def inspect() -> Sequence[bytes] | None:
            link, other = self._lookup(name), self._lookup(peer)
            if link is None:
                if other is None:
                    return None
                raise conflict(peer, other)
            if other is None:
                raise conflict(name, link)
            for device, end, far in ((name, link, other), (peer, other, link)):
                if (
                    end.kind != "veth"
                    or end.link_netnsid is not None
                    or end.link_index != far.index
                ):
                    raise conflict(device, end)
            return [
                requests.set_link(device, **wanted)
                for device, end in ((name, link), (peer, other))
                if (wanted := link_differences(end, mtu=mtu, up=up or None, alias=alias))
            ]

        return self._ensure(
            name,
            kind="veth",
            label="veth pair",
            create=self._send_create(requests.new_veth(name, peer, mtu=mtu, up=up or None)),
            settle=requests.veth_settle(name, peer, alias=alias, up=up or None),
            inspect=inspect,
        )

    def ensure_tap(
        self,
        name: str,
        *,
        mac: str | None = None,
        mtu: int | None = None,
        multiqueue: bool = False,
        up: bool = False,
        alias: str | None = None,
        packet_info: bool = False,
    ) -> Change:
        """Make sure a persistent tap device ``name`` exists.

        Args:
            name: the device name.
            mac: the MAC address to set, if any.
            mtu: the MTU to set, if any.
            multiqueue: whether the tap is multiqueue; an existing tap must
                match (that cannot change without re-creating it).
            up: also bring it up.
            alias: an alias to set.
            packet_info: create the tap with the packet-information header
                (see :func:`~os_vif.linux._tap.create_tap`); an existing tap
                is accepted either way (whoever attaches sets it).

        Returns:
            CREATED, UPDATED (it existed and a setting differed) or
            UNCHANGED.

        Raises:
            InvalidDeviceName: the name is not valid.
            ValueError: MAC, MTU or alias not valid.
            DeviceConflictError: ``name`` exists but is not a tap with the
                same multiqueue setting.
            HostOperationError: the kernel refused, or the calling thread is
                in another namespace than this instance's socket.
        """
        validate_device_name(name)
        address = normalize_mac(mac)
        check_mtu(mtu)
        check_alias(alias)
        if _netns_inode() != self._netns:
            raise HostOperationError(
                step="create tap",
                device=name,
                detail=(
                    "the calling thread is in another network namespace than the "
                    "netlink socket; the tap would be made there"
                ),
            )
        settings = requests.set_link(name, mtu=mtu, alias=alias, address=address, up=up or None)
        needs_settings = up or any(value is not None for value in (mtu, alias, address))
        settle = [settings] if needs_settings else []

        def inspect() -> Sequence[bytes] | None:
            link = self._lookup(name)
            if link is None:
                return None
            if not link.is_tap or bool(link.multiqueue) != multiqueue:
                queues = " (multiqueue)" if multiqueue else " (single queue)"
                raise DeviceConflictError(
                    step="ensure tap",
                    device=name,
                    expected="a tap device" + queues,
                    found=_describe(link),
                )
            wanted = link_differences(link, mtu=mtu, alias=alias, address=address, up=up or None)
            return [requests.set_link(name, **wanted)] if wanted else []

        return self._ensure(
            name,
            kind="tun",
            label="tap",
            create=lambda: tap.create_tap(name, multiqueue=multiqueue, packet_info=packet_info),
            settle=settle,
            inspect=inspect,
        )

    def ensure_vlan(
        self,
        name: str,
        parent: str,
        vlan_id: int,
        *,
        mtu: int | None = None,
        up: bool = False,
        alias: str | None = None,
    ) -> Change:
        """Make sure an 802.1Q VLAN device ``name`` on ``parent`` exists.

        Args:
            name: the VLAN device name (``vlan<N>`` by convention).
            parent: the device the VLAN rides on.
            vlan_id: the VLAN id, 1 to 4094.
            mtu: the MTU to set, if any.
            up: also bring it up.
            alias: an alias to set.

        Returns:
            CREATED, UPDATED (it existed and a setting differed) or
            UNCHANGED.

        Raises:
            InvalidDeviceName: a name is not valid.
            ValueError: VLAN id, MTU or alias out of range.
            NetworkInterfaceNotFound: ``parent`` does not exist.
            DeviceConflictError: ``name`` exists but is not this VLAN on
                ``parent``.
            HostOperationError: the kernel refused; on a kernel without the
                8021q module, the message says so.
        """
        validate_device_name(name)
        validate_device_name(parent)
        if isinstance(vlan_id, bool) or vlan_id not in _VLAN_IDS:
            raise ValueError(f"VLAN id must be 1 to 4094, got {vlan_id!r}")
        check_mtu(mtu)
        check_alias(alias)
        parent_index = self._require(parent).index

        def inspect() -> Sequence[bytes] | None:
            link = self._lookup(name)
            if link is None:
                return None
            if link.kind != "vlan" or (link.vlan_id, link.link_index) != (vlan_id, parent_index):
                raise DeviceConflictError(
                    step="ensure VLAN",
                    device=name,
                    expected=f"VLAN {vlan_id} on {parent!r}",
                    found=_describe(link)
                    if link.kind != "vlan"
                    else f"VLAN {link.vlan_id} on device #{link.link_index}",
                )
            wanted = link_differences(link, mtu=mtu, up=up or None, alias=alias)
            return [requests.set_link(name, **wanted)] if wanted else []

        create = requests.new_vlan(name, parent_index, vlan_id, mtu=mtu, up=up or None)
        return self._ensure(
            name,
            kind="vlan",
            label="VLAN device",
            create=self._send_create(create),
            settle=[requests.set_link(name, alias=alias)] if alias is not None else [],
            inspect=inspect,
        )

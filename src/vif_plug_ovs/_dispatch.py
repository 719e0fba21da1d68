"""Dispatch by VIF type, and the one path every plug and unplug takes.

Each VIF class has a :class:`Handler` in :data:`HANDLERS`. The
:class:`Dispatcher` looks it up after one shared check
(:func:`~vif_plug_ovs._vif.checked`), so bad input is refused before any host
work; the handlers then do the kernel work (taps, veth pairs, Linux bridges,
over netlink) and add their OVSDB commands to a transaction, which the
dispatcher commits once. If the commit fails, the kernel devices the call
created are removed again. Unplug deletes the ports first and the kernel
devices after.

The path takes a sequence of VIFs, not one: a batch shares one netlink
socket, one transaction and one wait for ovs-vswitchd.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Generic

from os_vif import exception
from os_vif._linux.hostwork import KeyedLocks, NamespaceNetlink, Undo
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFBase, VIFBridge, VIFHostDevice, VIFOpenVSwitch, VIFVHostUser
from vif_plug_ovs import _hostdev, _hybrid, _openvswitch, _vhostuser
from vif_plug_ovs._commands import DelTrunkBridgeIfUnused
from vif_plug_ovs._ovsdb import OvsdbClient, OvsdbTimeoutError, SslFiles
from vif_plug_ovs._vif import (
    DATAPATH_NETDEV,
    DATAPATH_SYSTEM,
    CheckedVIF,
    V,
    checked,
    is_trunk_bridge,
)
from vif_plug_ovs._work import Work
from vif_plug_ovs.config import OvsConfig

__all__ = ["HANDLERS", "Dispatcher", "Handler"]

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class Handler(Generic[V]):
    """How one VIF type is plugged and unplugged.

    Attributes:
        plug: adds the VIF's kernel work and OVSDB commands to a Work.
        unplug: adds the VIF's removal to a Work.
        default_datapath: the datapath type when the port profile has none.
    """

    plug: Callable[[Work, CheckedVIF[V], InstanceInfo | None], None]
    unplug: Callable[[Work, CheckedVIF[V], InstanceInfo | None], None]
    default_datapath: str


#: The handler of each VIF class the plugin plugs.
HANDLERS: Final[dict[type[VIFBase], Handler[Any]]] = {
    VIFBridge: Handler(_hybrid.plug, _hybrid.unplug, DATAPATH_SYSTEM),
    VIFOpenVSwitch: Handler(_openvswitch.plug, _openvswitch.unplug, DATAPATH_SYSTEM),
    VIFVHostUser: Handler(_vhostuser.plug, _vhostuser.unplug, DATAPATH_NETDEV),
    VIFHostDevice: Handler(_hostdev.plug, _hostdev.unplug, DATAPATH_SYSTEM),
}

_Checked = tuple[Handler[Any], CheckedVIF[Any]]

# Per VIF, for the whole process: two plugin instances (a reset of the
# library, tests) must not plug and roll back the same VIF at once.
_VIF_LOCKS: Final = KeyedLocks()


class Dispatcher:
    """The plugin's host handles, and plug/unplug for one VIF or a batch.

    Args:
        config: the plugin's options.
        plugin_name: the plugin's name, for errors.
    """

    def __init__(self, config: OvsConfig, plugin_name: str) -> None:
        self.config = config
        self.plugin_name = plugin_name
        ssl = None
        if config.ssl_files is not None:
            ssl = SslFiles(*config.ssl_files)
        self.ovsdb = OvsdbClient(
            config.ovsdb_connection,
            timeout=config.timeout,
            wait=config.wait_for_vswitchd,
            ssl_files=ssl,
        )
        self._netlink = NamespaceNetlink()

    def close(self) -> None:
        """Close the netlink socket and the shared OVSDB connection."""
        self._netlink.close()
        self.ovsdb.close()

    def check(self, vif: VIFBase, *, plugging: bool) -> _Checked:
        """Find the VIF's handler and check the VIF (see :func:`checked`).

        Raises:
            UnsupportedVIF: no handler for the VIF's class.
            ExceptionBase: what :func:`checked` raises, for bad input.
        """
        handler = next((HANDLERS[c] for c in type(vif).__mro__ if c in HANDLERS), None)
        if handler is None:
            raise exception.UnsupportedVIF(
                plugin_name=self.plugin_name, vif_class=vif.obj_name(), version=vif.VERSION
            )
        # The table guarantees the class; the handler's type variable follows it.
        known: Any = vif
        target = checked(
            known, self.config, default_datapath=handler.default_datapath, plugging=plugging
        )
        return handler, target

    def plug(
        self, vifs: Sequence[_Checked], instance_info: InstanceInfo | None, *, sysfs: Path
    ) -> None:
        """Plug checked VIFs: kernel work, then one transaction."""
        with self._work(vifs, sysfs) as work:
            for handler, target in vifs:
                handler.plug(work, target, instance_info)
            _commit(work)
        LOG.debug("Plugged %s", ", ".join(target.vif.id for _, target in vifs))

    def unplug(
        self, vifs: Sequence[_Checked], instance_info: InstanceInfo | None, *, sysfs: Path
    ) -> None:
        """Unplug checked VIFs: one transaction, then the kernel devices."""
        with self._work(vifs, sysfs) as work:
            for handler, target in vifs:
                handler.unplug(work, target, instance_info)
            # After the ports' deletion, so the check sees the bridge without them.
            trunks = dict.fromkeys(t.bridge for _, t in vifs if is_trunk_bridge(t.bridge))
            for bridge in trunks:
                work.add(DelTrunkBridgeIfUnused(bridge))
            _commit(work)
            work.finish_unplug()
        LOG.debug("Unplugged %s", ", ".join(target.vif.id for _, target in vifs))

    @contextmanager
    def _work(self, vifs: Sequence[_Checked], sysfs: Path) -> Iterator[Work]:
        with (
            _VIF_LOCKS.held(*(target.vif.id for _, target in vifs)),
            self._netlink.netlink() as netlink,
            Undo() as undo,
        ):
            yield Work(self.config, netlink, self.ovsdb.transaction(), undo, sysfs)


def _commit(work: Work) -> None:
    try:
        work.txn.commit()
    except OvsdbTimeoutError as exc:
        if exc.committed:
            # The database has the change; only ovs-vswitchd is late. Removing
            # the devices now would leave ports pointing at nothing: keep them,
            # a retried plug converges.
            work.undo.discard()
        raise

"""Dispatch by VIF type, and the one path every plug and unplug takes.

Each VIF class has a :class:`Handler` in :data:`HANDLERS`. The
:class:`Dispatcher` looks it up after one shared check
(:func:`~vif_plug_ovs._vif.checked`), so bad input is refused before any host
work; the handlers then do the kernel work (taps, veth pairs, Linux bridges,
over netlink) and collect their OVSDB commands, which the dispatcher commits
together (:func:`~vif_plug_ovs._batch.commit`). If the commit fails, the
kernel devices made for the VIFs it concerned are removed again. Unplug
commits the ports' deletion first, then deletes the kernel devices (all of
a batch's in one netlink request) while ovs-vswitchd applies it, and waits
for ovs-vswitchd last.

The path takes a sequence of VIFs, not one: a batch shares one netlink
socket, one transaction and one wait for ovs-vswitchd; a single plug is a
batch of one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Generic

from os_vif import exception
from os_vif.linux.locks import KeyedLocks
from os_vif.linux.netlink import NamespaceNetlink, Netlink
from os_vif.linux.undo import UndoLog
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFBase, VIFBridge, VIFHostDevice, VIFOpenVSwitch, VIFVHostUser
from os_vif.plugin import VIFResult, VIFWork
from vif_plug_ovs import _hostdev, _hybrid, _openvswitch, _vhostuser
from vif_plug_ovs._batch import Job, commit, live
from vif_plug_ovs._commands import DelTrunkBridgeIfUnused
from vif_plug_ovs._ovsdb import Command, OvsdbClient, SslFiles
from vif_plug_ovs._vif import CheckedVIF, V, checked, is_trunk_bridge
from vif_plug_ovs._work import Work
from vif_plug_ovs.config import OvsConfig
from vif_plug_ovs.constants import OVS_DATAPATH_NETDEV, OVS_DATAPATH_SYSTEM

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
    VIFBridge: Handler(_hybrid.plug, _hybrid.unplug, OVS_DATAPATH_SYSTEM),
    VIFOpenVSwitch: Handler(_openvswitch.plug, _openvswitch.unplug, OVS_DATAPATH_SYSTEM),
    VIFVHostUser: Handler(_vhostuser.plug, _vhostuser.unplug, OVS_DATAPATH_NETDEV),
    VIFHostDevice: Handler(_hostdev.plug, _hostdev.unplug, OVS_DATAPATH_SYSTEM),
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
        self, vifs: Sequence[VIFWork], *, sysfs: Path, wait: bool | None = None
    ) -> list[VIFResult]:
        """Plug VIFs: each one's kernel work, then one transaction for all.

        A VIF that fails is reported, with nothing of it left; the others
        are plugged. Never raises for the failure of a VIF.
        """
        jobs = self._checked_jobs(vifs, plugging=True)
        with self._batch(jobs) as netlink:
            if netlink is None:
                return [job.report(plugging=True) for job in jobs]
            for job in live(jobs):
                work = job.work = Work(self.config, netlink, UndoLog(), sysfs)
                try:
                    job.handler.plug(work, job.target, job.instance_info)
                except Exception as exc:  # this VIF only: undo it, go on
                    job.fail(exc)
            commit(live(jobs), self.ovsdb, wait=wait)
        LOG.debug("Plugged %d of %d VIFs", len(live(jobs)), len(jobs))
        return [job.report(plugging=True) for job in jobs]

    def unplug(
        self, vifs: Sequence[VIFWork], *, sysfs: Path, wait: bool | None = None
    ) -> list[VIFResult]:
        """Unplug VIFs: one transaction for all, then their devices in one request.

        Never raises for the failure of a VIF.
        """
        jobs = self._checked_jobs(vifs, plugging=False)
        with self._batch(jobs) as netlink:
            if netlink is None:
                return [job.report(plugging=False) for job in jobs]
            for job in live(jobs):
                work = job.work = Work(self.config, netlink, UndoLog(), sysfs)
                try:
                    job.handler.unplug(work, job.target, job.instance_info)
                except Exception as exc:
                    job.fail(exc)
            # The kernel devices go while ovs-vswitchd applies the ports'
            # deletion, not after it: the wait for ovs-vswitchd comes last.
            sent = commit(live(jobs), self.ovsdb, wait=wait, extra=_trunk_bridges, defer_wait=True)
            _remove_devices(netlink, live(jobs))
            for txn in sent:
                txn.wait_applied()
        LOG.debug("Unplugged %d of %d VIFs", len(live(jobs)), len(jobs))
        return [job.report(plugging=False) for job in jobs]

    def _checked_jobs(self, vifs: Sequence[VIFWork], *, plugging: bool) -> list[Job]:
        jobs = []
        for vif, instance_info in vifs:
            job = Job(vif, instance_info, self.plugin_name)
            try:
                job.handler, job.target = self.check(vif, plugging=plugging)
            except Exception as exc:  # bad input: refused before any host work
                job.fail(exc)
            jobs.append(job)
        return jobs

    @contextmanager
    def _batch(self, jobs: Sequence[Job]) -> Iterator[Netlink | None]:
        """Hold the VIFs' locks and a netlink socket (None: no VIF passed the checks)."""
        ids = [job.target.vif.id for job in live(jobs) if job.target is not None]
        if not ids:
            yield None
            return
        with _VIF_LOCKS.held(*ids), self._netlink.netlink() as netlink:
            try:
                yield netlink
            except BaseException as exc:
                # Interrupted between a VIF's kernel work and the commit:
                # leave none of the uncommitted VIFs half-made.
                for job in live(jobs):
                    if job.work is not None and not job.committed:
                        job.fail(exc)
                raise


def _trunk_bridges(jobs: Sequence[Job]) -> list[Command]:
    # After the ports' deletion, so the check sees the bridge without them.
    bridges = (job.target.bridge for job in jobs if job.target is not None)
    return [DelTrunkBridgeIfUnused(b) for b in dict.fromkeys(bridges) if is_trunk_bridge(b)]


def _remove_devices(netlink: Netlink, jobs: Sequence[Job]) -> None:
    """Delete (in one request) and bring down the devices left for after the commit."""
    owners = {name: job for job in jobs if job.work for name in job.work.delete_after}
    try:
        netlink.delete_links(owners)
    except exception.HostOperationError as exc:
        # The others are deleted; find each VIF whose devices are still there.
        for name, job in owners.items():
            if netlink.get_link(name) is not None:
                job.fail(exc)
    for job in jobs:
        if job.work is None or job.error is not None:
            continue
        job.removed = bool(job.work.delete_after)
        try:
            for name in job.work.down_after:
                if netlink.get_link(name) is not None:
                    netlink.set_down(name)
        except Exception as exc:
            job.fail(exc)

"""A batch of VIFs: one OVSDB transaction for all, split only to find a fault.

Each VIF of a batch is a :class:`Job`. The dispatcher runs every job's
handler (kernel work, OVSDB commands collected in the job's
:class:`~vif_plug_ovs._work.Work`); a job whose handler fails is rolled back
and reported at once, and the batch goes on without it. :func:`commit` then
puts the commands of all remaining jobs in one transaction, with one wait
for ovs-vswitchd. When ovsdb-server refuses that transaction for something a
VIF asked (a command that does not fit the database, a constraint), the
jobs are split in halves, each committed on its own, down to the VIF at
fault, which is rolled back and reported: a batch with one bad VIF costs a
few more transactions, never one per VIF. A lost connection or a timeout
concerns every VIF alike and is not split.

:meth:`Job.report` turns what happened into the VIF's
:class:`~os_vif.plugin.VIFResult`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from os_vif.linux.change import Change
from os_vif.linux.undo import UndoLog
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFBase
from os_vif.plugin import PlugOutcome, VIFResult
from vif_plug_ovs._ovsdb import (
    AddBridge,
    AddPort,
    Command,
    CommandResult,
    Outcome,
    OvsdbClient,
    OvsdbCommandError,
    OvsdbTimeoutError,
    OvsdbTransactionError,
    Transaction,
)
from vif_plug_ovs._vif import CheckedVIF
from vif_plug_ovs._work import Work

__all__ = ["Job", "Sent", "commit", "live"]

LOG = logging.getLogger(__name__)

_CHANGES = {
    Outcome.CREATED: Change.CREATED,
    Outcome.UPDATED: Change.UPDATED,
    Outcome.DELETED: Change.UPDATED,
}
# Refusals caused by what one VIF asked: splitting the batch finds that VIF.
_ONE_VIF_AT_FAULT = (OvsdbCommandError, OvsdbTransactionError)


@dataclass
class Job:
    """One VIF of a batch, and what happened to it.

    Attributes:
        vif: the VIF.
        instance_info: its instance, or None.
        plugin: the plugin's name, for the report.
        handler: the handler of the VIF's type (set once checked).
        target: the checked VIF (set once checked).
        work: its kernel work and commands (set once its handler ran).
        results: the results of its commands (set at commit).
        error: why it failed, if it did.
        committed: its commands are committed.
        removed: unplug deleted some of its kernel devices.
    """

    vif: VIFBase
    instance_info: InstanceInfo | None
    plugin: str
    handler: Any = None
    target: CheckedVIF[Any] | None = None
    work: Work | None = None
    results: list[CommandResult] = field(default_factory=list)
    error: BaseException | None = None
    committed: bool = False
    removed: bool = False

    def fail(self, error: BaseException, *, rollback: bool = True) -> None:
        """Record ``error``; undo the VIF's kernel changes unless told not to."""
        if self.error is None:
            self.error = error
        if self.work is not None:
            if rollback:
                self.work.log.rollback(error)
            else:
                self.work.log.discard()

    def report(self, *, plugging: bool) -> VIFResult:
        """The VIF's report: what was done, or why it failed."""
        if self.error is not None:
            return VIFResult.failed(self.vif, self.error, self.plugin)
        outcome = self._plug_outcome() if plugging else self._unplug_outcome()
        return VIFResult.done(self.vif, outcome, self.plugin)

    def _plug_outcome(self) -> PlugOutcome:
        # The commit's results join what the kernel steps recorded: a port
        # under its name (the same thing as its kernel device), a bridge as
        # shared by every VIF on it.
        log = self.work.log if self.work is not None else UndoLog()
        for result in self.results:
            if result.outcome is None:
                continue  # not committed
            change = _CHANGES.get(result.outcome, Change.UNCHANGED)
            command = result.command
            if isinstance(command, AddPort):
                log.record(change, command.port)
            elif isinstance(command, AddBridge):
                log.record(change, command.name, shared=True)
            else:
                log.record(change, command.describe(), shared=True)
        return log.outcome()

    def _unplug_outcome(self) -> PlugOutcome:
        if self.removed or any(r.outcome is Outcome.DELETED for r in self.results):
            return PlugOutcome.REMOVED
        return PlugOutcome.ABSENT


def live(jobs: Sequence[Job]) -> list[Job]:
    """The jobs that have not failed."""
    return [job for job in jobs if job.error is None]


@dataclass
class Sent:
    """A committed transaction whose wait for ovs-vswitchd is still to come."""

    txn: Transaction
    jobs: list[Job]

    def wait_applied(self) -> None:
        """Wait for ovs-vswitchd; on a timeout, its jobs fail (and keep what was done)."""
        try:
            self.txn.wait_applied()
        except Exception as exc:  # committed: nothing to roll back, report it
            for job in self.jobs:
                job.fail(exc, rollback=False)


def commit(
    jobs: Sequence[Job],
    ovsdb: OvsdbClient,
    *,
    wait: bool | None,
    extra: Callable[[Sequence[Job]], list[Command]] | None = None,
    defer_wait: bool = False,
) -> list[Sent]:
    """Commit the commands of ``jobs`` in one transaction, splitting on a VIF's fault.

    A job that cannot be committed is failed (and rolled back); the others
    are committed. If only the wait for ovs-vswitchd timed out, the change
    is in the database: the jobs report the timeout but keep their devices,
    so that ports never point at nothing and a retried plug converges.

    Args:
        jobs: jobs whose handlers ran.
        ovsdb: the client.
        wait: wait for ovs-vswitchd (None: the client's default).
        extra: commands to add after those of the jobs, for the jobs of
            one transaction (unplug deletes trunk bridges left empty).
        defer_wait: return before waiting for ovs-vswitchd; the caller
            waits with :meth:`Sent.wait_applied` after doing other work.

    Returns:
        The transactions still to wait for (none unless ``defer_wait``).
    """
    jobs = [job for job in jobs if job.work is not None]
    if not jobs:
        return []
    txn = ovsdb.transaction(wait=wait)
    for job in jobs:
        commands = job.work.commands if job.work is not None else []
        job.results = [txn.add(command) for command in commands]
    for command in extra(jobs) if extra is not None else ():
        txn.add(command)
    try:
        txn.send()
        if not defer_wait:
            txn.wait_applied()
    except OvsdbTimeoutError as exc:
        for job in jobs:
            job.fail(exc, rollback=exc.committed is not True)
    except _ONE_VIF_AT_FAULT as exc:
        if len(jobs) == 1:
            jobs[0].fail(exc)
            return []
        LOG.debug("A batch of %d VIFs was refused (%s); splitting it", len(jobs), exc)
        half = len(jobs) // 2
        options: dict[str, Any] = {"wait": wait, "extra": extra, "defer_wait": defer_wait}
        return commit(jobs[:half], ovsdb, **options) + commit(jobs[half:], ovsdb, **options)
    except Exception as exc:  # the connection, a conflict: every VIF of it alike
        for job in jobs:
            job.fail(exc)
    else:
        for job in jobs:
            job.committed = True
        return [Sent(txn, jobs)] if defer_wait else []
    return []

"""The one rollback helper of the plugins: :class:`UndoLog`.

A plug does several host steps (a bridge, a veth pair, a port, a directory).
Each step reports what it did (a :class:`~os_vif.linux.change.Change`) to the
call's log, with how to remove what it made::

    with UndoLog() as log:
        log.record(nl.ensure_bridge(name, mtu=1500), name, undo=lambda: nl.delete_link(name))
        log.record(nl.ensure_port(tap, name, mtu=1500), tap, undo=lambda: nl.clear_master(tap))
        return log.outcome()

If the block raises, the undo steps run, newest first, so the call leaves
nothing it made; what existed before the call is never undone. The same log
says what the call did to the VIF as a whole (:meth:`UndoLog.outcome`), from
what each step found, not from whether it left an undo step behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import TracebackType

from os_vif._report import PlugOutcome
from os_vif.linux.change import Change

__all__ = ["UndoLog"]

LOG = logging.getLogger(__name__)


class UndoLog:
    """What one call did to the host, thing by thing, and how to take back what it made.

    Use it as a context manager around the call's host work: on an exception
    the undo steps run (see :meth:`rollback`) and the exception goes on.
    """

    def __init__(self) -> None:
        self._steps: list[Callable[[], object]] = []
        self._things: dict[str, tuple[Change, bool]] = {}

    def record(
        self,
        change: Change,
        *things: str,
        undo: Callable[[], object] | None = None,
        shared: bool = False,
    ) -> Change:
        """Note what one step did to ``things``.

        Args:
            change: what the step reported.
            things: what it acted on (device, port or directory names); a
                name recorded twice is one thing, "created" if either step
                made it, else "updated" if either changed it.
            undo: how to remove what the step made; kept only when
                ``change`` is CREATED, so a rollback never touches what
                existed before the call.
            shared: the things serve other VIFs too (a network's bridge, the
                OVS integration bridge), so finding them as asked says
                nothing about whether this VIF was plugged before.

        Returns:
            ``change``, so the step can be written inline.
        """
        for thing in things:
            before, was_shared = self._things.get(thing, (Change.UNCHANGED, shared))
            self._things[thing] = (before | change, was_shared and shared)
        if undo is not None and change is Change.CREATED:
            self._steps.append(undo)
        return change

    def push(self, step: Callable[[], object]) -> None:
        """Remember how to reverse a change that is not a creation.

        For a host device the call changed but does not own, such as a VF
        representor it brought up; record the change itself with
        :meth:`record`.
        """
        self._steps.append(step)

    def outcome(self) -> PlugOutcome:
        """What the call did to the VIF, from what each step reported.

        - ``unchanged``: no step wrote anything;
        - ``repaired``: something that existed was changed, or a VIF found
          partly in place (one of its own things as asked) got the missing
          ones back;
        - ``created``: everything of the VIF's own was made by this call
          (shared things found as asked do not count against it).
        """
        changes = list(self._things.values())
        if not any(change.changed for change, _ in changes):
            return PlugOutcome.UNCHANGED
        if any(change is Change.UPDATED for change, _ in changes):
            return PlugOutcome.REPAIRED
        if any(change is Change.UNCHANGED and not shared for change, shared in changes):
            return PlugOutcome.REPAIRED
        return PlugOutcome.CREATED

    def discard(self) -> None:
        """Forget every undo step: what was done stays, even if the block raises."""
        self._steps.clear()

    def rollback(self, cause: BaseException | None = None) -> None:
        """Run the undo steps now, newest first, and forget them.

        A step that fails is logged (with ``cause``, the error that made the
        rollback necessary) and the others still run: the caller needs the
        original error, not the rollback's.
        """
        steps, self._steps = self._steps, []
        for step in reversed(steps):
            try:
                step()
            except Exception:  # the original error is what the caller needs
                LOG.exception("Rollback step failed after: %s", cause)

    def __enter__(self) -> UndoLog:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None:
            self.rollback(exc)

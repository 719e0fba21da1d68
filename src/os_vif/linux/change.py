"""What one host step did: :class:`Change`.

Every ``ensure_*`` primitive of this layer answers with a :class:`Change`, read
from the kernel (or the file system) before anything is written: a step that
finds everything as asked writes nothing and says so. Plugins collect the
answers in an :class:`~os_vif.linux.undo.UndoLog`, which turns them into the
VIF's outcome.
"""

from __future__ import annotations

import enum

__all__ = ["Change"]


class Change(enum.Enum):
    """What one step did to one thing on the host (a device, a port, a setting)."""

    #: It did not exist; the step made it.
    CREATED = "created"
    #: It existed and differed from what was asked; the step changed what differed.
    UPDATED = "updated"
    #: It existed exactly as asked; nothing was written.
    UNCHANGED = "unchanged"

    def __or__(self, other: Change) -> Change:
        """The two changes of one thing taken together.

        A thing made by this call stays "created" whatever later steps set
        on it; otherwise any update makes it "updated".
        """
        return max(self, other, key=_WEIGHT.__getitem__)

    @property
    def changed(self) -> bool:
        """Whether the step wrote anything."""
        return self is not Change.UNCHANGED


_WEIGHT = {Change.UNCHANGED: 0, Change.UPDATED: 1, Change.CREATED: 2}

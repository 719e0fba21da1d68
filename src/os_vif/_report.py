"""What a plug or unplug did to one VIF: :class:`PlugOutcome` and :class:`VIFResult`.

:func:`os_vif.plug_many` and :func:`os_vif.unplug_many` return one
:class:`VIFResult` per VIF, in the order given; :func:`os_vif.plug` and
:func:`os_vif.unplug` return the one result of their VIF. A plugin reports
the same way from :meth:`~os_vif.plugin.PluginBase.plug_many`.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from os_vif.objects.vif import VIFBase

__all__ = ["PlugOutcome", "VIFResult", "vif_id"]


class PlugOutcome(enum.Enum):
    """What a plug or unplug did to one VIF.

    A plugin that can tell says ``created``, ``repaired`` or ``unchanged``
    (plug), ``removed`` or ``absent`` (unplug); one that cannot (the default
    loop over a plugin's ``plug()``) says ``plugged`` or ``unplugged``.
    """

    #: The VIF's port (or device) did not exist; it was made.
    CREATED = "created"
    #: The VIF existed but differed from what was asked; what differed was fixed.
    REPAIRED = "repaired"
    #: The VIF was already exactly as asked; nothing was written.
    UNCHANGED = "unchanged"
    #: Plugged by a plugin that does not say which of the three above it was.
    PLUGGED = "plugged"
    #: The VIF's port or devices existed and were removed.
    REMOVED = "removed"
    #: Nothing of the VIF was on the host.
    ABSENT = "absent"
    #: Unplugged by a plugin that does not say whether anything was there.
    UNPLUGGED = "unplugged"
    #: It failed; :attr:`VIFResult.error` says why, and nothing half-made is left.
    FAILED = "failed"


def vif_id(vif: VIFBase) -> str:
    """The VIF's id, or ``""`` when it has none."""
    return str(vif.id) if "id" in vif else ""


@dataclass(frozen=True)
class VIFResult:
    """The report on one VIF of a plug or unplug.

    Attributes:
        vif_id: the VIF's id (``""`` if it has none).
        outcome: what was done.
        error: why it failed (``outcome`` is FAILED), else None.
        plugin: the name of the plugin that handled it (``""`` when no
            plugin was found for it).
        vif: the VIF itself.
    """

    vif_id: str
    outcome: PlugOutcome
    error: BaseException | None = None
    plugin: str = ""
    vif: VIFBase | None = field(default=None, repr=False, compare=False)

    @property
    def ok(self) -> bool:
        """Whether the VIF was handled (any outcome but FAILED)."""
        return self.outcome is not PlugOutcome.FAILED

    @classmethod
    def done(cls, vif: VIFBase, outcome: PlugOutcome, plugin: str = "") -> VIFResult:
        """A success report on ``vif``."""
        return cls(vif_id(vif), outcome, None, plugin, vif)

    @classmethod
    def failed(cls, vif: VIFBase, error: BaseException, plugin: str = "") -> VIFResult:
        """A failure report on ``vif``."""
        return cls(vif_id(vif), PlugOutcome.FAILED, error, plugin, vif)

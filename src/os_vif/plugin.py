"""The plugin contract: what a backend implements to plug and unplug VIFs.

A plugin is a subclass of :class:`PluginBase`, registered as an entry point in
the ``os_vif`` group of its distribution (``name = "package.module:Class"``);
:func:`os_vif.initialize` finds it there, builds its config and instantiates
it. ``vif_plug_noop`` is the shortest complete example.

A plugin implements ``plug`` and ``unplug`` for one VIF; batches
(:func:`os_vif.plug_many`) call :meth:`PluginBase.plug_many`, whose default
loops over ``plug``. A plugin that can do a batch more cheaply than one VIF
at a time overrides it (the ``ovs`` plugin does).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import ClassVar, Self

from os_vif._config import PluginOptions, build_config
from os_vif._report import PlugOutcome, VIFResult
from os_vif.objects.host_info import HostPluginInfo, HostPortProfileInfo, HostVIFInfo
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFBase, VIFPortProfileBase

__all__ = [
    "PlugOutcome",
    "PluginBase",
    "PluginConfig",
    "VIFResult",
    "VIFWork",
    "describe_plugin",
]

#: One VIF of a batch, with the instance it belongs to (or None).
VIFWork = tuple[VIFBase, InstanceInfo | None]


@dataclass(frozen=True)
class PluginConfig:
    """Base of plugin configurations: a frozen dataclass per plugin.

    Subclass it with typed fields and defaults; check values in
    ``__post_init__`` and raise ValueError there. Options come from
    :func:`os_vif.initialize`'s ``config`` (section ``os_vif_<plugin>``).
    """


class PluginBase(abc.ABC):
    """Base class of every VIF plugin.

    Attributes:
        plugin_name: the entry-point name the plugin was loaded under.
        config: the plugin's options, an instance of :attr:`CONFIG_CLASS`.
    """

    #: The frozen dataclass holding the plugin's options.
    CONFIG_CLASS: ClassVar[type[PluginConfig]] = PluginConfig

    def __init__(self, config: PluginConfig | None = None, *, plugin_name: str = "") -> None:
        self.config = config if config is not None else self.CONFIG_CLASS()
        self.plugin_name = plugin_name

    @classmethod
    def load(cls, plugin_name: str, options: PluginOptions | None = None) -> Self:
        """Build the plugin's config from raw options and instantiate it.

        Raises:
            ConfigError: an option is unknown or has the wrong type.
        """
        return cls(build_config(cls.CONFIG_CLASS, options), plugin_name=plugin_name)

    @abc.abstractmethod
    def describe(self) -> HostPluginInfo:
        """Describe the VIF classes (and port profiles) this plugin can plug."""

    @abc.abstractmethod
    def plug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> PlugOutcome | None:
        """Make the host side of *vif* ready; doing it twice changes nothing.

        Returns:
            What was done (created, repaired, unchanged), if the plugin can
            tell; None means "plugged".

        Raises:
            os_vif.exception.ExceptionBase: (a subclass) naming what failed.
                Whatever this call created is removed before it raises.
        """

    @abc.abstractmethod
    def unplug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> PlugOutcome | None:
        """Remove the host side of *vif*; an absent VIF is not an error.

        Returns:
            removed or absent, if the plugin can tell; None means "unplugged".
        """

    def plug_many(self, vifs: Sequence[VIFWork], *, wait: bool | None = None) -> list[VIFResult]:
        """Plug a batch of VIFs; report on each, in the order given.

        The default calls :meth:`plug` for each VIF in turn; a VIF that
        fails is reported (``outcome`` FAILED, with the error) and the loop
        goes on, so each VIF is all-or-nothing as :meth:`plug` makes it.
        Override it when a batch can be done more cheaply as a whole; keep
        the same promises: never raise for the failure of one VIF, and
        leave nothing half-made of a VIF reported as failed.

        Args:
            vifs: the VIFs, each with its instance (or None).
            wait: wait for the backend to apply the change before returning
                (True), or not (False); None follows the plugin's
                configuration. Plugins with nothing to wait for ignore it.
        """
        return [self._one(self.plug, vif, info, PlugOutcome.PLUGGED) for vif, info in vifs]

    def unplug_many(self, vifs: Sequence[VIFWork], *, wait: bool | None = None) -> list[VIFResult]:
        """Unplug a batch of VIFs; report on each, in the order given.

        The default calls :meth:`unplug` for each VIF in turn, as
        :meth:`plug_many` does with :meth:`plug`.
        """
        return [self._one(self.unplug, vif, info, PlugOutcome.UNPLUGGED) for vif, info in vifs]

    def _one(
        self,
        call: Callable[[VIFBase, InstanceInfo | None], PlugOutcome | None],
        vif: VIFBase,
        instance_info: InstanceInfo | None,
        default: PlugOutcome,
    ) -> VIFResult:
        try:
            outcome = call(vif, instance_info)
        except Exception as exc:  # reported per VIF; the batch goes on
            return VIFResult.failed(vif, exc, self.plugin_name)
        return VIFResult.done(vif, outcome or default, self.plugin_name)

    def close(self) -> None:
        """Release what the plugin holds open (sockets); it is not used after.

        :func:`os_vif.initialize` calls it on the plugins it replaces when
        reset. The default does nothing.
        """
        return


def describe_plugin(
    plugin_name: str,
    supported: Mapping[type[VIFBase], Sequence[type[VIFPortProfileBase]]],
    *,
    min_versions: Mapping[type[VIFBase] | type[VIFPortProfileBase], str] | None = None,
) -> HostPluginInfo:
    """Build a plugin's describe() answer from the object classes themselves.

    The newest version of each class is its ``VERSION``, so the answer never
    goes stale; the oldest is the first version unless *min_versions* says
    the plugin needs a newer one.

    Args:
        plugin_name: the plugin's name.
        supported: each VIF class the plugin plugs, with the port profile
            classes it accepts for it.
        min_versions: the oldest version of a class the plugin can use.
    """
    oldest = dict(min_versions or {})

    def low(cls: type[VIFBase] | type[VIFPortProfileBase]) -> str:
        return oldest.get(cls, cls.obj_versions()[0])

    return HostPluginInfo(
        plugin_name=plugin_name,
        vif_info=[
            HostVIFInfo(
                vif_object_name=vif_class.obj_name(),
                min_version=low(vif_class),
                max_version=vif_class.VERSION,
                supported_port_profiles=[
                    HostPortProfileInfo(
                        profile_object_name=profile.obj_name(),
                        min_version=low(profile),
                        max_version=profile.VERSION,
                    )
                    for profile in profiles
                ],
            )
            for vif_class, profiles in supported.items()
        ],
    )

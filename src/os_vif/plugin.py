"""The plugin contract: what a backend implements to plug and unplug VIFs.

A plugin is a subclass of :class:`PluginBase`, registered as an entry point in
the ``os_vif`` group of its distribution (``name = "package.module:Class"``);
:func:`os_vif.initialize` finds it there, builds its config and instantiates
it. ``vif_plug_noop`` is the shortest complete example.

Every plug and unplug reaches a plugin through :meth:`PluginBase.plug_many`
and :meth:`PluginBase.unplug_many`: :func:`os_vif.plug` is a batch of one.
A plugin implements ``plug`` and ``unplug`` for one VIF (as os-vif's
plugins do), and the default ``plug_many`` loops over them; or it
subclasses :class:`BatchPluginBase` and implements ``plug_many`` and
``unplug_many``, and ``plug`` and ``unplug`` are then a batch of one (the
``ovs`` plugin does, to plug a batch in one OVSDB transaction).

Options are declared one of two ways:

* ours: a frozen dataclass, :attr:`PluginBase.CONFIG_CLASS`, whose fields
  are the options (:func:`option` adds oslo.config's facts to a field);
  ``self.config`` is an instance of it, whichever way the options were read.
  :attr:`PluginBase.CONFIG_OPTS` is derived from it, for oslo.config.
* os-vif's: ``CONFIG_OPTS = [cfg.StrOpt(...), ...]`` on the class, and an
  ``__init__(self, config)``. ``self.config`` is then oslo.config's group
  ``os_vif_<plugin>`` (a ``GroupAttr``), as with os-vif, so plugins written
  for os-vif load unchanged.
"""

from __future__ import annotations

import abc
import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Self

from os_vif._config import (
    OsloConfig,
    PluginOptions,
    build_config,
    option,
    oslo_in_use,
    read_config,
)
from os_vif._report import PlugOutcome, VIFResult
from os_vif.objects.host_info import HostPluginInfo, HostPortProfileInfo, HostVIFInfo
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFBase, VIFPortProfileBase

__all__ = [
    "BatchPluginBase",
    "PlugOutcome",
    "PluginBase",
    "PluginConfig",
    "VIFResult",
    "VIFWork",
    "describe_plugin",
    "option",
]

#: One VIF of a batch, with the instance it belongs to (or None).
VIFWork = tuple[VIFBase, InstanceInfo | None]


@dataclass(frozen=True)
class PluginConfig:
    """Base of plugin configurations: a frozen dataclass per plugin.

    Subclass it with typed fields and defaults (``bool``, ``int``, ``float``,
    ``str``, ``tuple[str, ...]``, each optionally ``| None``); describe each
    in the class docstring's ``Attributes:`` section, which is also the
    option's oslo.config help. Check values in ``__post_init__`` and raise
    ValueError there. Options come from :func:`os_vif.initialize`'s
    ``config``, or from oslo.config (group ``os_vif_<plugin>``).
    """

    @classmethod
    def read(
        cls, plugin_name: str, config: Mapping[str, Mapping[str, Any]] | str | Path | None = None
    ) -> Self:
        """Read plugin ``plugin_name``'s options from ``config``, as initialize() would.

        For tools that need a plugin's settings without loading plugins
        (``os-vif demo`` reads the ovs plugin's this way). oslo.config is not
        consulted.

        Args:
            plugin_name: the plugin; its section is ``[os_vif_<plugin_name>]``.
            config: ``{plugin: {option: value}}``, a TOML or INI file, or
                None for the defaults.

        Raises:
            ConfigError: the file cannot be read, or a value is refused.
        """
        return build_config(cls, read_config(config).get(plugin_name))


class _DerivedOpts:
    """``CONFIG_OPTS`` of a dataclass-configured plugin, made on first use.

    Built only when asked for (by oslo.config mode or ``os_vif.opts``), so a
    process that does not use oslo.config never imports it.
    """

    def __get__(self, instance: object, owner: type[PluginBase]) -> list[Any]:
        config_class = owner.CONFIG_CLASS
        if not dataclasses.fields(config_class):
            return []
        from os_vif import _oslo  # noqa: PLC0415 (imports oslo.config)

        return _oslo.opts_for(config_class)


def declares_oslo_opts(cls: type[PluginBase]) -> bool:
    """Whether *cls* is configured os-vif's way: a non-empty ``CONFIG_OPTS`` list."""
    for klass in cls.__mro__:
        if "CONFIG_OPTS" in vars(klass):
            declared = vars(klass)["CONFIG_OPTS"]
            return not isinstance(declared, _DerivedOpts) and bool(declared)
    return False


class PluginBase(abc.ABC):
    """Base class of every VIF plugin.

    Attributes:
        plugin_name: the entry-point name the plugin was loaded under.
        config: the plugin's options: an instance of :attr:`CONFIG_CLASS`,
            or, for a plugin that declares its own ``CONFIG_OPTS`` list,
            oslo.config's ``GroupAttr`` of group ``os_vif_<plugin>``.
    """

    #: The frozen dataclass holding the plugin's options.
    CONFIG_CLASS: ClassVar[type[PluginConfig]] = PluginConfig

    if TYPE_CHECKING:
        #: The plugin's oslo.config options (``oslo_config.cfg.Opt``). Derived
        #: from :attr:`CONFIG_CLASS` unless the class sets its own list, as
        #: plugins written for os-vif do.
        CONFIG_OPTS: ClassVar[Sequence[Any]]
    else:
        CONFIG_OPTS = _DerivedOpts()

    def __init__(self, config: Any = None, *, plugin_name: str = "") -> None:
        self.config = config if config is not None else self.CONFIG_CLASS()
        self.plugin_name = plugin_name

    @classmethod
    def load(cls, plugin_name: str, options: PluginOptions | OsloConfig | None = None) -> Self:
        """Read the plugin's options and instantiate it, as os-vif's ``load`` does.

        The plugin is built as ``cls(config)`` and then given its
        :attr:`plugin_name`, so an ``__init__(self, config)`` written for
        os-vif works.

        Args:
            plugin_name: the entry-point name; the options' group is
                ``os_vif_<plugin_name>``.
            options: what our reader read for the plugin, or the oslo.config
                ConfigOpts to register the options in and read them from.
                None (os-vif's ``load(plugin_name)``): ``cfg.CONF`` if this
                process has imported oslo.config, else the defaults.

        Raises:
            ConfigError: an option has a wrong type or a refused value.
        """
        source = options if options is not None else oslo_in_use()
        config: Any
        if declares_oslo_opts(cls):
            from os_vif import _oslo  # noqa: PLC0415 (imports oslo.config)

            if source is None:
                source = PluginOptions("<defaults>", _oslo.group_name(plugin_name), {})
            config = _oslo.foreign_config(cls.CONFIG_OPTS, plugin_name, source)
        elif isinstance(source, OsloConfig):
            from os_vif import _oslo  # noqa: PLC0415 (imports oslo.config)

            config = _oslo.read_config_class(source.conf, plugin_name, cls.CONFIG_CLASS)
        else:
            config = build_config(cls.CONFIG_CLASS, source)
        plugin = cls(config)
        plugin.plugin_name = plugin_name
        return plugin

    @classmethod
    def option_names(cls) -> frozenset[str]:
        """The names of the plugin's options (its fields, or its ``CONFIG_OPTS``)."""
        if declares_oslo_opts(cls):
            return frozenset(name for opt in cls.CONFIG_OPTS for name in (opt.dest, opt.name))
        return frozenset(f.name for f in dataclasses.fields(cls.CONFIG_CLASS))

    @abc.abstractmethod
    def describe(self) -> HostPluginInfo:
        """Describe the VIF classes (and port profiles) this plugin can plug."""

    @abc.abstractmethod
    def plug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> PlugOutcome | None:
        """Make the host side of *vif* ready; doing it twice changes nothing.

        Returns:
            What was done (created, repaired, unchanged), if the plugin can
            tell; None (what os-vif's plugins return) means "plugged".

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
        # os-vif's plugins return None: that, or anything else, means done.
        done = outcome if isinstance(outcome, PlugOutcome) else default
        return VIFResult.done(vif, done, self.plugin_name)

    def close(self) -> None:
        """Release what the plugin holds open (sockets); it is not used after.

        :func:`os_vif.initialize` calls it on the plugins it replaces when
        reset. The default does nothing.
        """
        return


class BatchPluginBase(PluginBase):
    """Base class of a plugin whose unit of work is a batch of VIFs.

    Implement :meth:`plug_many` and :meth:`unplug_many` (with the promises
    :class:`PluginBase` states for them); :meth:`plug` and :meth:`unplug`
    are a batch of one.
    """

    def plug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> PlugOutcome:
        """Plug one VIF: a batch of one.

        Returns:
            What :meth:`plug_many` reported for it.

        Raises:
            os_vif.exception.ExceptionBase: the error :meth:`plug_many`
                reported for it, as it is.
        """
        return _outcome_of(self.plug_many([(vif, instance_info)]))

    def unplug(self, vif: VIFBase, instance_info: InstanceInfo | None) -> PlugOutcome:
        """Unplug one VIF: a batch of one (see :meth:`plug`)."""
        return _outcome_of(self.unplug_many([(vif, instance_info)]))

    @abc.abstractmethod
    def plug_many(self, vifs: Sequence[VIFWork], *, wait: bool | None = None) -> list[VIFResult]:
        """Plug a batch of VIFs (see :meth:`PluginBase.plug_many`)."""

    @abc.abstractmethod
    def unplug_many(self, vifs: Sequence[VIFWork], *, wait: bool | None = None) -> list[VIFResult]:
        """Unplug a batch of VIFs (see :meth:`PluginBase.unplug_many`)."""


def _outcome_of(results: Sequence[VIFResult]) -> PlugOutcome:
    """The outcome of a batch of one; its error raised as it is."""
    (result,) = results
    if result.error is not None:
        raise result.error
    return result.outcome


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

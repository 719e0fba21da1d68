"""The library's entry points: initialize, plug, unplug, host_info."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from os_vif import exception
from os_vif._config import ConfigSource, read_config
from os_vif.objects.fields import parse_version
from os_vif.objects.host_info import HostInfo, HostPluginInfo
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFBase
from os_vif.plugin import PluginBase

__all__ = ["LoadReport", "host_info", "initialize", "plug", "unplug"]

LOG = logging.getLogger(__name__)
ENTRY_POINT_GROUP = "os_vif"


@dataclass(frozen=True)
class LoadReport:
    """What :func:`initialize` loaded.

    Attributes:
        loaded: names of the plugins now in use.
        failed: plugin name to the reason it could not be loaded.
    """

    loaded: tuple[str, ...]
    failed: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class _Loaded:
    plugin: PluginBase
    info: HostPluginInfo
    # VIF class name -> (oldest, newest) version the plugin accepts
    vif_versions: Mapping[str, tuple[tuple[int, int], tuple[int, int]]]


@dataclass(frozen=True)
class _State:
    plugins: Mapping[str, _Loaded]
    report: LoadReport


_state: _State | None = None
_state_lock = threading.Lock()


def initialize(config: ConfigSource = None, reset: bool = False) -> LoadReport:
    """Load every installed plugin (entry-point group ``os_vif``).

    Calling it again without *reset* changes nothing. A plugin that cannot
    be imported or instantiated is logged and left out; the others load.

    Args:
        config: plugin options: ``{plugin: {option: value}}``, or the path
            of a TOML file, or of an INI file whose ``[os_vif_<plugin>]``
            sections are read (an existing nova.conf works as it is).
        reset: load the plugins again, with *config*.

    Returns:
        The names of the plugins loaded, and why any failed.

    Raises:
        ConfigError: the configuration names an unknown option or gives one
            a value of the wrong type (the message names file, section and
            option).
    """
    global _state  # the library's one piece of process state
    with _state_lock:
        if _state is not None and not reset:
            return _state.report
        previous, _state = _state, _load_plugins(config)
        if previous is not None:
            for loaded in previous.plugins.values():
                loaded.plugin.close()
        return _state.report


def _load_plugins(config: ConfigSource) -> _State:
    from importlib import metadata  # noqa: PLC0415 (kept off the import path)

    options = read_config(config)
    plugins: dict[str, _Loaded] = {}
    failed: dict[str, str] = {}
    for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
        name = entry_point.name
        if name in plugins:
            failed[name] = f"duplicate entry point {entry_point.value}; keeping the first"
            LOG.warning("VIF plugin %s: %s", name, failed[name])
            continue
        try:
            plugin = _plugin_class(entry_point).load(name, options.get(name))
            info = plugin.describe()
        except exception.ConfigError:
            raise
        except Exception as exc:  # one broken plugin must not stop the rest
            failed[name] = f"{type(exc).__name__}: {exc}"
            LOG.warning("VIF plugin %s could not be loaded: %s", name, failed[name])
            continue
        plugins[name] = _Loaded(plugin, info, _accepted_versions(info))
    for unused in sorted(set(options) - set(plugins) - set(failed)):
        LOG.warning(
            "%s: options for plugin %r, which is not installed, are ignored",
            options[unused].source,
            unused,
        )
    report = LoadReport(loaded=tuple(sorted(plugins)), failed=failed)
    LOG.info("Loaded VIF plugins: %s", ", ".join(report.loaded) or "none")
    return _State(plugins=plugins, report=report)


def _plugin_class(entry_point: Any) -> type[PluginBase]:
    plugin_class = entry_point.load()
    if not (isinstance(plugin_class, type) and issubclass(plugin_class, PluginBase)):
        raise TypeError(f"{entry_point.value} is not a PluginBase subclass")
    return plugin_class


def _accepted_versions(
    info: HostPluginInfo,
) -> dict[str, tuple[tuple[int, int], tuple[int, int]]]:
    accepted = {}
    for vif_info in info.vif_info:
        low = parse_version(vif_info.min_version)
        high = parse_version(vif_info.max_version)
        if low is None or high is None:
            raise ValueError(f"{vif_info.vif_object_name}: malformed version range")
        accepted[vif_info.vif_object_name] = (low, high)
    return accepted


def _plugin_for(vif: VIFBase) -> _Loaded:
    if _state is None:
        raise exception.LibraryNotInitialized
    if not isinstance(vif, VIFBase):
        raise TypeError(f"expected a VIF object, not {type(vif).__name__}")
    name = vif.plugin if "plugin" in vif else ""
    loaded = _state.plugins.get(name)
    if loaded is None:
        raise exception.NoMatchingPlugin(plugin_name=name, loaded=tuple(_state.plugins))
    accepted = loaded.vif_versions.get(type(vif).obj_name())
    version = parse_version(vif.obj_version)
    if accepted is None or version is None or not accepted[0] <= version <= accepted[1]:
        raise exception.UnsupportedVIF(
            plugin_name=name, vif_class=type(vif).obj_name(), version=vif.obj_version
        )
    return loaded


def plug(vif: VIFBase, instance_info: InstanceInfo | None = None) -> None:
    """Plug the host side of *vif* with the plugin it names (``vif.plugin``).

    Plugging an already plugged VIF changes nothing.

    Raises:
        LibraryNotInitialized: :func:`initialize` was not called.
        NoMatchingPlugin: no loaded plugin has the VIF's plugin name.
        UnsupportedVIF: the plugin does not declare this VIF class/version.
        PlugException: the plugin failed; ``__cause__`` (and ``err``) hold
            the underlying error, whose context the message repeats.
    """
    loaded = _plugin_for(vif)
    LOG.debug("Plugging %s with plugin %s", vif, loaded.plugin.plugin_name)
    try:
        loaded.plugin.plug(vif, instance_info)
    except Exception as exc:
        raise exception.PlugException(vif=vif, err=exc, plugin=loaded.plugin.plugin_name) from exc
    LOG.info("Plugged %s %s", type(vif).obj_name(), vif.id if "id" in vif else "")


def unplug(vif: VIFBase, instance_info: InstanceInfo | None = None) -> None:
    """Unplug the host side of *vif*; an absent VIF is not an error.

    Raises:
        LibraryNotInitialized: :func:`initialize` was not called.
        NoMatchingPlugin: no loaded plugin has the VIF's plugin name.
        UnsupportedVIF: the plugin does not declare this VIF class/version.
        UnplugException: the plugin failed; the cause is chained.
    """
    loaded = _plugin_for(vif)
    LOG.debug("Unplugging %s with plugin %s", vif, loaded.plugin.plugin_name)
    try:
        loaded.plugin.unplug(vif, instance_info)
    except Exception as exc:
        raise exception.UnplugException(vif=vif, err=exc, plugin=loaded.plugin.plugin_name) from exc
    LOG.info("Unplugged %s %s", type(vif).obj_name(), vif.id if "id" in vif else "")


def host_info(permitted_vif_type_names: Iterable[str] | None = None) -> HostInfo:
    """Describe what this host can plug, for the network side.

    Args:
        permitted_vif_type_names: keep only these VIF classes (and the
            plugins that still have any).

    Raises:
        LibraryNotInitialized: :func:`initialize` was not called.
    """
    if _state is None:
        raise exception.LibraryNotInitialized
    info = HostInfo(
        plugin_info=[loaded.info.obj_clone() for _, loaded in sorted(_state.plugins.items())]
    )
    if permitted_vif_type_names is not None:
        info.filter_vif_types(permitted_vif_type_names)
    return info


def loaded_plugin(name: str) -> PluginBase:
    """The loaded plugin instance named *name* (for tools and tests).

    Raises:
        LibraryNotInitialized: :func:`initialize` was not called.
        NoMatchingPlugin: no plugin of that name is loaded.
    """
    if _state is None:
        raise exception.LibraryNotInitialized
    try:
        return _state.plugins[name].plugin
    except KeyError:
        raise exception.NoMatchingPlugin(plugin_name=name, loaded=tuple(_state.plugins)) from None

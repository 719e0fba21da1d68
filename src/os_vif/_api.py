"""The library's entry points: initialize, plug, unplug, plug_many, unplug_many, host_info."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from os_vif import exception
from os_vif._config import ConfigSource, read_config
from os_vif._entry_points import EntryPoint, entry_points
from os_vif._report import PlugOutcome, VIFResult, vif_id
from os_vif.objects.fields import parse_version
from os_vif.objects.host_info import HostInfo, HostPluginInfo
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFBase
from os_vif.plugin import PluginBase, VIFWork

__all__ = [
    "LoadReport",
    "host_info",
    "initialize",
    "plug",
    "plug_many",
    "unplug",
    "unplug_many",
]

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
    options = read_config(config)
    plugins: dict[str, _Loaded] = {}
    failed: dict[str, str] = {}
    for entry_point in entry_points(ENTRY_POINT_GROUP):
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


def _plugin_class(entry_point: EntryPoint) -> type[PluginBase]:
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


def plug(vif: VIFBase, instance_info: InstanceInfo | None = None) -> VIFResult:
    """Plug the host side of *vif* with the plugin it names (``vif.plugin``).

    Plugging an already plugged VIF changes nothing.

    Returns:
        The report on the VIF: created, repaired or unchanged when the
        plugin can tell, else plugged.

    Raises:
        LibraryNotInitialized: :func:`initialize` was not called.
        NoMatchingPlugin: no loaded plugin has the VIF's plugin name.
        UnsupportedVIF: the plugin does not declare this VIF class/version.
        PlugException: the plugin failed; ``__cause__`` (and ``err``) hold
            the underlying error, whose context the message repeats.
    """
    loaded = _plugin_for(vif)
    name = loaded.plugin.plugin_name
    LOG.debug("Plugging %s with plugin %s", vif, name)
    try:
        outcome = loaded.plugin.plug(vif, instance_info) or PlugOutcome.PLUGGED
    except Exception as exc:
        raise exception.PlugException(vif=vif, err=exc, plugin=name) from exc
    LOG.info("Plugged %s %s: %s", type(vif).obj_name(), vif_id(vif), outcome.value)
    return VIFResult.done(vif, outcome, name)


def unplug(vif: VIFBase, instance_info: InstanceInfo | None = None) -> VIFResult:
    """Unplug the host side of *vif*; an absent VIF is not an error.

    Returns:
        The report on the VIF: removed or absent when the plugin can tell,
        else unplugged.

    Raises:
        LibraryNotInitialized: :func:`initialize` was not called.
        NoMatchingPlugin: no loaded plugin has the VIF's plugin name.
        UnsupportedVIF: the plugin does not declare this VIF class/version.
        UnplugException: the plugin failed; the cause is chained.
    """
    loaded = _plugin_for(vif)
    name = loaded.plugin.plugin_name
    LOG.debug("Unplugging %s with plugin %s", vif, name)
    try:
        outcome = loaded.plugin.unplug(vif, instance_info) or PlugOutcome.UNPLUGGED
    except Exception as exc:
        raise exception.UnplugException(vif=vif, err=exc, plugin=name) from exc
    LOG.info("Unplugged %s %s: %s", type(vif).obj_name(), vif_id(vif), outcome.value)
    return VIFResult.done(vif, outcome, name)


def plug_many(
    vifs: Iterable[VIFBase | VIFWork],
    instance_info: InstanceInfo | None = None,
    *,
    wait: bool | None = None,
) -> list[VIFResult]:
    """Plug many VIFs at once, as a compute host does when its agent restarts.

    The VIFs are grouped by plugin and each plugin gets its group in one
    call (:meth:`~os_vif.plugin.PluginBase.plug_many`): the ``ovs`` plugin
    plugs a whole group with one OVSDB transaction and one wait for
    ovs-vswitchd; other plugins plug one VIF after another. A VIF already
    plugged as asked is left untouched (``unchanged``); one that differs is
    repaired. A VIF that fails does not stop the others, and nothing
    half-made of it is left.

    Args:
        vifs: VIF objects, or ``(vif, instance_info)`` pairs (a host's VIFs
            belong to many instances).
        instance_info: the instance of the VIFs given without one.
        wait: True to return once the backend has applied the change
            (ovs-vswitchd, as :func:`plug` does by default), False to return
            as soon as its database has it; None (the default) follows the
            plugin's configuration (``wait_for_vswitchd`` for ``ovs``).

    Returns:
        One report per VIF, in the order given.

    Raises:
        LibraryNotInitialized: :func:`initialize` was not called.
        TypeError: an item is not a VIF or a (VIF, InstanceInfo) pair.
        ValueError: two items have the same VIF id.
        BatchPlugError: some VIFs failed (no matching plugin, unsupported
            VIF, bad input, host errors); it carries every VIF's report,
            and the others are plugged.
    """
    results = _run_many(vifs, instance_info, plugging=True, wait=wait)
    if any(not r.ok for r in results):
        error = exception.BatchPlugError(results=results)
        raise error from error.err
    return results


def unplug_many(
    vifs: Iterable[VIFBase | VIFWork],
    instance_info: InstanceInfo | None = None,
    *,
    wait: bool | None = None,
) -> list[VIFResult]:
    """Unplug many VIFs at once; absent VIFs are not errors.

    The counterpart of :func:`plug_many`, with the same arguments: the
    ``ovs`` plugin removes a group's ports in one OVSDB transaction and
    their kernel devices in one netlink request.

    Returns:
        One report per VIF (removed, absent or unplugged), in the order given.

    Raises:
        LibraryNotInitialized: :func:`initialize` was not called.
        TypeError: an item is not a VIF or a (VIF, InstanceInfo) pair.
        ValueError: two items have the same VIF id.
        BatchUnplugError: some VIFs failed; it carries every VIF's report.
    """
    results = _run_many(vifs, instance_info, plugging=False, wait=wait)
    if any(not r.ok for r in results):
        error = exception.BatchUnplugError(results=results)
        raise error from error.err
    return results


def _batch_items(
    vifs: Iterable[VIFBase | VIFWork], instance_info: InstanceInfo | None
) -> list[VIFWork]:
    items: list[VIFWork] = []
    seen: set[str] = set()
    for item in vifs:
        vif, info = item if isinstance(item, tuple) else (item, instance_info)
        if not isinstance(vif, VIFBase):
            raise TypeError(f"expected a VIF object, not {type(vif).__name__}")
        if info is not None and not isinstance(info, InstanceInfo):
            raise TypeError(f"expected an InstanceInfo, not {type(info).__name__}")
        key = vif_id(vif)
        if key and key in seen:
            raise ValueError(f"VIF {key} is given twice")
        seen.add(key)
        items.append((vif, info))
    return items


def _run_many(
    vifs: Iterable[VIFBase | VIFWork],
    instance_info: InstanceInfo | None,
    *,
    plugging: bool,
    wait: bool | None,
) -> list[VIFResult]:
    if _state is None:
        raise exception.LibraryNotInitialized
    items = _batch_items(vifs, instance_info)
    results: list[VIFResult | None] = [None] * len(items)
    groups: dict[str, tuple[PluginBase, list[int]]] = {}
    for index, (vif, _) in enumerate(items):
        try:
            plugin = _plugin_for(vif).plugin
        except exception.ExceptionBase as exc:
            results[index] = VIFResult.failed(vif, exc)
            continue
        groups.setdefault(plugin.plugin_name, (plugin, []))[1].append(index)
    verb = "plug" if plugging else "unplug"
    for name, (plugin, indexes) in groups.items():
        batch = [items[i] for i in indexes]
        LOG.debug("%sging %d VIFs with plugin %s", verb.capitalize(), len(batch), name)
        call = plugin.plug_many if plugging else plugin.unplug_many
        try:
            reports = call(batch, wait=wait)
        except Exception as exc:  # a plugin's plug_many must not raise: blame the batch
            reports = [VIFResult.failed(vif, exc, name) for vif, _ in batch]
        if len(reports) != len(batch):
            error = RuntimeError(f"plugin {name}: {len(reports)} reports for {len(batch)} VIFs")
            reports = [VIFResult.failed(vif, error, name) for vif, _ in batch]
        for index, report in zip(indexes, reports, strict=True):
            results[index] = report
    done = [r for r in results if r is not None]
    failed = sum(not r.ok for r in done)
    LOG.info("%sged %d VIFs (%d failed)", verb.capitalize(), len(done) - failed, failed)
    return done


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

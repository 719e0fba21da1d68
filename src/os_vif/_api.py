"""The library's entry points: initialize, plug, unplug, plug_many, unplug_many, host_info."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable

import os_vif
from os_vif import exception, objects
from os_vif._config import ConfigSource
from os_vif._loader import Extension, LoadReport, PluginSet, load_plugins
from os_vif._report import VIFResult, vif_id
from os_vif.objects.host_info import HostInfo
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

_state_lock = threading.Lock()


def _loaded() -> PluginSet:
    # The library's one piece of process state lives in os_vif._EXT_MANAGER,
    # where os-vif keeps its own; callers (os-vif's tests) reset it there.
    state = os_vif._EXT_MANAGER
    if not isinstance(state, PluginSet):
        raise exception.LibraryNotInitialized
    return state


def initialize(reset: bool = False, *, config: ConfigSource = None) -> LoadReport:
    """Load every installed plugin (entry-point group ``os_vif``).

    Calling it again without *reset* changes nothing. A plugin that cannot
    be imported or instantiated is logged and left out; the others load.

    Where options come from (see docs/configuration.md):

    * oslo.config, when *config* is an oslo.config ``ConfigOpts``, or when
      *config* is None and this process has already imported oslo.config
      (``cfg.CONF`` then): each plugin's options are registered in group
      ``os_vif_<plugin>`` and read from it, as os-vif does;
    * else our reader: *config* is ``{plugin: {option: value}}``, the path
      of a TOML file, or of an INI file whose ``[os_vif_<plugin>]`` sections
      are read (an existing nova.conf works as it is); None means defaults.

    Args:
        reset: load the plugins again (and read their options again); the
            plugins replaced are closed.
        config: where plugin options come from, as above.

    Returns:
        The names of the plugins loaded, why any failed, and warnings
        (options ignored, entry points shadowed, VIF versions).

    Raises:
        ConfigError: a value of the wrong type, or refused by the plugin (the
            message names file, section and option). An unknown option is
            only a warning.

    ``reset`` comes first, as in os-vif's ``initialize(reset=False)``, so
    ``initialize(True)`` means the same; ``config`` is keyword-only.
    """
    with _state_lock:
        previous = os_vif._EXT_MANAGER
        if isinstance(previous, PluginSet) and not reset:
            return previous.report
        # As os-vif's initialize(): callers (Nova) rely on it to put the
        # object classes in oslo.versionedobjects' registry when they use it.
        objects.register_all()
        state = load_plugins(config)
        os_vif._EXT_MANAGER = state
        if isinstance(previous, PluginSet):
            for extension in previous:
                extension.obj.close()
        return state.report


def _plugin_for(vif: VIFBase) -> Extension:
    state = _loaded()
    if not isinstance(vif, VIFBase):
        raise TypeError(f"expected a VIF object, not {type(vif).__name__}")
    name = vif.plugin if "plugin" in vif else ""
    if name not in state:
        raise exception.NoMatchingPlugin(plugin_name=name, loaded=tuple(state.names()))
    extension = state[name]
    state.check_vif(extension, vif)
    return extension


def plug(vif: VIFBase, instance_info: InstanceInfo | None = None) -> VIFResult:
    """Plug the host side of *vif* with the plugin it names (``vif.plugin``).

    Plugging an already plugged VIF changes nothing. It is a batch of one:
    the plugin's :meth:`~os_vif.plugin.PluginBase.plug_many` does the work,
    as for :func:`plug_many`.

    Returns:
        The report on the VIF: created, repaired or unchanged when the
        plugin can tell, else plugged.

    Raises:
        LibraryNotInitialized: :func:`initialize` was not called.
        NoMatchingPlugin: no loaded plugin has the VIF's plugin name.
        UnsupportedVIF: the plugin does not declare this VIF class, or asks
            for a newer version (a newer one than it declares is passed on,
            with a warning, as os-vif checks no version).
        PlugException: the plugin failed; ``__cause__`` (and ``err``) hold
            the underlying error, whose context the message repeats.
    """
    return _single(vif, instance_info, plugging=True)


def unplug(vif: VIFBase, instance_info: InstanceInfo | None = None) -> VIFResult:
    """Unplug the host side of *vif*; an absent VIF is not an error.

    Returns:
        The report on the VIF: removed or absent when the plugin can tell,
        else unplugged.

    Raises:
        LibraryNotInitialized: :func:`initialize` was not called.
        NoMatchingPlugin: no loaded plugin has the VIF's plugin name.
        UnsupportedVIF: as for :func:`plug`.
        UnplugException: the plugin failed; the cause is chained.
    """
    return _single(vif, instance_info, plugging=False)


def _single(vif: VIFBase, instance_info: InstanceInfo | None, *, plugging: bool) -> VIFResult:
    """One VIF: a batch of one on the batch path, unwrapped here and only here.

    A VIF no plugin takes raises as it is (NoMatchingPlugin, UnsupportedVIF);
    the plugin's failure is wrapped the way os-vif wraps it.
    """
    plugin = _plugin_for(vif).obj
    (result,) = _run_plugin(plugin, [(vif, instance_info)], plugging=plugging, wait=None)
    verb = "Plugged" if plugging else "Unplugged"
    if result.error is not None:
        wrapper = exception.PlugException if plugging else exception.UnplugException
        raise wrapper(vif=vif, err=result.error, plugin=plugin.plugin_name) from result.error
    LOG.info("%s %s %s: %s", verb, type(vif).obj_name(), vif_id(vif), result.outcome.value)
    return result


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
    _loaded()
    items = _batch_items(vifs, instance_info)
    results: list[VIFResult | None] = [None] * len(items)
    groups: dict[str, tuple[PluginBase, list[int]]] = {}
    for index, (vif, _) in enumerate(items):
        try:
            plugin = _plugin_for(vif).obj
        except exception.ExceptionBase as exc:
            results[index] = VIFResult.failed(vif, exc)
            continue
        groups.setdefault(plugin.plugin_name, (plugin, []))[1].append(index)
    for plugin, indexes in groups.values():
        reports = _run_plugin(plugin, [items[i] for i in indexes], plugging=plugging, wait=wait)
        for index, report in zip(indexes, reports, strict=True):
            results[index] = report
    done = [r for r in results if r is not None]
    failed = sum(not r.ok for r in done)
    verb = "Plugged" if plugging else "Unplugged"
    LOG.info("%s %d VIFs (%d failed)", verb, len(done) - failed, failed)
    return done


def _run_plugin(
    plugin: PluginBase, batch: list[VIFWork], *, plugging: bool, wait: bool | None
) -> list[VIFResult]:
    """Hand one plugin its VIFs: the one call every plug and unplug goes through.

    Returns one report per VIF, in order, even when the plugin breaks its
    promises (raises, or reports on the wrong number of VIFs).
    """
    name = plugin.plugin_name
    LOG.debug(
        "%s %d VIFs with plugin %s", "Plugging" if plugging else "Unplugging", len(batch), name
    )
    call = plugin.plug_many if plugging else plugin.unplug_many
    try:
        reports = call(batch, wait=wait)
    except Exception as exc:  # a plugin's plug_many must not raise: blame the batch
        reports = [VIFResult.failed(vif, exc, name) for vif, _ in batch]
    if len(reports) != len(batch):
        error = RuntimeError(f"plugin {name}: {len(reports)} reports for {len(batch)} VIFs")
        reports = [VIFResult.failed(vif, error, name) for vif, _ in batch]
    return reports


def host_info(permitted_vif_type_names: Iterable[str] | None = None) -> HostInfo:
    """Describe what this host can plug, for the network side.

    Args:
        permitted_vif_type_names: keep only these VIF classes (and the
            plugins that still have any).

    Raises:
        LibraryNotInitialized: :func:`initialize` was not called.
    """
    info = HostInfo(plugin_info=[extension.info.obj_clone() for extension in _loaded()])
    if permitted_vif_type_names is not None:
        info.filter_vif_types(permitted_vif_type_names)
    return info


def loaded_plugin(name: str) -> PluginBase:
    """The loaded plugin instance named *name* (for tools and tests).

    Raises:
        LibraryNotInitialized: :func:`initialize` was not called.
        NoMatchingPlugin: no plugin of that name is loaded.
    """
    state = _loaded()
    if name not in state:
        raise exception.NoMatchingPlugin(plugin_name=name, loaded=tuple(state.names()))
    return state[name].obj

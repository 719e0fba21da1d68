"""Finding, choosing and loading the plugins of entry-point group ``os_vif``.

One entry point per name is loaded. When several distributions declare the
same name (kuryr-kubernetes declares its own ``noop``), the choice is made
the same way on every host, and reported:

1. an entry point of another distribution wins over this library's own
   (installing a plugin of that name is how one replaces ours);
2. among the others, the first distribution on ``sys.path`` wins, and within
   one ``sys.path`` directory the first by distribution name.

(os-vif, through stevedore, keeps the last entry point found, and the order
found is the file system's: it can differ from host to host.)

The loaded plugins are a :class:`PluginSet`, kept in ``os_vif._EXT_MANAGER``
where os-vif keeps its stevedore ``ExtensionManager``: it answers the same
``names()`` and ``[name].obj`` questions, and assigning None to it, as
os-vif's own tests do, forgets the plugins.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from os_vif import exception
from os_vif._config import ConfigSet, ConfigSource, OsloConfig, resolve_source, unknown_options
from os_vif._entry_points import EntryPoint, entry_points
from os_vif.objects.base import obj_registry
from os_vif.objects.fields import parse_version
from os_vif.objects.host_info import HostPluginInfo
from os_vif.objects.vif import VIFBase
from os_vif.plugin import PluginBase, declares_oslo_opts

__all__ = ["ENTRY_POINT_GROUP", "Extension", "LoadReport", "PluginSet", "choose", "load_plugins"]

LOG = logging.getLogger("os_vif")
ENTRY_POINT_GROUP = "os_vif"
#: Our own distribution, whose entry points give way to others of the same name.
OWN_DISTRIBUTION = "os-vif"

Version = tuple[int, int]


@dataclass(frozen=True)
class LoadReport:
    """What :func:`os_vif.initialize` loaded.

    Attributes:
        loaded: names of the plugins now in use.
        failed: plugin name to the reason it could not be loaded.
        warnings: plugin name to what is worth knowing about it: entry
            points of the same name left unused, options it does not have
            (ignored), VIF versions newer than it declares.
        config_source: where options were read: ``"oslo.config"``, a file
            name, ``"<mapping>"`` or ``"<defaults>"``.
    """

    loaded: tuple[str, ...]
    failed: Mapping[str, str] = field(default_factory=dict)
    warnings: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    config_source: str = "<defaults>"


@dataclass(frozen=True)
class Extension:
    """One loaded plugin; the first four attributes are named as stevedore's.

    Attributes:
        name: the entry-point name.
        entry_point: where it was found.
        plugin: the plugin class.
        obj: the plugin instance.
        info: its describe() answer, as given at load time.
        vif_versions: VIF class name to the (oldest, newest) version declared.
    """

    name: str
    entry_point: EntryPoint
    plugin: type[PluginBase]
    obj: PluginBase
    info: HostPluginInfo
    vif_versions: Mapping[str, tuple[Version, Version]]


@dataclass(frozen=True)
class PluginSet:
    """The plugins :func:`os_vif.initialize` loaded, by name, and its report."""

    extensions: Mapping[str, Extension]
    report: LoadReport
    # (plugin, VIF class, version) already warned about as newer than declared
    _warned: set[tuple[str, str, str]] = field(default_factory=set, repr=False, compare=False)

    def names(self) -> list[str]:
        """The loaded plugins' names, sorted."""
        return sorted(self.extensions)

    def __getitem__(self, name: str) -> Extension:
        return self.extensions[name]

    def __contains__(self, name: object) -> bool:
        return name in self.extensions

    def __iter__(self) -> Iterator[Extension]:
        return iter(self.extensions[name] for name in self.names())

    def check_vif(self, extension: Extension, vif: VIFBase) -> None:
        """Refuse a VIF the plugin does not declare; warn once if it is newer.

        os-vif checks nothing; we refuse a VIF class the plugin does not list
        in describe(), or an older version than it asks for. A newer version
        is passed on, with one warning per plugin, class and version: plugins
        written for os-vif declare ``max_version="1.0"`` whatever they handle.

        Raises:
            UnsupportedVIF: an undeclared class, or a too old version.
        """
        name = type(vif).obj_name()
        accepted = extension.vif_versions.get(name)
        version = parse_version(vif.obj_version)
        if accepted is None or version is None or version < accepted[0]:
            raise exception.UnsupportedVIF(
                plugin_name=extension.name, vif_class=name, version=vif.obj_version
            )
        key = (extension.name, name, vif.obj_version)
        if version > accepted[1] and key not in self._warned:
            self._warned.add(key)
            LOG.warning(
                "Plugin %s declares %s up to %d.%d; passing it version %s, as os-vif would",
                extension.name,
                name,
                *accepted[1],
                vif.obj_version,
            )


def choose(points: list[EntryPoint]) -> tuple[dict[str, EntryPoint], dict[str, list[EntryPoint]]]:
    """One entry point per name (see the module docstring), and the rest.

    Returns:
        name to the chosen entry point, and name to those left unused.
    """
    by_name: dict[str, list[EntryPoint]] = {}
    for point in points:
        by_name.setdefault(point.name, []).append(point)
    chosen: dict[str, EntryPoint] = {}
    unused: dict[str, list[EntryPoint]] = {}
    for name, candidates in by_name.items():
        # sorted() is stable: among the others, sys.path order is kept.
        first, *rest = sorted(candidates, key=lambda p: p.dist == OWN_DISTRIBUTION)
        chosen[name] = first
        if rest:
            unused[name] = rest
    return chosen, unused


def _describe(point: EntryPoint) -> str:
    return f"{point.value} ({point.dist or 'unknown distribution'})"


def plugin_class(point: EntryPoint) -> type[PluginBase]:
    """Import the class an entry point names.

    Raises:
        TypeError: it is not a PluginBase subclass.
        ImportError, AttributeError, ValueError: it cannot be found.
    """
    loaded = point.load()
    if not (isinstance(loaded, type) and issubclass(loaded, PluginBase)):
        raise TypeError(f"{point.value} is not a PluginBase subclass")
    return loaded


def load_plugins(config: ConfigSource) -> PluginSet:
    """Load every chosen plugin with its options; one that fails is left out.

    Raises:
        ConfigError: the configuration cannot be read, or gives an option a
            value of the wrong type.
    """
    source = resolve_source(config)
    chosen, unused = choose(entry_points(ENTRY_POINT_GROUP))
    extensions: dict[str, Extension] = {}
    failed: dict[str, str] = {}
    warnings: dict[str, list[str]] = {}
    for name, point in chosen.items():
        notes = warnings.setdefault(name, [])
        for other in unused.get(name, []):
            notes.append(f"entry point {_describe(other)} unused: {_describe(point)} is loaded")
            LOG.warning("VIF plugin %s: %s", name, notes[-1])
        try:
            extension = _load_one(name, point, source)
        except exception.ConfigError:
            raise
        except Exception as exc:  # one broken plugin must not stop the rest
            failed[name] = f"{type(exc).__name__}: {exc}"
            LOG.warning("VIF plugin %s could not be loaded: %s", name, failed[name])
            continue
        extensions[name] = extension
        notes += _option_notes(extension, source) + _version_notes(extension)
    _warn_stray_sections(source, set(chosen))
    report = LoadReport(
        loaded=tuple(sorted(extensions)),
        failed=failed,
        warnings={name: tuple(notes) for name, notes in warnings.items() if notes},
        config_source="oslo.config" if isinstance(source, OsloConfig) else source.source,
    )
    LOG.info("Loaded VIF plugins: %s", ", ".join(report.loaded) or "none")
    return PluginSet(extensions, report)


def _load_one(name: str, point: EntryPoint, source: ConfigSet | OsloConfig) -> Extension:
    cls = plugin_class(point)
    options = source if isinstance(source, OsloConfig) else source.for_plugin(name)
    obj = cls.load(name, options)
    info = obj.describe()
    if not isinstance(info, HostPluginInfo):
        raise TypeError(f"describe() returned {type(info).__name__}, not HostPluginInfo")
    LOG.debug("Loaded VIF plugin class %s as %r", cls.__qualname__, name)
    return Extension(name, point, cls, obj, info, _accepted_versions(info))


def _accepted_versions(info: HostPluginInfo) -> dict[str, tuple[Version, Version]]:
    accepted = {}
    for vif_info in info.vif_info:
        low = parse_version(vif_info.min_version)
        high = parse_version(vif_info.max_version)
        if low is None or high is None:
            raise ValueError(f"{vif_info.vif_object_name}: malformed version range")
        accepted[vif_info.vif_object_name] = (low, high)
    return accepted


def _option_notes(extension: Extension, source: ConfigSet | OsloConfig) -> list[str]:
    known = extension.plugin.option_names()
    if isinstance(source, OsloConfig):
        if not known and not declares_oslo_opts(extension.plugin):
            return []
        from os_vif import _oslo  # noqa: PLC0415 (oslo.config is in use)

        group = _oslo.group_name(extension.name)
        unknown = _oslo.unknown_in_conf(source.conf, group, known)
    else:
        options = source.for_plugin(extension.name)
        group, unknown = options.section, unknown_options(known, options)
    return [f"[{group}] {name}: unknown option, ignored" for name in unknown]


def _version_notes(extension: Extension) -> list[str]:
    registry = obj_registry()
    notes = []
    for name, (_, high) in sorted(extension.vif_versions.items()):
        ours = registry.get(name)
        newest = parse_version(ours.VERSION) if ours is not None else None
        if ours is not None and newest is not None and newest > high:
            notes.append(
                f"declares {name} up to {high[0]}.{high[1]}; {name} {ours.VERSION} "
                "VIFs are passed to it too, with a warning (os-vif checks no version)"
            )
    return notes


def _warn_stray_sections(source: ConfigSet | OsloConfig, plugins: set[str]) -> None:
    if isinstance(source, OsloConfig):
        from os_vif import _oslo  # noqa: PLC0415 (oslo.config is in use)

        stray = _oslo.stray_sections(source.conf, plugins)
        where = "oslo.config"
    else:
        stray = [source[name].section for name in sorted(set(source) - plugins)]
        where = source.source
    for section in stray:
        LOG.warning("%s: options in [%s], for a plugin not installed, are ignored", where, section)

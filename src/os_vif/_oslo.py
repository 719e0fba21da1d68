"""Plugin options through oslo.config, as os-vif registers and reads them.

The only module that imports oslo.config; it is imported when a host uses
oslo.config (see :mod:`os_vif._config` for the rule), or when a plugin
written for os-vif declares ``CONFIG_OPTS``.

Our plugins declare their options as dataclass fields; :func:`opts_for`
derives the oslo ``Opt`` list from them (type, default, the help from the
class docstring's ``Attributes:`` entries, and the :class:`OptionSpec` facts:
deprecated group, choices, deprecation). :func:`read_config_class` registers
those in group ``os_vif_<plugin>`` and builds the frozen config from what
oslo.config reads: files, ``--config-dir``, ``$name`` interpolation,
deprecated names and ``set_override`` all behave as with os-vif. Values are
read once, when the plugin is loaded; ``initialize(reset=True)`` reads them
again.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import typing
from collections.abc import Collection, Sequence
from typing import Any, Final

from oslo_config import cfg

from os_vif import exception
from os_vif._config import (
    SECTION_PREFIX,
    OsloConfig,
    PluginOptions,
    field_type,
    interpolate,
    option_spec,
    unknown_options,
)

__all__ = [
    "field_help",
    "foreign_config",
    "opts_for",
    "read_config_class",
    "register",
    "stray_sections",
    "unknown_in_conf",
]

LOG = logging.getLogger(__name__)

_OPT_CLASSES: Final[dict[Any, type[cfg.Opt]]] = {
    bool: cfg.BoolOpt,
    int: cfg.IntOpt,
    float: cfg.FloatOpt,
    str: cfg.StrOpt,
    tuple[str, ...]: cfg.ListOpt,
}
_ATTRIBUTE = re.compile(r"(?P<indent>\s*)(?P<name>\w+): (?P<text>.*)")
_SOURCE: Final = "oslo.config"


def group_name(plugin_name: str) -> str:
    """The oslo.config group of a plugin's options: ``os_vif_<plugin>``."""
    return SECTION_PREFIX + plugin_name


def field_help(config_class: type) -> dict[str, str]:
    """Each field's entry in the class docstring's ``Attributes:`` section.

    The docstring is the one place an option is described, for readers of
    the code and for oslo-config-generator alike. Under ``python -OO``
    there are no docstrings and the help is empty.
    """
    lines = (config_class.__doc__ or "").splitlines()
    try:
        start = next(i for i, line in enumerate(lines) if line.strip() == "Attributes:")
    except StopIteration:
        return {}
    found: dict[str, list[str]] = {}
    entry_indent: int | None = None
    current: list[str] = []
    for line in lines[start + 1 :]:
        if not line.strip():
            break
        match = _ATTRIBUTE.fullmatch(line)
        indent = len(line) - len(line.lstrip())
        if match and (entry_indent is None or indent == entry_indent):
            entry_indent = indent
            current = found.setdefault(match.group("name"), [])
            current.append(match.group("text").strip())
        elif entry_indent is not None and indent > entry_indent:
            current.append(line.strip())
        else:
            break
    return {name: " ".join(parts) for name, parts in found.items()}


_OPTS: dict[type, list[cfg.Opt]] = {}


def opts_for(config_class: type) -> list[cfg.Opt]:
    """The oslo.config options of a plugin config dataclass, one per field.

    Made once per class: the same list (os-vif's ``CONFIG_OPTS`` is a class
    attribute too).

    Raises:
        TypeError: a field of a type options cannot have.
    """
    cached = _OPTS.get(config_class)
    if cached is None:
        cached = _OPTS[config_class] = _derive_opts(config_class)
    return cached


def _derive_opts(config_class: type) -> list[cfg.Opt]:
    hints = typing.get_type_hints(config_class)
    help_texts = field_help(config_class)
    opts: list[cfg.Opt] = []
    for config_field in dataclasses.fields(config_class):
        spec = option_spec(config_field)
        kind, _ = field_type(hints[config_field.name])
        default = config_field.default
        factory = config_field.default_factory
        if default is dataclasses.MISSING and factory is not dataclasses.MISSING:
            default = factory()
        kwargs: dict[str, Any] = {
            "default": list(default) if isinstance(default, tuple) else default,
            "help": help_texts.get(config_field.name, ""),
        }
        if spec.deprecated_group is not None:
            kwargs["deprecated_group"] = spec.deprecated_group
        if spec.choices is not None:
            kwargs["choices"] = list(spec.choices)
        if spec.deprecated_for_removal:
            kwargs["deprecated_for_removal"] = True
            kwargs["deprecated_since"] = spec.deprecated_since
            kwargs["deprecated_reason"] = spec.deprecated_reason
        opt_class = cfg.MultiStrOpt if spec.multi else _OPT_CLASSES[kind]
        opts.append(opt_class(config_field.name, **kwargs))
    return opts


def register(conf: cfg.ConfigOpts, plugin_name: str, opts: Sequence[cfg.Opt]) -> str:
    """Register *opts* in group ``os_vif_<plugin>`` of *conf*, as os-vif does.

    Registering the same options again changes nothing; an option of the
    same name but another definition raises oslo's ``DuplicateOptError``.
    No group is made for a plugin without options.

    Returns:
        The group's name.
    """
    name = group_name(plugin_name)
    if opts:
        group = cfg.OptGroup(name, title=f"Options of the os-vif plugin {plugin_name}")
        conf.register_opts(list(opts), group=group)
    return name


def _location(conf: cfg.ConfigOpts, option: str | None, group: str) -> str:
    """The file an option was read from (else the config files), for messages."""
    if option is not None:
        try:
            where = conf.get_location(option, group)
        except (cfg.Error, LookupError, ValueError):
            where = None  # the value itself is bad: oslo's message names its file
        if where is not None and where.detail:
            return str(where.detail)
    try:
        files = conf.config_file if "config_file" in conf else None
    except (cfg.Error, LookupError):
        files = None
    return ", ".join(files) if files else _SOURCE


def read_config_class(conf: cfg.ConfigOpts, plugin_name: str, config_class: type[Any]) -> Any:
    """Register a dataclass plugin's options in *conf* and build its config.

    Options set in the plugin's section that it does not have are logged
    and ignored (oslo.config ignores them silently).

    Raises:
        ConfigError: oslo.config refused a value (the message names the
            file), or the dataclass's own checks did.
    """
    opts = opts_for(config_class)
    group = register(conf, plugin_name, opts)
    if not opts:
        return config_class()
    unknown = unknown_in_conf(conf, group, [opt.dest for opt in opts])
    if unknown:
        LOG.warning("[%s]: unknown options ignored: %s", group, ", ".join(unknown))
    values = conf[group]
    kwargs: dict[str, Any] = {}
    for opt in opts:
        try:
            value = getattr(values, opt.dest)
        except (cfg.Error, ValueError) as exc:
            raise exception.ConfigError(
                source=_location(conf, opt.dest, group),
                section=group,
                option=opt.dest,
                reason=str(exc),
            ) from exc
        kwargs[opt.dest] = tuple(value) if isinstance(value, list) else value
    try:
        return config_class(**kwargs)
    except (TypeError, ValueError) as exc:
        raise exception.ConfigError(
            source=_location(conf, None, group), section=group, option=None, reason=str(exc)
        ) from exc


def foreign_config(
    opts: Sequence[cfg.Opt], plugin_name: str, source: OsloConfig | PluginOptions
) -> cfg.ConfigOpts.GroupAttr:
    """The config of a plugin written for os-vif: its ``CONFIG_OPTS`` group.

    In oslo.config mode the options are registered in the host's ConfigOpts
    (``cfg.CONF``), exactly as os-vif's ``PluginBase.load`` does. Given our
    reader's options instead, they go to a ConfigOpts of the plugin's own,
    whose values are what the mapping or file says (``set_override``), so
    the host's ``cfg.CONF`` is left alone.

    Raises:
        ConfigError: a value oslo.config refuses.
    """
    conf = source.conf if isinstance(source, OsloConfig) else cfg.ConfigOpts()
    group = register(conf, plugin_name, opts)
    known = {name for opt in opts for name in (opt.dest, opt.name)}
    if isinstance(source, OsloConfig):
        unknown = unknown_in_conf(conf, group, known)
        if unknown:
            LOG.warning("[%s]: unknown options ignored: %s", group, ", ".join(unknown))
    else:
        _override(conf, group, opts, source)
        unknown = unknown_options(known, source)
        if unknown:
            LOG.warning(
                "%s: [%s]: unknown options ignored: %s",
                source.source,
                source.section,
                ", ".join(unknown),
            )
    return conf[group]  # type: ignore[no-any-return]


def _raw_value(opt: cfg.Opt, options: PluginOptions) -> tuple[bool, Any]:
    for name in (opt.dest, opt.name):
        if name in options.values:
            return True, options.values[name]
    for deprecated in opt.deprecated_opts:
        if deprecated.group in (None, "DEFAULT"):
            name = deprecated.name or opt.name
            if name in options.fallback:
                return True, options.fallback[name]
    return False, None


def _override(
    conf: cfg.ConfigOpts, group: str, opts: Sequence[cfg.Opt], options: PluginOptions
) -> None:
    for opt in opts:
        found, raw = _raw_value(opt, options)
        if not found:
            continue
        try:
            if options.from_text and isinstance(raw, str):
                raw = interpolate(raw, options)
            if opt.multi and isinstance(raw, str):
                raw = [raw]
            conf.set_override(opt.dest, raw, group)
        except (cfg.Error, TypeError, ValueError) as exc:
            raise exception.ConfigError(
                source=options.source, section=options.section, option=opt.dest, reason=str(exc)
            ) from exc


def unknown_in_conf(conf: cfg.ConfigOpts, group: str, known: Collection[str]) -> list[str]:
    """Options set in *group* of the parsed files that are not in *known*.

    oslo.config has no public way to list the keys of a section, so this
    reads its parsed-file cache; if that is not there (another oslo.config
    release), it finds nothing rather than failing.
    """
    namespace = getattr(conf, "_namespace", None)
    parsed = getattr(namespace, "_parsed", None)
    if not isinstance(parsed, list):
        return []
    keys: set[str] = set()
    for sections in parsed:
        if isinstance(sections, dict) and isinstance(sections.get(group), dict):
            keys.update(str(key) for key in sections[group])
    return sorted(keys - set(known))


def stray_sections(conf: cfg.ConfigOpts, plugin_names: Collection[str]) -> list[str]:
    """``os_vif_<x>`` sections of the parsed files for no plugin in *plugin_names*."""
    try:
        sections = conf.list_all_sections()
    except cfg.Error:
        return []
    expected = {group_name(name) for name in plugin_names}
    return [s for s in sections if s.startswith(SECTION_PREFIX) and s not in expected]

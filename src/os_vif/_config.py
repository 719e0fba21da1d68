"""Where plugin options come from: oslo.config, or a mapping, TOML or INI file.

Two modes, chosen once per :func:`os_vif.initialize` by :func:`resolve_source`:

* **oslo.config**: ``config`` is an oslo.config ``ConfigOpts``, or ``config``
  is None and ``oslo_config.cfg`` is already imported (then ``cfg.CONF``).
  Each plugin's options are registered in group ``os_vif_<plugin>`` and read
  back, as os-vif does (see :mod:`os_vif._oslo`, the only module that imports
  oslo.config).
* **our reader**: otherwise. A mapping, a TOML file or an INI file (an
  existing ``nova.conf``: its ``[os_vif_<plugin>]`` sections, plus the
  ``[DEFAULT]`` options os-vif still accepts there) becomes one
  :class:`PluginOptions` per plugin; :func:`build_config` turns them into the
  plugin's typed, frozen config dataclass, refusing values of the wrong type
  (naming file, section and option) and warning about unknown options.

A plugin's options are declared once, as the fields of its config dataclass;
:func:`option` adds what oslo.config needs beyond type and default (the
deprecated ``[DEFAULT]`` name, choices, deprecation), and both modes read it.
"""

from __future__ import annotations

import dataclasses
import logging
import re
import sys
import types
import typing
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final, TypeAlias, TypeVar

from os_vif import exception

if TYPE_CHECKING:
    from oslo_config.cfg import ConfigOpts

__all__ = [
    "ConfigSet",
    "ConfigSource",
    "OptionSpec",
    "OsloConfig",
    "PluginOptions",
    "build_config",
    "option",
    "option_spec",
    "read_config",
    "resolve_source",
]

LOG = logging.getLogger(__name__)

SECTION_PREFIX: Final = "os_vif_"
MAPPING_SOURCE: Final = "<mapping>"
DEFAULTS_SOURCE: Final = "<defaults>"
_DEFAULT_SECTION: Final = "DEFAULT"
_SPEC_KEY: Final = "os_vif.option"

#: What ``initialize(config=...)`` accepts.
ConfigSource: TypeAlias = "Mapping[str, Mapping[str, Any]] | str | Path | ConfigOpts | None"

_C = TypeVar("_C")
_T = TypeVar("_T")


# --- declaring options --------------------------------------------------------------------


@dataclass(frozen=True)
class OptionSpec:
    """What oslo.config knows of an option beyond its name, type and default.

    Attributes:
        deprecated_group: the group the option may still be set in under the
            same name (``"DEFAULT"`` for os-vif's options that moved out of
            ``[DEFAULT]``); our INI reader honours it too.
        choices: the only values accepted.
        multi: a list given by repeating the key (oslo ``MultiStrOpt``)
            rather than by commas (``ListOpt``).
        deprecated_for_removal: the option will go; setting it warns.
        deprecated_since: the os-vif release that deprecated it.
        deprecated_reason: why, for the warning and the sample file.
    """

    deprecated_group: str | None = None
    choices: tuple[str, ...] | None = None
    multi: bool = False
    deprecated_for_removal: bool = False
    deprecated_since: str | None = None
    deprecated_reason: str | None = None


_NO_SPEC: Final = OptionSpec()


def option(
    default: _T,
    *,
    deprecated_group: str | None = None,
    choices: tuple[str, ...] | None = None,
    multi: bool = False,
    deprecated_for_removal: bool = False,
    deprecated_since: str | None = None,
    deprecated_reason: str | None = None,
) -> _T:
    """Declare a config dataclass field with what oslo.config needs to know.

    Use it as the field's default: ``network_device_mtu: int =
    option(1500, deprecated_group="DEFAULT")``. The option's help is the
    field's entry in the class docstring's ``Attributes:`` section.
    """
    spec = OptionSpec(
        deprecated_group=deprecated_group,
        choices=choices,
        multi=multi,
        deprecated_for_removal=deprecated_for_removal,
        deprecated_since=deprecated_since,
        deprecated_reason=deprecated_reason,
    )
    return dataclasses.field(default=default, metadata={_SPEC_KEY: spec})


def option_spec(config_field: dataclasses.Field[Any]) -> OptionSpec:
    """The :class:`OptionSpec` of a config dataclass field (empty if none)."""
    spec = config_field.metadata.get(_SPEC_KEY, _NO_SPEC)
    return spec if isinstance(spec, OptionSpec) else _NO_SPEC


# --- where options come from --------------------------------------------------------------


@dataclass(frozen=True)
class PluginOptions:
    """Raw options for one plugin, and where they were read.

    Attributes:
        source: the file name, ``"<mapping>"`` or ``"<defaults>"``.
        section: the section or table the options sit in.
        values: option name to raw value (always text when read from INI).
        from_text: whether the values are text to be parsed (INI files).
        fallback: the INI file's ``[DEFAULT]`` section, where options with
            ``deprecated_group="DEFAULT"`` may still be set.
    """

    source: str
    section: str
    values: Mapping[str, Any]
    from_text: bool = False
    fallback: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ConfigSet(Mapping[str, PluginOptions]):
    """Options read by our reader: plugin name to its section's options.

    Attributes:
        source: the file name, ``"<mapping>"`` or ``"<defaults>"``.
        sections: plugin name to the options of its own section.
        fallback: an INI file's ``[DEFAULT]`` section.
        from_text: whether values are text (INI files).
    """

    source: str
    sections: Mapping[str, PluginOptions] = field(default_factory=dict)
    fallback: Mapping[str, Any] = field(default_factory=dict)
    from_text: bool = False

    def __getitem__(self, name: str) -> PluginOptions:
        return self.sections[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self.sections)

    def __len__(self) -> int:
        return len(self.sections)

    def for_plugin(self, name: str) -> PluginOptions:
        """The options of plugin *name*; an empty section when it has none.

        The empty section still carries the file's ``[DEFAULT]``, so that
        ``[DEFAULT] network_device_mtu`` reaches a plugin without a section.
        """
        own = self.sections.get(name)
        if own is not None:
            return own
        return PluginOptions(
            self.source, SECTION_PREFIX + name, {}, self.from_text, fallback=self.fallback
        )


@dataclass(frozen=True)
class OsloConfig:
    """Plugin options to register in, and read from, an oslo.config ConfigOpts.

    Attributes:
        conf: the ``oslo_config.cfg.ConfigOpts`` (usually ``cfg.CONF``).
    """

    conf: Any


def oslo_in_use() -> OsloConfig | None:
    """``cfg.CONF``, if this process has imported oslo.config; None if not.

    Only looks at ``sys.modules``: this never imports oslo.config.
    """
    module = sys.modules.get("oslo_config.cfg")
    conf = getattr(module, "CONF", None)
    return OsloConfig(conf) if conf is not None else None


def _is_config_opts(config: object) -> bool:
    module = sys.modules.get("oslo_config.cfg")
    config_opts = getattr(module, "ConfigOpts", None)
    return isinstance(config_opts, type) and isinstance(config, config_opts)


def resolve_source(config: ConfigSource) -> ConfigSet | OsloConfig:
    """Pick the mode for ``initialize(config=...)`` (see the module docstring).

    Raises:
        ConfigError: a file cannot be read or parsed.
    """
    # A ConfigOpts is itself a Mapping: test for it first.
    if _is_config_opts(config):
        return OsloConfig(config)
    if config is None:
        return oslo_in_use() or ConfigSet(DEFAULTS_SOURCE)
    return read_config(config)


def read_config(config: ConfigSource) -> ConfigSet:
    """Read a mapping, TOML or INI configuration into raw options per plugin.

    Args:
        config: ``{plugin: {option: value}}``, or the path of a ``.toml``
            file (tables named ``<plugin>`` or ``os_vif_<plugin>``), or the
            path of an INI file (sections ``[os_vif_<plugin>]``), or None.

    Raises:
        ConfigError: the file cannot be read or parsed, or is malformed.
    """
    if config is None:
        return ConfigSet(DEFAULTS_SOURCE)
    if isinstance(config, Mapping):
        return _from_mapping(config, MAPPING_SOURCE)
    path = Path(config)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise exception.ConfigError(
            source=str(path), section="", option=None, reason=f"cannot read: {exc.strerror}"
        ) from exc
    if path.suffix == ".toml":
        import tomllib  # noqa: PLC0415 (only for TOML files; kept off the import path)

        try:
            return _from_mapping(tomllib.loads(text), str(path))
        except tomllib.TOMLDecodeError as exc:
            raise exception.ConfigError(
                source=str(path), section="", option=None, reason=f"not valid TOML: {exc}"
            ) from exc
    return _from_ini(text, str(path))


def _plugin_name(section: str) -> str:
    return section.removeprefix(SECTION_PREFIX)


def _from_mapping(config: Mapping[str, Any], source: str) -> ConfigSet:
    sections: dict[str, PluginOptions] = {}
    for section, values in config.items():
        if not isinstance(values, Mapping):
            raise exception.ConfigError(
                source=source,
                section=str(section),
                option=None,
                reason="expected a table of options for the plugin",
            )
        sections[_plugin_name(str(section))] = PluginOptions(source, str(section), dict(values))
    return ConfigSet(source, sections)


def _from_ini(text: str, source: str) -> ConfigSet:
    import configparser  # noqa: PLC0415 (only for INI files; kept off the import path)

    # No configparser interpolation: nova.conf values may hold '%'
    # legitimately, and its '$name' references are oslo's (see _interpolate).
    # Not strict: nova.conf repeats keys in sections of its own ([pci]
    # device_spec); a repeated key in ours keeps the last value, as oslo does.
    # DEFAULT is read as a plain section: configparser would otherwise copy
    # its keys into every section, where they would look like unknown options.
    parser = configparser.ConfigParser(interpolation=None, default_section="\0none", strict=False)
    try:
        parser.read_string(text, source=source)
    except configparser.Error as exc:
        raise exception.ConfigError(
            source=source, section="", option=None, reason=f"not a valid INI file: {exc}"
        ) from exc
    fallback = dict(parser.items(_DEFAULT_SECTION)) if parser.has_section(_DEFAULT_SECTION) else {}
    sections = {
        _plugin_name(section): PluginOptions(
            source, section, dict(parser.items(section)), from_text=True, fallback=fallback
        )
        for section in parser.sections()
        if section.startswith(SECTION_PREFIX)
    }
    return ConfigSet(source, sections, fallback, from_text=True)


# --- building a plugin's config -----------------------------------------------------------


def unknown_options(known: Collection[str], options: PluginOptions) -> list[str]:
    """The options of *options* that are not in *known*, sorted."""
    return sorted(set(options.values) - set(known))


def deprecated_value(name: str, spec: OptionSpec, options: PluginOptions) -> tuple[bool, Any]:
    """An option's value from its deprecated group (``[DEFAULT]``), if set there.

    Returns:
        (True, raw value) when the option is absent from its own section and
        set in ``[DEFAULT]``, which it may be (``deprecated_group``); else
        (False, None). A warning is logged when it is used, as oslo does.
    """
    if spec.deprecated_group != _DEFAULT_SECTION or name in options.values:
        return False, None
    if name not in options.fallback:
        return False, None
    LOG.warning(
        "%s: [DEFAULT] %s is deprecated; set it in [%s]", options.source, name, options.section
    )
    return True, options.fallback[name]


def build_config(config_class: type[_C], options: PluginOptions | None) -> _C:
    """Build a plugin's frozen config dataclass from raw options.

    Each option is checked against its field's annotation (``bool``, ``int``,
    ``float``, ``str``, ``tuple[str, ...]``, optionally ``| None``). Text from
    INI files is parsed (``true``/``false``, numbers, comma-separated lists)
    after ``$name`` references to other options of the section or of
    ``[DEFAULT]`` are replaced, as oslo.config does; an option os-vif still
    accepts in ``[DEFAULT]`` is read from there when its section lacks it.
    An option that is not a field is logged and ignored, as oslo.config
    ignores it. The dataclass's own ``__post_init__`` may check more and
    raise ValueError.

    Raises:
        ConfigError: a wrong type, a refused value, or a reference to an
            option the file does not set.
    """
    if options is None:
        return config_class()
    hints = typing.get_type_hints(config_class)
    fields = {f.name: f for f in dataclasses.fields(config_class)}  # type: ignore[arg-type]
    unknown = unknown_options(fields, options)
    if unknown:
        LOG.warning(
            "%s: [%s]: unknown options ignored: %s (known: %s)",
            options.source,
            options.section,
            ", ".join(unknown),
            ", ".join(sorted(fields)),
        )
    kwargs: dict[str, Any] = {}
    for name, config_field in fields.items():
        if name in options.values:
            raw = options.values[name]
        else:
            found, raw = deprecated_value(name, option_spec(config_field), options)
            if not found:
                continue
        try:
            if options.from_text and isinstance(raw, str):
                raw = interpolate(raw, options)
            kwargs[name] = _convert(hints[name], raw, from_text=options.from_text)
        except (TypeError, ValueError) as exc:
            raise exception.ConfigError(
                source=options.source, section=options.section, option=name, reason=str(exc)
            ) from None
    try:
        return config_class(**kwargs)
    except (TypeError, ValueError) as exc:
        raise exception.ConfigError(
            source=options.source, section=options.section, option=None, reason=str(exc)
        ) from exc


# $name, ${name} or $$, as oslo.config substitutes them.
_REFERENCE = re.compile(r"\$(?:(?P<escaped>\$)|(?P<named>\w+)|\{(?P<braced>\w+)\})")
_MAX_DEPTH: Final = 10


def interpolate(raw: str, options: PluginOptions, depth: int = 0) -> str:
    """Replace ``$name`` and ``${name}`` in an INI value, as oslo.config does.

    A name is looked up in the option's own section, then in ``[DEFAULT]``.
    oslo.config also knows the defaults the host program registered (Nova's
    ``state_path``); a file read here has only what it sets.

    Raises:
        ValueError: a name the file does not set, or references that nest
            too deep (a loop).
    """
    if "$" not in raw:
        return raw
    if depth > _MAX_DEPTH:
        raise ValueError(f"references nest more than {_MAX_DEPTH} deep in {raw!r}")

    def replace(match: re.Match[str]) -> str:
        if match.group("escaped"):
            return "$"
        name = match.group("named") or match.group("braced")
        for values in (options.values, options.fallback):
            if name in values:
                return interpolate(str(values[name]), options, depth + 1)
        raise ValueError(
            f"${name} is not set in [{options.section}] or [DEFAULT] of the file "
            "(oslo.config mode also knows the host program's defaults)"
        )

    return _REFERENCE.sub(replace, raw)


_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}


def _to_bool(raw: Any, from_text: bool) -> bool:
    if from_text and isinstance(raw, str) and raw.strip().lower() in _TRUE | _FALSE:
        return raw.strip().lower() in _TRUE
    if isinstance(raw, bool):
        return raw
    raise TypeError(f"expected true or false, got {raw!r}")


def _to_int(raw: Any, from_text: bool) -> int:
    if from_text and isinstance(raw, str):
        return int(raw.strip(), 0)
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    raise TypeError(f"expected an integer, got {raw!r}")


def _to_float(raw: Any, from_text: bool) -> float:
    if from_text and isinstance(raw, str):
        return float(raw.strip())
    if isinstance(raw, int | float) and not isinstance(raw, bool):
        return float(raw)
    raise TypeError(f"expected a number, got {raw!r}")


def _to_str(raw: Any, from_text: bool) -> str:
    if isinstance(raw, str):
        return raw.strip() if from_text else raw
    raise TypeError(f"expected text, got {raw!r}")


def _to_str_tuple(raw: Any, from_text: bool) -> tuple[str, ...]:
    if from_text and isinstance(raw, str):
        return tuple(item.strip() for item in raw.split(",") if item.strip())
    if isinstance(raw, list | tuple) and all(isinstance(item, str) for item in raw):
        return tuple(raw)
    raise TypeError(f"expected a list of text, got {raw!r}")


_CONVERTERS: dict[Any, Any] = {
    bool: _to_bool,
    int: _to_int,
    float: _to_float,
    str: _to_str,
    tuple[str, ...]: _to_str_tuple,
}


def field_type(annotation: Any) -> tuple[Any, bool]:
    """A field annotation's value type, and whether it may be None.

    Raises:
        TypeError: a type options cannot have.
    """
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        args = typing.get_args(annotation)
        inner = [arg for arg in args if arg is not type(None)]
        if len(inner) != 1 or len(args) != 2:
            raise TypeError(f"unsupported option type {annotation!r}")
        return inner[0], True
    if annotation not in _CONVERTERS:
        raise TypeError(f"unsupported option type {annotation!r}")
    return annotation, False


def _convert(annotation: Any, raw: Any, *, from_text: bool) -> Any:
    kind, nullable = field_type(annotation)
    if nullable and (raw is None or (from_text and raw == "")):
        return None
    return _CONVERTERS[kind](raw, from_text)

"""Reading plugin configuration: a mapping, a TOML file, or an INI file.

Every source becomes one :class:`PluginOptions` per plugin: where the options
came from (for error messages) and their raw values. Each plugin then turns
its raw options into its typed, frozen config dataclass with
:func:`build_config`, which refuses unknown options and values of the wrong
type, naming the file, section and option.

An INI file is read for its ``[os_vif_<plugin>]`` sections only, so a host's
existing ``nova.conf`` can be given as it is.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

from os_vif import exception

__all__ = ["ConfigSource", "PluginOptions", "build_config", "read_config"]

SECTION_PREFIX = "os_vif_"
MAPPING_SOURCE = "<mapping>"

#: What ``initialize(config=...)`` accepts.
ConfigSource = Mapping[str, Mapping[str, Any]] | str | Path | None

_C = TypeVar("_C")


@dataclass(frozen=True)
class PluginOptions:
    """Raw options for one plugin, and where they were read.

    Attributes:
        source: the file name, or ``"<mapping>"``.
        section: the section or table the options sit in.
        values: option name to raw value (always text when read from INI).
        from_text: whether the values are text to be parsed (INI files).
    """

    source: str
    section: str
    values: Mapping[str, Any]
    from_text: bool = False


def read_config(config: ConfigSource) -> dict[str, PluginOptions]:
    """Read a configuration source into raw options per plugin name.

    Args:
        config: ``{plugin: {option: value}}``, or the path of a ``.toml``
            file (tables named ``<plugin>`` or ``os_vif_<plugin>``), or the
            path of an INI file (sections ``[os_vif_<plugin>]``), or None.

    Raises:
        ConfigError: the file cannot be read or parsed, or is malformed.
    """
    if config is None:
        return {}
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


def _from_mapping(config: Mapping[str, Any], source: str) -> dict[str, PluginOptions]:
    result: dict[str, PluginOptions] = {}
    for section, values in config.items():
        if not isinstance(values, Mapping):
            raise exception.ConfigError(
                source=source,
                section=str(section),
                option=None,
                reason="expected a table of options for the plugin",
            )
        result[_plugin_name(str(section))] = PluginOptions(source, str(section), dict(values))
    return result


def _from_ini(text: str, source: str) -> dict[str, PluginOptions]:
    import configparser  # noqa: PLC0415 (only for INI files; kept off the import path)

    # No interpolation: nova.conf values may hold '%' legitimately.
    # Not strict: nova.conf repeats keys in sections of its own ([pci]
    # device_spec); a repeated key in ours keeps the last value, as oslo does.
    parser = configparser.ConfigParser(interpolation=None, default_section="\0none", strict=False)
    try:
        parser.read_string(text, source=source)
    except configparser.Error as exc:
        raise exception.ConfigError(
            source=source, section="", option=None, reason=f"not a valid INI file: {exc}"
        ) from exc
    return {
        _plugin_name(section): PluginOptions(
            source, section, dict(parser.items(section)), from_text=True
        )
        for section in parser.sections()
        if section.startswith(SECTION_PREFIX)
    }


def build_config(config_class: type[_C], options: PluginOptions | None) -> _C:
    """Build a plugin's frozen config dataclass from raw options.

    Each option must be a field of *config_class*; its value is checked
    against the field's annotation (``bool``, ``int``, ``float``, ``str``,
    ``tuple[str, ...]``, optionally ``| None``). Text from INI files is
    parsed (``true``/``false``, numbers, comma-separated lists). The
    dataclass's own ``__post_init__`` may check more and raise ValueError.

    Raises:
        ConfigError: an unknown option, a wrong type, or a refused value.
    """
    if options is None:
        return config_class()
    hints = typing.get_type_hints(config_class)
    known = {f.name for f in dataclasses.fields(config_class)}  # type: ignore[arg-type]
    kwargs: dict[str, Any] = {}
    for name, raw in options.values.items():
        if name not in known:
            raise exception.ConfigError(
                source=options.source,
                section=options.section,
                option=name,
                reason=f"unknown option (known: {', '.join(sorted(known))})",
            )
        try:
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


def _convert(annotation: Any, raw: Any, *, from_text: bool) -> Any:
    args = typing.get_args(annotation)
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        if type(None) in args and (raw is None or (from_text and raw == "")):
            return None
        (inner,) = [arg for arg in args if arg is not type(None)]
        return _convert(inner, raw, from_text=from_text)
    converter = _CONVERTERS.get(annotation)
    if converter is None:
        raise TypeError(f"unsupported option type {annotation!r}")
    return converter(raw, from_text)

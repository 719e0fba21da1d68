"""The plugins' oslo.config options, for oslo-config-generator and Sphinx.

os-vif's path and function: the ``oslo.config.opts`` entry point ``os_vif``
names :func:`list_plugins_opts`, so ``oslo-config-generator --namespace
os_vif`` (and Nova's sample configuration) lists every plugin's group.
"""

from __future__ import annotations

import copy
from typing import Any

from os_vif._entry_points import entry_points
from os_vif._loader import ENTRY_POINT_GROUP, choose, plugin_class
from os_vif.plugin import PluginBase

__all__ = ["list_plugins_opts"]


def list_plugins_opts() -> list[tuple[str, list[Any]]]:
    """Each plugin's group and options: ``[("os_vif_<name>", [Opt, ...]), ...]``.

    The plugins are those :func:`os_vif.initialize` loaded, or, before it is
    called, those it would load (the same choice among entry points of one
    name); a plugin class that cannot be imported is left out. Plugins are
    not instantiated and nothing is registered. The options are deep copies
    of each plugin's ``CONFIG_OPTS``, sorted by plugin name; a plugin without
    options has an empty list, as with os-vif.

    Importing oslo.config is needed (the options are ``oslo_config.cfg.Opt``).
    """
    return [
        (f"os_vif_{name}", copy.deepcopy(list(cls.CONFIG_OPTS)))
        for name, cls in sorted(_plugin_classes().items())
    ]


def _plugin_classes() -> dict[str, type[PluginBase]]:
    import os_vif  # noqa: PLC0415 (the package, for its loaded plugins)

    state = os_vif._EXT_MANAGER
    if state is not None:
        return {extension.name: extension.plugin for extension in state}
    classes = {}
    chosen, _ = choose(entry_points(ENTRY_POINT_GROUP))
    for name, point in chosen.items():
        try:
            classes[name] = plugin_class(point)
        except Exception:  # noqa: S112 (a broken plugin has no options to list)
            continue
    return classes

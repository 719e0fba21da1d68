"""os-vif: plug and unplug the host side of VM and container network interfaces.

::

    import os_vif
    os_vif.initialize()            # load the installed plugins
    os_vif.plug(vif, instance)     # vif: an os_vif.objects.VIF* object
    os_vif.unplug(vif, instance)
    os_vif.plug_many(vifs)         # a batch: one report per VIF
    os_vif.unplug_many(vifs)
    os_vif.host_info()             # what this host can plug, for negotiation
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from os_vif import exception, objects, plugin, vnic_types
    from os_vif._api import (
        LoadReport,
        host_info,
        initialize,
        plug,
        plug_many,
        unplug,
        unplug_many,
    )
    from os_vif._loader import PluginSet
    from os_vif._report import PlugOutcome, VIFResult

__all__ = [
    "LoadReport",
    "PlugOutcome",
    "VIFResult",
    "exception",
    "host_info",
    "initialize",
    "objects",
    "plug",
    "plug_many",
    "plugin",
    "unplug",
    "unplug_many",
    "vnic_types",
]

# The loaded plugins, set by initialize(). os-vif keeps its stevedore
# ExtensionManager under this name, and its tests (and callers that copied
# them) forget the plugins by assigning None here; that works with us too.
_EXT_MANAGER: PluginSet | None = None

# Loaded on first use, so that ``import os_vif.objects`` (all a network-side
# service needs) does not pay for the plugin machinery.
_LAZY = {
    "LoadReport": "os_vif._api",
    "host_info": "os_vif._api",
    "initialize": "os_vif._api",
    "plug": "os_vif._api",
    "plug_many": "os_vif._api",
    "unplug": "os_vif._api",
    "unplug_many": "os_vif._api",
    "PlugOutcome": "os_vif._report",
    "VIFResult": "os_vif._report",
    "exception": "os_vif.exception",
    "objects": "os_vif.objects",
    "plugin": "os_vif.plugin",
    "vnic_types": "os_vif.vnic_types",
}


def __getattr__(name: str) -> Any:
    module_name = _LAZY.get(name)
    if module_name is None:
        raise AttributeError(f"module 'os_vif' has no attribute {name!r}")
    module = importlib.import_module(module_name)
    value = module if module_name.endswith(f".{name}") else getattr(module, name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)

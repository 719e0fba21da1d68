"""os-vif's module path of the no-op plugin: ``vif_plug_noop.noop.NoOpPlugin``.

Code written for os-vif imports the plugin from here; it is ours, from
:mod:`vif_plug_noop.plugin`.
"""

from vif_plug_noop.plugin import NoOpPlugin

__all__ = ["NoOpPlugin"]

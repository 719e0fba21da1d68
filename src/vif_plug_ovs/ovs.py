"""os-vif's module path of the Open vSwitch plugin: ``vif_plug_ovs.ovs.OvsPlugin``.

Code written for os-vif imports the plugin from here; it is ours, from
:mod:`vif_plug_ovs.plugin`.
"""

from vif_plug_ovs.plugin import OvsPlugin

__all__ = ["OvsPlugin"]

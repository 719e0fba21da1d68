"""The module path of os-vif's former Linux bridge plugin (os-vif 3.x and older).

``vif_plug_linux_bridge.linux_bridge.LinuxBridgePlugin``; it is ours, from
:mod:`vif_plug_linux_bridge.plugin`.
"""

from vif_plug_linux_bridge.plugin import LinuxBridgePlugin

__all__ = ["LinuxBridgePlugin"]

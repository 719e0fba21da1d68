"""The ``linux_bridge`` plugin: VIFBridge on a Linux bridge, over netlink."""

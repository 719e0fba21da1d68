"""The Open vSwitch plugin for os-vif.

The plugin itself is built on :mod:`vif_plug_ovs._ovsdb`, a small client for
the OVSDB management protocol (RFC 7047) that speaks to ``ovsdb-server``
directly.
"""

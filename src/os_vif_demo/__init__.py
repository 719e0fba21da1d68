"""``os-vif demo``: an application of the public os-vif API, on a real kernel.

Two guests in network namespaces are plugged, pinged, unplugged and removed,
through :func:`os_vif.initialize`, :func:`os_vif.plug` and
:func:`os_vif.unplug`, on a Linux bridge (``linux_bridge``) or on Open
vSwitch (``ovs``, with private daemons from :mod:`vif_plug_ovs.sandbox`).
Everything happens in namespaces the demo creates, so the host's own network
is never touched.

The ``os-vif`` command finds it through entry-point group
``os_vif.commands`` (:mod:`os_vif_demo.command`); the library never imports
it. Its modules, one job each:

* ``command``: the sub-command's arguments, and the checks on them;
* ``_run``: a run from start to end, ``--cleanup``, signals, privileges;
* ``_tour``: the steps every backend goes through, and the clean-up;
* ``_bridge``, ``_ovs``: the Linux bridge and Open vSwitch tours;
* ``_ovs_records``, ``_ovs_state``: what the OVS tour shows, and what it
  keeps on disk for ``--cleanup``;
* ``_host``, ``_ping``: the namespaces and guests, and the ping;
* ``_output``, ``_errors``: what it prints, and how it fails.
"""

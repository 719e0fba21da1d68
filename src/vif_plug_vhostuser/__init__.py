"""The ``vhostuser`` plugin: socket directories for vhost-user backends other than OVS."""

"""The ``noop`` plugin: accepts vhost-user VIFs whose backend does the host work."""

"""Options of the ovs plugin (section ``[os_vif_ovs]``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Final

from os_vif.plugin import PluginConfig, option

__all__ = ["QOS_TYPES", "OvsConfig"]

#: The QoS types ``default_qos_type`` may name (those os-vif accepts).
QOS_TYPES: Final = (
    "linux-htb",
    "linux-hfsc",
    "linux-sfq",
    "linux-codel",
    "linux-fq_codel",
    "linux-noop",
)
_OVSDB_INTERFACES: Final = ("native", "vsctl")
# The active connection strings the OVSDB client opens (see _ovsdb._wire);
# kept here so that loading the options does not import the client.
_REMOTE_SCHEMES: Final = ("tcp:", "unix:", "ssl:")
_MIN_MTU: Final = 68
_MAX_MTU: Final = 65535
# os-vif reads ovs_vsctl_timeout = 0 as "no limit"; a day stands in for it
# (waits need a finite deadline).
_NO_LIMIT: Final = 86400.0


@dataclass(frozen=True)
class OvsConfig(PluginConfig):
    """How the plugin reaches OVSDB and builds ports.

    The options os-vif's OVS plugin reads keep their names and defaults, so an
    existing ``nova.conf`` section loads as it is; ``ovsdb_interface`` is
    accepted and ignored (this plugin always speaks the native protocol).

    Attributes:
        network_device_mtu: the MTU when the network gives none.
        ovs_vsctl_timeout: seconds an OVSDB transaction may take, including
            the wait for ovs-vswitchd; 0 means no limit (in practice a day).
        ovsdb_connection: ``tcp:HOST:PORT``, ``unix:PATH`` or
            ``ssl:HOST:PORT``.
        ovsdb_interface: accepted for compatibility (``native`` or
            ``vsctl``); unused.
        ssl_key_file: the client's private key, for ``ssl:``.
        ssl_cert_file: the client's certificate, for ``ssl:``.
        ssl_ca_cert_file: the CA certificate that signed the server's, for
            ``ssl:``.
        isolate_vif: put new ports on the dead VLAN 4095 until the network
            agent binds them (for the Neutron OVS agent only).
        per_port_bridge: plug each VIFOpenVSwitch into a bridge of its own,
            patched to the integration bridge.
        default_qos_type: the QoS type given to new ports on ``system``
            datapath bridges (``linux-noop``: the qdisc is left alone).
        wait_for_vswitchd: return from plug/unplug once ovs-vswitchd has
            applied the change (as os-vif and ``ovs-vsctl`` do); False
            returns as soon as the database has it.
    """

    network_device_mtu: int = option(1500, deprecated_group="DEFAULT")
    ovs_vsctl_timeout: int = option(120, deprecated_group="DEFAULT")
    ovsdb_connection: str = "tcp:127.0.0.1:6640"
    ovsdb_interface: str = option(
        "native",
        choices=_OVSDB_INTERFACES,
        deprecated_for_removal=True,
        deprecated_since="2.2.0",
        deprecated_reason="Only the native OVSDB protocol is spoken; the value is not used.",
    )
    ssl_key_file: str | None = None
    ssl_cert_file: str | None = None
    ssl_ca_cert_file: str | None = None
    isolate_vif: bool = False
    per_port_bridge: bool = False
    default_qos_type: str = option("linux-noop", choices=QOS_TYPES)
    wait_for_vswitchd: bool = True

    def __post_init__(self) -> None:
        if not _MIN_MTU <= self.network_device_mtu <= _MAX_MTU:
            raise ValueError(
                f"network_device_mtu {self.network_device_mtu} is outside {_MIN_MTU}..{_MAX_MTU}"
            )
        if self.ovs_vsctl_timeout < 0:
            raise ValueError(f"ovs_vsctl_timeout must be 0 or more, got {self.ovs_vsctl_timeout}")
        scheme, _, where = self.ovsdb_connection.partition(":")
        if f"{scheme}:" not in _REMOTE_SCHEMES or not where:
            raise ValueError(
                f"ovsdb_connection {self.ovsdb_connection!r} is not a tcp:, unix: or ssl: "
                "connection string"
            )
        if self.ovsdb_interface not in _OVSDB_INTERFACES:
            raise ValueError(
                f"ovsdb_interface must be one of {', '.join(_OVSDB_INTERFACES)}, "
                f"got {self.ovsdb_interface!r}"
            )
        if self.default_qos_type not in QOS_TYPES:
            raise ValueError(
                f"default_qos_type must be one of {', '.join(QOS_TYPES)}, "
                f"got {self.default_qos_type!r}"
            )
        if self.ovsdb_connection.startswith("ssl:"):
            self._check_ssl_files()

    def _check_ssl_files(self) -> None:
        for name in ("ssl_key_file", "ssl_cert_file", "ssl_ca_cert_file"):
            path = getattr(self, name)
            if not path:
                raise ValueError(f"an ssl: ovsdb_connection needs {name}")
            if not os.path.isfile(path):
                raise ValueError(f"{name} {path!r} does not exist")

    @property
    def timeout(self) -> float:
        """The OVSDB transaction timeout in seconds (``ovs_vsctl_timeout``)."""
        return float(self.ovs_vsctl_timeout) if self.ovs_vsctl_timeout else _NO_LIMIT

    @property
    def ssl_files(self) -> tuple[str, str, str] | None:
        """(key, certificate, CA certificate) for an ``ssl:`` connection, else None."""
        if not self.ovsdb_connection.startswith("ssl:"):
            return None
        # __post_init__ made sure all three are set for ssl:.
        return (self.ssl_key_file or "", self.ssl_cert_file or "", self.ssl_ca_cert_file or "")

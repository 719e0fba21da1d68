"""The ovs plugin's options: os-vif's names and defaults, checked values."""

from __future__ import annotations

import pytest

from os_vif import exception
from os_vif._config import PluginOptions, read_config
from vif_plug_ovs.config import QOS_TYPES, OvsConfig
from vif_plug_ovs.plugin import OvsPlugin


def load(**options):
    return OvsPlugin.load("ovs", PluginOptions("<test>", "os_vif_ovs", options)).config


def test_defaults_are_os_vifs():
    config = OvsConfig()
    assert config.network_device_mtu == 1500
    assert config.ovs_vsctl_timeout == 120
    assert config.timeout == 120.0
    assert config.ovsdb_connection == "tcp:127.0.0.1:6640"
    assert config.isolate_vif is False
    assert config.per_port_bridge is False
    assert config.default_qos_type == "linux-noop"
    assert config.wait_for_vswitchd is True
    assert config.ssl_files is None


def test_a_nova_conf_section_loads_as_it_is(tmp_path):
    path = tmp_path / "nova.conf"
    path.write_text(
        "[DEFAULT]\ncompute_driver = libvirt.LibvirtDriver\n\n"
        "[os_vif_ovs]\n"
        "ovsdb_connection = unix:/run/openvswitch/db.sock\n"
        "ovsdb_interface = native\n"
        "ovs_vsctl_timeout = 30\n"
        "network_device_mtu = 9000\n"
        "isolate_vif = True\n"
        "per_port_bridge = False\n"
        "default_qos_type = linux-htb\n"
    )
    options = read_config(path)["ovs"]
    config = OvsPlugin.load("ovs", options).config
    assert config == OvsConfig(
        ovsdb_connection="unix:/run/openvswitch/db.sock",
        ovs_vsctl_timeout=30,
        network_device_mtu=9000,
        isolate_vif=True,
        default_qos_type="linux-htb",
    )


@pytest.mark.parametrize("qos_type", QOS_TYPES)
def test_every_os_vif_qos_type_is_accepted(qos_type):
    assert load(default_qos_type=qos_type).default_qos_type == qos_type


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"default_qos_type": "linux-fancy"}, "default_qos_type"),
        ({"ovsdb_connection": "http://127.0.0.1:6640"}, "ovsdb_connection"),
        ({"ovsdb_connection": "punix:/run/db.sock"}, "ovsdb_connection"),
        ({"ovsdb_interface": "idl"}, "ovsdb_interface"),
        ({"network_device_mtu": 40}, "network_device_mtu"),
        ({"ovs_vsctl_timeout": -1}, "ovs_vsctl_timeout"),
        ({"ovsdb_connection": "ssl:10.0.0.1:6640"}, "ssl_key_file"),
        ({"isolate_vif": "maybe"}, "isolate_vif"),
    ],
)
def test_bad_options_are_refused_naming_them(options, message):
    with pytest.raises(exception.ConfigError, match=message):
        load(**options)


def test_an_unknown_option_is_ignored_with_a_warning(caplog):
    # oslo.config ignores options it does not know; a typo in nova.conf must
    # not stop the plugin loading, but the operator is told.
    assert load(ovsdb_timeout=5, isolate_vif=True) == OvsConfig(isolate_vif=True)
    assert "ovsdb_timeout" in caplog.text


def test_deprecated_default_section_names_are_read(tmp_path, caplog):
    # os-vif's ovs options moved out of [DEFAULT] but may still be set there.
    path = tmp_path / "nova.conf"
    path.write_text("[DEFAULT]\nnetwork_device_mtu = 9000\novs_vsctl_timeout = 5\n")
    config = OvsPlugin.load("ovs", read_config(path).for_plugin("ovs")).config
    assert (config.network_device_mtu, config.ovs_vsctl_timeout) == (9000, 5)
    assert "[DEFAULT] network_device_mtu is deprecated" in caplog.text
    path.write_text(
        "[DEFAULT]\nnetwork_device_mtu = 9000\n\n[os_vif_ovs]\nnetwork_device_mtu = 1450\n"
    )
    assert OvsPlugin.load("ovs", read_config(path)["ovs"]).config.network_device_mtu == 1450


def test_zero_timeout_means_no_limit():
    assert load(ovs_vsctl_timeout=0).timeout >= 3600


def test_ssl_needs_three_existing_files(tmp_path):
    files = {}
    for option in ("ssl_key_file", "ssl_cert_file", "ssl_ca_cert_file"):
        path = tmp_path / option
        path.write_text("PEM")
        files[option] = str(path)
    config = load(ovsdb_connection="ssl:10.0.0.1:6640", **files)
    assert config.ssl_files == (
        files["ssl_key_file"],
        files["ssl_cert_file"],
        files["ssl_ca_cert_file"],
    )
    with pytest.raises(exception.ConfigError, match="does not exist"):
        load(
            ovsdb_connection="ssl:10.0.0.1:6640",
            **{**files, "ssl_ca_cert_file": str(tmp_path / "missing.pem")},
        )


def test_ssl_files_are_ignored_for_other_connections():
    config = load(ovsdb_connection="tcp:10.0.0.1:6640", ssl_key_file="/nonexistent")
    assert config.ssl_files is None

"""The ovs plugin's decisions, without a host: describe, checks, port rules.

Nothing here touches the kernel or OVSDB: bad input is refused before any
host work, and the port command is built from the VIF and the options alone.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from fixtures.ovs_plugin import hostdev_vif, hybrid_vif, instance, ovs_vif, vhostuser_vif
from os_vif import exception, objects
from os_vif._config import PluginOptions
from vif_plug_ovs._commands import QOS_UUID_NAMESPACE, vif_qos
from vif_plug_ovs._dispatch import HANDLERS
from vif_plug_ovs._vif import checked
from vif_plug_ovs._work import Work, vif_port
from vif_plug_ovs.exception import (
    MissingPortProfile,
    MissingVIFField,
    TapCreationNotSupported,
    WrongPortProfile,
)
from vif_plug_ovs.plugin import OvsPlugin

UNREACHABLE = "unix:/nonexistent/db.sock"


def plugin(**options):
    values = {"ovsdb_connection": UNREACHABLE, **options}
    return OvsPlugin.load("ovs", PluginOptions("<test>", "os_vif_ovs", values))


def port_for(vif, port="p0", **options):
    config = plugin(**options).config
    handler = HANDLERS[type(vif)]
    target = checked(vif, config, default_datapath=handler.default_datapath)
    work = Work(config, None, None, Path("/sys"))
    return vif_port(work, target, port, instance())


# --- describe ---------------------------------------------------------------------------


def test_describe_declares_what_os_vif_declares():
    info = plugin().describe()
    assert info.plugin_name == "ovs"
    declared = {
        vif.vif_object_name: [p.profile_object_name for p in vif.supported_port_profiles]
        for vif in info.vif_info
    }
    ovs, rep = "VIFPortProfileOpenVSwitch", "VIFPortProfileOVSRepresentor"
    assert declared == {
        "VIFBridge": [ovs],
        "VIFOpenVSwitch": [ovs],
        "VIFVHostUser": [ovs, rep],
        "VIFHostDevice": [ovs, rep],
    }


def test_describe_versions_come_from_the_classes():
    for vif_info in plugin().describe().vif_info:
        cls = getattr(objects, vif_info.vif_object_name)
        assert (vif_info.min_version, vif_info.max_version) == (
            cls.obj_versions()[0],
            cls.VERSION,
        )
        for profile in vif_info.supported_port_profiles:
            profile_cls = getattr(objects, profile.profile_object_name)
            assert profile.max_version == profile_cls.VERSION


def test_an_undeclared_vif_type_is_refused():
    vif = objects.VIFGeneric(id=str(uuid.uuid4()), plugin="ovs", vif_name="tap0")
    with pytest.raises(exception.UnsupportedVIF):
        plugin().plug(vif, None)


# --- checks, shared by plug and unplug ---------------------------------------------------


def _bad(vif, **changes):
    for field, value in changes.items():
        if value is _DELETE:
            delattr(vif, field)
        else:
            setattr(vif, field, value)
    return vif


_DELETE = object()


@pytest.mark.parametrize(
    ("make", "error"),
    [
        (lambda: _bad(ovs_vif("br-int"), port_profile=_DELETE), MissingPortProfile),
        (
            lambda: _bad(
                ovs_vif("br-int"), port_profile=objects.VIFPortProfile8021Qbh(profile_id="x")
            ),
            WrongPortProfile,
        ),
        (lambda: _bad(ovs_vif("br-int"), network=None), MissingVIFField),
        (lambda: ovs_vif("br int"), exception.InvalidDeviceName),
        (lambda: ovs_vif("br-int", vif_name="tap/0"), exception.InvalidDeviceName),
        (lambda: hybrid_vif("br-int", vif_name="t" * 16), exception.InvalidDeviceName),
        (lambda: _bad(hybrid_vif("br-int"), bridge_name="qbr:1"), exception.InvalidDeviceName),
        (lambda: hybrid_vif("br-int", create_tap=True), TapCreationNotSupported),
        (lambda: vhostuser_vif("br-int", create_tap=True), TapCreationNotSupported),
        (lambda: vhostuser_vif("br-int", mode="server", path=""), MissingVIFField),
    ],
)
@pytest.mark.parametrize("verb", ["plug", "unplug"])
def test_bad_input_is_refused_before_host_work(make, error, verb):
    with pytest.raises(error):
        getattr(plugin(), verb)(make(), None)


@pytest.mark.parametrize(
    "make",
    [
        lambda: hybrid_vif("br-int"),
        lambda: vhostuser_vif("br-int"),
        lambda: ovs_vif("br-int", create_port=True),
        lambda: ovs_vif("br-int", create_port=False, create_tap=True),
    ],
)
def test_a_port_needs_the_mac_address(make):
    vif = _bad(make(), address=None)
    with pytest.raises(MissingVIFField, match="address"):
        plugin().plug(vif, None)


def test_tap_creation_message_names_the_vif_type():
    with pytest.raises(TapCreationNotSupported, match="VIFBridge"):
        plugin().plug(hybrid_vif("br-int", create_tap=True), None)


# --- what a port gets ---------------------------------------------------------------------


def test_datapath_defaults_by_vif_type():
    config = plugin().config
    cases = [
        (ovs_vif("br-int", datapath_type=None), "system"),
        (hybrid_vif("br-int", datapath_type=None), "system"),
        (hostdev_vif("br-int", "0000:03:00.1", datapath_type=None), "system"),
        (vhostuser_vif("br-int", datapath_type=None), "netdev"),
        (vhostuser_vif("br-int", datapath_type="system"), "system"),
        (ovs_vif("br-int", datapath_type="netdev"), "netdev"),
    ]
    for vif, datapath in cases:
        default = HANDLERS[type(vif)].default_datapath
        assert checked(vif, config, default_datapath=default).datapath_type == datapath


def test_mtu_is_the_networks_or_the_configured_one():
    config = plugin(network_device_mtu=1300).config
    assert checked(ovs_vif("br-int", mtu=9000), config, default_datapath="system").mtu == 9000
    assert checked(ovs_vif("br-int", mtu=None), config, default_datapath="system").mtu == 1300


def test_qos_only_on_the_system_datapath():
    system = port_for(ovs_vif("br-int", datapath_type="system"), default_qos_type="linux-hfsc")
    assert system.qos == vif_qos("p0", "linux-hfsc")
    assert system.qos.external_ids == {
        "id": str(uuid.uuid5(QOS_UUID_NAMESPACE, "p0")),
        "_type": "linux-hfsc",
    }
    assert port_for(ovs_vif("br-int", datapath_type="netdev")).qos is None
    assert port_for(ovs_vif("br-int", datapath_type=None)).qos is not None


def test_vhostuser_without_datapath_gets_qos_as_with_os_vif():
    # os-vif makes the bridge netdev but decides QoS as if the datapath were
    # system when the profile names none; the records follow os-vif.
    assert port_for(vhostuser_vif("br-int", datapath_type=None)).qos is not None
    assert port_for(vhostuser_vif("br-int", datapath_type="netdev")).qos is None


def test_isolation_only_when_asked_and_never_on_trunk_bridges():
    plain = port_for(ovs_vif("br-int"))
    assert (plain.tag, plain.vlan_mode, plain.trunks) == (None, None, None)
    isolated = port_for(ovs_vif("br-int"), isolate_vif=True)
    assert (isolated.tag, isolated.vlan_mode, list(isolated.trunks)) == (4095, "trunk", [4095])
    assert isolated.keep_existing_vlan  # a bound port keeps the agent's VLAN
    trunk = port_for(ovs_vif("tbr-0123"), isolate_vif=True)
    assert (trunk.tag, trunk.vlan_mode, trunk.trunks) == (None, None, None)
    assert trunk.external_ids["bridge_name"] == "tbr-0123"
    assert "bridge_name" not in isolated.external_ids


def test_external_ids_name_the_neutron_port_mac_and_instance():
    vif, inst = ovs_vif("br-int"), instance()
    config = plugin().config
    target = checked(vif, config, default_datapath="system")
    assert target.external_ids(inst, bridge="br-int") == {
        "iface-id": vif.port_profile.interface_id,
        "iface-status": "active",
        "attached-mac": vif.address,
        "vm-uuid": inst.uuid,
    }
    assert "vm-uuid" not in target.external_ids(None, bridge="br-int")

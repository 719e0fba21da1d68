"""Construction, reading, equality and change tracking of versioned objects."""

from __future__ import annotations

import copy
import pickle

import pytest

from fixtures.objects import make_network, make_subnet, make_vif_ovs
from os_vif import exception, objects
from os_vif.objects import base


def test_every_class_is_reachable_from_the_package_and_its_submodule():
    from os_vif.objects import fixed_ip, host_info, instance_info, network, route, subnet, vif

    modules = [fixed_ip, host_info, instance_info, network, route, subnet, vif]
    for name, cls in base.obj_registry().items():
        assert getattr(objects, name) is cls
        assert any(getattr(module, name, None) is cls for module in modules)


def test_registry_holds_every_reference_class():
    expected = {
        "InstanceInfo": "1.0", "FixedIP": "1.0", "FixedIPList": "1.0", "Route": "1.0",
        "RouteList": "1.0", "Subnet": "1.0", "SubnetList": "1.0", "Network": "1.1",
        "VIFBase": "1.0", "VIFGeneric": "1.0", "VIFBridge": "1.0", "VIFOpenVSwitch": "1.0",
        "VIFDirect": "1.0", "VIFVHostUser": "1.1", "VIFHostDevice": "1.0",
        "VIFNestedDPDK": "1.0", "DatapathOffloadBase": "1.0",
        "DatapathOffloadRepresentor": "1.0", "VIFPortProfileBase": "1.1",
        "VIFPortProfileOpenVSwitch": "1.4", "VIFPortProfileFPOpenVSwitch": "1.4",
        "VIFPortProfileOVSRepresentor": "1.4", "VIFPortProfileFPBridge": "1.1",
        "VIFPortProfileFPTap": "1.1", "VIFPortProfile8021Qbg": "1.1",
        "VIFPortProfile8021Qbh": "1.1", "VIFPortProfileK8sDPDK": "1.1",
        "HostPortProfileInfo": "1.0", "HostVIFInfo": "1.1", "HostPluginInfo": "1.0",
        "HostInfo": "1.0",
    }  # fmt: skip
    assert {name: cls.VERSION for name, cls in base.obj_registry().items()} == expected
    for cls in base.obj_registry().values():
        assert cls.OBJ_PROJECT_NAMESPACE == "os_vif"


def test_fields_order_is_own_then_inherited():
    assert list(objects.VIFBridge.fields)[:3] == ["vif_name", "bridge_name", "id"]
    assert list(objects.VIFPortProfileFPOpenVSwitch.fields) == [
        "bridge_name", "hybrid_plug", "interface_id", "profile_id", "datapath_type",
        "create_port", "create_tap", "multiqueue", "datapath_offload",
    ]  # fmt: skip


def test_unset_field_reads_default_or_raises():
    vif = objects.VIFBridge(id="7f3e9b1c-2d4a-4e5f-8a6b-9c0d1e2f3a4b")
    assert vif.active is True
    assert vif.preserve_on_delete is False
    assert "active" not in vif  # a default is not a set value...
    assert "active" not in vif.obj_to_primitive()["versioned_object.data"]  # ...nor on the wire
    with pytest.raises(exception.FieldNotSet) as info:
        _ = vif.vif_name
    assert (info.value.object_name, info.value.field) == ("VIFBridge", "vif_name")
    assert isinstance(info.value, AttributeError)
    assert not hasattr(vif, "network")


def test_contains_and_attr_is_set():
    vif = objects.VIFBridge(vif_name="tap0")
    assert "vif_name" in vif
    assert "bridge_name" not in vif
    assert vif.obj_attr_is_set("vif_name")
    assert "nonsense" not in vif
    with pytest.raises(exception.InvalidFieldValue, match="no such field"):
        vif.obj_attr_is_set("nonsense")


def test_unknown_keywords_are_plain_attributes_off_the_wire():
    # As os-vif keeps them (Nova passes vif_name= to VIFHostDevice).
    vif = objects.VIFHostDevice(id="2ea4cd0e-85b2-4d25-9c13-ebd4e6e5e0e4", vif_name="tap0")
    assert vif.vif_name == "tap0"
    assert "vif_name" not in vif
    assert vif.obj_what_changed() == {"id"}
    assert vif.obj_to_primitive()["versioned_object.data"] == {
        "id": "2ea4cd0e-85b2-4d25-9c13-ebd4e6e5e0e4"
    }
    vif.bogus = 1
    assert vif.bogus == 1
    assert vif == objects.VIFHostDevice(id="2ea4cd0e-85b2-4d25-9c13-ebd4e6e5e0e4")
    assert vif.obj_clone().bogus == 1
    del vif.bogus
    with pytest.raises(AttributeError, match="bogus"):
        _ = vif.bogus
    with pytest.raises(exception.InvalidFieldValue, match=r"VIFBridge\.bogus: no such field"):
        objects.VIFBridge().obj_attr_is_set("bogus")


def test_delete_unsets():
    vif = objects.VIFBridge(vif_name="tap0")
    del vif.vif_name
    assert "vif_name" not in vif
    assert "vif_name" not in vif.obj_what_changed()


def test_network_constructor_defaults_like_os_vif():
    network = objects.Network()
    assert network.obj_what_changed() == {
        "subnets", "multi_host", "should_provide_bridge", "should_provide_vlan", "mtu",
    }  # fmt: skip
    assert len(network.subnets) == 0
    assert network.mtu is None
    assert objects.Network().subnets is not network.subnets  # each its own list
    given = objects.Network(multi_host=True, mtu=9000)
    assert (given.multi_host, given.mtu) == (True, 9000)


def test_list_objects_are_sequences():
    first, second = make_subnet(), make_subnet(cidr="10.0.0.0/24")
    subnets = objects.SubnetList([first, second])
    assert objects.SubnetList(objects=[first, second]) == subnets
    assert len(subnets) == 2
    assert list(subnets) == [first, second]
    assert subnets[1] is second
    assert subnets[-1] is second
    assert isinstance(subnets[:1], objects.SubnetList)
    assert subnets[:1].objects == [first]
    assert second in subnets
    assert subnets.index(second) == 1
    assert subnets.count(first) == 1
    assert not objects.SubnetList()
    with pytest.raises(TypeError, match="multiple values"):
        objects.SubnetList([first], objects=[second])


def test_empty_list_has_objects_without_a_change():
    # os-vif leaves 'objects' unset (so len() fails there); ours is an empty list.
    empty = objects.RouteList()
    assert empty.objects == []
    assert empty.obj_what_changed() == set()


def test_equality_is_by_value():
    assert make_vif_ovs() == make_vif_ovs()
    assert make_vif_ovs() != make_vif_ovs(vif_name="other")
    assert make_network() == make_network()
    assert make_vif_ovs() != objects.VIFBridge()
    changed = make_vif_ovs()
    changed.obj_reset_changes(recursive=True)
    assert changed == make_vif_ovs()  # change tracking is not part of the value


def test_objects_are_unhashable():
    with pytest.raises(TypeError):
        hash(objects.VIFBridge())


def test_repr_is_readable():
    text = repr(objects.VIFBridge(vif_name="tap0", address="AA:BB:CC:DD:EE:FF"))
    assert text == "VIFBridge(vif_name='tap0', address='aa:bb:cc:dd:ee:ff')"


def test_changes_of_a_new_object_are_its_keywords():
    vif = objects.VIFBridge(vif_name="tap0", plugin="linux_bridge")
    assert vif.obj_what_changed() == {"vif_name", "plugin"}
    assert vif.obj_get_changes() == {"vif_name": "tap0", "plugin": "linux_bridge"}


def test_reset_changes_and_child_propagation():
    vif = make_vif_ovs()
    vif.obj_reset_changes()
    # the children still have changes, so they show on the parent (os-vif does so)
    assert vif.obj_what_changed() == {"network", "port_profile"}
    vif.obj_reset_changes(recursive=True)
    assert vif.obj_what_changed() == set()
    vif.port_profile.profile_id = "new"
    assert vif.obj_what_changed() == {"port_profile"}
    vif.obj_reset_changes(["port_profile"], recursive=True)
    assert vif.obj_what_changed() == set()


def test_list_changes_ignore_changes_inside_items():
    subnets = objects.SubnetList([make_subnet()])
    subnets.obj_reset_changes(recursive=True)
    subnets[0].gateway = "192.168.1.2"
    # as in os-vif, a change inside an item is not a change of the list
    assert subnets.obj_what_changed() == set()


def test_clone_copy_and_pickle_are_deep_and_equal():
    vif = make_vif_ovs()
    pickled = pickle.loads(pickle.dumps(vif))  # noqa: S301 (our own bytes)
    for twin in (vif.obj_clone(), copy.deepcopy(vif), pickled):
        assert twin == vif
        assert twin.network is not vif.network
        assert twin.obj_what_changed() == vif.obj_what_changed()


def test_versions_and_layouts():
    ovs = objects.VIFPortProfileOpenVSwitch
    assert ovs.obj_versions() == ("1.0", "1.1", "1.2", "1.3", "1.4")
    assert ovs.obj_fields_at("1.0") == ("interface_id", "profile_id")
    assert ovs.obj_fields_at("1.2") == (
        "interface_id", "profile_id", "datapath_type", "datapath_offload",
    )  # fmt: skip
    assert set(ovs.obj_fields_at("1.4")) == set(ovs.fields)
    assert "datapath_offload" not in objects.VIFPortProfile8021Qbh.obj_fields_at("1.0")
    assert "datapath_offload" in objects.VIFPortProfile8021Qbh.obj_fields_at("1.1")
    assert "vif_name" not in objects.VIFVHostUser.obj_fields_at("1.0")
    assert "mtu" not in objects.Network.obj_fields_at("1.0")
    assert "supported_port_profiles" not in objects.HostVIFInfo.obj_fields_at("1.0")


def test_parent_versions_must_be_declared_when_the_parent_changed():
    with pytest.raises(TypeError, match="must declare PARENT_VERSIONS"):

        class Undeclared(objects.VIFPortProfileBase, register=False):
            VERSION = "1.0"

    with pytest.raises(TypeError, match="map each own version"):

        class Incomplete(objects.VIFPortProfileBase, register=False):
            VERSION = "1.1"
            PARENT_VERSIONS = {"1.0": "1.0"}  # noqa: RUF012

    with pytest.raises(TypeError, match=r"MAJOR\.MINOR"):

        class BadVersion(objects.VIFBase, register=False):
            VERSION = "one"


def test_recursive_reset_follows_changed_fields_only_like_os_vif():
    subnet = make_subnet()
    subnets = objects.SubnetList([subnet])
    subnets.obj_reset_changes()  # 'objects' no longer counts as changed...
    subnets.obj_reset_changes(recursive=True)
    assert "cidr" in subnet.obj_what_changed()  # ...so its items keep theirs


def test_register_all_is_accepted():
    objects.register_all()

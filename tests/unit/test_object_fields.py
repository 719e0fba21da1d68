"""Coercion and validation of every field type, on assignment."""

from __future__ import annotations

import ipaddress
import uuid

import pytest

from os_vif import exception, objects
from os_vif.objects import fields

UUID = "7f3e9b1c-2d4a-4e5f-8a6b-9c0d1e2f3a4b"


def _fixed_ip(address):
    return objects.FixedIP(address=address)


@pytest.mark.parametrize(
    ("given", "wire"),
    [
        ("192.168.1.1", "192.168.1.1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
        # netaddr (so os-vif) writes IPv4-mapped and -compatible forms dotted
        ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
        ("0:0:0:0:0:ffff:102:304", "::ffff:1.2.3.4"),
        ("::1.2.3.4", "::1.2.3.4"),
        ("::ffff:0:0", "::ffff:0.0.0.0"),
        ("::0.0.0.1", "::1"),
        ("64:ff9b::1.2.3.4", "64:ff9b::102:304"),
        (3232235777, "192.168.1.1"),
        (ipaddress.ip_address("10.0.0.1"), "10.0.0.1"),
    ],
)
def test_ip_address_normalised_to_wire_text(given, wire):
    fixed = _fixed_ip(given)
    assert fixed.obj_to_primitive()["versioned_object.data"]["address"] == wire
    assert str(fixed.address) == wire
    assert fixed.address == ipaddress.ip_address(wire)


@pytest.mark.parametrize(
    "bad", ["1.2.3", "010.1.1.1", " 1.2.3.4", "fe80::1%eth0", "192.168.1.1/24", "", b"1.2.3.4", 1.5]
)
def test_ip_address_rejects(bad):
    with pytest.raises(exception.InvalidFieldValue) as info:
        _fixed_ip(bad)
    assert info.value.object_name == "FixedIP"
    assert info.value.field == "address"
    assert info.value.value == bad
    assert isinstance(info.value, ValueError)
    assert "FixedIP.address" in str(info.value)


@pytest.mark.parametrize(
    ("given", "wire"),
    [
        ("192.168.1.5/24", "192.168.1.5/24"),  # host bits kept, as os-vif does
        ("192.168.1.5", "192.168.1.5/32"),
        ("2001:db8::", "2001:db8::/128"),
        ("192.168.1.0/255.255.255.0", "192.168.1.0/24"),
        ("192.168.1.0/0.0.0.255", "192.168.1.0/24"),
        ("192.168.1.0/032", "192.168.1.0/32"),
        ("2001:DB8::5/64", "2001:db8::5/64"),
        ("2001:db8::/ffff:ffff::", "2001:db8::/32"),
        ("::ffff:1.2.3.4/120", "::ffff:1.2.3.4/120"),
        (ipaddress.ip_network("10.0.0.0/8"), "10.0.0.0/8"),
    ],
)
def test_ip_network_normalised(given, wire):
    route = objects.Route(cidr=given)
    assert route.obj_to_primitive()["versioned_object.data"]["cidr"] == wire
    assert str(route.cidr) == wire


def test_ip_network_is_an_ipaddress_interface():
    cidr = objects.Route(cidr="192.168.1.5/24").cidr
    assert isinstance(cidr, ipaddress.IPv4Interface)
    assert cidr.network == ipaddress.ip_network("192.168.1.0/24")
    assert str(cidr.netmask) == "255.255.255.0"
    assert cidr == ipaddress.ip_interface("192.168.1.5/24")


@pytest.mark.parametrize(
    "bad", ["10/8", "10.0.0.0/33", "2001:db8::/129", "2001:db8::/ffff::ff", "x", "/", 42]
)
def test_ip_network_rejects(bad):
    with pytest.raises(exception.InvalidFieldValue, match=r"Route\.cidr"):
        objects.Route(cidr=bad)


def test_list_of_ip_addresses():
    fixed = objects.FixedIP(floating_ips=("203.0.113.1", "2001:DB8::2"))
    assert fixed.obj_to_primitive()["versioned_object.data"]["floating_ips"] == [
        "203.0.113.1",
        "2001:db8::2",
    ]
    with pytest.raises(exception.InvalidFieldValue, match="expected a list"):
        objects.FixedIP(floating_ips="203.0.113.1")
    with pytest.raises(exception.InvalidFieldValue):
        objects.FixedIP(floating_ips=["203.0.113.1", None])


@pytest.mark.parametrize(
    ("given", "stored"),
    [("AA:BB:CC:DD:EE:FF", "aa:bb:cc:dd:ee:ff"), ("aa-bb-cc-dd-ee-0f", "aa:bb:cc:dd:ee:0f")],
)
def test_mac_normalised(given, stored):
    assert objects.VIFBridge(address=given).address == stored


@pytest.mark.parametrize("bad", ["aabbccddeeff", "aa:bb:cc:dd:ee", "zz:bb:cc:dd:ee:ff", 1, " a"])
def test_mac_rejects(bad):
    with pytest.raises(exception.InvalidFieldValue, match=r"VIFBridge\.address"):
        objects.VIFBridge(address=bad)


def test_mac_nullable():
    vif = objects.VIFBridge(address=None)
    assert vif.address is None
    assert vif.obj_to_primitive()["versioned_object.data"]["address"] is None


@pytest.mark.parametrize(
    "given", [UUID, UUID.upper(), "{" + UUID + "}", UUID.replace("-", ""), "urn:uuid:" + UUID]
)
def test_uuid_text_kept_verbatim(given):
    # os-vif sends the text it was given; so do we, so primitives match.
    assert objects.InstanceInfo(uuid=given).uuid == given


def test_uuid_object_becomes_text():
    assert objects.InstanceInfo(uuid=uuid.UUID(UUID)).uuid == UUID


@pytest.mark.parametrize("bad", ["not-a-uuid", "", "1234"])
def test_uuid_rejects(bad):
    # os-vif only warns; a VIF with a bogus id is refused here.
    with pytest.raises(exception.InvalidFieldValue, match="not a valid UUID"):
        objects.InstanceInfo(uuid=bad)


def test_string_takes_numbers_as_text_like_os_vif():
    info = objects.InstanceInfo(name=12, project_id=1.5)
    assert info.name == "12"
    assert info.project_id == "1.5"


@pytest.mark.parametrize("bad", [b"bytes", ["x"], {"a": 1}, None])
def test_string_rejects(bad):
    with pytest.raises(exception.InvalidFieldValue, match=r"InstanceInfo\.name"):
        objects.InstanceInfo(name=bad)


def test_none_on_non_nullable_says_so():
    with pytest.raises(exception.InvalidFieldValue, match="must not be None"):
        objects.VIFBridge(plugin=None)


@pytest.mark.parametrize(("given", "stored"), [(True, True), (False, False), (1, True), (0, False)])
def test_boolean_accepts(given, stored):
    assert objects.VIFBridge(active=given).active is stored


def test_none_on_a_field_with_a_default_gives_the_default():
    # oslo.versionedobjects' rule, on assignment and in a primitive alike.
    vif = objects.VIFBridge(active=None, preserve_on_delete=None)
    assert vif.active is True
    assert vif.preserve_on_delete is False
    vif.active = False
    vif.active = None
    assert vif.active is True
    assert vif.obj_to_primitive()["versioned_object.data"]["active"] is True


@pytest.mark.parametrize("bad", ["false", "true", 2, 1.0])
def test_boolean_rejects(bad):
    # os-vif applies bool(), turning "false" into True; we refuse instead.
    with pytest.raises(exception.InvalidFieldValue, match=r"VIFBridge\.active"):
        objects.VIFBridge(active=bad)


@pytest.mark.parametrize(("given", "stored"), [(12, 12), ("12", 12), (" 12 ", 12), (3.0, 3)])
def test_integer_accepts(given, stored):
    assert objects.Network(vlan=given).vlan == stored


@pytest.mark.parametrize("bad", [1.5, "x", "1.5", True, [1]])
def test_integer_rejects(bad):
    with pytest.raises(exception.InvalidFieldValue, match=r"Network\.vlan"):
        objects.Network(vlan=bad)


@pytest.mark.parametrize(
    ("given", "stored"), [("0000:0A:1F.7", "0000:0a:1f.7"), ("ffff:ff:1f.7", "ffff:ff:1f.7")]
)
def test_pci_address(given, stored):
    assert objects.VIFHostDevice(dev_address=given).dev_address == stored


@pytest.mark.parametrize(
    "bad", ["0:0:1.0", "0000:00:20.0", "0000:00:01.8", "0000:00:01.0\n", "0000:00:01.0x", 1]
)
def test_pci_address_rejects(bad):
    with pytest.raises(exception.InvalidFieldValue, match=r"VIFHostDevice\.dev_address"):
        objects.VIFHostDevice(dev_address=bad)


@pytest.mark.parametrize(
    ("cls", "field", "values"),
    [
        (objects.VIFVHostUser, "mode", fields.VIFVHostUserMode.ALL),
        (objects.VIFDirect, "mode", fields.VIFDirectMode.ALL),
        (objects.VIFHostDevice, "dev_type", fields.VIFHostDeviceDevType.ALL),
    ],
)
def test_enums(cls, field, values):
    for value in values:
        assert getattr(cls(**{field: value}), field) == value
    for bad in [values[0].upper(), "bad", 1]:
        with pytest.raises(exception.InvalidFieldValue, match="must be one of"):
            cls(**{field: bad})


def test_enum_constants():
    assert fields.VIFVHostUserMode.SERVER == "server"
    assert fields.VIFVHostUserMode.CLIENT == "client"
    assert fields.VIFDirectMode.ALL == ("vepa", "passthrough", "bridge")
    assert fields.VIFHostDeviceDevType.ETHERNET == "ethernet"


def test_object_field_checks_class():
    with pytest.raises(exception.InvalidFieldValue, match="expected a Network object"):
        objects.VIFBridge(network=objects.Subnet())
    with pytest.raises(exception.InvalidFieldValue, match="expected a VIFPortProfileBase"):
        objects.VIFBridge(port_profile=objects.Network())
    # any subclass is a port profile
    profile = objects.VIFPortProfileFPBridge(bridge_name="br0")
    assert objects.VIFBridge(port_profile=profile).port_profile is profile


def test_list_of_objects_checks_items():
    with pytest.raises(exception.InvalidFieldValue, match="expected a Subnet object"):
        objects.SubnetList([objects.Route()])


def test_assignment_is_validated_too():
    vif = objects.VIFBridge()
    vif.address = "AA:BB:CC:DD:EE:FF"
    assert vif.address == "aa:bb:cc:dd:ee:ff"
    with pytest.raises(exception.InvalidFieldValue):
        vif.address = "nope"
    assert vif.address == "aa:bb:cc:dd:ee:ff"  # unchanged after a refused write

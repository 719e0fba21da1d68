"""Interface-name rules (kernel limits) and os-vif's derived names."""

from __future__ import annotations

import pytest

from os_vif.exception import InvalidDeviceName
from os_vif.linux import names
from os_vif.linux.names import derived_name, validate_device_name

VIF_ID = "3c8b6f1e-4b1e-4e5e-9a8f-2f1e3d4c5b6a"


@pytest.mark.parametrize(
    "name",
    [
        "eth0",
        "a",
        "qbr3c8b6f1e-4b",
        "123456789012345",  # 15 bytes: the most the kernel takes
        "a.b",
        "-x",
        "vlan4094",
        "été",  # non-ASCII is fine within 15 bytes of UTF-8
        "a*b",
    ],
)
def test_valid_names_are_returned_unchanged(name: str) -> None:
    assert validate_device_name(name) == name


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("", "empty"),
        ("1234567890123456", "16 bytes"),
        ("éééééééé", "16 bytes"),  # 8 characters, 16 bytes
        ("a/b", "'/'"),
        ("a:b", "':'"),  # the kernel refuses ':' (old alias syntax)
        ("tap%d", "'%'"),  # the kernel would pick another name
        ("a b", "whitespace"),
        ("a\tb", "whitespace"),
        ("a\nb", "whitespace"),
        ("a\x00b", "control"),
        ("a\x7fb", "control"),
        ("a\u00a0b", "whitespace"),
        ("\u00e0x", "0xA0"),  # 'à' is C3 A0 in UTF-8; the kernel sees a space
        (".", "'.' or '..'"),
        ("..", "'.' or '..'"),
        ("\udcff", "UTF-8"),
    ],
)
def test_invalid_names_are_refused_with_the_reason(name: str, reason: str) -> None:
    with pytest.raises(InvalidDeviceName) as info:
        validate_device_name(name)
    assert info.value.name == name
    assert reason in info.value.reason
    assert reason in str(info.value)


@pytest.mark.parametrize("value", [None, b"eth0", 5, ["eth0"]])
def test_non_strings_are_refused(value: object) -> None:
    with pytest.raises(InvalidDeviceName, match="must be a string"):
        validate_device_name(value)


def test_invalid_device_name_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="invalid device name"):
        validate_device_name("")


@pytest.mark.parametrize(
    ("prefix", "expected"),
    [
        (names.BRIDGE_PREFIX, "qbr3c8b6f1e-4b"),
        (names.VETH_BRIDGE_PREFIX, "qvb3c8b6f1e-4b"),
        (names.VETH_OVS_PREFIX, "qvo3c8b6f1e-4b"),
        (names.VHOSTUSER_PREFIX, "vhu3c8b6f1e-4b"),
        (names.TAP_PREFIX, "tap3c8b6f1e-4b"),
        (names.PER_PORT_BRIDGE_PREFIX, "pb3c8b6f1e-4b1"),
    ],
)
def test_derived_names_match_os_vif(prefix: str, expected: str) -> None:
    # os-vif: (prefix + vif.id)[:14]
    assert derived_name(prefix, VIF_ID) == expected
    assert len(expected) == names.DERIVED_NAME_LEN


def test_short_ids_are_not_padded() -> None:
    assert derived_name("qvo", "abc") == "qvoabc"


@pytest.mark.parametrize("prefix", ["", "p" * names.DERIVED_NAME_LEN])
def test_derived_name_refuses_unusable_prefixes(prefix: str) -> None:
    with pytest.raises(InvalidDeviceName, match="prefix"):
        derived_name(prefix, VIF_ID)


def test_derived_name_refuses_an_empty_id() -> None:
    with pytest.raises(InvalidDeviceName, match="VIF id"):
        derived_name("qbr", "")


def test_derived_name_validates_the_result() -> None:
    with pytest.raises(InvalidDeviceName, match="'/'"):
        derived_name("qbr", "ab/cd")


def test_owner_alias_marks_a_vif() -> None:
    assert names.owner_alias(VIF_ID) == f"os-vif:{VIF_ID}"
    assert names.owned_by("os-vif:" + VIF_ID) == VIF_ID
    assert names.owned_by("something else") is None
    assert names.owned_by(None) is None

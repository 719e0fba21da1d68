"""Each object's schema is pinned: a field change without a version bump fails here.

When this test fails: if you changed a field, bump the class's VERSION (with a
line in its version history and the field's ``since``), then update the hash
below. Peers running os-vif depend on the schema behind each version.
"""

from __future__ import annotations

import hashlib

from os_vif.objects.base import obj_registry

EXPECTED = {
    "DatapathOffloadBase": "1.0-1698812441998b26",
    "DatapathOffloadRepresentor": "1.0-c5556fae65c3184b",
    "FixedIP": "1.0-ea9eb4daea1d8c70",
    "FixedIPList": "1.0-4f96c6a3fdfcd1ad",
    "HostInfo": "1.0-985a46fd52f6a53a",
    "HostPluginInfo": "1.0-ed2a5b269aab13b5",
    "HostPortProfileInfo": "1.0-d22ec43d44f61591",
    "HostVIFInfo": "1.1-3b1ed740be929097",
    "InstanceInfo": "1.0-e63afdf42ed631d7",
    "Network": "1.1-f5f32e75754a5ed5",
    "Route": "1.0-b2f038ba69ba4d64",
    "RouteList": "1.0-9f20e4ab52f0230d",
    "Subnet": "1.0-45f2a31b8319c39f",
    "SubnetList": "1.0-967c50607441c9bd",
    "VIFBase": "1.0-1b49a07103cdc9be",
    "VIFBridge": "1.0-4e4aa13140e7d2d3",
    "VIFDirect": "1.0-a522cf66e561b5a5",
    "VIFGeneric": "1.0-c3f327a3df7a97d2",
    "VIFHostDevice": "1.0-ae35447a22944df5",
    "VIFNestedDPDK": "1.0-bcc7bf10c54c4a8a",
    "VIFOpenVSwitch": "1.0-4e4aa13140e7d2d3",
    "VIFPortProfile8021Qbg": "1.1-efec16d7bffa4df9",
    "VIFPortProfile8021Qbh": "1.1-cfb6a0503624ad45",
    "VIFPortProfileBase": "1.1-cc10b293fc990574",
    "VIFPortProfileFPBridge": "1.1-ce36dab4fdccd2ba",
    "VIFPortProfileFPOpenVSwitch": "1.4-de03677a0e975032",
    "VIFPortProfileFPTap": "1.1-a22c4c631606036d",
    "VIFPortProfileK8sDPDK": "1.1-d93fa53f79dad1f5",
    "VIFPortProfileOVSRepresentor": "1.4-97dea83d0df97e3f",
    "VIFPortProfileOpenVSwitch": "1.4-7e95d3940d1e69da",
    "VIFVHostUser": "1.1-21176ab031d16ba1",
}


def fingerprint(cls):
    """VERSION plus a hash of every version's layout (fields, types, children)."""
    text = []
    for version in cls.obj_versions():
        text.append(f"@{version}")
        for name in cls.obj_fields_at(version):
            field = cls._obj_fields[name]
            text.append(f"{name}:{field.describe()}:since={field.since}")
    digest = hashlib.sha256("\n".join(text).encode()).hexdigest()[:16]
    return f"{cls.VERSION}-{digest}"


def test_object_schemas_are_pinned():
    actual = {
        name: fingerprint(cls)
        for name, cls in sorted(obj_registry().items())
        if cls.__module__.startswith("os_vif.")  # not classes tests define
    }
    assert actual == EXPECTED, (
        "Some objects changed: bump their VERSION if the wire form changed, then update "
        "EXPECTED in this file."
    )

"""The objects the interop tests exchange with os-vif 5.3.0, as neutral specs.

A spec is plain JSON, so the same description is built by us (``build_ours``)
and by the os-vif peer (``upstream_peer.build``):

- a JSON scalar or list: the value itself (lists element by element);
- ``{"cls": "VIFBridge", "kw": {...}}``: an object built by keywords;
- ``{"uuid": "..."}``: a ``uuid.UUID`` instance; ``{"tuple": [...]}``: a tuple.

A root spec may carry ``"reset": "shallow" | "recursive"``: call
``obj_reset_changes()`` (or with ``recursive=True``) after building.

Also here: each class's version history (from shared/reference/objects.md),
the object name each object-valued field declares (what a version manifest is
keyed by), and helpers to compare primitives and point at the first
difference.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, NamedTuple

Spec = dict[str, Any]

NAME = "versioned_object.name"
NAMESPACE = "versioned_object.namespace"
VERSION = "versioned_object.version"
DATA = "versioned_object.data"
CHANGES = "versioned_object.changes"

# Every version of every class, oldest first (objects.md "History").
OVS_PROFILE_VERSIONS = ("1.0", "1.1", "1.2", "1.3", "1.4")
HISTORY: dict[str, tuple[str, ...]] = {
    "InstanceInfo": ("1.0",),
    "FixedIP": ("1.0",),
    "FixedIPList": ("1.0",),
    "Route": ("1.0",),
    "RouteList": ("1.0",),
    "Subnet": ("1.0",),
    "SubnetList": ("1.0",),
    "Network": ("1.0", "1.1"),
    "VIFBase": ("1.0",),
    "VIFGeneric": ("1.0",),
    "VIFBridge": ("1.0",),
    "VIFOpenVSwitch": ("1.0",),
    "VIFDirect": ("1.0",),
    "VIFVHostUser": ("1.0", "1.1"),
    "VIFHostDevice": ("1.0",),
    "VIFNestedDPDK": ("1.0",),
    "DatapathOffloadBase": ("1.0",),
    "DatapathOffloadRepresentor": ("1.0",),
    "VIFPortProfileBase": ("1.0", "1.1"),
    "VIFPortProfileOpenVSwitch": OVS_PROFILE_VERSIONS,
    "VIFPortProfileFPOpenVSwitch": OVS_PROFILE_VERSIONS,
    "VIFPortProfileOVSRepresentor": OVS_PROFILE_VERSIONS,
    "VIFPortProfileFPBridge": ("1.0", "1.1"),
    "VIFPortProfileFPTap": ("1.0", "1.1"),
    "VIFPortProfile8021Qbg": ("1.0", "1.1"),
    "VIFPortProfile8021Qbh": ("1.0", "1.1"),
    "VIFPortProfileK8sDPDK": ("1.0", "1.1"),
    "HostPortProfileInfo": ("1.0",),
    "HostVIFInfo": ("1.0", "1.1"),
    "HostPluginInfo": ("1.0",),
    "HostInfo": ("1.0",),
}

VIF_CLASSES = tuple(
    name for name in HISTORY if name.startswith("VIF") and (not name.startswith("VIFPortProfile"))
)
PROFILE_CLASSES = tuple(name for name in HISTORY if name.startswith("VIFPortProfile"))

# The object name each object-valued field declares. A version manifest is
# looked up by this name, not by the class of the value (a port profile is
# backlevelled by the manifest's "VIFPortProfileBase" entry).
_VIF_CHILDREN = {"network": "Network", "port_profile": "VIFPortProfileBase"}
_PROFILE_CHILDREN = {"datapath_offload": "DatapathOffloadBase"}
CHILD_OBJNAMES: dict[str, dict[str, str]] = {
    **{name: dict(_VIF_CHILDREN) for name in VIF_CLASSES},
    **{name: dict(_PROFILE_CHILDREN) for name in PROFILE_CLASSES},
    "Network": {"subnets": "SubnetList"},
    "SubnetList": {"objects": "Subnet"},
    "Subnet": {"ips": "FixedIPList", "routes": "RouteList"},
    "FixedIPList": {"objects": "FixedIP"},
    "RouteList": {"objects": "Route"},
    "HostInfo": {"plugin_info": "HostPluginInfo"},
    "HostPluginInfo": {"vif_info": "HostVIFInfo"},
    "HostVIFInfo": {"supported_port_profiles": "HostPortProfileInfo"},
}


def current(name: str) -> str:
    return HISTORY[name][-1]


# ---------------------------------------------------------------- builders


def obj(cls: str, **kw: Any) -> Spec:
    return {"cls": cls, "kw": kw}


def tup(*items: Any) -> Spec:
    return {"tuple": list(items)}


U1 = "1b4e28ba-2fa1-11d2-883f-0016d3cca427"
U2 = "6c6f8a5e-3a0b-4b9e-9a59-0e9f7b0f3d21"
U3 = "0b6a1c1e-0000-4000-8000-00000000beef"
U4 = "f47ac10b-58cc-4372-a567-0e02b2c3d479"


def fixed_ip_v4() -> Spec:
    return obj(
        "FixedIP",
        address="192.168.1.10",
        floating_ips=["203.0.113.5", "2001:db8:ff::5"],
    )


def fixed_ip_v6() -> Spec:
    return obj("FixedIP", address="2001:db8::10", floating_ips=[])


def route_v4() -> Spec:
    return obj("Route", cidr="0.0.0.0/0", gateway="192.168.1.1", interface="eth0")


def route_v6() -> Spec:
    return obj("Route", cidr="2001:db8:100::/48", gateway="2001:db8::1", interface="eth0")


def subnet_v4() -> Spec:
    return obj(
        "Subnet",
        cidr="192.168.1.0/24",
        dns=["8.8.8.8", "1.1.1.1"],
        gateway="192.168.1.1",
        ips=obj(
            "FixedIPList",
            objects=[
                fixed_ip_v4(),
                obj("FixedIP", address="192.168.1.11", floating_ips=[]),
            ],
        ),
        routes=obj("RouteList", objects=[route_v4()]),
        dhcp_server="192.168.1.2",
    )


def subnet_v6() -> Spec:
    return obj(
        "Subnet",
        cidr="2001:db8::/64",
        dns=["2001:4860:4860::8888"],
        gateway="2001:db8::1",
        ips=obj("FixedIPList", objects=[fixed_ip_v6()]),
        routes=obj("RouteList", objects=[route_v6()]),
    )


def subnet_second_v4() -> Spec:
    return obj(
        "Subnet",
        cidr="10.20.0.0/16",
        dns=[],
        gateway="10.20.0.1",
        ips=obj("FixedIPList", objects=[]),
        routes=obj("RouteList", objects=[]),
    )


def network_full(**extra: Any) -> Spec:
    kw: dict[str, Any] = {
        "id": U2,
        "bridge": "br-int",
        "label": "tenant-net",
        "subnets": obj("SubnetList", objects=[subnet_v4(), subnet_v6(), subnet_second_v4()]),
        "multi_host": True,
        "should_provide_bridge": True,
        "should_provide_vlan": True,
        "bridge_interface": "eth1",
        "vlan": 101,
        "mtu": 9000,
    }
    kw.update(extra)
    return obj("Network", **kw)


def offload() -> Spec:
    return obj(
        "DatapathOffloadRepresentor",
        representor_name="pf0vf3",
        representor_address="0000:03:00.3",
    )


def profile(cls: str, dpo: str) -> Spec:
    """A fully populated port profile; dpo is 'offload', 'none' or 'unset'."""
    kw: dict[str, Any] = dict(PROFILE_FIELDS[cls])
    if dpo == "offload":
        kw["datapath_offload"] = offload()
    elif dpo == "none":
        kw["datapath_offload"] = None
    return obj(cls, **kw)


_OVS_FIELDS = {
    "interface_id": U3,
    "profile_id": "ovs-profile",
    "datapath_type": "netdev",
    "create_port": True,
    "create_tap": True,
    "multiqueue": True,
}
PROFILE_FIELDS: dict[str, dict[str, Any]] = {
    "VIFPortProfileBase": {},
    "VIFPortProfileOpenVSwitch": dict(_OVS_FIELDS),
    "VIFPortProfileFPOpenVSwitch": {
        **_OVS_FIELDS,
        "bridge_name": "br-fp",
        "hybrid_plug": True,
    },
    "VIFPortProfileOVSRepresentor": {
        **_OVS_FIELDS,
        "representor_name": "rep0",
        "representor_address": "0000:81:00.2",
    },
    "VIFPortProfileFPBridge": {"bridge_name": "br-fp"},
    "VIFPortProfileFPTap": {"mac_address": "52:54:00:Ab:cD:eF"},
    "VIFPortProfile8021Qbg": {
        "manager_id": 6,
        "type_id": 42,
        "type_id_version": 1,
        "instance_id": U4,
    },
    "VIFPortProfile8021Qbh": {"profile_id": "qbh-profile"},
    "VIFPortProfileK8sDPDK": {
        "l3_setup": True,
        "selflink": "/api/v1/pods/x",
        "resourceversion": "77",
    },
}

_VIF_BASE = {
    "id": U1,
    "address": "FA:16:3E:aa:BB:01",
    "plugin": "ovs",
    "active": True,
    "preserve_on_delete": False,
    "has_traffic_filtering": True,
}
VIF_OWN_FIELDS: dict[str, dict[str, Any]] = {
    "VIFBase": {},
    "VIFGeneric": {"vif_name": "tap0"},
    "VIFBridge": {"vif_name": "tap0", "bridge_name": "br100"},
    "VIFOpenVSwitch": {"vif_name": "tap0", "bridge_name": "br-int"},
    "VIFDirect": {
        "vif_name": "enp3s0f0v1",
        "dev_address": "0000:03:00.1",
        "mode": "passthrough",
        "vlan_name": "vlan100",
    },
    "VIFVHostUser": {
        "vif_name": "vhu0",
        "path": "/var/run/vhu0.sock",
        "mode": "server",
    },
    "VIFHostDevice": {"dev_type": "ethernet", "dev_address": "0000:03:00.2"},
    "VIFNestedDPDK": {"pci_address": "0000:00:05.0", "dev_driver": "vfio-pci"},
}
# A port profile that makes sense for each VIF type.
VIF_PROFILE = {
    "VIFBase": "VIFPortProfileOpenVSwitch",
    "VIFGeneric": "VIFPortProfileFPTap",
    "VIFBridge": "VIFPortProfileFPBridge",
    "VIFOpenVSwitch": "VIFPortProfileOpenVSwitch",
    "VIFDirect": "VIFPortProfile8021Qbh",
    "VIFVHostUser": "VIFPortProfileFPOpenVSwitch",
    "VIFHostDevice": "VIFPortProfile8021Qbg",
    "VIFNestedDPDK": "VIFPortProfileK8sDPDK",
}


def vif(cls: str, **extra: Any) -> Spec:
    kw = {**_VIF_BASE, **VIF_OWN_FIELDS[cls], **extra}
    return obj(cls, **kw)


def host_info_tree() -> Spec:
    def pp_info(name: str, low: str, high: str) -> Spec:
        return obj(
            "HostPortProfileInfo",
            profile_object_name=name,
            min_version=low,
            max_version=high,
        )

    ovs_vifs = [
        obj(
            "HostVIFInfo",
            vif_object_name="VIFOpenVSwitch",
            min_version="1.0",
            max_version="1.0",
            supported_port_profiles=[
                pp_info("VIFPortProfileOpenVSwitch", "1.0", "1.4"),
                pp_info("VIFPortProfileOVSRepresentor", "1.0", "1.4"),
            ],
        ),
        obj(
            "HostVIFInfo",
            vif_object_name="VIFVHostUser",
            min_version="1.0",
            max_version="1.1",
            supported_port_profiles=[pp_info("VIFPortProfileOpenVSwitch", "1.0", "1.4")],
        ),
    ]
    bridge_vifs = [
        obj(
            "HostVIFInfo",
            vif_object_name="VIFBridge",
            min_version="1.0",
            max_version="1.0",
            supported_port_profiles=[],
        ),
    ]
    return obj(
        "HostInfo",
        plugin_info=[
            obj("HostPluginInfo", plugin_name="ovs", vif_info=ovs_vifs),
            obj("HostPluginInfo", plugin_name="linux_bridge", vif_info=bridge_vifs),
            obj("HostPluginInfo", plugin_name="noop", vif_info=[]),
        ],
    )


# ------------------------------------------------------------------ specs


def _generate() -> Iterator[tuple[str, Spec]]:  # noqa: PLR0915 - one flat catalogue
    # InstanceInfo
    yield (
        "InstanceInfo-full",
        obj("InstanceInfo", uuid=U1, name="vm-1", project_id="p-1"),
    )
    yield "InstanceInfo-unset-project", obj("InstanceInfo", uuid=U1, name="vm-1")

    # FixedIP / FixedIPList / Route / RouteList
    yield "FixedIP-v4-floating", fixed_ip_v4()
    yield "FixedIP-v6", fixed_ip_v6()
    yield "FixedIP-address-only", obj("FixedIP", address="10.0.0.3")
    yield "FixedIPList-two", obj("FixedIPList", objects=[fixed_ip_v4(), fixed_ip_v6()])
    yield "FixedIPList-empty", obj("FixedIPList", objects=[])
    yield "Route-v4", route_v4()
    yield "Route-v6", route_v6()
    yield "Route-no-interface", obj("Route", cidr="10.0.0.0/8", gateway="10.0.0.1")
    yield "RouteList-two", obj("RouteList", objects=[route_v4(), route_v6()])
    yield "RouteList-empty", obj("RouteList", objects=[])

    # Subnet / SubnetList
    yield "Subnet-v4-full", subnet_v4()
    yield "Subnet-v6-full", subnet_v6()
    yield "Subnet-cidr-only", obj("Subnet", cidr="172.16.0.0/12")
    yield (
        "SubnetList-several",
        obj("SubnetList", objects=[subnet_v4(), subnet_v6(), subnet_second_v4()]),
    )
    yield "SubnetList-empty", obj("SubnetList", objects=[])

    # Network: constructor defaults, nullable fields, unset fields
    yield "Network-full", network_full()
    yield (
        "Network-nullables-none",
        network_full(bridge_interface=None, vlan=None, mtu=None),
    )
    yield "Network-id-only", obj("Network", id=U2)
    yield "Network-empty", obj("Network")
    yield (
        "Network-no-subnets-given",
        obj("Network", id=U2, bridge="br0", label="l", mtu=1450),
    )

    # Every VIF class: minimal (unset fields), full (network + profile), nullables
    for cls in VIF_CLASSES:
        yield f"{cls}-id-only", obj(cls, id=U1)
        yield (
            f"{cls}-full",
            vif(
                cls,
                network=network_full(),
                port_profile=profile(VIF_PROFILE[cls], "offload"),
            ),
        )
        yield (
            f"{cls}-nulls",
            vif(cls, address=None, network=None, active=False, preserve_on_delete=True),
        )
        yield (
            f"{cls}-no-network",
            vif(cls, port_profile=profile(VIF_PROFILE[cls], "unset")),
        )
    # Every enum value
    for mode in ("vepa", "passthrough", "bridge"):
        yield f"VIFDirect-mode-{mode}", vif("VIFDirect", mode=mode)
    for mode in ("client", "server"):
        yield f"VIFVHostUser-mode-{mode}", vif("VIFVHostUser", mode=mode)
    for dev_type in ("ethernet", "generic"):
        yield f"VIFHostDevice-{dev_type}", vif("VIFHostDevice", dev_type=dev_type)
    # VIFVHostUser 1.1 added vif_name: with and without it, with each child
    yield (
        "VIFVHostUser-no-vif-name",
        obj("VIFVHostUser", id=U1, path="/p.sock", mode="client"),
    )
    yield (
        "VIFVHostUser-network-only",
        obj(
            "VIFVHostUser",
            id=U1,
            vif_name="vhu1",
            path="/p",
            mode="client",
            network=network_full(),
        ),
    )
    yield (
        "VIFVHostUser-network-none",
        obj(
            "VIFVHostUser",
            id=U1,
            vif_name="vhu1",
            path="/p",
            mode="client",
            network=None,
        ),
    )
    yield (
        "VIFVHostUser-profile-only",
        obj(
            "VIFVHostUser",
            id=U1,
            path="/p",
            mode="server",
            port_profile=profile("VIFPortProfileOpenVSwitch", "offload"),
        ),
    )
    # Every port profile in a VIF (versions follow the VIF's manifest)
    for cls in PROFILE_CLASSES:
        yield (
            f"VIFOpenVSwitch-with-{cls}",
            vif("VIFOpenVSwitch", port_profile=profile(cls, "offload")),
        )

    # Port profiles, with and without datapath_offload
    for cls in PROFILE_CLASSES:
        for dpo in ("offload", "none", "unset"):
            yield f"{cls}-dpo-{dpo}", profile(cls, dpo)
    yield (
        "VIFPortProfileOpenVSwitch-minimal",
        obj("VIFPortProfileOpenVSwitch", interface_id=U3, profile_id="p"),
    )
    yield (
        "VIFPortProfileOpenVSwitch-false-flags",
        obj(
            "VIFPortProfileOpenVSwitch",
            interface_id=U3,
            profile_id="p",
            datapath_type=None,
            create_port=False,
            create_tap=False,
            multiqueue=False,
        ),
    )
    yield (
        "VIFPortProfileOVSRepresentor-nulls",
        obj(
            "VIFPortProfileOVSRepresentor",
            interface_id=U3,
            profile_id="p",
            representor_name=None,
            representor_address=None,
        ),
    )
    yield "VIFPortProfileFPTap-mac-none", obj("VIFPortProfileFPTap", mac_address=None)
    yield (
        "VIFPortProfileOpenVSwitch-dpo-base",
        obj(
            "VIFPortProfileOpenVSwitch",
            interface_id=U3,
            profile_id="p",
            datapath_offload=obj("DatapathOffloadBase"),
        ),
    )
    yield "DatapathOffloadBase", obj("DatapathOffloadBase")
    yield "DatapathOffloadRepresentor-full", offload()
    yield (
        "DatapathOffloadRepresentor-nulls",
        obj(
            "DatapathOffloadRepresentor",
            representor_name=None,
            representor_address=None,
        ),
    )
    yield "DatapathOffloadRepresentor-unset", obj("DatapathOffloadRepresentor")

    # HostInfo trees
    yield (
        "HostPortProfileInfo",
        obj(
            "HostPortProfileInfo",
            profile_object_name="VIFPortProfileOpenVSwitch",
            min_version="1.0",
            max_version="1.4",
        ),
    )
    yield (
        "HostVIFInfo-profiles",
        host_info_tree()["kw"]["plugin_info"][0]["kw"]["vif_info"][0],
    )
    yield (
        "HostVIFInfo-profiles-empty",
        obj(
            "HostVIFInfo",
            vif_object_name="VIFBridge",
            min_version="1.0",
            max_version="1.0",
            supported_port_profiles=[],
        ),
    )
    yield (
        "HostVIFInfo-profiles-unset",
        obj(
            "HostVIFInfo",
            vif_object_name="VIFBridge",
            min_version="1.0",
            max_version="1.0",
        ),
    )
    yield "HostPluginInfo", host_info_tree()["kw"]["plugin_info"][0]
    yield "HostPluginInfo-empty", obj("HostPluginInfo", plugin_name="noop", vif_info=[])
    yield "HostInfo-tree", host_info_tree()
    yield "HostInfo-empty", obj("HostInfo", plugin_info=[])

    # Changes tracking: after reset, children's changes still show (or not)
    for reset in ("shallow", "recursive"):
        yield (
            f"VIFOpenVSwitch-full-reset-{reset}",
            {
                **vif(
                    "VIFOpenVSwitch",
                    network=network_full(),
                    port_profile=profile("VIFPortProfileOpenVSwitch", "offload"),
                ),
                "reset": reset,
            },
        )
        yield f"Network-full-reset-{reset}", {**network_full(), "reset": reset}
        yield (
            f"SubnetList-reset-{reset}",
            {**obj("SubnetList", objects=[subnet_v4()]), "reset": reset},
        )
        yield f"HostInfo-tree-reset-{reset}", {**host_info_tree(), "reset": reset}

    yield from _coercions()


def _coercions() -> Iterator[tuple[str, Spec]]:
    """Odd but accepted inputs: both sides must normalise them the same way."""
    # MAC: any case, '-' separators -> lower-case ':' form.
    yield (
        "coerce-mac-dashes-upper",
        obj("VIFGeneric", id=U1, address="FA-16-3E-0A-BB-CC"),
    )
    # UUIDs are stored verbatim by os-vif (no case folding, braces and
    # undashed hex kept); a uuid.UUID becomes its canonical text.
    yield "coerce-uuid-upper", obj("VIFGeneric", id=U1.upper())
    yield "coerce-uuid-braces", obj("VIFGeneric", id="{" + U1 + "}")
    yield "coerce-uuid-hex", obj("VIFGeneric", id=U1.replace("-", ""))
    yield "coerce-uuid-object", obj("VIFGeneric", id={"uuid": U1.upper()})
    # IP addresses: netaddr's text form (glibc inet_ntop for IPv6: dotted
    # tails for IPv4-mapped and IPv4-compatible addresses).
    ips = {
        "v6-expanded-upper": "2001:0DB8:0000:0000:0000:0000:0000:0001",
        "v6-inner-zeros": "2001:db8:0:0:1:0:0:1",
        "v4-mapped": "::FFFF:192.0.2.1",
        "v4-mapped-hex": "::ffff:c000:0201",
        "v4-compatible": "::192.0.2.1",
        "v4-compatible-small": "::0.1.0.0",
        "v6-ffff-zero": "::ffff:0:0",
        "v6-nat64": "64:ff9b::192.0.2.1",
        "v6-trailing-zero": "1:2:3:4:5:6:7::",
        "v6-loopback-dotted": "::0.0.0.1",
        "v4-integer": 3232235777,
        "v6-integer": 4294967296,
    }
    for label, value in ips.items():
        yield f"coerce-ip-{label}", obj("FixedIP", address=value, floating_ips=[value])
    # Networks keep host bits; netmask and hostmask forms become prefixes;
    # a bare address gets /32 or /128.
    cidrs = {
        "host-bits": "192.168.1.5/24",
        "bare-v4": "192.168.1.5",
        "bare-v6": "2001:db8::5",
        "netmask": "192.168.1.0/255.255.255.0",
        "hostmask": "192.168.1.0/0.0.0.255",
        "v6-upper-host-bits": "2001:DB8::5/64",
        "v6-netmask": "2001:db8::/ffff:ffff::",
        "v4-mapped": "::ffff:1.2.3.4/120",
        "prefix-leading-zero": "10.0.0.0/08",
    }
    for label, value in cidrs.items():
        yield (
            f"coerce-cidr-{label}",
            obj("Route", cidr=value, gateway="10.0.0.1", interface="e"),
        )
    # Lists of addresses accept tuples.
    yield (
        "coerce-dns-tuple",
        obj("Subnet", cidr="10.0.0.0/8", dns=tup("8.8.8.8", "2001:4860:4860::8888")),
    )
    # Booleans: 0 and 1 are False and True on both sides. (Anything else
    # os-vif takes as bool(value), we refuse: see STRICTER.)
    for label, value in {"zero": 0, "one": 1}.items():
        yield f"coerce-bool-{label}", obj("VIFGeneric", id=U1, active=value)
    # Integers: a numeric string is int(value) on both sides, " 12 " -> 12.
    # (Non-integral floats and booleans: see STRICTER.)
    yield "coerce-int-str", obj("Network", id=U2, vlan=" 12 ")
    # Strings are str(value) for numbers and booleans.
    for label, value in {"int": 5, "float": 1.5, "bool": False}.items():
        yield f"coerce-str-{label}", obj("VIFGeneric", id=U1, vif_name=value)
    # PCI addresses are lower-cased.
    yield "coerce-pci-upper", vif("VIFHostDevice", dev_address="0000:0A:1F.7")
    yield (
        "coerce-pci-representor-upper",
        obj(
            "VIFPortProfileOVSRepresentor",
            interface_id=U3,
            profile_id="p",
            representor_address="FFFF:FF:1F.7",
        ),
    )


SPECS: dict[str, Spec] = dict(_generate())


class Stricter(NamedTuple):
    """A value os-vif coerces and we refuse (deliberate divergence 1)."""

    spec: Spec
    cls: str
    field: str
    value: Any
    upstream_value: Any  # what os-vif stores: bool(value) or int(value)


def _stricter() -> Iterator[tuple[str, Stricter]]:
    """Deliberate divergence 1: stricter boolean, integer and UUID coercion.

    os-vif 5.3.0's BooleanField is ``bool(value)`` (so "false" is True) and
    its IntegerField is ``int(value)`` (so 1.9 is 1 and True is 1), on the
    constructor and on the wire alike. We refuse a boolean other than
    True/False/0/1 and an integer from a non-integral float or a boolean,
    with InvalidFieldValue naming the field: a sender that writes "false"
    means False, and silently turning it into True (or 1.9 into 1) would
    plug a port the wrong way instead of reporting the bad value. These
    cases are not in SPECS; test_interop asserts both behaviours for each.
    """
    for label, value in {"str-false": "false", "two": 2, "empty-str": ""}.items():
        yield (
            f"coerce-bool-{label}",
            Stricter(
                obj("VIFGeneric", id=U1, active=value), "VIFGeneric", "active", value, bool(value)
            ),
        )
    for label, value in {"float": 1.9, "bool": True}.items():
        yield (
            f"coerce-int-{label}",
            Stricter(obj("Network", id=U2, vlan=value), "Network", "vlan", value, int(value)),
        )
    # os-vif keeps any text as a UUID, with only a FutureWarning; every
    # consumer (Neutron's iface-id, libvirt) needs a real one, so we refuse.
    for label, value in {"garbage": "not-a-uuid", "empty": ""}.items():
        yield (
            f"coerce-uuid-{label}",
            Stricter(obj("InstanceInfo", uuid=value), "InstanceInfo", "uuid", value, value),
        )


STRICTER: dict[str, Stricter] = dict(_stricter())


def _rejections() -> Iterator[tuple[str, Spec]]:
    """Values os-vif refuses: we must refuse them too (with a ValueError)."""
    bad_macs = [
        "aabbccddeeff",
        "AABB.CCDD.EEFF",
        "aa:bb:cc:dd:ee",
        "a:b:c:d:e:f",
        "zz:bb:cc:dd:ee:ff",
        "aa:bb:cc:dd:ee:ff ",
    ]
    for value in bad_macs:
        yield f"mac-{value!r}", obj("VIFGeneric", id=U1, address=value)
    bad_ips = [
        "1.2.3",
        "1",
        "010.1.1.1",
        "fe80::1%eth0",
        "192.168.1.1/24",
        " 1.2.3.4",
        "",
        "garbage",
        "0x01020304",
        -1,
    ]
    for value in bad_ips:
        yield f"ip-{value!r}", obj("FixedIP", address=value)
    yield "ip-list-str", obj("FixedIP", address="10.0.0.1", floating_ips="10.0.0.2")
    yield "ip-list-none-item", obj("FixedIP", address="10.0.0.1", floating_ips=[None])
    bad_cidrs = [
        "10/8",
        "1.2.3/24",
        "10.0.0.0/33",
        "2001:db8::/129",
        "192.168.1.0/255.0.255.0",
        "garbage",
        3232235777,
    ]
    for value in bad_cidrs:
        yield f"cidr-{value!r}", obj("Route", cidr=value)
    bad_pcis = [
        "0:0:1.0",
        "00:01.0",
        "0000:00:01.0garbage",
        "0000:00:01.8",
        "0000:00:20.0",
        " 0000:00:01.0",
    ]
    for value in bad_pcis:
        yield f"pci-{value!r}", obj("VIFHostDevice", id=U1, dev_address=value)
    yield "enum-direct-upper", obj("VIFDirect", id=U1, mode="VEPA")
    yield "enum-vhostuser-bad", obj("VIFVHostUser", id=U1, mode="Client")
    yield "enum-devtype-bad", obj("VIFHostDevice", id=U1, dev_type="ETHERNET")
    yield "int-bad", obj("Network", id=U2, vlan="x")
    yield "int-float-str", obj("Network", id=U2, mtu="1.5")
    yield "str-list", obj("VIFGeneric", id=U1, vif_name=["x"])
    yield "not-nullable-bridge", obj("Network", bridge=None)
    yield "not-nullable-port-profile", obj("VIFBridge", id=U1, port_profile=None)
    yield "not-nullable-uuid", obj("VIFBridge", id=None)
    yield (
        "wrong-child-class",
        obj("VIFBridge", id=U1, network=obj("Subnet", cidr="10.0.0.0/8")),
    )
    yield "profile-not-a-profile", obj("VIFBridge", id=U1, port_profile=obj("Network"))


REJECTIONS: dict[str, Spec] = dict(_rejections())


def _tree_names(spec: Spec) -> tuple[dict[str, list[str]], dict[str, set[str]]]:
    """Declared child names found in ``spec``'s tree.

    Returns, for each declared name (a manifest key), the declared names of
    its ancestors from the top down, and the classes found under that name.
    """
    ancestors_of: dict[str, list[str]] = {}  # declared name -> ancestors' names
    classes_of: dict[str, set[str]] = {}  # declared name -> classes found there

    def walk(node: Any, ancestors: list[str]) -> None:
        if isinstance(node, list):
            for item in node:
                walk(item, ancestors)
            return
        if not isinstance(node, dict) or "cls" not in node:
            return
        children = CHILD_OBJNAMES.get(node["cls"], {})
        for field, value in node.get("kw", {}).items():
            if field not in children:
                continue
            declared = children[field]
            ancestors_of.setdefault(declared, list(ancestors))
            for child in value if isinstance(value, list) else [value]:
                if isinstance(child, dict) and "cls" in child:
                    classes_of.setdefault(declared, set()).add(child["cls"])
            walk(value, [*ancestors, declared])

    walk(spec, [])
    return ancestors_of, classes_of


def _newest(classes_of: dict[str, set[str]], name: str) -> str:
    return max((current(cls) for cls in classes_of[name]), key=version_key)


def manifests_for(spec: Spec) -> list[dict[str, str]]:
    """Version manifests worth trying on ``spec``'s tree.

    os-vif walks a manifest from the top: a child is backlevelled only when
    the name its field declares is in the manifest, and the walk stops at a
    child that is not. The version given is applied to the child's own class
    (``"VIFPortProfileBase": "1.3"`` makes an Open vSwitch profile 1.3). So
    besides "everything oldest" and "everything current", each manifest here
    names the chain of ancestors (at their current version) down to one object
    it backlevels, and the same entry alone (which os-vif does not reach when
    it has ancestors, and we do: see ``upstream_manifest``).
    """
    ancestors_of, classes_of = _tree_names(spec)
    names = [name for name in ancestors_of if classes_of.get(name)]
    if not names:
        return []

    def versions(name: str) -> list[str]:
        histories = [set(HISTORY[cls]) for cls in classes_of[name]]
        return sorted(set.intersection(*histories), key=version_key)

    found: list[dict[str, str]] = [
        {name: versions(name)[0] for name in names},
        {name: _newest(classes_of, name) for name in names},
    ]
    for name in names:
        for version in versions(name):
            if version == _newest(classes_of, name):
                continue
            manifest = {
                ancestor: _newest(classes_of, ancestor)
                for ancestor in ancestors_of[name]
                if ancestor in classes_of
            }
            manifest[name] = version
            found.append(manifest)
            if ancestors_of[name]:
                found.append({name: version})
    unique: dict[str, dict[str, str]] = {}
    for manifest in found:
        unique.setdefault(json.dumps(manifest, sort_keys=True), manifest)
    return list(unique.values())


def upstream_manifest(spec: Spec, manifest: dict[str, str] | None) -> dict[str, str] | None:
    """The manifest that makes os-vif do what ``manifest`` makes us do.

    Deliberate divergence 3: manifest entries apply at any depth. os-vif
    5.3.0 stops walking at a child whose declared name is not in the
    manifest, so ``{"HostVIFInfo": "1.0"}`` alone leaves every HostVIFInfo
    of a HostInfo tree at 1.1 (HostPluginInfo is not named, so os-vif never
    looks below it). We backlevel HostVIFInfo anyway: a manifest lists what
    the receiver knows, and a receiver that only knows HostVIFInfo 1.0
    cannot read 1.1 wherever it sits. So to compare, os-vif gets the same
    manifest completed with every missing ancestor at its current version
    (a no-op backlevel that only lets its walk go on). Manifests whose
    entries are all reachable, ``{}`` and None are returned unchanged.
    test_interop asserts os-vif's behaviour and ours for the HostVIFInfo case.
    """
    if not manifest:
        return manifest
    ancestors_of, classes_of = _tree_names(spec)
    missing = {
        ancestor: _newest(classes_of, ancestor)
        for name in manifest
        for ancestor in ancestors_of.get(name, [])
        if ancestor not in manifest
    }
    if not missing:
        return manifest
    return {**missing, **manifest}


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


# ------------------------------------------------------------ our side


def build_ours(spec: Any) -> Any:
    """Build ``spec`` with our object model (``os_vif.objects.<Name>(**kw)``)."""
    import uuid

    import os_vif.objects

    if isinstance(spec, list):
        return [build_ours(item) for item in spec]
    if not isinstance(spec, dict):
        return spec
    if "cls" in spec:
        kwargs = {key: build_ours(value) for key, value in spec.get("kw", {}).items()}
        built = getattr(os_vif.objects, spec["cls"])(**kwargs)
        reset = spec.get("reset")
        if reset == "shallow":
            built.obj_reset_changes()
        elif reset == "recursive":
            built.obj_reset_changes(recursive=True)
        return built
    if "uuid" in spec:
        return uuid.UUID(spec["uuid"])
    if "tuple" in spec:
        return tuple(build_ours(item) for item in spec["tuple"])
    raise ValueError(f"not a spec: {spec!r}")


# ----------------------------------------------------- primitive helpers


def is_primitive(value: Any) -> bool:
    return isinstance(value, dict) and NAME in value


# Deliberate divergence 2: a field that did not exist at a version is never
# sent at that version. os-vif 5.3.0 drops a port profile's datapath_offload
# when backlevelling it to a version that predates the field (OVS-family
# profiles before 1.2, the others before 1.1) only through the child version
# table of the class; any version_manifest, even ``{}``, replaces that table
# by the manifest's DatapathOffloadBase entry, and the field is then kept in
# the data (and, at the top level, in "changes"), so a receiver that really
# is at that older version gets a field its class does not have. We always
# drop it. That is the only field os-vif is known to keep this way; any other
# would be a new divergence, so ``drop_undeclared`` refuses to hide it.
UPSTREAM_KEEPS_UNDECLARED = frozenset({"datapath_offload"})


def drop_undeclared(primitive: Any) -> Any:
    """``primitive`` as we would send it: without fields its versions lack.

    At every object level, data keys that are not in our
    ``obj_fields_at(version)`` for that object's name and version are
    removed; at the top level they are also removed from "changes" (an empty
    "changes" is then omitted, as both sides omit it). Nested "changes" are
    left alone: os-vif and we both keep names of changed-but-dropped fields
    there. Only the fields in UPSTREAM_KEEPS_UNDECLARED may be removed.
    """
    import os_vif.objects

    def strip(node: Any, path: str) -> tuple[Any, set[str]]:
        if isinstance(node, list):
            return [strip(item, f"{path}[{index}]")[0] for index, item in enumerate(node)], set()
        if not is_primitive(node) or not isinstance(node.get(DATA), dict):
            return node, set()
        known = set(getattr(os_vif.objects, node[NAME]).obj_fields_at(node[VERSION]))
        dropped = set(node[DATA]) - known
        unexpected = dropped - UPSTREAM_KEEPS_UNDECLARED
        assert not unexpected, (
            f"{path}: os-vif sends {sorted(unexpected)} in {node[NAME]} "
            f"{node[VERSION]}, which has no such field: an unknown divergence"
        )
        result = dict(node)
        result[DATA] = {
            key: strip(value, f"{path}.{key}")[0]
            for key, value in node[DATA].items()
            if key in known
        }
        return result, dropped

    result, dropped = strip(primitive, "$")
    if dropped and CHANGES in result:
        changes = [name for name in result[CHANGES] if name not in dropped]
        if changes:
            result[CHANGES] = changes
        else:
            del result[CHANGES]
    return result


def canonical(value: Any, *, changes_in_data: bool = False) -> Any:
    """A primitive with every "changes" list turned into a sorted set.

    With ``changes_in_data``, each "changes" keeps only fields present in that
    object's data: what survives a trip through os-vif's reader, which forgets
    changes that name unset fields (see ``assert_same``).
    """
    if isinstance(value, list):
        return [canonical(item, changes_in_data=changes_in_data) for item in value]
    if not is_primitive(value):
        return value
    result = dict(value)
    data = value.get(DATA)
    if isinstance(data, dict):
        result[DATA] = {
            key: canonical(item, changes_in_data=changes_in_data) for key, item in data.items()
        }
    if CHANGES in value:
        changes = set(value[CHANGES])
        if changes_in_data and isinstance(data, dict):
            changes &= set(data)
        result[CHANGES] = sorted(changes)
        if changes_in_data and not changes:
            del result[CHANGES]
    return result


def differences(ours: Any, theirs: Any, path: str = "$") -> list[str]:
    """Where two canonical primitives differ, one line per difference."""
    if isinstance(ours, dict) and isinstance(theirs, dict):
        found = []
        for key in sorted(set(ours) | set(theirs), key=str):
            where = f"{path}.{key.removeprefix('versioned_object.')}"
            if key not in theirs:
                found.append(f"{where}: only ours has it = {json.dumps(ours[key])[:200]}")
            elif key not in ours:
                found.append(f"{where}: only upstream has it = {json.dumps(theirs[key])[:200]}")
            else:
                found.extend(differences(ours[key], theirs[key], where))
        return found
    if isinstance(ours, list) and isinstance(theirs, list) and len(ours) == len(theirs):
        found = []
        for index, (mine, other) in enumerate(zip(ours, theirs, strict=True)):
            found.extend(differences(mine, other, f"{path}[{index}]"))
        return found
    if ours == theirs and type(ours) is type(theirs):
        return []
    return [f"{path}: ours {json.dumps(ours)[:200]} != upstream {json.dumps(theirs)[:200]}"]


def assert_same(
    ours: Any, theirs: Any, context: str = "", *, changes_in_data: bool = False
) -> None:
    """Equal primitives, "changes" compared as sets; a readable diff if not.

    ``changes_in_data`` is for primitives that went through a reader: os-vif
    itself emits nested "changes" naming fields a backlevel dropped, but its
    reader forgets changes to unset fields, so those names cannot survive a
    round trip, through os-vif or through us.
    """
    found = differences(
        canonical(ours, changes_in_data=changes_in_data),
        canonical(theirs, changes_in_data=changes_in_data),
    )
    if found:
        lines = "\n  ".join(found)
        raise AssertionError(f"{context}\n  {lines}")


def echo_manifest(primitive: Any) -> dict[str, str]:
    """The manifest that asks for exactly the versions found in ``primitive``.

    Keys are the names each field declares (what os-vif looks up). Handing it
    back to os-vif with the top version makes os-vif run its backlevel step on
    every nested object, so it re-serializes at the versions we sent instead
    of printing defaults its constructors filled in (Network's ``mtu``).
    """
    manifest: dict[str, str] = {}

    def walk(node: Any) -> None:
        if not is_primitive(node):
            return
        children = CHILD_OBJNAMES.get(node[NAME], {})
        data = node.get(DATA, {})
        for field, value in data.items():
            if field not in children:
                continue
            for child in value if isinstance(value, list) else [value]:
                if is_primitive(child):
                    manifest.setdefault(children[field], child[VERSION])
                    walk(child)

    walk(primitive)
    return manifest


def summary(primitive: Any) -> Any:
    """Name, version, data keys and changes of the top object; children by name."""
    if not is_primitive(primitive):
        return primitive
    data = primitive.get(DATA, {})
    shown: dict[str, Any] = {}
    for key, value in data.items():
        if is_primitive(value):
            shown[key] = value[NAME]
        elif isinstance(value, list) and value and is_primitive(value[0]):
            shown[key] = [item[NAME] for item in value]
        else:
            shown[key] = value
    return {
        NAME: primitive[NAME],
        VERSION: primitive[VERSION],
        DATA: shown,
        CHANGES: sorted(set(primitive.get(CHANGES, []))),
    }

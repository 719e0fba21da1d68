"""Build kuryr-kubernetes 10.0.0's VIF objects and write what they serialize to.

Run inside a compatibility virtualenv with kuryr-kubernetes on the path,
never imported::

    python -s -P kuryr_objects.py --output FILE

The objects are built the way kuryr's ``os_vif_util`` builds them from
Neutron ports (nested VLAN, MACVLAN and DPDK pods, and an OVS port), then
each is serialized as kuryr stores it (``jsonutils.dumps(obj.obj_to_primitive())``
in a pod annotation or a KuryrPort CRD), read back the way kuryr reads it,
and back-levelled for an older peer. Writes ``{"import_error": str|None,
"cases": {name: {"annotation", "primitive", "roundtrip", "backlevel", ...}}}``;
a case that raises reports ``{"error": traceback}`` instead.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

PORT_ID = "4f6e8c9d-2a61-4c0b-9d49-8a5e1f3c7b20"
NETWORK_ID = "c3b2a190-6b7e-4e3a-9a6a-0f1d2e3c4b5a"
POD_SELFLINK = "/api/v1/namespaces/default/pods/nginx-7cf8b6b7d-x2k4q"
# Child versions an older peer knows: before Network.mtu and the OVS
# profile's datapath_type, create_port, create_tap and multiqueue.
OLD_PEER_MANIFEST = {
    "Network": "1.0",
    "VIFPortProfileOpenVSwitch": "1.0",
    "VIFPortProfileK8sDPDK": "1.0",
    "VIFPortProfileBase": "1.0",
}


def _network(objects: Any, port_suffix: str) -> Any:
    """A pod network as kuryr's ``_make_vif_network`` leaves it."""
    route = objects.route.Route(cidr="169.254.169.254/32", gateway="10.0.0.2")
    subnet = objects.subnet.Subnet(
        cidr="10.0.0.0/26",
        dns=["10.0.0.3"],
        gateway="10.0.0.1",
        routes=objects.route.RouteList(objects=[route]),
        ips=objects.fixed_ip.FixedIPList(
            objects=[objects.fixed_ip.FixedIP(address=f"10.0.0.{port_suffix}")]
        ),
    )
    network = objects.network.Network(id=NETWORK_ID, label="pod-network", mtu=1450)
    network.subnets = objects.subnet.SubnetList(objects=[subnet])
    return network


def _common(objects: Any, port_id: str, suffix: str) -> dict[str, Any]:
    return {
        "id": port_id,
        "address": f"fa:16:3e:12:34:{int(suffix):02x}",
        "network": _network(objects, suffix),
        "has_traffic_filtering": False,
        "preserve_on_delete": False,
        "active": True,
        "plugin": "noop",
    }


def builders(objects: Any, k_vif: Any) -> dict[str, Callable[[], Any]]:
    def vlan() -> Any:
        common = _common(objects, PORT_ID, "11")
        return k_vif.VIFVlanNested(**common, vif_name="tap4f6e8c9d-2a", vlan_id=1234)

    def macvlan() -> Any:
        port = "8d1c2b3a-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
        return k_vif.VIFMacvlanNested(**_common(objects, port, "12"), vif_name="tap8d1c2b3a-4e")

    def dpdk() -> Any:
        port = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d"
        profile = objects.vif.VIFPortProfileK8sDPDK(l3_setup=False, selflink=POD_SELFLINK)
        return k_vif.VIFDPDKNested(
            **_common(objects, port, "13"),
            port_profile=profile,
            pci_address="",
            dev_driver="",
            vif_name="tap1a2b3c4d-5e",
        )

    def ovs() -> Any:
        port = "9f8e7d6c-5b4a-4392-8170-6f5e4d3c2b1a"
        common = _common(objects, port, "14") | {"plugin": "ovs"}
        common["network"].bridge = "br-int"
        profile = objects.vif.VIFPortProfileOpenVSwitch(interface_id=port)
        return objects.vif.VIFOpenVSwitch(
            **common, port_profile=profile, vif_name="tap9f8e7d6c-5b", bridge_name="br-int"
        )

    def pod_state() -> Any:
        extra = {"eth1": macvlan(), "eth2": dpdk()}
        return k_vif.PodState(default_vif=vlan(), additional_vifs=extra)

    def pod_state_ovs() -> Any:
        return k_vif.PodState(default_vif=ovs(), additional_vifs={"eth1": vlan()})

    return {
        "VIFVlanNested": vlan,
        "VIFMacvlanNested": macvlan,
        "VIFDPDKNested": dpdk,
        "VIFOpenVSwitch": ovs,
        "PodState": pod_state,
        "PodState-ovs": pod_state_ovs,
    }


def describe(obj: Any) -> dict[str, Any]:
    """What a reader of the object sees, beyond its primitive."""
    seen: dict[str, Any] = {"class": type(obj).__name__, "version": obj.VERSION}
    if hasattr(obj, "vifs"):
        seen["vifs"] = {name: type(vif).__name__ for name, vif in sorted(obj.vifs.items())}
    return seen


def _step(result: dict[str, Any], name: str, work: Callable[[], Any]) -> None:
    """``result[name] = work()``, or ``{"error": traceback}``: steps fail alone."""
    try:
        result[name] = work()
    except Exception:  # reported per step, so one gap does not hide the others
        result[name] = {"error": traceback.format_exc()}


def case(build: Callable[[], Any], jsonutils: Any, readers: dict[str, Any]) -> dict[str, Any]:
    obj = build()
    primitive = obj.obj_to_primitive()
    annotation = jsonutils.dumps(primitive)
    result: dict[str, Any] = {"annotation": annotation, "primitive": primitive}
    result["described"] = describe(obj)

    def read_back(reader: Any) -> dict[str, Any]:
        again = reader.obj_from_primitive(jsonutils.loads(annotation))
        return {"described": describe(again), "primitive": again.obj_to_primitive()}

    result["roundtrip"] = {}
    for reader_name, reader in readers.items():
        _step(result["roundtrip"], reader_name, lambda reader=reader: read_back(reader))
    result["backlevel"] = {}
    _step(result["backlevel"], "target 1.0", lambda: obj.obj_to_primitive(target_version="1.0"))
    _step(
        result["backlevel"],
        "old peer manifest",
        lambda: obj.obj_to_primitive(target_version="1.0", version_manifest=OLD_PEER_MANIFEST),
    )
    return result


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, required=True)
    options = parser.parse_args()
    report: dict[str, Any] = {"import_error": None, "cases": {}}
    try:
        from kuryr_kubernetes import objects as k_objects
        from kuryr_kubernetes.objects import vif as k_vif
        from oslo_serialization import jsonutils

        import os_vif.objects

        os_vif.objects.register_all()
        k_objects.register_locally_defined_vifs()
    except Exception:  # reported, so the test can show it
        report["import_error"] = traceback.format_exc()
    else:
        # As kuryr's CNI daemon, controller and status command read them.
        readers = {"os_vif.objects.base.VersionedObject": os_vif.objects.base.VersionedObject}
        for name, build in builders(os_vif.objects, k_vif).items():
            try:
                report["cases"][name] = case(build, jsonutils, readers)
            except Exception:  # one broken case must not hide the others
                report["cases"][name] = {"error": traceback.format_exc()}
    options.output.write_text(json.dumps(report, indent=1, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The os-vif 5.3.0 side of ``bench/objects.py``, and what both sides share.

Imported by ``bench/objects.py`` (under our interpreter) for the tree's values,
the version manifest and the timer, so both sides measure the same thing the
same way. Run as a script (``<upstream venv>/bin/python _upstream_objects.py``)
it builds the same tree with OpenStack's os-vif and answers timing requests
(see ``_serve``). Nothing here imports this repository: under the upstream
interpreter ``os_vif`` is os-vif 5.3.0.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import timeit
import warnings
from collections.abc import Callable
from typing import Any

# One realistic VIF as Nova hands it to os-vif for an OVS port: a network with
# one subnet holding one fixed IP (with a floating IP) and one route.
VALUES: dict[str, Any] = {
    "vif": {
        "id": "6f9b2c1e-3d4a-4b5c-8d7e-0f1a2b3c4d5e",
        "address": "fa:16:3e:4b:2a:91",
        "plugin": "ovs",
        "vif_name": "tap6f9b2c1e-3d",
        "bridge_name": "br-int",
        "has_traffic_filtering": True,
        "preserve_on_delete": False,
        "active": True,
    },
    "network": {
        "id": "2d7c0f4a-9e3b-4c1d-a5f6-7b8c9d0e1f2a",
        "bridge": "br-int",
        "label": "private",
        "mtu": 1450,
    },
    "subnet": {
        "cidr": "10.0.0.0/24",
        "dns": ["8.8.8.8", "8.8.4.4"],
        "gateway": "10.0.0.1",
    },
    "fixed_ip": {"address": "10.0.0.5", "floating_ips": ["203.0.113.10"]},
    "route": {"cidr": "192.168.0.0/16", "gateway": "10.0.0.254"},
    "port_profile": {
        "interface_id": "6f9b2c1e-3d4a-4b5c-8d7e-0f1a2b3c4d5e",
        "profile_id": "",
        "datapath_type": "netdev",
        "create_port": True,
    },
}

# os-vif looks port profiles up by the field's declared class, VIFPortProfileBase.
MANIFEST: dict[str, str] = {"Network": "1.0", "VIFPortProfileBase": "1.1"}


def calibrate(func: Callable[[], object], seconds: float) -> int:
    """How many calls of *func* take about *seconds*."""
    timer = timeit.Timer(func)
    number = 1
    while True:
        elapsed = timer.timeit(number)
        if elapsed >= seconds / 5:
            break
        number *= 2 if elapsed > seconds / 50 else 10
    return max(1, int(number * seconds / max(elapsed, 1e-9)))


def one_round(func: Callable[[], object], number: int) -> float:
    """Seconds for *number* calls of *func*; as in timeit, the gc is off meanwhile."""
    return timeit.Timer(func).timeit(number)


def summarize(rounds: list[float], number: int) -> dict[str, Any]:
    """Microseconds per call: median and min over the rounds."""
    per_call = [t / number * 1e6 for t in rounds]
    return {
        "median_us": round(statistics.median(per_call), 2),
        "min_us": round(min(per_call), 2),
        "loops": number,
        "rounds": len(rounds),
    }


def _serve() -> None:
    """Answer timing requests, one JSON line each, until stdin closes.

    The first line out describes the installed os-vif and the tree's
    primitives; then each request ``["calibrate", op, seconds]`` or
    ``["round", op, number]`` gets ``{"number": n}`` or ``{"seconds": s}``.
    The caller alternates our rounds with these, so both sides see the same
    machine load.
    """
    # Whatever os-vif or its dependencies print must not corrupt our answers.
    out = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
    sys.stdout = sys.stderr
    warnings.simplefilter("ignore")
    from importlib import metadata

    import os_vif.objects
    from os_vif.objects import base, fixed_ip, network, route, subnet, vif

    os_vif.objects.register_all()
    v = VALUES

    def construct() -> Any:
        return vif.VIFOpenVSwitch(
            network=network.Network(
                subnets=subnet.SubnetList(
                    objects=[
                        subnet.Subnet(
                            ips=fixed_ip.FixedIPList(objects=[fixed_ip.FixedIP(**v["fixed_ip"])]),
                            routes=route.RouteList(objects=[route.Route(**v["route"])]),
                            **v["subnet"],
                        )
                    ]
                ),
                **v["network"],
            ),
            port_profile=vif.VIFPortProfileOpenVSwitch(**v["port_profile"]),
            **v["vif"],
        )

    obj = construct()
    text = json.dumps(obj.obj_to_primitive())
    from_primitive = base.VersionedObject.obj_from_primitive
    ops: dict[str, Callable[[], object]] = {
        "construct": construct,
        "to_json": lambda: json.dumps(obj.obj_to_primitive()),
        "from_json": lambda: from_primitive(json.loads(text)),
        "backlevel": lambda: obj.obj_to_primitive(version_manifest=MANIFEST),
    }
    header = {
        "os_vif_version": metadata.version("os-vif"),
        "os_vif_file": os_vif.__file__,
        "primitive": obj.obj_to_primitive(),
        "backlevel_primitive": obj.obj_to_primitive(version_manifest=MANIFEST),
        "roundtrip_primitive": from_primitive(json.loads(text)).obj_to_primitive(),
    }
    out.write(json.dumps(header) + "\n")
    out.flush()
    for line in sys.stdin:
        kind, op, arg = json.loads(line)
        if kind == "calibrate":
            answer: dict[str, Any] = {"number": calibrate(ops[op], float(arg))}
        else:
            answer = {"seconds": one_round(ops[op], int(arg))}
        out.write(json.dumps(answer) + "\n")
        out.flush()


if __name__ == "__main__":
    _serve()

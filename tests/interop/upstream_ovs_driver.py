"""Plug and unplug VIFs with OpenStack os-vif 5.3.0's real OVS plugin.

This script runs under the interpreter of the os-vif 5.3.0 virtualenv, never
under ours, and must not import anything from this repository. The migration
tests start it inside the OVS fixture's network namespace
(``ip netns exec <ns> <venv>/bin/python -I upstream_ovs_driver.py``), so the
kernel devices os-vif makes (hybrid-plug bridges, veths, taps) land next to
the private ovs-vswitchd, and every OVSDB write goes to the fixture's
ovsdb-server through ``ovsdb_connection``.

os-vif runs in-process: privsep client mode is off (we are root), so its
privileged functions run in this process, in this namespace.

Input, one JSON document on stdin::

    {"config": {<os_vif_ovs option>: <value>, ...},
     "steps": [{"op": "plug" | "unplug",
                "vif": <VIF primitive>, "instance": <InstanceInfo primitive>},
               ...]}

``config`` overrides options of the oslo.config group ``os_vif_ovs``
(ovsdb_connection, ovsdb_interface, isolate_vif, per_port_bridge,
network_device_mtu, ...) before ``os_vif.initialize()`` loads the plugin.

Output, one JSON document on stdout::

    {"ok": bool, "os_vif": "5.3.0",
     "import_initialize_seconds": float, "rss_kb": int,
     "results": [{"op": ..., "ok": true, "seconds": float}
                 | {"op": ..., "ok": false, "error": {"type", "message",
                                                        "traceback"}}],
     "warnings": [str, ...]}

Steps run in order and stop at the first failure (``ok`` is then false).
Warnings os-vif and its dependencies raise are collected and returned; they
never reach the test process, which runs with warnings as errors. Logs go to
stderr.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
import traceback
import warnings
from typing import Any

# The protocol owns the real stdout; anything printed by os-vif or its
# dependencies goes to stderr instead of corrupting the answer.
_PROTOCOL_OUT = os.fdopen(os.dup(sys.stdout.fileno()), "w", encoding="utf-8")
sys.stdout = sys.stderr

OPTION_GROUP = "os_vif_ovs"


def _configure(config: dict[str, Any]) -> None:
    from oslo_config import cfg

    from vif_plug_ovs import ovs as upstream_ovs

    conf = cfg.CONF
    # Registering here is what os_vif.initialize() does too (identical
    # options register twice without complaint); it must come first so the
    # overrides exist when the plugin reads its group.
    conf.register_opts(upstream_ovs.OvsPlugin.CONFIG_OPTS, group=OPTION_GROUP)
    for name, value in config.items():
        conf.set_override(name, value, group=OPTION_GROUP)


def _decode(step: dict[str, Any]) -> tuple[Any, Any]:
    from os_vif.objects import base as osv_base

    # os-vif's own base: oslo's checks the namespace against its own.
    vif = osv_base.VersionedObject.obj_from_primitive(step["vif"])
    instance = osv_base.VersionedObject.obj_from_primitive(step["instance"])
    return vif, instance


def _run_step(step: dict[str, Any], vif: Any, instance: Any) -> None:
    import os_vif

    if step["op"] == "plug":
        os_vif.plug(vif, instance)
    elif step["op"] == "unplug":
        os_vif.unplug(vif, instance)
    else:
        raise ValueError(f"unknown op {step['op']!r}")


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        return int(next(line.split()[1] for line in status if line.startswith("VmRSS:")))


def _error(exc: BaseException) -> dict[str, str]:
    return {
        "type": type(exc).__name__,
        "message": str(exc),
        "traceback": "".join(traceback.format_exception(exc))[-4000:],
    }


def main() -> int:
    request = json.load(sys.stdin)
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if request.get("debug") else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    answer: dict[str, Any] = {"ok": False, "results": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        started = time.perf_counter()
        try:
            from importlib import metadata

            import os_vif
            from vif_plug_ovs import privsep

            answer["os_vif"] = metadata.version("os-vif")
            # We are root already: run privileged functions in this process
            # (and so in this network namespace), no privsep daemon.
            privsep.vif_plug.set_client_mode(False)
            _configure(request.get("config", {}))
            os_vif.initialize()
            # For the benchmarks: from before the import to after initialize().
            answer["import_initialize_seconds"] = time.perf_counter() - started
            answer["rss_kb"] = _rss_kb()
        except Exception as exc:  # reported to the caller, who fails the test
            answer["error"] = _error(exc)
        else:
            for step in request.get("steps", []):
                try:
                    vif, instance = _decode(step)
                    begin = time.perf_counter()
                    _run_step(step, vif, instance)
                except Exception as exc:  # reported to the caller
                    answer["results"].append(
                        {"op": step.get("op"), "ok": False, "error": _error(exc)}
                    )
                    break
                answer["results"].append(
                    {"op": step["op"], "ok": True, "seconds": time.perf_counter() - begin}
                )
            else:
                answer["ok"] = True
    answer["warnings"] = [f"{w.category.__name__}: {w.message}" for w in caught]
    _PROTOCOL_OUT.write(json.dumps(answer) + "\n")
    _PROTOCOL_OUT.flush()
    sys.stderr.flush()
    # ovsdbapp's connection thread is not a daemon thread on every version;
    # leave without waiting for it.
    os._exit(0)


if __name__ == "__main__":
    sys.exit(main())

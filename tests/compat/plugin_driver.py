"""Drive the third-party stamp plugin the way Nova would, and report what happened.

Run inside a compatibility virtualenv with the plugin on the path, never
imported::

    python -s -P plugin_driver.py --config-file nova.conf --output FILE

Parses the nova.conf with oslo.config, calls ``os_vif.initialize()``, then
plugs and unplugs through ``os_vif.plug``/``os_vif.unplug`` only, and writes
each observation to ``FILE`` as JSON. An observation that raises records the
exception instead, so the two libraries can be compared step by step.
"""

from __future__ import annotations

import argparse
import json
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

VIF_ID = "2b4d6f80-1a3c-4e5f-8a9b-0c1d2e3f4a5b"
REFUSED_ID = "3c5e7091-2b4d-4f60-9bac-1d2e3f4a5b6c"
INSTANCE = {
    "uuid": "f0000000-0000-0000-0000-000000000001",
    "name": "instance-00000001",
    "project_id": "2f37d7f6e51a4a1f8b6eb0917ffc8390",
}


def _exception(exc: BaseException) -> dict[str, Any]:
    from os_vif import exception

    return {
        "raised": type(exc).__name__,
        "is_os_vif_error": isinstance(exc, exception.ExceptionBase),
        "message": str(exc),
    }


def observe(
    report: dict[str, Any], name: str, work: Callable[[], Any], *, keep: bool = True
) -> None:
    """Record ``work()``'s result (or None unless ``keep``), or what it raised."""
    try:
        result = work()
        report[name] = result if keep else None
    except Exception as exc:  # recorded: the comparison shows it
        report[name] = {"error": _exception(exc), "traceback": traceback.format_exc()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config-file", type=Path, required=True)
    parser.add_argument("--output", type=Path, required=True)
    options = parser.parse_args()

    from oslo_config import cfg

    import os_vif
    from os_vif import objects

    report: dict[str, Any] = {}
    cfg.CONF(["--config-file", str(options.config_file)], project="nova")
    # Of initialize, plug and unplug only whether they raised is compared.
    observe(report, "initialize", os_vif.initialize, keep=False)
    conf = cfg.CONF

    def options_seen() -> dict[str, Any]:
        return {
            "state_dir": conf.os_vif_stamp.state_dir,
            "default_mtu": conf.os_vif_stamp.default_mtu,
            "refused_vif_names": conf.os_vif_stamp.refused_vif_names,
            "ovs network_device_mtu": conf.os_vif_ovs.network_device_mtu,
        }

    def stamp_info() -> dict[str, Any]:
        info = os_vif.host_info(permitted_vif_type_names=["VIFGeneric"])
        plugins = {p.plugin_name: p for p in info.plugin_info}
        return plugins["stamp"].obj_to_primitive()

    def listed_options() -> dict[str, list[str]]:
        from os_vif import opts

        groups = dict(opts.list_plugins_opts())
        return {"os_vif_stamp": sorted(opt.name for opt in groups["os_vif_stamp"])}

    observe(report, "options", options_seen)
    observe(report, "host_info stamp", stamp_info)
    observe(report, "os_vif.opts", listed_options)

    state_dir = Path(conf.os_vif_stamp.state_dir)
    instance = objects.instance_info.InstanceInfo(**INSTANCE)
    network = objects.network.Network(id="c3b2a190-6b7e-4e3a-9a6a-0f1d2e3c4b5a", label="net0")
    vif = objects.vif.VIFGeneric(
        id=VIF_ID, address="fa:16:3e:aa:bb:cc", vif_name="tapstamp0", plugin="stamp"
    )
    vif.network = network

    def stamps() -> dict[str, Any]:
        return {p.name: json.loads(p.read_text()) for p in sorted(state_dir.glob("*.json"))}

    observe(report, "plug", lambda: os_vif.plug(vif, instance), keep=False)
    observe(report, "stamps after plug", stamps)
    observe(report, "unplug", lambda: os_vif.unplug(vif, instance), keep=False)
    observe(report, "stamps after unplug", stamps)
    observe(report, "unplug again", lambda: os_vif.unplug(vif, instance), keep=False)
    refused = objects.vif.VIFGeneric(id=REFUSED_ID, vif_name="tapstampbad", plugin="stamp")
    observe(report, "plug refused", lambda: os_vif.plug(refused, instance), keep=False)
    observe(report, "stamps at the end", stamps)
    options.output.write_text(json.dumps(report, indent=1, sort_keys=True, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())

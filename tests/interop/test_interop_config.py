"""The ovs plugin's options against os-vif 5.3.0's own ``CONFIG_OPTS``.

A nova.conf written for os-vif must mean the same here: every option os-vif
declares in ``[os_vif_ovs]`` exists with the same oslo.config type, default,
deprecated names, choices and deprecation (ours may have more).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.interop

cfg = pytest.importorskip("oslo_config.cfg")

DUMP = """
import json, logging, warnings
warnings.simplefilter("ignore")
logging.disable(logging.CRITICAL)
from vif_plug_ovs import ovs
print(json.dumps({opt.dest: describe(opt) for opt in ovs.OvsPlugin.CONFIG_OPTS}))
"""

DESCRIBE = """
def describe(opt):
    choices = getattr(opt.type, "choices", None)
    return {
        "kind": type(opt).__name__,
        "default": opt.default,
        "deprecated": sorted([d.name, d.group] for d in opt.deprecated_opts),
        "choices": sorted(choices) if choices else None,
        "for_removal": opt.deprecated_for_removal,
        "since": opt.deprecated_since,
    }
"""


def ours() -> dict[str, Any]:
    from vif_plug_ovs.plugin import OvsPlugin

    scope: dict[str, Any] = {}
    exec(DESCRIBE, scope)  # noqa: S102 (our own text, shared with the upstream side)
    return {opt.dest: scope["describe"](opt) for opt in OvsPlugin.CONFIG_OPTS}


def test_ovs_options_match_os_vif(upstream_python: Path):
    result = subprocess.run(
        [str(upstream_python), "-c", DESCRIBE + DUMP],
        capture_output=True, text=True, check=True, timeout=120,
    )  # fmt: skip
    theirs = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(theirs) == {
        "network_device_mtu", "ovs_vsctl_timeout", "ovsdb_connection", "ovsdb_interface",
        "isolate_vif", "per_port_bridge", "default_qos_type",
    }  # fmt: skip
    mine = ours()
    assert {name: mine.get(name) for name in theirs} == theirs

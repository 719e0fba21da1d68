"""Helpers of bench/plug.py: the VIFs, the two sides' worker processes, the checks.

Each side runs in a fresh process inside the private daemons' namespace:
ours is ``_plug_worker.py`` under the project's interpreter, os-vif 5.3.0 is
``tests/interop/upstream_ovs_driver.py`` under the interop virtualenv's. Both
get the same VIF primitives (ours serialise them; os-vif reads them), and
what they leave is checked with ``ovs-vsctl`` and iproute2, never with our
own code.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
WORKER = ROOT / "bench" / "_plug_worker.py"
DRIVER = ROOT / "tests" / "interop" / "upstream_ovs_driver.py"
BRIDGE = "br-int"
LB_BRIDGE = "brq-bench"
MTU = 1450
KINDS = ("create_port", "create_tap", "hybrid", "linux_bridge")
UPSTREAM_KINDS = ("create_port", "create_tap", "hybrid")  # os-vif 5.3.0 has no linux_bridge
_GUEST_GROUP = 4243
_serial = iter(range(1, 1 << 24))

sys.path[:0] = [str(ROOT / "src")]
from os_vif import objects  # noqa: E402


def upstream_python() -> Path | None:
    """The os-vif 5.3.0 interpreter, if its virtualenv exists."""
    default = Path.home() / ".cache" / "os-vif-interop" / "os-vif-5.3.0"
    venv = Path(os.environ.get("OS_VIF_INTEROP_VENV") or default).expanduser()
    python = venv / "bin" / "python"
    return python if python.exists() else None


def make_vifs(kind: str, count: int) -> list[objects.VIFBase]:
    """``count`` new VIFs of ``kind``, with fresh ids and MAC addresses."""
    return [_vif(kind) for _ in range(count)]


def _vif(kind: str) -> objects.VIFBase:
    vif_id = str(uuid.uuid4())
    serial = next(_serial)
    mac = "fa:16:3e:" + ":".join(f"{(serial >> s) & 255:02x}" for s in (16, 8, 0))
    bridge = LB_BRIDGE if kind == "linux_bridge" else BRIDGE
    network = objects.Network(id=str(uuid.uuid4()), bridge=bridge, label="bench", mtu=MTU)
    common: dict[str, Any] = {"id": vif_id, "address": mac, "network": network}
    if kind == "linux_bridge":
        return objects.VIFBridge(
            **common, plugin="linux_bridge", vif_name=("lbg" + vif_id)[:14], bridge_name=bridge
        )
    profile = objects.VIFPortProfileOpenVSwitch(
        interface_id=str(uuid.uuid4()),
        datapath_type="netdev",  # this kernel has no OVS module
        create_port=kind != "hybrid",
        create_tap=kind == "create_tap",
    )
    if kind == "hybrid":
        return objects.VIFBridge(
            **common,
            plugin="ovs",
            vif_name=("tap" + vif_id)[:14],
            bridge_name=("qbr" + vif_id)[:14],
            port_profile=profile,
        )
    return objects.VIFOpenVSwitch(
        **common,
        plugin="ovs",
        vif_name=("tap" + vif_id)[:14],
        bridge_name=bridge,
        port_profile=profile,
    )


def instance() -> objects.InstanceInfo:
    """An instance with a fresh UUID."""
    return objects.InstanceInfo(uuid=str(uuid.uuid4()), name="bench")


def pct(values: list[float], q: int) -> float | None:
    """The q-th percentile of ``values`` (seconds) in milliseconds."""
    if not values:
        return None
    if len(values) < 2:
        return round(values[0] * 1000, 3)
    return round(statistics.quantiles(values, n=100, method="inclusive")[q - 1] * 1000, 3)


def median(values: list[float]) -> float | None:
    """The median, or None for no values."""
    return statistics.median(values) if values else None


@dataclass
class Host:
    """The private daemons' namespace, and how to run each side in it."""

    netns: str
    remote: str
    env: dict[str, str]
    upstream: Path | None

    # --- the two sides ---------------------------------------------------------

    def ours(self, request: dict[str, Any]) -> dict[str, Any]:
        """Run our worker once; return its answer with ``wall_s``."""
        return self._spawn([sys.executable, str(WORKER)], request)

    def os_vif(self, steps: list[dict[str, Any]]) -> dict[str, Any]:
        """Run os-vif's real OVS plugin once over ``steps``; answer with ``wall_s``."""
        if self.upstream is None:
            raise RuntimeError("no os-vif 5.3.0 virtualenv")
        config = {"ovsdb_connection": self.remote, "ovsdb_interface": "native"}
        answer = self._spawn(
            [str(self.upstream), "-I", str(DRIVER)], {"config": config, "steps": steps}
        )
        failed = [r for r in answer.get("results", []) if not r.get("ok")]
        if "error" in answer or failed:
            detail = answer.get("error") or failed[0].get("error")
            raise RuntimeError(f"os-vif failed: {json.dumps(detail)[:2000]}")
        return answer

    def ours_config(self, *, wait: bool = True) -> dict[str, Any]:
        """Our ``initialize`` config for these daemons."""
        return {"os_vif_ovs": {"ovsdb_connection": self.remote, "wait_for_vswitchd": wait}}

    def _spawn(self, argv: list[str], request: dict[str, Any]) -> dict[str, Any]:
        start = time.perf_counter()
        proc = subprocess.run(
            ["ip", "netns", "exec", self.netns, *argv],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            env=self.env,
            timeout=1800,
            check=False,
        )
        wall = time.perf_counter() - start
        if proc.returncode != 0 or not proc.stdout.strip():
            raise RuntimeError(f"{argv[-1]} failed ({proc.returncode}): {proc.stderr[-3000:]}")
        answer: dict[str, Any] = json.loads(proc.stdout.splitlines()[-1])
        answer["wall_s"] = wall
        return answer

    # --- reading the host back ---------------------------------------------------

    def vsctl(self, *args: str) -> str:
        """ovs-vsctl against the private database."""
        return subprocess.run(
            ["ovs-vsctl", f"--db={self.remote}", "--timeout=120", *args],
            capture_output=True,
            text=True,
            check=True,
            env=self.env,
        ).stdout.strip()

    def settle(self) -> None:
        """Return once ovs-vswitchd has applied everything written so far."""
        self.vsctl("set", "Open_vSwitch", ".", f"external_ids:bench={time.monotonic_ns()}")

    def next_cfg(self) -> int:
        """``Open_vSwitch.next_cfg``: every waited-for write moves it."""
        return int(self.vsctl("get", "Open_vSwitch", ".", "next_cfg"))

    def interfaces(self) -> dict[str, dict[str, str]]:
        """Every OVS interface's external_ids, by name."""
        out = json.loads(
            self.vsctl("--format=json", "--columns=name,external_ids", "list", "Interface")
        )
        return {row[0]: dict(row[1][1]) for row in out["data"]}

    def links(self) -> dict[str, str | None]:
        """Every device of the namespace, with its master's name."""
        out = subprocess.run(
            ["ip", "-n", self.netns, "-j", "link", "show"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return {link["ifname"]: link.get("master") for link in json.loads(out)}

    def ip_batch(self, lines: list[str]) -> None:
        """Run iproute2 commands in the namespace, one request each."""
        subprocess.run(
            ["ip", "-n", self.netns, "-force", "-batch", "-"],
            input="\n".join(lines) + "\n",
            text=True,
            capture_output=True,
            check=False,
        )

    def make_guests(self, vifs: list[objects.VIFBase]) -> None:
        """The guests' devices a Linux bridge VIF attaches (a hypervisor makes them).

        veth pairs: this kernel has no dummy driver (and loads no modules).
        """
        self.ip_batch(
            [f"link add {v.vif_name} type veth peer name lbp{v.vif_name[3:]}" for v in vifs]
        )
        self.ip_batch([f"link set {v.vif_name} group {_GUEST_GROUP}" for v in vifs])

    def delete_guests(self) -> None:
        """Delete every guest device made by :meth:`make_guests`."""
        self.ip_batch([f"link delete group {_GUEST_GROUP}"])

    # --- checks --------------------------------------------------------------------

    def check(self, kind: str, vifs: list[objects.VIFBase], *, plugged: bool) -> list[str]:
        """What differs from the expected state, after plug or unplug."""
        interfaces, links = self.interfaces(), self.links()
        problems = []
        for vif in vifs:
            expected = _expected(kind, vif)
            for port, iface_id in expected["ports"].items():
                found = interfaces.get(port)
                if plugged and (found is None or found.get("iface-id") != iface_id):
                    problems.append(f"port {port} missing or without iface-id")
                if not plugged and found is not None:
                    problems.append(f"port {port} left")
            for device, master in expected["devices"].items():
                if plugged and (device not in links or links[device] != master):
                    problems.append(f"device {device} missing or not on {master}")
                if not plugged and kind != "linux_bridge" and device in links:
                    problems.append(f"device {device} left")
                if not plugged and kind == "linux_bridge" and links.get(device) is not None:
                    problems.append(f"device {device} still on a bridge")
        return problems


def _expected(kind: str, vif: Any) -> dict[str, dict[str, Any]]:
    iface_id = vif.port_profile.interface_id if kind != "linux_bridge" else None
    if kind == "hybrid":
        qvb, qvo = ("qvb" + vif.id)[:14], ("qvo" + vif.id)[:14]
        devices = {vif.bridge_name: None, qvb: vif.bridge_name, qvo: None}
        return {"ports": {qvo: iface_id}, "devices": devices}
    if kind == "linux_bridge":
        return {"ports": {}, "devices": {vif.vif_name: vif.bridge_name}}
    devices = {vif.vif_name: None} if kind == "create_tap" else {}
    return {"ports": {vif.vif_name: iface_id}, "devices": devices}


def os_vif_steps(op: str, vifs: list[Any], inst: Any, warmup: Any | None) -> list[dict[str, Any]]:
    """The driver's steps: an optional warm-up unplug, then one step per VIF."""
    inst_p = inst.obj_to_primitive()
    steps = (
        [{"op": "unplug", "vif": warmup.obj_to_primitive(), "instance": inst_p}] if warmup else []
    )
    return steps + [{"op": op, "vif": v.obj_to_primitive(), "instance": inst_p} for v in vifs]

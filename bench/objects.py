"""Benchmark the object model against os-vif 5.3.0; prints one JSON document.

Run with the project's interpreter: ``.venv/bin/python bench/objects.py``.

For one realistic VIFOpenVSwitch (a network with a subnet holding a fixed IP
with a floating IP and a route, DNS servers and an MTU; an Open vSwitch port
profile), it reports microseconds per operation, ours and os-vif's side by
side, with the ratio upstream/ours:

``construct``
    build the whole tree from keyword values.
``to_json`` / ``to_primitive_json_dumps``
    ``vif.obj_to_json()`` and ``json.dumps(vif.obj_to_primitive())``; os-vif:
    ``json.dumps(vif.obj_to_primitive())`` for both.
``from_json`` / ``json_loads_from_primitive``
    ``VersionedObject.obj_from_json(text)`` and
    ``VersionedObject.obj_from_primitive(json.loads(text))``; os-vif: the latter.
``backlevel``
    ``vif.obj_to_primitive(version_manifest=MANIFEST)``.

Then, in fresh processes, the wall time and the in-process time of importing
the object model, and the resident memory after it.

os-vif runs in its own virtualenv (``OS_VIF_INTEROP_VENV``, default
``~/.cache/os-vif-interop/os-vif-5.3.0``, the one the interop tests use), in a
worker process that answers one timing round at a time: rounds of the two
sides alternate, so both see the same load on a shared machine. Without the
virtualenv the upstream side is skipped and the ``note`` says so.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import os_vif.objects
from _upstream_objects import MANIFEST, VALUES, calibrate, one_round, summarize
from os_vif.objects import VersionedObject

ROUNDS = 7
SECONDS_PER_ROUND = 0.1
IMPORT_RUNS = 7
BASELINE_RUNS = 5
TARGET_RATIO = 10.0
TARGET_IMPORT_WALL_MS = 60.0
HERE = Path(__file__).resolve().parent

# Our operations, each with the upstream operation it is compared with and
# the calls timed on either side.
OPS: dict[str, tuple[str, str, str]] = {
    "construct": (
        "construct",
        "VIFOpenVSwitch(network=Network(subnets=SubnetList(...), ...), port_profile=..., ...)",
        "the same",
    ),
    "to_json": ("to_json", "vif.obj_to_json()", "json.dumps(vif.obj_to_primitive())"),
    "to_primitive_json_dumps": (
        "to_json",
        "json.dumps(vif.obj_to_primitive())",
        "json.dumps(vif.obj_to_primitive())",
    ),
    "from_json": (
        "from_json",
        "VersionedObject.obj_from_json(text)",
        "VersionedObject.obj_from_primitive(json.loads(text))",
    ),
    "json_loads_from_primitive": (
        "from_json",
        "VersionedObject.obj_from_primitive(json.loads(text))",
        "VersionedObject.obj_from_primitive(json.loads(text))",
    ),
    "backlevel": (
        "backlevel",
        f"vif.obj_to_primitive(version_manifest={MANIFEST})",
        f"vif.obj_to_primitive(version_manifest={MANIFEST})",
    ),
}

# The child reads the clock and its memory without importing anything more, so
# that its wall time is that of the bare statement; it prints "in-ms rss-kB".
_CHILD = """\
import time
_t0 = time.perf_counter()
{statement}
_t1 = time.perf_counter()
with open("/proc/self/status") as _f:
    _rss = next(line.split()[1] for line in _f if line.startswith("VmRSS:"))
print((_t1 - _t0) * 1000.0, _rss)
"""


def upstream_venv() -> Path:
    default = Path.home() / ".cache" / "os-vif-interop" / "os-vif-5.3.0"
    return Path(os.environ.get("OS_VIF_INTEROP_VENV") or default).expanduser()


def child_env(pycache: str | None) -> dict[str, str]:
    """Our environment without anything that would put other code on sys.path.

    With *pycache*, bytecode is cached there (``PYTHONPYCACHEPREFIX``), for
    both sides alike, and never written into the repository or the venv.
    """
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    if pycache is not None:
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def normalized(primitive: Any) -> Any:
    """A primitive with every "changes" list sorted (os-vif's order is a set's)."""
    if isinstance(primitive, dict):
        return {
            k: sorted(v) if k == "versioned_object.changes" else normalized(v)
            for k, v in primitive.items()
        }
    if isinstance(primitive, list):
        return [normalized(item) for item in primitive]
    return primitive


# --- the operations ----------------------------------------------------------


def construct() -> os_vif.objects.VIFOpenVSwitch:
    o = os_vif.objects
    v = VALUES
    return o.VIFOpenVSwitch(
        network=o.Network(
            subnets=o.SubnetList(
                objects=[
                    o.Subnet(
                        ips=o.FixedIPList(objects=[o.FixedIP(**v["fixed_ip"])]),
                        routes=o.RouteList(objects=[o.Route(**v["route"])]),
                        **v["subnet"],
                    )
                ]
            ),
            **v["network"],
        ),
        port_profile=o.VIFPortProfileOpenVSwitch(**v["port_profile"]),
        **v["vif"],
    )


def ours() -> tuple[dict[str, Callable[[], object]], dict[str, Any]]:
    """Our operations, and the primitives to check against upstream's."""
    vif = construct()
    text = vif.obj_to_json()
    dumps_text = json.dumps(vif.obj_to_primitive())
    from_primitive = VersionedObject.obj_from_primitive
    ops: dict[str, Callable[[], object]] = {
        "construct": construct,
        "to_json": vif.obj_to_json,
        "to_primitive_json_dumps": lambda: json.dumps(vif.obj_to_primitive()),
        "from_json": lambda: VersionedObject.obj_from_json(text),
        "json_loads_from_primitive": lambda: from_primitive(json.loads(dumps_text)),
        "backlevel": lambda: vif.obj_to_primitive(version_manifest=MANIFEST),
    }
    primitives = {
        "primitive": vif.obj_to_primitive(),
        "backlevel_primitive": vif.obj_to_primitive(version_manifest=MANIFEST),
        "roundtrip_primitive": VersionedObject.obj_from_json(text).obj_to_primitive(),
    }
    return ops, primitives


class UpstreamWorker:
    """os-vif 5.3.0 in its virtualenv, timing one round per request."""

    def __init__(self, python: Path) -> None:
        self.stderr = tempfile.TemporaryFile()  # noqa: SIM115 (closed in close())
        self.proc = subprocess.Popen(
            [str(python), "-W", "ignore", str(HERE / "_upstream_objects.py")],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=self.stderr,
            text=True,
            cwd="/",
            env=child_env(None),
        )
        self.header = self._read()

    def _read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None  # noqa: S101 (narrowing only)
        line = self.proc.stdout.readline()
        if not line:
            code = self.proc.wait(timeout=10)
            self.stderr.seek(0)
            tail = self.stderr.read()[-2000:].decode(errors="replace")
            raise RuntimeError(f"upstream worker exited {code}: {tail}")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def request(self, kind: str, op: str, arg: float) -> dict[str, Any]:
        assert self.proc.stdin is not None  # noqa: S101 (narrowing only)
        self.proc.stdin.write(json.dumps([kind, op, arg]) + "\n")
        self.proc.stdin.flush()
        return self._read()

    def close(self) -> None:
        if self.proc.stdin is not None:
            self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.stderr.close()


def time_ops(
    ops: dict[str, Callable[[], object]], worker: UpstreamWorker | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Per-op timings of ours and upstream's, rounds of the two interleaved."""
    numbers = {name: calibrate(func, SECONDS_PER_ROUND) for name, func in ops.items()}
    upstream_names = sorted({spec[0] for spec in OPS.values()})
    up_numbers = {}
    if worker is not None:
        for up in upstream_names:
            up_numbers[up] = worker.request("calibrate", up, SECONDS_PER_ROUND)["number"]
    rounds: dict[str, list[float]] = {name: [] for name in ops}
    up_rounds: dict[str, list[float]] = {up: [] for up in up_numbers}
    for _ in range(ROUNDS):
        for up in upstream_names:
            for name, spec in OPS.items():
                if spec[0] == up:
                    rounds[name].append(one_round(ops[name], numbers[name]))
            if worker is not None:
                answer = worker.request("round", up, up_numbers[up])
                up_rounds[up].append(answer["seconds"])
    return (
        {name: summarize(rounds[name], numbers[name]) for name in ops},
        {up: summarize(up_rounds[up], up_numbers[up]) for up in up_rounds},
    )


# --- importing in a fresh process --------------------------------------------


def run_child(python: Path, statement: str, *, quiet: bool, pycache: str | None) -> list[float]:
    """Wall ms, in-process ms and VmRSS kB of *statement* in a fresh interpreter."""
    argv = [str(python), *(["-W", "ignore"] if quiet else []), "-c"]
    argv.append(_CHILD.format(statement=statement))
    start = time.perf_counter()
    proc = subprocess.run(
        argv,
        capture_output=True,
        text=True,
        cwd="/",
        env=child_env(pycache),
        timeout=60,
        check=False,
    )
    wall = (time.perf_counter() - start) * 1000.0
    if proc.returncode != 0:
        raise RuntimeError(f"{statement!r} exited {proc.returncode}: {proc.stderr[-2000:]}")
    in_ms, rss_kb = proc.stdout.split()[-2:]
    return [wall, float(in_ms), float(rss_kb)]


def time_imports(
    cases: dict[str, tuple[Path, str, bool]], runs: int, pycache: str | None
) -> dict[str, Any]:
    """Run every case *runs* times, the cases taking turns, after one warm-up each."""
    samples: dict[str, list[list[float]]] = {name: [] for name in cases}
    for run in range(runs + 1):
        for name, (python, statement, quiet) in cases.items():
            sample = run_child(python, statement, quiet=quiet, pycache=pycache)
            if run:  # the first run fills the bytecode and page caches
                samples[name].append(sample)
    result = {}
    for name, rows in samples.items():
        walls, inner, rss = zip(*rows, strict=True)
        result[name] = {
            "statement": cases[name][1],
            "wall_ms_median": round(statistics.median(walls), 1),
            "wall_ms_min": round(min(walls), 1),
            "in_process_ms_median": round(statistics.median(inner), 1),
            "in_process_ms_min": round(min(inner), 1),
            "rss_kb_median": int(statistics.median(rss)),
            "runs": runs,
        }
    return result


def imports(python_up: Path | None) -> dict[str, Any]:
    mine = Path(sys.executable)
    baselines = {"baseline_ours": (mine, "pass", False)}
    cases = {"ours": (mine, "import os_vif.objects", False)}
    if python_up is not None:
        baselines["baseline_upstream"] = (python_up, "pass", True)
        cases["upstream_register_all"] = (
            python_up,
            "import os_vif.objects; os_vif.objects.register_all()",
            True,
        )
        cases["upstream_initialize"] = (python_up, "import os_vif; os_vif.initialize()", True)
    with tempfile.TemporaryDirectory(prefix="os-vif-bench-pycache-") as pycache:
        result: dict[str, Any] = {"target_wall_ms": TARGET_IMPORT_WALL_MS}
        result |= time_imports(baselines, BASELINE_RUNS, pycache)
        result |= time_imports(cases, IMPORT_RUNS, pycache)
    ours_import = result["ours"]
    result["meets_target"] = ours_import["wall_ms_median"] < TARGET_IMPORT_WALL_MS
    for name in ("upstream_register_all", "upstream_initialize"):
        if name in result:
            up = result[name]
            for key, field in (
                ("ratio_wall", "wall_ms_median"),
                ("ratio_in_process", "in_process_ms_median"),
                ("ratio_rss", "rss_kb_median"),
            ):
                up[key] = round(up[field] / ours_import[field], 2)
    # Informational: our import with this environment unchanged (where
    # PYTHONDONTWRITEBYTECODE may be set: then our modules compile every time).
    as_is = time_imports({"ours": cases["ours"]}, BASELINE_RUNS, None)["ours"]
    as_is["PYTHONDONTWRITEBYTECODE"] = os.environ.get("PYTHONDONTWRITEBYTECODE")
    as_is["package_has_pycache"] = (Path(os_vif.objects.__file__).parent / "__pycache__").is_dir()
    result["ours_environment_as_is"] = as_is
    return result


# --- the report ----------------------------------------------------------------


def main() -> None:
    started = time.perf_counter()
    load_start = os.getloadavg()
    notes = [
        "us per op: median and min of timeit rounds (gc off during a loop, as in timeit), "
        "our rounds alternating with upstream's; ratio = upstream median / ours median, "
        "ratio_min = upstream min / ours min.",
        "Import: wall_ms is the subprocess wall clock of a fresh interpreter (start-up "
        "included, see baseline_*); in_process_ms is perf_counter around the statement "
        "in the child; rss_kb is the child's VmRSS right after it. Both sides cache "
        "bytecode in one temporary PYTHONPYCACHEPREFIX (a discarded first run fills it); "
        "ours_environment_as_is is our import with this environment unchanged.",
    ]
    venv = upstream_venv()
    python_up: Path | None = venv / "bin" / "python"
    upstream: dict[str, Any] = {"venv": str(venv), "available": python_up.exists()}
    worker = None
    if not upstream["available"]:
        notes.append(f"Upstream side skipped: no virtualenv at {venv} (set OS_VIF_INTEROP_VENV).")
        python_up = None
    else:
        try:
            worker = UpstreamWorker(python_up)
        except (RuntimeError, OSError, ValueError) as exc:
            notes.append(f"Upstream side skipped: {exc}.")
            upstream["available"] = False
            python_up = None

    ops, our_primitives = ours()
    try:
        our_times, up_times = time_ops(ops, worker)
    finally:
        if worker is not None:
            worker.close()
    if worker is not None:
        header = worker.header
        upstream["os_vif_version"] = header["os_vif_version"]
        upstream["os_vif_file"] = header["os_vif_file"]
        for key in ("primitive", "backlevel_primitive", "roundtrip_primitive"):
            same = normalized(header[key]) == normalized(our_primitives[key])
            upstream[f"same_{key}"] = same

    report_ops: dict[str, Any] = {}
    for name, timing in our_times.items():
        up_name, our_call, up_call = OPS[name]
        up = up_times.get(up_name)
        entry: dict[str, Any] = {
            "ours_call": our_call,
            "upstream_call": up_call,
            "ours": timing,
            "upstream": up,
            "ratio": None,
            "ratio_min": None,
            "target_ratio": TARGET_RATIO,
            "meets_target": None,
        }
        if up is not None:
            entry["ratio"] = round(up["median_us"] / timing["median_us"], 1)
            entry["ratio_min"] = round(up["min_us"] / timing["min_us"], 1)
            entry["meets_target"] = entry["ratio"] >= TARGET_RATIO
        report_ops[name] = entry

    import_times = imports(python_up)
    verdicts = [e["meets_target"] for e in report_ops.values()] + [import_times["meets_target"]]
    report = {
        "benchmark": "os_vif.objects: a realistic VIFOpenVSwitch, ours vs os-vif 5.3.0",
        "machine": {
            "python": platform.python_version(),
            "implementation": platform.python_implementation(),
            "platform": platform.platform(),
            "cpu_count": os.cpu_count(),
            "loadavg_start": [round(x, 2) for x in load_start],
            "loadavg_end": [round(x, 2) for x in os.getloadavg()],
        },
        "settings": {
            "rounds": ROUNDS,
            "seconds_per_round": SECONDS_PER_ROUND,
            "import_runs": IMPORT_RUNS,
            "version_manifest": MANIFEST,
        },
        "upstream": upstream,
        "ops": report_ops,
        "import": import_times,
        "meets_all_targets": None if None in verdicts else all(verdicts),
        "runtime_s": round(time.perf_counter() - started, 1),
        "note": " ".join(notes),
    }
    json.dump(report, sys.stdout, indent=2)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()

"""Benchmark plugging, ours against os-vif 5.3.0 on the same daemons; print JSON.

Run as root from the repository root (about 10 minutes on 2 cores; ``--quick``
about 4)::

    .venv/bin/python bench/plug.py [--quick] [--rounds 3] [--out plug.json]

It starts a private ovsdb-server and ovs-vswitchd (netdev datapath) in a
network namespace (``vif_plug_ovs.sandbox``) and, when the interop
virtualenv with os-vif 5.3.0 exists (``OS_VIF_INTEROP_VENV``, default
``~/.cache/os-vif-interop/os-vif-5.3.0``; the interop tests build it), runs
os-vif's real OVS plugin on the same daemons. Every measured step runs in a
fresh process (ours: ``_plug_worker.py``; os-vif:
``tests/interop/upstream_ovs_driver.py``), both sides alternating in each
round; timed steps follow an untimed warm-up (the first use's imports and
OVSDB connection), except the "first plug in a fresh process". It measures:

* import + initialize time (in-process and process wall) and RSS after it;
* VIFOpenVSwitch create_port, VIFOpenVSwitch create_tap, VIFBridge hybrid
  (ovs plugin) and VIFBridge on the linux_bridge plugin (ours only: os-vif
  dropped it): N = 1, 50, 200 (and 1000 without ``--quick``) plugged and
  unplugged one by one (p50/p95 per VIF, total) and, ours, as one batch
  (``plug_many``/``unplug_many``); the re-plug of 200 plugged VIFs;
* with ``--existing`` (2,000) ports on br-int: 20 VIFs one by one and as a
  batch, waiting for ovs-vswitchd and not, and the first plug in a fresh
  process.

After every plug each port's record and each device is checked with
``ovs-vsctl`` and iproute2, and their absence after every unplug. Ratios are
ours/os-vif (times: lower is better) with the speedup os-vif/ours; each
target of issue 6 is reported as met or not. Timings are never asserted
anywhere; this only reports them.
"""

from __future__ import annotations

import argparse
import json
import platform
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from _plug_setup import (
    BRIDGE,
    KINDS,
    LB_BRIDGE,
    UPSTREAM_KINDS,
    Host,
    instance,
    make_vifs,
    median,
    os_vif_steps,
    pct,
    upstream_python,
)
from _plug_targets import targets
from _sandbox import missing_requirements, sandbox

OURS_OBO, OURS_BATCH, OS_VIF = "ours_one_by_one", "ours_batch", "os_vif_one_by_one"


class Bench:
    """The measurements of one run, on one set of daemons."""

    def __init__(self, host: Host, args: argparse.Namespace) -> None:
        self.host = host
        self.args = args
        self.problems: list[str] = []
        self.checks = 0

    # --- one phase, one case -----------------------------------------------------

    def phase(self, side: str, op: str, vifs: list[Any], inst: Any, **opts: Any) -> dict[str, Any]:
        """Plug or unplug ``vifs`` in one fresh process of ``side``."""
        warm = opts.get("warmup")
        if side == OS_VIF:
            answer = self.host.os_vif(os_vif_steps(op, vifs, inst, warm))
            steps = [r["seconds"] for r in answer["results"]][1 if warm else 0 :]
            init, outcomes = answer["import_initialize_seconds"], {}
        else:
            request = {
                "config": self.host.ours_config(wait=opts.get("wait", True)),
                "op": op,
                "mode": "batch" if side == OURS_BATCH else "one_by_one",
                "wait": opts.get("wait", True),
                "vifs": [v.obj_to_primitive() for v in vifs],
                "instance": inst.obj_to_primitive(),
                **({"warmup": warm.obj_to_primitive()} if warm else {}),
            }
            answer = self.host.ours(request)
            if answer["errors"]:
                self.problems.append(f"{side} {op}: {answer['errors'][0][:500]}")
            steps, init, outcomes = (
                answer["steps"],
                answer["import_initialize_s"],
                answer["outcomes"],
            )
        return {
            "total_s": round(sum(steps), 4),
            "p50_ms": pct(steps, 50),
            "p95_ms": pct(steps, 95),
            "first_step_ms": pct(steps[:1], 50),
            "import_initialize_ms": round(init * 1000, 2),
            "wall_s": round(answer["wall_s"], 3),
            "outcomes": outcomes,
        }

    def verify(self, label: str, kind: str, vifs: list[Any], *, plugged: bool) -> None:
        """Check the host after a plug (everything there) or unplug (nothing left)."""
        self.checks += 1
        found = self.host.check(kind, vifs, plugged=plugged)
        if found:
            self.problems.append(f"{label}: {len(found)} problems, e.g. {found[:3]}")

    def case(self, side: str, kind: str, n: int, **opts: Any) -> dict[str, Any]:
        """Plug ``n`` new VIFs, check, [re-plug,] unplug, check."""
        vifs, inst, warm = make_vifs(kind, n), instance(), make_vifs(kind, 1)[0]
        label = f"{side} {kind} n={n}" + ("" if opts.get("wait", True) else " no-wait")
        if kind == "linux_bridge":
            self.host.make_guests(vifs)
        try:
            self.host.settle()
            out = {"plug": self.phase(side, "plug", vifs, inst, warmup=warm, **opts)}
            self.verify(f"{label} plug", kind, vifs, plugged=True)
            if opts.get("replug"):
                self.host.settle()
                before = self.host.next_cfg()
                out["replug"] = self.phase(side, "plug", vifs, inst, warmup=warm)
                out["replug"]["wrote_ovsdb"] = self.host.next_cfg() != before
                self.verify(f"{label} re-plug", kind, vifs, plugged=True)
            self.host.settle()
            out["unplug"] = self.phase(side, "unplug", vifs, inst, warmup=warm, **opts)
            self.verify(f"{label} unplug", kind, vifs, plugged=False)
        finally:
            if kind == "linux_bridge":
                self.host.delete_guests()
        return out

    def rounds(self, cases: list[tuple[str, str, int, dict[str, Any]]], count: int) -> list[Any]:
        """Run each case ``count`` times, the order of sides rotating each round."""
        runs: list[list[dict[str, Any]]] = [[] for _ in cases]
        for round_ in range(count):
            order = list(range(len(cases)))
            shift = round_ % len(order)
            for index in order[shift:] + order[:shift]:
                side, kind, n, opts = cases[index]
                runs[index].append(self.case(side, kind, n, **opts))
        return [_merge(r) for r in runs]

    def sides(self, kind: str) -> list[str]:
        """The sides that can plug ``kind``."""
        upstream = self.host.upstream is not None and kind in UPSTREAM_KINDS
        return [OURS_OBO, OURS_BATCH] + ([OS_VIF] if upstream else [])

    # --- the parts of the report -------------------------------------------------

    def import_initialize(self) -> dict[str, Any]:
        """Import + initialize in fresh processes, alternating sides."""
        ours: list[dict[str, Any]] = []
        theirs: list[dict[str, Any]] = []
        for _ in range(self.args.import_runs):
            answer = self.host.ours({"config": self.host.ours_config(), "op": "none"})
            ours.append(
                {
                    "ms": answer["import_initialize_s"] * 1000,
                    "wall": answer["wall_s"],
                    "rss": answer["rss_kb"],
                }
            )
            if self.host.upstream is not None:
                answer = self.host.os_vif([])
                theirs.append(
                    {
                        "ms": answer["import_initialize_seconds"] * 1000,
                        "wall": answer["wall_s"],
                        "rss": answer["rss_kb"],
                    }
                )
        return {"ours": _import_summary(ours), "os_vif": _import_summary(theirs) or None}

    def sizes(self, sizes: list[int], rounds: int, rounds_big: int) -> dict[str, Any]:
        """Every VIF kind, one by one and as a batch, at each size (``rounds_big`` from 200)."""
        out: dict[str, Any] = {}
        for kind in self.args.kinds.split(","):
            for n in sizes:
                cases = [(side, kind, n, {"replug": n == 200}) for side in self.sides(kind)]
                results = self.rounds(cases, rounds if n < 200 else rounds_big)
                out.setdefault(kind, {})[str(n)] = {
                    side: result for (side, *_), result in zip(cases, results, strict=True)
                }
        return out

    def big(self, sizes: list[int]) -> dict[str, Any]:
        """N = 1000 (and more): our batch for each kind, one by one for create_port."""
        out: dict[str, Any] = {}
        for n in sizes:
            for kind in KINDS:
                sides = self.sides(kind) if kind == "create_port" else [OURS_BATCH]
                cases = [(side, kind, n, {}) for side in sides]
                results = self.rounds(cases, 1)
                out.setdefault(kind, {})[str(n)] = {
                    side: result for (side, *_), result in zip(cases, results, strict=True)
                }
        return out

    def existing(self, rounds: int, rounds_big: int) -> dict[str, Any]:
        """20 VIFs with ``--existing`` ports on br-int; the empty-bridge no-wait first."""
        n = self.args.existing_vifs
        empty = {}
        for kind in ("create_port", "hybrid"):
            (empty[kind],) = self.rounds([(OURS_OBO, kind, n, {"wait": False})], rounds)
        fill_s = self.fill(self.args.existing)
        out: dict[str, Any] = {"ports": self.args.existing, "fill_s": round(fill_s, 2), "vifs": n}
        for kind in ("create_port", "hybrid"):
            # Ours one by one, waiting, is left out: like os-vif's, each plug
            # waits for a reconfiguration of ovs-vswitchd (~0.7 s here).
            cases = [(side, kind, n, {}) for side in self.sides(kind) if side != OURS_OBO]
            cases.append((OURS_OBO + "_no_wait", kind, n, {"wait": False}))
            cases.append((OURS_BATCH + "_no_wait", kind, n, {"wait": False}))
            results = self.rounds(
                [(s.removesuffix("_no_wait"), k, m, o) for s, k, m, o in cases], rounds_big
            )
            out[kind] = {side: r for (side, *_), r in zip(cases, results, strict=True)}
            out[kind]["empty_bridge_" + OURS_OBO + "_no_wait"] = empty[kind]
        out["first_plug_fresh_process"] = self.first_plug(rounds)
        return out

    def fill(self, count: int) -> float:
        """Put ``count`` dummy ports (no kernel device) on br-int, in one transaction."""
        from vif_plug_ovs._ovsdb import AddPort, OvsdbClient

        client = OvsdbClient(self.host.remote, timeout=600)
        start = time.perf_counter()
        with client.transaction() as txn:
            for i in range(count):
                txn.add(AddPort(BRIDGE, f"e{i}", interface_type="dummy"))
        client.close()
        return time.perf_counter() - start

    def first_plug(self, rounds: int) -> dict[str, Any]:
        """Import, initialize, connect and plug one VIF, in a fresh process.

        Ours also without waiting for ovs-vswitchd (os-vif always waits):
        what is left is the client's own cost.
        """
        runs: dict[str, list[dict[str, float]]] = {"ours": [], "os_vif": [], "ours_no_wait": []}
        for _ in range(rounds):
            for side, side_runs in runs.items():
                if side == "os_vif" and self.host.upstream is None:
                    continue
                vifs, inst = make_vifs("create_port", 1), instance()
                self.host.settle()
                wait = side != "ours_no_wait"
                phase = self.phase(
                    OS_VIF if side == "os_vif" else OURS_OBO, "plug", vifs, inst, wait=wait
                )
                self.verify(f"{side} first plug", "create_port", vifs, plugged=True)
                side_runs.append(
                    {
                        "in_process_ms": phase["import_initialize_ms"]
                        + (phase["first_step_ms"] or 0),
                        "wall_s": phase["wall_s"],
                    }
                )
                self.phase(OURS_BATCH, "unplug", vifs, inst)
                self.verify(f"{side} first plug, unplug", "create_port", vifs, plugged=False)
        return {side: _median_dict(r) for side, r in runs.items() if r}


def _import_summary(runs: list[dict[str, float]]) -> dict[str, float]:
    if not runs:
        return {}
    return {
        "in_process_ms": round(median([r["ms"] for r in runs]) or 0, 2),
        "process_wall_ms": round((median([r["wall"] for r in runs]) or 0) * 1000, 1),
        "rss_mb": round((median([r["rss"] for r in runs]) or 0) / 1024, 1),
        "runs": len(runs),
    }


def _median_dict(runs: list[dict[str, float]]) -> dict[str, float]:
    return {key: round(median([r[key] for r in runs]) or 0, 3) for key in runs[0]}


def _merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """One case's rounds: the median of each figure, outcomes of the first round."""
    merged: dict[str, Any] = {"rounds": len(runs)}
    for phase, first in runs[0].items():
        merged[phase] = {}
        for key, value in first.items():
            if isinstance(value, int | float) and not isinstance(value, bool):
                values = [r[phase][key] for r in runs if r[phase][key] is not None]
                merged[phase][key] = round(median(values) or 0, 4)
            else:
                merged[phase][key] = value
    return merged


def _child_env(pycache: str) -> dict[str, str]:
    import os

    # Both sides alike: bytecode cached (outside the repository and the
    # venv), nothing extra on sys.path.
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "PYTHONHOME"}}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env["PYTHONPYCACHEPREFIX"] = pycache
    return env


def _parse() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 round, N up to 200")
    parser.add_argument("--rounds", type=int, help="rounds per measurement (default 3; quick 1)")
    parser.add_argument("--rounds-big", type=int, default=1, help="rounds from N=200 and at 2,000")
    parser.add_argument("--existing", type=int, default=2000, help="ports already on br-int")
    parser.add_argument("--existing-vifs", type=int, default=20, help="VIFs plugged among them")
    parser.add_argument(
        "--import-runs", type=int, help="import+initialize runs (default 7; quick 3)"
    )
    parser.add_argument("--sizes", default="1,50,200", help="N one by one and as a batch")
    parser.add_argument("--kinds", default=",".join(KINDS), help="VIF kinds to measure")
    parser.add_argument("--skip-existing", action="store_true", help="no 2,000-port part")
    parser.add_argument("--no-upstream", action="store_true", help="measure ours only")
    parser.add_argument("--out", type=Path, help="also write the JSON here")
    args = parser.parse_args()
    args.rounds = args.rounds or (1 if args.quick else 3)
    args.import_runs = args.import_runs or (3 if args.quick else 7)
    return args


def main() -> int:
    args = _parse()
    reason = missing_requirements()
    if reason is not None:
        print(json.dumps({"skipped": reason}))
        return 1
    started = time.perf_counter()
    pycache = tempfile.mkdtemp(prefix="osvif-bench-pycache-")
    upstream = None if args.no_upstream else upstream_python()
    try:
        with sandbox() as daemons:
            host = Host(daemons.netns, daemons.remote, _child_env(pycache), upstream)
            host.vsctl("add-br", BRIDGE, "--", "set", "Bridge", BRIDGE, "datapath_type=netdev")
            bench = Bench(host, args)
            bench.import_initialize()  # compiles both sides' bytecode: not reported
            report: dict[str, Any] = {
                "setup": {
                    "os_vif": "5.3.0" if upstream else None,
                    "note": None if upstream else "no os-vif 5.3.0 virtualenv: ours only",
                    "datapath": "netdev",
                    "cpus": _cpus(),
                    "kernel": platform.release(),
                    "rounds": args.rounds,
                    "quick": args.quick,
                },
                "import_initialize": bench.import_initialize(),
                "sizes": bench.sizes(
                    [int(n) for n in args.sizes.split(",")], args.rounds, args.rounds_big
                ),
            }
            if not args.quick:
                report["sizes_1000"] = bench.big([1000])
            if not args.skip_existing:
                report["existing_ports"] = bench.existing(args.rounds, args.rounds_big)
            host.ip_batch([f"link delete {LB_BRIDGE}"])
            report["verification"] = {"checks": bench.checks, "problems": bench.problems}
    finally:
        shutil.rmtree(pycache, ignore_errors=True)
    report["targets"] = targets(report)
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    report["totals"] = {
        "wall_s": round(time.perf_counter() - started, 1),
        "children_cpu_s": round(usage.ru_utime + usage.ru_stime, 1),
    }
    text = json.dumps(report, indent=1)
    if args.out:
        args.out.write_text(text + "\n")
    print(text)
    return 0 if not bench.problems else 2


def _cpus() -> int:
    import os

    return len(os.sched_getaffinity(0))


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark the OVSDB client on private daemons; print the figures as JSON.

Starts its own ovsdb-server and ovs-vswitchd (netdev datapath) in a network
namespace, then measures, on an empty bridge and on a bridge that already holds
``--existing`` ports:

* one port at a time: add and delete latency (p50, p95), waiting for
  ovs-vswitchd and not waiting, and the bytes each plug costs on the wire;
* a batch of ``--batch`` ports in one transaction: add, re-plug of the same
  (already right: no write), delete;
* the first plug in a fresh process (import, connect, schema, plug);
* last, with ovs-vswitchd stopped, one port at a time without waiting: the
  cost of the client and ovsdb-server alone, empty bridge against big one.

Run as root from the repository root::

    .venv/bin/python bench/ovsdb.py [--existing 2000] [--samples 30] [--batch 200]

Timings are never asserted anywhere; this only reports them.
"""

from __future__ import annotations

import argparse
import itertools
import json
import resource
import statistics
import subprocess
import sys
import time

from _sandbox import ROOT, missing_requirements, sandbox
from vif_plug_ovs._ovsdb import (
    AddBridge,
    AddPort,
    DbSet,
    DelBridge,
    DelPort,
    OvsdbClient,
)

_names = itertools.count()


def _name(prefix: str) -> str:
    return f"{prefix}{next(_names)}"


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 3)


def _pct(values: list[float], q: int) -> float:
    if len(values) < 2:
        return _ms(values[0])
    return _ms(statistics.quantiles(values, n=100, method="inclusive")[q - 1])


def one_by_one(client: OvsdbClient, bridge: str, n: int, *, wait: bool, port_type: str) -> dict:
    names = [_name("b") for _ in range(n)]
    adds, dels, sent, received = [], [], [], []
    for name in names:
        before = (client.stats.bytes_sent, client.stats.bytes_received)
        start = time.perf_counter()
        client.execute(AddPort(bridge, name, interface_type=port_type), wait=wait)
        adds.append(time.perf_counter() - start)
        sent.append(client.stats.bytes_sent - before[0])
        received.append(client.stats.bytes_received - before[1])
    for name in names:
        start = time.perf_counter()
        client.execute(DelPort(name), wait=wait)
        dels.append(time.perf_counter() - start)
    return {
        "samples": n,
        "add_p50_ms": _pct(adds, 50),
        "add_p95_ms": _pct(adds, 95),
        "del_p50_ms": _pct(dels, 50),
        "del_p95_ms": _pct(dels, 95),
        "bytes_sent_per_add_p50": int(statistics.median(sent)),
        "bytes_received_per_add_p50": int(statistics.median(received)),
    }


def batch(client: OvsdbClient, bridge: str, n: int, *, wait: bool, port_type: str) -> dict:
    names = [_name("b") for _ in range(n)]
    commands = [
        AddPort(bridge, name, interface_type=port_type, external_ids={"iface-id": name})
        for name in names
    ]
    start = time.perf_counter()
    client.execute(*commands, wait=wait)
    add = time.perf_counter() - start
    # Let ovs-vswitchd finish making the taps: it competes for the CPU.
    settle(client)

    requests = client.stats.requests
    txn = client.transaction(wait=wait)
    start = time.perf_counter()
    with txn:
        for command in commands:
            txn.add(command)
    replug = time.perf_counter() - start
    replug_requests = client.stats.requests - requests

    start = time.perf_counter()
    client.execute(*(DelPort(name) for name in names), wait=wait)
    delete = time.perf_counter() - start
    return {
        "ports": n,
        "add_ms": _ms(add),
        "del_ms": _ms(delete),
        "replug_unchanged_ms": _ms(replug),
        "replug_requests": replug_requests,
        "replug_wrote": txn.wrote,
    }


_FRESH = """
import sys, time
start = time.perf_counter()
sys.path.insert(0, {src!r})
from vif_plug_ovs._ovsdb import AddPort, DelPort, OvsdbClient
client = OvsdbClient({remote!r})
client.execute(AddPort({bridge!r}, {port!r}, interface_type={port_type!r}))
first = time.perf_counter() - start
client.execute(DelPort({port!r}))
print(first, client.stats.bytes_received)
"""


def first_plug_in_fresh_process(remote: str, bridge: str, port_type: str) -> dict:
    code = _FRESH.format(
        src=str(ROOT / "src"), remote=remote, bridge=bridge, port=_name("f"), port_type=port_type
    )
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    wall = time.perf_counter() - start
    first, received = out.split()
    return {
        "in_process_ms": _ms(float(first)),
        "process_wall_ms": _ms(wall),
        "bytes_received": int(received),
    }


def fill(client: OvsdbClient, bridge: str, count: int, port_type: str) -> float:
    start = time.perf_counter()
    with client.transaction(timeout=600) as txn:
        for i in range(count):
            txn.add(AddPort(bridge, f"e{i}", interface_type=port_type))
    return time.perf_counter() - start


def settle(client: OvsdbClient) -> None:
    """Wait until ovs-vswitchd has applied everything written so far."""
    stamp = str(time.monotonic_ns())
    client.execute(
        DbSet("Open_vSwitch", ".", {"external_ids": {"bench": stamp}}, merge_maps=True),
        wait=True,
    )


def measure(client: OvsdbClient, remote: str, bridge: str, args: argparse.Namespace) -> dict:
    kind = args.port_type
    out: dict = {"one_by_one": {}, f"batch_{args.batch}": {}}
    for label, wait in (("wait", True), ("no_wait", False)):
        settle(client)
        out["one_by_one"][label] = one_by_one(
            client, bridge, args.samples, wait=wait, port_type=kind
        )
    for label, wait in (("wait", True), ("no_wait", False)):
        settle(client)
        out[f"batch_{args.batch}"][label] = batch(
            client, bridge, args.batch, wait=wait, port_type=kind
        )
    settle(client)
    out["first_plug_fresh_process"] = first_plug_in_fresh_process(remote, bridge, kind)
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--existing", type=int, default=2000, help="ports on the big bridge")
    parser.add_argument("--existing-type", default="internal", help="their Interface.type")
    parser.add_argument("--port-type", default="internal", help="type of measured ports")
    parser.add_argument("--samples", type=int, default=30, help="ports added one by one")
    parser.add_argument("--batch", type=int, default=200, help="ports in the batch")
    args = parser.parse_args()
    reason = missing_requirements()
    if reason is not None:
        print(json.dumps({"skipped": reason}))
        return 1

    with sandbox() as daemons:
        client = OvsdbClient(daemons.remote, timeout=600)
        empty, big = "br-empty", "br-big"
        client.execute(AddBridge(empty, datapath_type="netdev"))
        report: dict = {
            "setup": {
                "existing_ports": args.existing,
                "existing_type": args.existing_type,
                "port_type": args.port_type,
            },
            "empty_host": measure(client, daemons.remote, empty, args),
        }
        client.execute(AddBridge(big, datapath_type="netdev"))
        filled = fill(client, big, args.existing, args.existing_type)
        report["setup"]["fill_one_transaction_ms"] = _ms(filled)
        report[f"bridge_with_{args.existing}_ports"] = measure(client, daemons.remote, big, args)
        # Without ovs-vswitchd reconfiguring in the background (it competes
        # for the CPU after every no-wait write), what remains is the cost of
        # the client and ovsdb-server alone.
        settle(client)
        daemons.stop_vswitchd()
        report["no_vswitchd_no_wait"] = {
            "empty_bridge": one_by_one(
                client, empty, args.samples, wait=False, port_type=args.port_type
            ),
            f"bridge_with_{args.existing}_ports": one_by_one(
                client, big, args.samples, wait=False, port_type=args.port_type
            ),
        }
        client.execute(DelBridge(empty), DelBridge(big), wait=False)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        report["totals"] = {
            "requests": client.stats.requests,
            "connections": client.stats.connections,
            "client_cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        }
        start = time.perf_counter()
    report["totals"]["teardown_ms"] = _ms(time.perf_counter() - start)
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Micro-benchmark of the netlink primitives; prints JSON. Needs root.

Runs in a private, unnamed network namespace (``unshare(CLONE_NEWNET)``), so
it never touches the host's devices and nothing outlives the process.

    python bench/netlink.py [--count N]

Reports milliseconds per operation:
- ``plug_cycle``: ensure_veth_pair + set_master on a bridge, then delete;
- ``delete_*``: deleting N veth pairs / N bridges one request each, as N
  requests written in one send, and as one ``delete_links`` batch (a device
  group delete);
- ``pyroute2_plug_cycle``: the same cycle through pyroute2's IPRoute, for
  reference.
"""

from __future__ import annotations

import argparse
import ctypes
import json
import os
import platform
import sys
import time
from collections.abc import Callable

from os_vif.linux import _requests as requests
from os_vif.linux.netlink import Netlink

CLONE_NEWNET = 0x40000000


def enter_private_netns() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.unshare(CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        sys.exit(f"unshare(CLONE_NEWNET) failed: {os.strerror(err)} (needs root)")


def timed(func: Callable[[], object]) -> float:
    start = time.perf_counter()
    func()
    return (time.perf_counter() - start) * 1000


def plug_cycle(nl: Netlink, count: int) -> dict[str, float]:
    nl.ensure_bridge("br-bench", mtu=1500, up=True)
    plug = delete = 0.0
    for i in range(count):
        a, b = f"qvb{i}", f"qvo{i}"

        def do_plug(a: str = a, b: str = b) -> None:
            nl.ensure_veth_pair(a, b, mtu=1500, up=True)
            nl.set_master(a, "br-bench")

        plug += timed(do_plug)
        delete += timed(lambda a=a: nl.delete_link(a))
    nl.delete_link("br-bench")
    return {
        "plug_ms": round(plug / count, 3),
        "delete_ms": round(delete / count, 3),
        "cycle_ms": round((plug + delete) / count, 3),
    }


def deletions(nl: Netlink, count: int, kind: str) -> dict[str, float]:
    def make() -> list[str]:
        names = [f"d{i}" for i in range(count)]
        for name in names:
            if kind == "veth":
                nl.ensure_veth_pair(name, f"e{name}", mtu=1500)
            else:
                nl.ensure_bridge(name, mtu=1500)
        return names

    names = make()
    one_by_one = timed(lambda: [nl.delete_link(name) for name in names])
    names = make()
    # Research only: every RTM_DELLINK written in one send() before reading
    # the acks (the kernel still handles them one by one).
    pipelined = timed(lambda: nl._sock.exchange([requests.delete_link(name=n) for n in names]))
    names = make()
    batched = timed(lambda: nl.delete_links(names))
    return {
        "one_request_each_ms_per_device": round(one_by_one / count, 3),
        "pipelined_requests_ms_per_device": round(pipelined / count, 3),
        "delete_links_batch_ms_per_device": round(batched / count, 3),
        "speedup": round(one_by_one / batched, 1),
    }


def pyroute2_cycle(count: int) -> dict[str, float] | None:
    try:
        from pyroute2 import IPRoute
    except ImportError:
        return None
    with IPRoute() as ipr:
        ipr.link("add", ifname="br-p2", kind="bridge")
        bridge = ipr.link_lookup(ifname="br-p2")[0]
        plug = delete = 0.0
        for i in range(count):
            a = f"pa{i}"

            def do_plug(a: str = a, i: int = i) -> None:
                ipr.link("add", ifname=a, kind="veth", peer=f"pb{i}", mtu=1500)
                index = ipr.link_lookup(ifname=a)[0]
                ipr.link("set", index=index, master=bridge, state="up")

            plug += timed(do_plug)
            delete += timed(lambda a=a: ipr.link("del", ifname=a))
        ipr.link("del", index=bridge)
    return {
        "plug_ms": round(plug / count, 3),
        "delete_ms": round(delete / count, 3),
        "cycle_ms": round((plug + delete) / count, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=50)
    args = parser.parse_args()
    enter_private_netns()
    result: dict[str, object] = {
        "kernel": platform.release(),
        "python": platform.python_version(),
        "count": args.count,
    }
    with Netlink() as nl:
        # The first request pays for importing pyroute2 (it builds requests).
        result["first_request_ms"] = round(timed(lambda: nl.get_link("lo")), 3)
        result["open_close_ms"] = round(timed(lambda: Netlink().close()), 3)
        result["get_link_ms"] = round(
            timed(lambda: [nl.get_link("lo") for _ in range(100)]) / 100, 3
        )
        result["plug_cycle"] = plug_cycle(nl, args.count)
        result["delete_veth_pairs"] = deletions(nl, args.count, "veth")
        result["delete_bridges"] = deletions(nl, args.count, "bridge")
    result["pyroute2_plug_cycle"] = pyroute2_cycle(args.count)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()

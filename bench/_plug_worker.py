"""One fresh process of ours for bench/plug.py: import, initialize, plug or unplug.

Runs inside the private daemons' network namespace (``ip netns exec``), with
the project's interpreter; it never imports anything but os_vif. The
request, one JSON document on stdin (read before the clock starts)::

    {"config": {<plugin>: {<option>: <value>}},
     "op": "plug" | "unplug" | "none",
     "mode": "one_by_one" | "batch",
     "wait": true | false | null,
     "warmup": <VIF primitive> (optional),
     "vifs": [<VIF primitive>, ...], "instance": <InstanceInfo primitive>}

``warmup`` is unplugged (it is absent: nothing is written) before the timed
steps, so that they do not include what the first use of a plugin costs
(its lazy imports, the OVSDB connection and schema); without it the first
step pays for that, as in a freshly started agent.

The answer, one JSON document on stdout: ``import_initialize_s`` (from before
``import os_vif`` to after ``initialize``), ``rss_kb`` after it, ``steps``
(the seconds of each plug/unplug one by one, or of the one batch call),
``outcomes`` (count per reported outcome) and ``errors``.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        return int(next(line.split()[1] for line in status if line.startswith("VmRSS:")))


def _run(os_vif: Any, request: dict[str, Any], answer: dict[str, Any]) -> list[Any]:
    from os_vif.objects import VersionedObject

    decode = VersionedObject.obj_from_primitive
    vifs = [decode(p) for p in request.get("vifs", [])]
    instance = decode(request["instance"]) if "instance" in request else None
    if "warmup" in request:
        os_vif.unplug(decode(request["warmup"]), instance)
    op, steps = request.get("op", "none"), answer["steps"]
    if op == "none":
        return []
    if request.get("mode") == "batch":
        call = os_vif.plug_many if op == "plug" else os_vif.unplug_many
        begin = time.perf_counter()
        results = call(vifs, instance, wait=request.get("wait"))
        steps.append(time.perf_counter() - begin)
        return list(results)
    one = os_vif.plug if op == "plug" else os_vif.unplug
    results = []
    for vif in vifs:
        begin = time.perf_counter()
        results.append(one(vif, instance))
        steps.append(time.perf_counter() - begin)
    return results


def main() -> int:
    request = json.load(sys.stdin)
    started = time.perf_counter()
    import os_vif

    os_vif.initialize(config=request["config"])
    answer: dict[str, Any] = {
        "import_initialize_s": time.perf_counter() - started,
        "rss_kb": _rss_kb(),
        "steps": [],
        "outcomes": {},
        "errors": [],
    }
    try:
        results = _run(os_vif, request, answer)
    except os_vif.exception.ExceptionBase as exc:
        answer["errors"].append(f"{type(exc).__name__}: {exc}")
        results = list(getattr(exc, "results", ()))
    for result in results:
        key = result.outcome.value
        answer["outcomes"][key] = answer["outcomes"].get(key, 0) + 1
    json.dump(answer, sys.stdout)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""The targets of issue 6, read from bench/plug.py's report: met or not, by how much.

Each target gives ours, os-vif's (when there is one), the ratio ours/os-vif
(times and memory: lower is better), the speedup os-vif/ours, what is
required, and whether it is met. A target whose figures are missing (no
os-vif virtualenv) is reported with ``met`` None.
"""

from __future__ import annotations

from typing import Any

_OURS_OBO, _OURS_BATCH, _OS_VIF = "ours_one_by_one", "ours_batch", "os_vif_one_by_one"


def _get(tree: Any, *path: str) -> Any:
    for key in path:
        if not isinstance(tree, dict) or key not in tree:
            return None
        tree = tree[key]
    return tree


def _speedup(
    target: str, ours: float | None, theirs: float | None, at_least: float
) -> dict[str, Any]:
    if ours is None or theirs is None or ours <= 0:
        return {"target": target, "ours": ours, "os_vif": theirs, "met": None}
    return {
        "target": target,
        "ours": ours,
        "os_vif": theirs,
        "ratio_ours_over_os_vif": round(ours / theirs, 4),
        "speedup": round(theirs / ours, 2),
        "required": f"speedup >= {at_least:g}",
        "met": theirs / ours >= at_least,
    }


def targets(report: dict[str, Any]) -> list[dict[str, Any]]:
    """Every target of issue 6, evaluated on ``report``."""
    out = []
    imp = report.get("import_initialize", {})
    out.append(
        _speedup(
            "import + initialize, in-process ms, >= 10x",
            _get(imp, "ours", "in_process_ms"),
            _get(imp, "os_vif", "in_process_ms"),
            10,
        )
    )
    rss, rss_up = _get(imp, "ours", "rss_mb"), _get(imp, "os_vif", "rss_mb")
    out.append(
        {
            "target": "RSS after initialize, MB, at most half of os-vif's",
            "ours": rss,
            "os_vif": rss_up,
            "ratio_ours_over_os_vif": round(rss / rss_up, 3) if rss and rss_up else None,
            "required": "ratio <= 0.5",
            "met": rss / rss_up <= 0.5 if rss and rss_up else None,
        }
    )
    sizes = report.get("sizes", {})
    for kind, phase, at_least in (
        ("create_port", "plug", 3),
        ("hybrid", "plug", 3),
        ("hybrid", "unplug", 2),
    ):
        out.append(
            _speedup(
                f"one VIF, {kind} {phase} p50 ms (one by one, N=50), >= {at_least}x",
                _get(sizes, kind, "50", _OURS_OBO, phase, "p50_ms"),
                _get(sizes, kind, "50", _OS_VIF, phase, "p50_ms"),
                at_least,
            )
        )
    for kind in ("create_port", "create_tap", "hybrid"):
        for phase in ("plug", "unplug"):
            out.append(
                _speedup(
                    f"200 VIFs {kind} {phase}: our batch vs os-vif one by one, s, >= 10x",
                    _get(sizes, kind, "200", _OURS_BATCH, phase, "total_s"),
                    _get(sizes, kind, "200", _OS_VIF, phase, "total_s"),
                    10,
                )
            )
    big = report.get("existing_ports", {})
    for kind in ("create_port", "hybrid"):
        for phase in ("plug", "unplug"):
            out.append(
                _speedup(
                    f"{big.get('ports')} ports: 20 {kind} {phase}, our batch vs os-vif"
                    " one by one, s, >= 10x",
                    _get(big, kind, _OURS_BATCH, phase, "total_s"),
                    _get(big, kind, _OS_VIF, phase, "total_s"),
                    10,
                )
            )
        busy = _get(big, kind, _OURS_OBO + "_no_wait", "plug", "p50_ms")
        empty = _get(big, kind, "empty_bridge_" + _OURS_OBO + "_no_wait", "plug", "p50_ms")
        out.append(
            {
                "target": f"{big.get('ports')} ports, no vswitchd wait: {kind} plug p50 ms at most"
                " 1.5x our empty-bridge figure",
                "ours": busy,
                "ours_empty_bridge": empty,
                "ratio": round(busy / empty, 3) if busy and empty else None,
                "required": "ratio <= 1.5",
                "met": busy / empty <= 1.5 if busy and empty else None,
                "binding": kind == "create_port",
            }
        )
    first = big.get("first_plug_fresh_process", {})
    fresh = _speedup(
        f"{big.get('ports')} ports: first plug in a fresh process, in-process ms, >= 10x",
        _get(first, "ours", "in_process_ms"),
        _get(first, "os_vif", "in_process_ms"),
        10,
    )
    # Both sides wait for one reconfiguration of ovs-vswitchd; without it,
    # what is left of ours is the client's own cost.
    no_wait = _get(first, "ours_no_wait", "in_process_ms")
    fresh["ours_no_wait"] = no_wait
    theirs = _get(first, "os_vif", "in_process_ms")
    fresh["speedup_ours_no_wait"] = round(theirs / no_wait, 2) if no_wait and theirs else None
    out.append(fresh)
    for kind in ("create_port", "create_tap", "hybrid"):
        replug = _get(sizes, kind, "200", _OURS_BATCH, "replug")
        seconds = replug.get("total_s") if replug else None
        wrote = replug.get("wrote_ovsdb") if replug else None
        out.append(
            {
                "target": f"re-plug of 200 plugged {kind} VIFs: no OVSDB write, < 0.5 s",
                "ours": seconds,
                "wrote_ovsdb": wrote,
                "os_vif_one_by_one": _get(sizes, kind, "200", _OS_VIF, "replug", "total_s"),
                "os_vif_wrote_ovsdb": _get(sizes, kind, "200", _OS_VIF, "replug", "wrote_ovsdb"),
                "required": "wrote_ovsdb false and < 0.5 s",
                "met": None if seconds is None else (wrote is False and seconds < 0.5),
            }
        )
    return out

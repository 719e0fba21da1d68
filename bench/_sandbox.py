"""The benchmarks' private ovsdb-server and ovs-vswitchd (vif_plug_ovs.sandbox).

They run in a network namespace of their own, on a fresh database in a
temporary directory; ``dummy`` ports (no kernel device) are allowed.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src")]

from vif_plug_ovs.sandbox import Sandbox, unavailable  # noqa: E402

_TOOLS = ("ovs-vsctl", "ip")


def missing_requirements() -> str | None:
    """Why the benchmark cannot run here, or None."""
    missing = [b for b in _TOOLS if shutil.which(b) is None]
    return unavailable() or (f"missing binaries: {', '.join(missing)}" if missing else None)


def sandbox() -> Sandbox:
    """The daemons, to run with ``with``: started on entry, stopped on exit."""
    return Sandbox(netns=f"osvif-bench-{os.getpid()}", own_netns=True, dummy_ports=True)

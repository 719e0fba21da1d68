"""Running the demo, and cleaning up after earlier runs: checks, signals, the end."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Iterator
from types import FrameType
from typing import Final, TextIO

from os_vif_demo import _bridge
from os_vif_demo._errors import DemoError
from os_vif_demo._host import remove_leftovers
from os_vif_demo._ovs_state import STATE_ROOT
from os_vif_demo._tour import Config, Tour, require_plugin

__all__ = ["BACKENDS", "cleanup", "run"]

#: What ``--backend`` accepts: the plugin that plugs the guests.
BACKENDS: Final = (_bridge.PLUGIN, "ovs")
# CAP_NET_ADMIN (devices), CAP_NET_RAW (the ping), CAP_SYS_ADMIN (namespaces).
_CAPABILITIES: Final = {12: "CAP_NET_ADMIN", 13: "CAP_NET_RAW", 21: "CAP_SYS_ADMIN"}


def run(
    out: TextIO,
    *,
    keep: bool = False,
    config: Config = None,
    backend: str = _bridge.PLUGIN,
    ovsdb_connection: str | None = None,
) -> None:
    """Run the demo, printing each step to ``out``.

    Args:
        out: where to print.
        keep: leave the namespaces up, the guests plugged, instead of
            removing everything at the end.
        config: plugin options, as for :func:`os_vif.initialize`.
        backend: one of :data:`BACKENDS`: a Linux bridge, or Open vSwitch.
        ovsdb_connection: with ``backend="ovs"``, the ovsdb-server of a
            running Open vSwitch to use; None starts private daemons.

    Raises:
        DemoError: no privileges, no plugin for the backend (or, for
            ``ovs``, no Open vSwitch), the guests could not reach each
            other while plugged (or still could after unplug), the run was
            interrupted, or clean-up failed.
        ExceptionBase: a step of the library failed (``PlugException``,
            ``HostOperationError``...); everything made is removed first.
    """
    _check_can_run()
    tour = _new_tour(out, config, backend, ovsdb_connection)
    with _terminate_as_interrupt():
        try:
            tour.play(keep=keep)
            if keep:
                tour.explain_kept()
                return
            tour.section("Clean up")
        except KeyboardInterrupt:
            left = tour.clean_up("\nInterrupted: cleaning up.")
            raise DemoError("interrupted" + _left_behind(left)) from None
        except BaseException:
            # The error that stopped the run is the one to report; what
            # clean-up could not remove is printed on the way.
            tour.clean_up("\nFailed: cleaning up.")
            raise
        left = tour.clean_up()
    if left:
        raise DemoError("clean-up failed" + _left_behind(left))
    tour.say("\n" + tour.done_message())


def _new_tour(out: TextIO, config: Config, backend: str, ovsdb_connection: str | None) -> Tour:
    if backend == "ovs":
        # Only then: the Linux bridge demo never loads the ovs plugin's code.
        from os_vif_demo import _ovs  # noqa: PLC0415

        return _ovs.OvsTour.prepare(out, config, ovsdb_connection)
    if backend != _bridge.PLUGIN:
        raise DemoError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
    if ovsdb_connection is not None:
        raise DemoError("--ovsdb-connection is for --backend ovs")
    require_plugin(_bridge.PLUGIN)
    return _bridge.BridgeTour(out, config)


def _left_behind(names: list[str]) -> str:
    if not names:
        return "; everything it made is removed"
    return f"; left behind: {', '.join(names)} (remove with: os-vif demo --cleanup)"


def cleanup(out: TextIO) -> None:
    """Remove what earlier demo runs left: namespaces (and so devices), OVS.

    Only names the demo makes are removed: ``osvif-demo-<8 hex digits>`` and
    its guests ``...-vm<N>``. Open vSwitch runs (``--backend ovs``) left a
    state directory each: their private daemons are stopped by pid, the
    devices those left deleted, or their bridge removed from the running
    Open vSwitch they used.

    Raises:
        DemoError: no privileges, or something could not be removed.
    """
    _check_can_run()
    failed: list[str] = []
    if STATE_ROOT.is_dir():
        from os_vif_demo import _ovs_state  # noqa: PLC0415 (loads the ovs plugin's code)

        failed += _ovs_state.cleanup_state(out)
    failed += remove_leftovers(out)
    if failed:
        raise DemoError(f"could not remove {', '.join(failed)}")


def _check_can_run() -> None:
    missing = _missing_capabilities()
    if missing:
        raise DemoError(
            f"the demo needs root: it creates network namespaces and devices "
            f"(missing {', '.join(missing)})"
        )


def _missing_capabilities() -> list[str]:
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            line = next(line for line in status if line.startswith("CapEff:"))
        effective = int(line.split()[1], 16)
    except (OSError, StopIteration, ValueError, IndexError):
        return [] if os.geteuid() == 0 else list(_CAPABILITIES.values())
    return [name for bit, name in _CAPABILITIES.items() if not effective & (1 << bit)]


@contextlib.contextmanager
def _terminate_as_interrupt() -> Iterator[None]:
    """Let SIGTERM clean up as Ctrl-C does (only the main thread gets signals)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: FrameType | None) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)

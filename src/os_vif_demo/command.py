"""``os-vif demo``: the sub-command, registered in entry-point group ``os_vif.commands``.

This module is what the ``os-vif`` command loads to build its parser, so it
imports nothing heavy: the demo itself is loaded by :func:`run`.
"""

from __future__ import annotations

import argparse
from typing import Final, TextIO

from os_vif_demo._errors import UsageError

__all__ = ["DESCRIPTION", "SUMMARY", "add_arguments", "run"]

#: The line of ``os-vif --help``.
SUMMARY: Final = "plug two namespace guests onto a Linux bridge or OVS and ping (needs root)"
#: The text of ``os-vif demo --help``.
DESCRIPTION: Final = (
    "Create two guests in network namespaces, plug a VIFBridge for each with "
    "the linux_bridge plugin, ping, unplug, and remove everything. The host's "
    "own network is not touched: the bridge lives in a namespace too. With "
    "--backend ovs, the ovs plugin plugs one guest the hybrid way (VIFBridge) "
    "and one as a VIFOpenVSwitch port, into an OVS bridge of the demo's own: "
    "on private ovsdb-server and ovs-vswitchd daemons started inside the "
    "demo's namespace, or on a running Open vSwitch (--ovsdb-connection)."
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the demo's options to its sub-command parser."""
    parser.add_argument(
        "--backend",
        choices=("linux_bridge", "ovs"),
        default="linux_bridge",
        help="what the guests are plugged into (default: %(default)s)",
    )
    parser.add_argument(
        "--ovsdb-connection",
        metavar="URL",
        help=(
            "with --backend ovs: use the running Open vSwitch whose ovsdb-server is at URL "
            "(e.g. unix:/run/openvswitch/db.sock) instead of private daemons; only the "
            "demo's own bridge is added there, and removed at the end"
        ),
    )
    leave = parser.add_mutually_exclusive_group()
    leave.add_argument(
        "--keep", action="store_true", help="leave the namespaces up, guests plugged, for a look"
    )
    leave.add_argument(
        "--cleanup", action="store_true", help="remove what an earlier --keep run left"
    )


def run(args: argparse.Namespace, out: TextIO) -> None:
    """Run the demo (or ``--cleanup``) with the parsed arguments.

    Raises:
        UsageError: options that do not go together.
        DemoError: see :func:`os_vif_demo._run.run`.
    """
    if args.cleanup and args.ovsdb_connection is not None:
        raise UsageError(
            "--cleanup finds what earlier runs left by itself: it takes no --ovsdb-connection"
        )
    if not args.cleanup and args.ovsdb_connection is not None and args.backend != "ovs":
        raise UsageError("--ovsdb-connection is for --backend ovs")
    from os_vif_demo import _run  # noqa: PLC0415 (only a run needs the demo itself)

    if args.cleanup:
        _run.cleanup(out)
        return
    _run.run(
        out,
        keep=args.keep,
        config=args.config,
        backend=args.backend,
        ovsdb_connection=args.ovsdb_connection,
    )

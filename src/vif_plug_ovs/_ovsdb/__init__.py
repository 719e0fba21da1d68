"""A small client for the Open vSwitch database (RFC 7047), built for plugging.

It talks to ovsdb-server directly over ``unix:``, ``tcp:`` or ``ssl:``
(the transport of the Open vSwitch project's ``ovs`` package) and never keeps a
replica of the database: each transaction reads only the rows its commands
name, guards them with ``wait`` operations, and writes only what differs, so
plugging a port costs the same on a host with thousands of ports as on an empty
one::

    client = OvsdbClient("unix:/run/openvswitch/db.sock")
    with client.transaction() as txn:
        txn.add(AddBridge("br-int", datapath_type="system"))
        result = txn.add(AddPort("br-int", "tap0", external_ids={"iface-id": "..."}))
    result.outcome  # Outcome.CREATED, UPDATED or UNCHANGED

A transaction commits atomically when the ``with`` block exits cleanly, waits
for ovs-vswitchd to apply the change unless told not to, and raises one of
:mod:`.errors` otherwise.
"""

from vif_plug_ovs._ovsdb._wire import SslFiles
from vif_plug_ovs._ovsdb.client import OvsdbClient
from vif_plug_ovs._ovsdb.commands import Command, DbDestroy, DbSet, Outcome
from vif_plug_ovs._ovsdb.connection import Stats
from vif_plug_ovs._ovsdb.errors import (
    OvsdbCommandError,
    OvsdbConflictError,
    OvsdbConnectionError,
    OvsdbConstraintError,
    OvsdbError,
    OvsdbProtocolError,
    OvsdbReferentialIntegrityError,
    OvsdbTimeoutError,
    OvsdbTransactionError,
    RowExistsError,
    RowNotFoundError,
)
from vif_plug_ovs._ovsdb.transaction import CommandResult, Transaction
from vif_plug_ovs._ovsdb.vswitch import AddBridge, AddPort, DelBridge, DelPort, Qos

__all__ = [
    "AddBridge",
    "AddPort",
    "Command",
    "CommandResult",
    "DbDestroy",
    "DbSet",
    "DelBridge",
    "DelPort",
    "Outcome",
    "OvsdbClient",
    "OvsdbCommandError",
    "OvsdbConflictError",
    "OvsdbConnectionError",
    "OvsdbConstraintError",
    "OvsdbError",
    "OvsdbProtocolError",
    "OvsdbReferentialIntegrityError",
    "OvsdbTimeoutError",
    "OvsdbTransactionError",
    "Qos",
    "RowExistsError",
    "RowNotFoundError",
    "SslFiles",
    "Stats",
    "Transaction",
]

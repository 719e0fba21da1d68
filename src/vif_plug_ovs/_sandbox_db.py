"""The sandbox's own database steps: the first row, and following ovs-vswitchd."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Final

from vif_plug_ovs._ovsdb import DbSet, OvsdbClient
from vif_plug_ovs._ovsdb.commands import Applied, Command, Outcome
from vif_plug_ovs._ovsdb.model import Model
from vif_plug_ovs._ovsdb.queries import Query, Singleton

__all__ = ["applied_configuration", "init_database", "request_configuration"]

_STARTED_KEY: Final = "os-vif-sandbox-started"


@dataclass(frozen=True)
class _InitDatabase(Command):
    """Insert the ``Open_vSwitch`` row of a fresh database, as ``ovs-vsctl init``."""

    def describe(self) -> str:
        return "initialise the Open_vSwitch table"

    def queries(self, model: Model) -> Iterator[Query]:
        yield Singleton("Open_vSwitch")

    def apply(self, model: Model) -> Applied:
        row = model.singleton("Open_vSwitch")
        if row is not None:
            return Applied(Outcome.UNCHANGED, (), row)
        return Applied(Outcome.CREATED, (), model.insert("Open_vSwitch", {}))


def init_database(client: OvsdbClient) -> None:
    """Insert the ``Open_vSwitch`` row, unless there is one."""
    client.execute(_InitDatabase(), wait=False)


def request_configuration(client: OvsdbClient) -> int:
    """Write a change for ovs-vswitchd to apply; return the ``cur_cfg`` that will show it.

    ovs-vswitchd sets ``cur_cfg`` to ``next_cfg`` once it has applied the
    database, which is what ``ovs-vsctl`` waits for.
    """
    stamp = {"external_ids": {_STARTED_KEY: str(time.monotonic_ns())}}
    txn = client.transaction(wait=True)
    txn.add(DbSet("Open_vSwitch", ".", stamp, merge_maps=True))
    txn.send()
    return _counter(client, "next_cfg")


def applied_configuration(client: OvsdbClient) -> int:
    """``cur_cfg``: the configuration ovs-vswitchd has applied."""
    return _counter(client, "cur_cfg")


def _counter(client: OvsdbClient, column: str) -> int:
    row = client.get("Open_vSwitch", ".", [column])
    value = row[column] if row is not None else None
    return value if isinstance(value, int) else 0

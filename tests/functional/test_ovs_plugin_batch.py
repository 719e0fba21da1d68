"""os_vif.plug_many / unplug_many on the ovs plugin, against real daemons.

A batch is one OVSDB transaction and one wait for ovs-vswitchd: each
committed write moves ``Open_vSwitch.next_cfg`` by one, so ``next_cfg``
counts the transactions that wrote. What the plugin left is read back with
``ovs-vsctl`` and iproute2, as in the other OVS tests.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import pytest

import os_vif
import os_vif._api
from fixtures.netns import Netns
from fixtures.ovs import OvsDaemons
from fixtures.ovs_plugin import (  # noqa: F401 (fixtures are registered by import)
    bridge_fixture,
    hybrid_vif,
    instance,
    ovs_host_fixture,
    ovs_vif,
    unique,
    view_fixture,
)
from os_vif import PlugOutcome, exception, objects
from vif_plug_ovs._ovsdb import RowExistsError
from vif_plug_ovs.exception import MissingPortProfile

pytestmark = pytest.mark.functional

CREATED, REPAIRED, UNCHANGED = PlugOutcome.CREATED, PlugOutcome.REPAIRED, PlugOutcome.UNCHANGED
REMOVED, ABSENT, FAILED = PlugOutcome.REMOVED, PlugOutcome.ABSENT, PlugOutcome.FAILED


@pytest.fixture
def library(ovs_host: Netns, ovs_daemons: OvsDaemons) -> Iterator[list[objects.VIFBase]]:
    """os_vif initialized on the private daemons; yields a list of VIFs to clean up."""
    os_vif._EXT_MANAGER = None
    os_vif.initialize(config={"os_vif_ovs": {"ovsdb_connection": ovs_daemons.remote}}, reset=True)
    plugged: list[objects.VIFBase] = []
    try:
        yield plugged
    finally:
        with contextlib.suppress(exception.ExceptionBase):
            os_vif.unplug_many(plugged)
        os_vif._api.loaded_plugin("ovs").close()
        os_vif._EXT_MANAGER = None


def outcomes(results: list[os_vif.VIFResult]) -> list[PlugOutcome]:
    return [r.outcome for r in results]


def test_200_vifs_in_one_transaction_then_replug_writes_nothing(library, view, bridge):
    pairs = [(ovs_vif(bridge), instance()) for _ in range(200)]
    library.extend(vif for vif, _ in pairs)
    before = view.next_cfg()

    results = os_vif.plug_many(pairs)

    assert outcomes(results) == [CREATED] * 200
    assert [r.vif_id for r in results] == [vif.id for vif, _ in pairs]
    assert all(r.plugin == "ovs" and r.error is None for r in results)
    assert view.next_cfg() == before + 1, "one transaction, one wait"
    assert sorted(view.ports(bridge)) == sorted(vif.vif_name for vif, _ in pairs)
    records = {
        row["name"]: row["external_ids"] for row in view.rows("Interface", "name", "external_ids")
    }
    for vif, inst in pairs:
        assert records[vif.vif_name] == {
            "iface-id": vif.port_profile.interface_id,
            "iface-status": "active",
            "attached-mac": vif.address,
            "vm-uuid": inst.uuid,
        }

    replugged = os_vif.plug_many(pairs)
    assert outcomes(replugged) == [UNCHANGED] * 200
    assert view.next_cfg() == before + 1, "a re-plug of right ports wrote to OVSDB"

    assert outcomes(os_vif.unplug_many(pairs)) == [REMOVED] * 200
    assert view.ports(bridge) == []
    assert view.next_cfg() == before + 2
    assert outcomes(os_vif.unplug_many(pairs)) == [ABSENT] * 200
    assert view.next_cfg() == before + 2


def test_replug_repairs_only_what_differs(library, view, bridge, ovs_daemons):
    inst = instance()
    vifs = [ovs_vif(bridge) for _ in range(3)]
    library.extend(vifs)
    os_vif.plug_many(vifs, inst)
    # The network agent binds one port (its VLAN); someone damages another.
    ovs_daemons.vsctl("set", "Port", vifs[0].vif_name, "tag=7")
    ovs_daemons.vsctl("remove", "Interface", vifs[1].vif_name, "external_ids", "attached-mac")

    assert outcomes(os_vif.plug_many(vifs, inst)) == [UNCHANGED, REPAIRED, UNCHANGED]
    assert view.row("Port", vifs[0].vif_name, "tag") == {"tag": 7}
    ids = view.row("Interface", vifs[1].vif_name, "external_ids")
    assert ids is not None
    assert ids["external_ids"]["attached-mac"] == vifs[1].address


def test_hybrid_and_tap_vifs_in_one_batch(library, view, bridge, ovs_host):
    before = ovs_host.ifnames()
    hybrids = [hybrid_vif(bridge) for _ in range(10)]
    taps = [ovs_vif(bridge, create_tap=True) for _ in range(10)]
    library.extend(hybrids + taps)

    results = os_vif.plug_many(hybrids + taps, instance())

    assert outcomes(results) == [CREATED] * 20
    names = ovs_host.ifnames()
    for vif in hybrids:
        qvb, qvo = ("qvb" + vif.id)[:14], ("qvo" + vif.id)[:14]
        assert {vif.bridge_name, qvb, qvo} <= names
        assert ovs_host.link(qvb)["master"] == vif.bridge_name
    for vif in taps:
        assert ovs_host.link(vif.vif_name)["mtu"] == 1450
    expected = {("qvo" + v.id)[:14] for v in hybrids} | {v.vif_name for v in taps}
    assert set(view.ports(bridge)) == expected

    assert outcomes(os_vif.unplug_many(hybrids + taps)) == [REMOVED] * 20
    assert view.ports(bridge) == []
    # What is left is the OVS bridge's own device (and the netdev datapath's).
    assert ovs_host.ifnames() - before <= {bridge, "ovs-netdev"}


def test_a_failing_vif_is_reported_and_nothing_of_it_is_left(
    library, view, bridge, ovs_host, ovs_daemons
):
    other = unique("bro")
    good = [hybrid_vif(bridge) for _ in range(6)]
    taken = hybrid_vif(bridge)  # its OVS port name is already used on another bridge
    taken_port = ("qvo" + taken.id)[:14]
    no_profile = hybrid_vif(bridge)
    del no_profile.port_profile
    vifs = [*good[:3], taken, no_profile, *good[3:]]
    library.extend(good)
    ovs_daemons.vsctl("--timeout=30", "add-br", other, "--", "set", "Bridge", other,
                      "datapath_type=netdev")  # fmt: skip
    ovs_daemons.vsctl("add-port", other, taken_port, "--", "set", "Interface", taken_port,
                      "type=dummy")  # fmt: skip
    try:
        before = ovs_host.ifnames()
        with pytest.raises(exception.BatchPlugError) as caught:
            os_vif.plug_many(vifs, instance())

        report = caught.value
        assert isinstance(report, exception.PlugException)
        assert outcomes(list(report.results)) == [CREATED] * 3 + [FAILED] * 2 + [CREATED] * 3
        assert [r.vif_id for r in report.failures] == [taken.id, no_profile.id]
        assert isinstance(report.failures[0].error, RowExistsError)
        assert isinstance(report.failures[1].error, MissingPortProfile)
        assert report.__cause__ is report.failures[0].error
        assert "2 of 8 VIFs" in str(report)
        # The good VIFs are plugged; the bad ones left nothing behind.
        assert set(view.ports(bridge)) == {("qvo" + v.id)[:14] for v in good}
        assert view.ports(other) == [taken_port]
        made = ovs_host.ifnames() - before - {bridge, "ovs-netdev"}
        for vif in (taken, no_profile):
            assert not {vif.bridge_name, ("qvb" + vif.id)[:14], ("qvo" + vif.id)[:14]} & made
        assert len(made) == 3 * len(good)
    finally:
        view.delete_bridge(other)


def test_without_waiting_nothing_bumps_next_cfg(library, view, bridge):
    vifs = [ovs_vif(bridge) for _ in range(5)]
    library.extend(vifs)
    before = view.next_cfg()
    assert outcomes(os_vif.plug_many(vifs, wait=False)) == [CREATED] * 5
    assert view.next_cfg() == before
    assert len(view.ports(bridge)) == 5
    assert outcomes(os_vif.unplug_many(vifs, wait=False)) == [REMOVED] * 5
    assert view.next_cfg() == before


def test_single_plug_and_unplug_report_their_outcome(library, view, bridge):
    vif, inst = hybrid_vif(bridge), instance()
    library.append(vif)
    assert os_vif.plug(vif, inst).outcome is CREATED
    assert os_vif.plug(vif, inst).outcome is UNCHANGED
    assert os_vif.unplug(vif, inst).outcome is REMOVED
    assert os_vif.unplug(vif, inst).outcome is ABSENT

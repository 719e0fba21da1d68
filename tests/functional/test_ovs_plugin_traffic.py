"""Traffic through br-int: guests plugged by the ovs plugin ping each other.

Four guest namespaces stand in for VMs, each joined by a veth pair to the
daemons' namespace, its host end named as the VIF's ``vif_name`` (the tap a
hypervisor would make). Two are plugged the hybrid way (VIFBridge: the tap
on a Linux bridge, a veth pair to br-int), two as VIFOpenVSwitch with
``create_port`` (the tap itself a port of br-int: on the netdev datapath a
kernel device is a ``system`` port). The test brings the host ends up, as
the hypervisor does when it starts a guest. Every pair, across both kinds,
must reach each other, and nobody once unplugged.
"""

from __future__ import annotations

import contextlib

import pytest

from fixtures.netns import guest
from fixtures.ovs_plugin import (  # noqa: F401 (fixtures are registered by import)
    hybrid_vif,
    instance,
    make_plugin_fixture,
    ovs_host_fixture,
    ovs_vif,
    view_fixture,
)

pytestmark = pytest.mark.functional

INTEGRATION_BRIDGE = "br-int"


def test_hybrid_and_create_port_guests_ping_each_other_through_br_int(ovs_host, view, make_plugin):
    plugin = make_plugin()
    inst = instance()
    vifs = [hybrid_vif(INTEGRATION_BRIDGE) for _ in range(2)]
    vifs += [ovs_vif(INTEGRATION_BRIDGE) for _ in range(2)]
    with contextlib.ExitStack() as stack:
        stack.callback(view.delete_bridge, INTEGRATION_BRIDGE)
        guests = [
            stack.enter_context(guest(ovs_host, vif.vif_name, address=f"10.91.0.{i + 1}/24"))
            for i, vif in enumerate(vifs)
        ]
        hybrid_a, hybrid_b, port_a, port_b = guests
        assert not hybrid_a.ping(port_a.ip_address, timeout=0.5)  # not connected yet
        for vif in vifs:
            plugin.plug(vif, inst)
            ovs_host.ip("link", "set", vif.vif_name, "up")

        for source, target in [
            (hybrid_a, hybrid_b),
            (port_a, port_b),
            (hybrid_a, port_a),
            (port_b, hybrid_b),
        ]:
            assert source.ping(target.ip_address, timeout=5), (
                f"{source.address} cannot reach {target.address}"
            )

        for vif in vifs:
            plugin.unplug(vif, inst)
        assert view.ports(INTEGRATION_BRIDGE) == []
        assert not hybrid_a.ping(port_a.ip_address, timeout=0.5)
        assert not port_a.ping(port_b.ip_address, timeout=0.5)

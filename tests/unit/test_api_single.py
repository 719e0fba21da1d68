"""plug and unplug of one VIF: a batch of one, on the one path every VIF takes."""

from __future__ import annotations

import pytest

import os_vif
import os_vif._api
from fixtures.objects import make_vif_bridge
from os_vif import PlugOutcome, exception
from os_vif.plugin import BatchPluginBase

pytestmark = pytest.mark.usefixtures("fresh_library")

# A plugin that only does batches: plug and unplug come from BatchPluginBase.
BATCH_PLUGIN = """
from os_vif.plugin import BatchPluginBase, PlugOutcome, VIFResult, describe_plugin
from os_vif.objects.vif import VIFBridge

CALLS = []

class Batching(BatchPluginBase):
    def describe(self):
        return describe_plugin(self.plugin_name, {VIFBridge: []})

    def plug_many(self, vifs, *, wait=None):
        CALLS.append(("plug_many", [vif.vif_name for vif, _ in vifs], wait))
        return [self._report(vif) for vif, _ in vifs]

    def unplug_many(self, vifs, *, wait=None):
        CALLS.append(("unplug_many", [vif.vif_name for vif, _ in vifs], wait))
        return [VIFResult.done(vif, PlugOutcome.ABSENT, self.plugin_name) for vif, _ in vifs]

    def _report(self, vif):
        if vif.vif_name == "explode":
            return VIFResult.failed(vif, OSError(16, "Device or resource busy"), self.plugin_name)
        return VIFResult.done(vif, PlugOutcome.REPAIRED, self.plugin_name)

    # Not called on the library's path: plug_many is.
    def plug(self, vif, instance_info):
        CALLS.append(("plug", vif.vif_name))
        return super().plug(vif, instance_info)
"""

# A plugin written for os-vif: plug and unplug only, returning None.
LEGACY_PLUGIN = """
from os_vif.plugin import PluginBase, describe_plugin
from os_vif.objects.vif import VIFBridge

CALLS = []

class Legacy(PluginBase):
    def describe(self):
        return describe_plugin(self.plugin_name, {VIFBridge: []})

    def plug(self, vif, instance_info):
        CALLS.append(("plug", vif.vif_name))
        if vif.vif_name == "explode":
            raise OSError(16, "Device or resource busy")

    def unplug(self, vif, instance_info):
        CALLS.append(("unplug", vif.vif_name))
"""


@pytest.fixture
def batching(install_plugin):
    install_plugin("batching", {"batching": "batching_plugin:Batching"}, {
        "batching_plugin": BATCH_PLUGIN
    })  # fmt: skip
    os_vif.initialize()
    import batching_plugin

    return batching_plugin


@pytest.fixture
def legacy(install_plugin):
    install_plugin("legacy", {"legacy": "legacy_plugin:Legacy"}, {
        "legacy_plugin": LEGACY_PLUGIN
    })  # fmt: skip
    os_vif.initialize()
    import legacy_plugin

    return legacy_plugin


def test_plug_is_a_batch_of_one(batching):
    vif = make_vif_bridge(plugin="batching", vif_name="tap1")
    result = os_vif.plug(vif)
    assert (result.outcome, result.plugin, result.vif) == (PlugOutcome.REPAIRED, "batching", vif)
    assert os_vif.unplug(vif).outcome is PlugOutcome.ABSENT
    assert batching.CALLS == [("plug_many", ["tap1"], None), ("unplug_many", ["tap1"], None)]


def test_a_failure_in_the_batch_of_one_is_wrapped_as_os_vif_does(batching):
    vif = make_vif_bridge(plugin="batching", vif_name="explode")
    with pytest.raises(exception.PlugException) as caught:
        os_vif.plug(vif)
    assert isinstance(caught.value.__cause__, OSError)
    assert caught.value.err is caught.value.__cause__
    assert (caught.value.vif, caught.value.plugin) == (vif, "batching")


def test_a_batch_plugins_own_plug_raises_the_error_as_it_is(batching):
    plugin = os_vif._api.loaded_plugin("batching")
    assert isinstance(plugin, BatchPluginBase)
    assert plugin.plug(make_vif_bridge(plugin="batching", vif_name="t"), None) is (
        PlugOutcome.REPAIRED
    )
    with pytest.raises(OSError, match="busy"):
        plugin.plug(make_vif_bridge(plugin="batching", vif_name="explode"), None)


def test_a_plugin_written_for_os_vif_goes_through_the_same_path(legacy):
    vif = make_vif_bridge(plugin="legacy", vif_name="tap1")
    assert os_vif.plug(vif).outcome is PlugOutcome.PLUGGED
    assert os_vif.unplug(vif).outcome is PlugOutcome.UNPLUGGED
    with pytest.raises(exception.PlugException) as caught:
        os_vif.plug(make_vif_bridge(plugin="legacy", vif_name="explode"))
    assert isinstance(caught.value.__cause__, OSError)
    assert legacy.CALLS == [("plug", "tap1"), ("unplug", "tap1"), ("plug", "explode")]


def test_refusals_before_the_plugin_are_not_wrapped(legacy):
    with pytest.raises(exception.NoMatchingPlugin):
        os_vif.plug(make_vif_bridge(plugin="nobody"))
    assert legacy.CALLS == []


def test_a_batch_plugin_must_implement_the_batch_calls():
    class Half(BatchPluginBase):
        def describe(self):
            raise NotImplementedError

        def plug_many(self, vifs, *, wait=None):
            return []

    with pytest.raises(TypeError, match="unplug_many"):
        Half()

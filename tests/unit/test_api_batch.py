"""plug_many and unplug_many: grouping by plugin, the default loop, the report."""

from __future__ import annotations

import pytest

import os_vif
from fixtures.objects import make_vif_bridge
from os_vif import PlugOutcome, exception, objects

pytestmark = pytest.mark.usefixtures("fresh_library")

# A plugin written before batches existed: plug and unplug only, returning None.
RECORDING_PLUGIN = """
from os_vif.plugin import PluginBase, describe_plugin
from os_vif.objects.vif import VIFBridge

CALLS = []

class Recording(PluginBase):
    def describe(self):
        return describe_plugin(self.plugin_name, {VIFBridge: []})

    def plug(self, vif, instance_info):
        CALLS.append(("plug", vif.vif_name, instance_info))
        if vif.vif_name == "explode":
            raise OSError(16, "Device or resource busy")

    def unplug(self, vif, instance_info):
        CALLS.append(("unplug", vif.vif_name, instance_info))
        if vif.vif_name == "explode":
            raise RuntimeError("cannot")
"""

# A plugin whose own plug_many breaks its promise and raises.
RAISING_BATCH_PLUGIN = (
    RECORDING_PLUGIN
    + """
    def plug_many(self, vifs, *, wait=None):
        raise RuntimeError("batch exploded")

    def unplug_many(self, vifs, *, wait=None):
        return []  # one report short per VIF
"""
)


@pytest.fixture
def recorder(install_plugin):
    install_plugin("recorder", {"recorder": "recording_plugin:Recording"}, {
        "recording_plugin": RECORDING_PLUGIN
    })  # fmt: skip
    os_vif.initialize()
    import recording_plugin

    return recording_plugin


def _vhost(name="noop"):
    return objects.VIFVHostUser(id=_ids(), plugin=name, path="/run/x", mode="server")


_counter = iter(range(10**6))


def _ids():
    return f"00000000-0000-4000-8000-{next(_counter):012d}"


def _bridge(**values):
    return make_vif_bridge(**{"id": _ids(), "plugin": "recorder", **values})


def test_default_loop_plugs_each_vif_and_reports_each(recorder):
    first = objects.InstanceInfo(uuid="d7a730ca-3c28-49c3-8f26-4662b909fe8a", name="a")
    second = objects.InstanceInfo(uuid="5b0c6d3f-49f5-4a55-9d2e-0c5f0c2f1f6e", name="b")
    vifs = [_bridge(vif_name=f"tap{i}") for i in range(3)]

    results = os_vif.plug_many([vifs[0], (vifs[1], second), vifs[2]], first, wait=False)

    assert [r.outcome for r in results] == [PlugOutcome.PLUGGED] * 3
    assert [r.vif_id for r in results] == [v.id for v in vifs]
    assert all(r.ok and r.plugin == "recorder" for r in results)
    assert [r.vif for r in results] == vifs
    calls = [("plug", "tap0", first), ("plug", "tap1", second), ("plug", "tap2", first)]
    assert calls == recorder.CALLS
    results = os_vif.unplug_many(vifs)
    assert [r.outcome for r in results] == [PlugOutcome.UNPLUGGED] * 3


def test_a_failure_does_not_stop_the_batch_and_is_reported(recorder):
    good = _bridge(vif_name="tap0")
    bad = _bridge(vif_name="explode")
    stranger = _bridge(plugin="nonexistent")
    after = _bridge(vif_name="tap1")

    with pytest.raises(exception.BatchPlugError) as caught:
        os_vif.plug_many([good, bad, stranger, after])

    error = caught.value
    assert isinstance(error, exception.PlugException)
    assert [r.outcome for r in error.results] == [
        PlugOutcome.PLUGGED, PlugOutcome.FAILED, PlugOutcome.FAILED, PlugOutcome.PLUGGED,
    ]  # fmt: skip
    assert [r.vif_id for r in error.failures] == [bad.id, stranger.id]
    assert isinstance(error.failures[0].error, OSError)
    assert isinstance(error.failures[1].error, exception.NoMatchingPlugin)
    assert error.failures[1].plugin == ""
    assert error.__cause__ is error.failures[0].error
    assert "failed to plug 2 of 4 VIFs" in str(error)
    assert [c[1] for c in recorder.CALLS] == ["tap0", "explode", "tap1"]

    with pytest.raises(exception.BatchUnplugError) as unplug_error:
        os_vif.unplug_many([good, bad])
    assert isinstance(unplug_error.value, exception.UnplugException)
    assert "failed to unplug 1 of 2 VIFs" in str(unplug_error.value)


def test_vifs_are_grouped_by_plugin_and_keep_their_order(recorder):
    vifs = [_vhost(), _bridge(vif_name="tap0"), _vhost()]
    results = os_vif.plug_many(vifs)
    assert [r.plugin for r in results] == ["noop", "recorder", "noop"]
    assert [r.vif for r in results] == vifs


def test_a_plug_many_that_raises_fails_its_whole_group(install_plugin):
    install_plugin("recorder", {"recorder": "recording_plugin:Recording"}, {
        "recording_plugin": RAISING_BATCH_PLUGIN
    })  # fmt: skip
    os_vif.initialize()
    vifs = [_bridge(vif_name=f"tap{i}") for i in range(2)]
    with pytest.raises(exception.BatchPlugError) as caught:
        os_vif.plug_many([*vifs, _vhost()])
    assert [r.ok for r in caught.value.results] == [False, False, True]
    assert "batch exploded" in str(caught.value)
    with pytest.raises(exception.BatchUnplugError, match="0 reports for 2 VIFs"):
        os_vif.unplug_many(vifs)


def test_single_plug_reports_plugged_for_plugins_that_do_not_say(recorder):
    vif = _bridge(vif_name="tap0")
    assert os_vif.plug(vif).outcome is PlugOutcome.PLUGGED
    assert os_vif.unplug(vif).outcome is PlugOutcome.UNPLUGGED


def test_bad_batches_are_refused_before_any_plugin_runs(recorder):
    vif = _bridge(vif_name="tap0")
    with pytest.raises(ValueError, match="given twice"):
        os_vif.plug_many([vif, vif])
    with pytest.raises(TypeError, match="expected a VIF"):
        os_vif.plug_many([vif, objects.Network()])
    with pytest.raises(TypeError, match="expected an InstanceInfo"):
        os_vif.plug_many([(vif, "instance")])
    assert recorder.CALLS == []
    assert os_vif.plug_many([]) == []


def test_batch_before_initialize():
    with pytest.raises(exception.LibraryNotInitialized):
        os_vif.plug_many([_vhost()])


def test_retriable_only_when_every_failure_is():
    busy = exception.HostOperationError(step="transact", retriable=True)
    vif = _vhost()
    retry = os_vif.VIFResult.failed(vif, busy)
    final = os_vif.VIFResult.failed(vif, ValueError("bad"))
    assert exception.BatchPlugError(results=[retry]).retriable is True
    assert exception.BatchPlugError(results=[retry, final]).retriable is False

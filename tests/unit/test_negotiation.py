"""HostInfo negotiation between a compute host and the network side."""

from __future__ import annotations

import copy

import pytest

from fixtures.objects import make_network, make_ovs_profile, make_vif_ovs
from os_vif import exception, negotiation, objects
from os_vif.negotiation import VIFOffer

VERSION = "versioned_object.version"
DATA = "versioned_object.data"


def host(vif_class="VIFOpenVSwitch", low="1.0", high=None, profiles=None, plugin="ovs"):
    cls = getattr(objects, vif_class)
    vif_info = objects.HostVIFInfo(
        vif_object_name=vif_class,
        min_version=low,
        max_version=high or cls.VERSION,
        supported_port_profiles=[
            objects.HostPortProfileInfo(profile_object_name=name, min_version=lo, max_version=hi)
            for name, lo, hi in (profiles or [])
        ],
    )
    return objects.HostInfo(
        plugin_info=[objects.HostPluginInfo(plugin_name=plugin, vif_info=[vif_info])]
    )


OVS_PROFILE = ("VIFPortProfileOpenVSwitch", "1.0", "1.4")
OFFERS = [
    VIFOffer("VIFVHostUser", "VIFPortProfileOpenVSwitch"),
    VIFOffer("VIFOpenVSwitch", "VIFPortProfileOpenVSwitch"),
    VIFOffer("VIFBridge"),
]


def build(selection):
    return make_vif_ovs(plugin=selection.plugin)


def test_select_the_first_offer_the_host_supports():
    selection = negotiation.select_vif(host(profiles=[OVS_PROFILE]).obj_to_primitive(), OFFERS)
    assert selection == negotiation.Selection(
        plugin="ovs",
        vif_class="VIFOpenVSwitch",
        vif_version="1.0",
        port_profile="VIFPortProfileOpenVSwitch",
        port_profile_version="1.4",
    )


def test_selection_serializes_at_the_chosen_versions():
    info = host(profiles=[("VIFPortProfileOpenVSwitch", "1.0", "1.2")])
    selection = negotiation.select_vif(info, OFFERS)
    assert selection.port_profile_version == "1.2"
    primitive = selection.to_primitive(build(selection))
    assert primitive[VERSION] == "1.0"
    profile = primitive[DATA]["port_profile"]
    assert profile[VERSION] == "1.2"
    assert "create_port" not in profile[DATA]


def test_old_vif_version_on_the_host():
    info = host("VIFVHostUser", high="1.0", plugin="vhostuser")
    selection = negotiation.select_vif(info, [VIFOffer("VIFVHostUser")])
    assert selection.vif_version == "1.0"
    vif = objects.VIFVHostUser(
        id="7f3e9b1c-2d4a-4e5f-8a6b-9c0d1e2f3a4b",
        plugin="vhostuser",
        vif_name="vhu0",
        path="/run/vhostuser/vhu0",
        mode="client",
    )
    primitive = selection.to_primitive(vif)
    assert primitive[VERSION] == "1.0"
    assert "vif_name" not in primitive[DATA]


def test_to_primitive_refuses_a_vif_that_was_not_selected():
    selection = negotiation.select_vif(host(profiles=[OVS_PROFILE]), OFFERS)
    with pytest.raises(ValueError, match="selected VIFOpenVSwitch"):
        selection.to_primitive(objects.VIFBridge(plugin="ovs"))
    with pytest.raises(ValueError, match="selected plugin"):
        selection.to_primitive(make_vif_ovs(plugin="other"))


def test_no_offer_fits():
    with pytest.raises(exception.NoMatchingVIFClass):
        negotiation.select_vif(host("VIFHostDevice"), OFFERS)
    with pytest.raises(exception.NoSupportedVIFVersion):
        negotiation.select_vif(host(low="1.5", high="1.9"), OFFERS)
    with pytest.raises(exception.NoSupportedPortProfileVersion):
        negotiation.select_vif(host(profiles=[("VIFPortProfileOpenVSwitch", "2.0", "2.1")]), OFFERS)
    with pytest.raises(exception.NoMatchingPortProfileClass):
        negotiation.select_vif(host(profiles=[("VIFPortProfile8021Qbh", "1.0", "1.1")]), OFFERS)


def test_offer_restricted_to_a_plugin():
    info = host(profiles=[OVS_PROFILE])
    with pytest.raises(exception.NoMatchingVIFClass):
        negotiation.select_vif(info, [VIFOffer("VIFOpenVSwitch", plugin="other")])


def test_too_new_host_info_is_answered_with_our_manifest():
    primitive = host(profiles=[OVS_PROFILE]).obj_to_primitive()
    vif_info = primitive[DATA]["plugin_info"][0][DATA]["vif_info"][0]
    vif_info[VERSION] = "1.7"
    with pytest.raises(exception.HostInfoTooNew) as info:
        negotiation.select_vif(primitive, OFFERS)
    assert info.value.object_name == "HostVIFInfo"
    assert info.value.supported == "1.1"
    assert info.value.manifest == {
        "HostInfo": "1.0",
        "HostPluginInfo": "1.0",
        "HostVIFInfo": "1.1",
        "HostPortProfileInfo": "1.0",
    }
    reply = negotiation.answer_host_info(primitive, OFFERS, build)
    assert reply[negotiation.ERROR_KEY]["type"] == "HostInfoTooNew"
    assert reply[negotiation.ERROR_KEY]["version_manifest"]["HostVIFInfo"] == "1.1"


class OldNetworkSide:
    """A network side that knows HostVIFInfo 1.0 only (no port profile lists).

    It answers a newer HostInfo as an old os-vif peer would: an error naming
    the versions it knows. Every primitive it receives is kept.
    """

    def __init__(self):
        self.known = {"HostInfo": "1.0", "HostPluginInfo": "1.0", "HostVIFInfo": "1.0"}
        self.received = []

    def __call__(self, primitive):
        self.received.append(copy.deepcopy(primitive))
        for plugin in primitive[DATA]["plugin_info"]:
            for vif_info in plugin[DATA]["vif_info"]:
                if vif_info[VERSION] != "1.0":
                    return {
                        negotiation.ERROR_KEY: {
                            "type": "HostInfoTooNew",
                            "message": "HostVIFInfo 1.1 is not supported",
                            "version_manifest": dict(self.known),
                        }
                    }
        return negotiation.answer_host_info(primitive, OFFERS, build)


def test_compute_side_backlevels_for_an_older_network_side():
    network_side = OldNetworkSide()
    vif = negotiation.request_vif(network_side, host(profiles=[OVS_PROFILE]))
    assert isinstance(vif, objects.VIFOpenVSwitch)
    assert len(network_side.received) == 2
    retried = network_side.received[1][DATA]["plugin_info"][0][DATA]["vif_info"][0]
    assert retried[VERSION] == "1.0"
    assert "supported_port_profiles" not in retried[DATA]
    # the old side could not see the profile range: the profile goes as it is
    assert vif.port_profile.VERSION == "1.4"


def test_compute_side_with_a_newer_network_side():
    def newer(primitive):
        # newer, so it reads ours as it is and picks what we listed
        return negotiation.answer_host_info(primitive, OFFERS, build)

    info = host(profiles=[("VIFPortProfileOpenVSwitch", "1.0", "1.3")])
    vif = negotiation.request_vif(newer, info)
    assert (type(vif).__name__, vif.plugin) == ("VIFOpenVSwitch", "ovs")
    assert vif.port_profile.obj_version == "1.3"
    assert "create_tap" not in vif.port_profile
    assert vif.obj_version == "1.0"


def test_in_process_network_side_may_raise_too_new():
    calls = []

    def send(primitive):
        calls.append(primitive)
        if len(calls) == 1:
            cause = exception.IncompatibleObjectVersion(
                path="", object_name="HostVIFInfo", version="1.1", supported="1.0"
            )
            raise exception.HostInfoTooNew(cause=cause, manifest={"HostVIFInfo": "1.0"})
        return negotiation.answer_host_info(primitive, OFFERS, build)

    vif = negotiation.request_vif(send, host(profiles=[OVS_PROFILE]))
    assert isinstance(vif, objects.VIFOpenVSwitch)
    assert len(calls) == 2


def test_backlevel_happens_once_only():
    def always_too_new(primitive):
        return {
            negotiation.ERROR_KEY: {
                "type": "HostInfoTooNew",
                "message": "still too new",
                "version_manifest": {"HostVIFInfo": "1.0"},
            }
        }

    with pytest.raises(exception.NegotiationFailed, match="still too new") as info:
        negotiation.request_vif(always_too_new, host())
    assert info.value.kind == "HostInfoTooNew"


def test_network_side_refusal_reaches_the_compute_side():
    reply_for = lambda primitive: negotiation.answer_host_info(  # noqa: E731
        primitive, [VIFOffer("VIFHostDevice")], build
    )
    with pytest.raises(exception.NegotiationFailed) as info:
        negotiation.request_vif(reply_for, host())
    assert info.value.kind == "NoMatchingVIFClass"


@pytest.mark.parametrize(
    ("reply", "kind"),
    [
        (lambda: objects.VIFBridge(plugin="ovs").obj_to_primitive(), "NoMatchingVIFClass"),
        (lambda: make_vif_ovs(plugin="other").obj_to_primitive(), "NoMatchingPlugin"),
        (lambda: make_network().obj_to_primitive(), "NotAVIF"),
        (lambda: make_ovs_profile().obj_to_primitive(), "NotAVIF"),
    ],
)
def test_compute_side_refuses_what_it_did_not_offer(reply, kind):
    with pytest.raises(exception.NegotiationFailed) as info:
        negotiation.request_vif(lambda primitive: reply(), host(profiles=[OVS_PROFILE]))
    assert info.value.kind == kind


def test_compute_side_refuses_a_version_outside_its_range():
    info = host("VIFVHostUser", high="1.0", plugin="vhostuser")
    vif = objects.VIFVHostUser(plugin="vhostuser", path="/run/x", mode="client")
    with pytest.raises(exception.NegotiationFailed) as failure:
        negotiation.request_vif(lambda primitive: vif.obj_to_primitive(), info)
    assert failure.value.kind == "NoSupportedVIFVersion"


def test_compute_side_refuses_garbage():
    with pytest.raises(exception.InvalidPrimitive):
        negotiation.request_vif(lambda primitive: {"nonsense": 1}, host())

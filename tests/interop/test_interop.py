"""Our primitives against OpenStack's os-vif 5.3.0, both directions.

For every spec in ``interop_specs`` and every version of its class (and a set
of version manifests): our ``obj_to_primitive`` equals os-vif's ("changes"
compared as sets, at every depth); os-vif reads our primitive and writes the
same one back; we read os-vif's primitive and write the same one back, and at
the current version the object we read equals the object we built.

Where os-vif refuses to backlevel (see ``KNOWN_REFUSALS``) there is nothing
to compare with, so the test proves instead that os-vif reads what we send
and that we keep the same top-level fields os-vif keeps when its child check
is bypassed. Nothing is skipped.

Three deliberate divergences from os-vif are encoded here, each asserted both
ways (os-vif really does X, we do Y) by a dedicated test below, so that the
comparisons prove everything else byte for byte:

1. Stricter coercion (``STRICTER``): booleans other than True/False/0/1 and
   integers from non-integral floats or booleans are refused, where os-vif
   takes ``bool(value)`` / ``int(value)``. Those specs are not in SPECS.
2. A field that did not exist at a version is always dropped
   (``drop_undeclared``): os-vif keeps a port profile's datapath_offload
   under any version manifest; its primitives are compared without it.
3. Manifest entries apply at any depth (``upstream_manifest``): os-vif stops
   at a child the manifest does not name; it is handed the manifest completed
   with the missing ancestors at their current versions.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from interop_specs import (
    CHANGES,
    CHILD_OBJNAMES,
    DATA,
    HISTORY,
    NAME,
    PROFILE_CLASSES,
    REJECTIONS,
    SPECS,
    STRICTER,
    VERSION,
    Spec,
    assert_same,
    build_ours,
    current,
    drop_undeclared,
    echo_manifest,
    host_info_tree,
    manifests_for,
    profile,
    summary,
    upstream_manifest,
    version_key,
    vif,
)
from interop_upstream import UpstreamPeer

pytestmark = pytest.mark.interop

# A manifest naming no real object: os-vif then runs its backlevel step for
# the top object (which it skips for an empty manifest at the current
# version) and leaves every child as it is.
NO_OP_MANIFEST = {"NoSuchObject": "1.0"}

# Backlevels os-vif 5.3.0 refuses, by exception type and message start.
KNOWN_REFUSALS = {
    # Without a manifest, os-vif refuses to backlevel an object holding any
    # child object (set, even to None or []) unless its class declares a
    # child version map, which only the port profiles do: Network to 1.0
    # (subnets is always set), VIFVHostUser to 1.0 with network or
    # port_profile, HostVIFInfo to 1.0 with supported_port_profiles.
    "ObjectActionError": ("Object action obj_make_compatible failed because: No rule for "),
    # With a manifest naming HostVIFInfo 1.0 and HostPortProfileInfo, os-vif
    # drops supported_port_profiles and then tries to backlevel the entry it
    # just dropped.
    "KeyError": "'supported_port_profiles'",
}


def _cases() -> list[Any]:
    cases = []
    for name, spec in SPECS.items():
        cls = spec["cls"]
        for version in reversed(HISTORY[cls]):
            cases.append(pytest.param(name, version, None, id=f"{name}@{version}"))
        for manifest in manifests_for(spec):
            label = ",".join(f"{key}={value}" for key, value in manifest.items())
            cases.append(pytest.param(name, None, manifest, id=f"{name}+{label}"))
        if len(HISTORY[cls]) > 1:
            oldest = HISTORY[cls][0]
            cases.append(pytest.param(name, oldest, {}, id=f"{name}@{oldest}+empty"))
            for manifest in manifests_for(spec)[:1]:
                label = ",".join(f"{key}={value}" for key, value in manifest.items())
                cases.append(pytest.param(name, oldest, manifest, id=f"{name}@{oldest}+{label}"))
    return cases


CASES = _cases()


def _describe(target: str | None, manifest: dict[str, str] | None) -> str:
    return f"target_version={target} version_manifest={json.dumps(manifest)}"


def _ours(spec: Spec, target: str | None, manifest: dict[str, str] | None) -> Any:
    return build_ours(spec).obj_to_primitive(target_version=target, version_manifest=manifest)


def _upstream(
    upstream: UpstreamPeer,
    spec: Spec,
    target: str | None,
    manifest: dict[str, str] | None,
) -> dict[str, Any]:
    """os-vif's answer for what ``manifest`` means to us.

    Deliberate divergence 3: os-vif ignores manifest entries below a child
    the manifest does not name; we apply them at any depth. So os-vif gets
    the manifest completed with the missing ancestors (``upstream_manifest``;
    unchanged when nothing is missing). test_manifest_entries_apply_at_any_depth
    proves that os-vif does differ without the completion.
    """
    return upstream.request(
        "build",
        spec=spec,
        target_version=target,
        version_manifest=upstream_manifest(spec, manifest),
    )


def _assert_known_refusal(error: dict[str, Any]) -> None:
    expected = KNOWN_REFUSALS.get(error["type"])
    assert expected is not None, f"os-vif failed unexpectedly: {error}"
    assert error["message"].startswith(expected), error


def _bypass(manifest: dict[str, str] | None) -> dict[str, str]:
    """A manifest os-vif accepts where ``manifest`` (or none) makes it refuse."""
    kept = {k: v for k, v in (manifest or {}).items() if k != "HostPortProfileInfo"}
    return kept or NO_OP_MANIFEST


def _upstream_primitive(
    upstream: UpstreamPeer,
    spec: Spec,
    target: str | None,
    manifest: dict[str, str] | None,
) -> tuple[dict[str, Any], dict[str, str] | None]:
    """What os-vif sends for (target, manifest), or for the bypass if it refuses."""
    answer = _upstream(upstream, spec, target, manifest)
    if answer["ok"]:
        return answer["primitive"], manifest
    _assert_known_refusal(answer["error"])
    bypass = _bypass(manifest)
    answer = _upstream(upstream, spec, target, bypass)
    assert answer["ok"], answer["error"]
    return answer["primitive"], bypass


# ----------------------------------------------------- catalogue checks


def test_catalogue_matches_upstream(upstream_classes: dict[str, Any]) -> None:
    """Our tables of versions and child names are os-vif's."""
    assert set(HISTORY) == set(upstream_classes)
    for name, described in upstream_classes.items():
        assert current(name) == described["version"], name
        assert CHILD_OBJNAMES.get(name, {}) == described["children"], name


@pytest.mark.parametrize("name", sorted(HISTORY))
def test_our_versions(name: str, upstream_classes: dict[str, Any]) -> None:
    import os_vif.objects

    cls = getattr(os_vif.objects, name)
    assert current(name) == cls.VERSION
    assert tuple(cls.obj_versions()) == HISTORY[name]
    # The same field names as os-vif (a primitive would not show unset ones).
    assert set(cls.fields) == set(upstream_classes[name]["fields"]), name


# ------------------------------------------------------- both directions


@pytest.mark.parametrize(("name", "target", "manifest"), CASES)
def test_primitive_matches_upstream(
    upstream: UpstreamPeer,
    name: str,
    target: str | None,
    manifest: dict[str, str] | None,
) -> None:
    spec = SPECS[name]
    ours = _ours(spec, target, manifest)
    answer = _upstream(upstream, spec, target, manifest)
    if answer["ok"]:
        # Deliberate divergence 2: without the fields os-vif keeps although
        # the version it writes has no such field (datapath_offload).
        assert_same(
            ours,
            drop_undeclared(answer["primitive"]),
            f"{name}: {_describe(target, manifest)}",
        )
        return
    # os-vif refuses this backlevel; our answer must still be one os-vif can
    # use: it reads it back unchanged (test_upstream_reads_our_primitive) and
    # it keeps the top-level fields os-vif keeps when the refusal is bypassed.
    _assert_known_refusal(answer["error"])
    bypassed = _upstream(upstream, spec, target, _bypass(manifest))
    assert bypassed["ok"], bypassed["error"]
    assert summary(ours) == summary(drop_undeclared(bypassed["primitive"])), (
        f"{name}: {_describe(target, manifest)} (os-vif refuses: "
        f"{answer['error']['message']}; compared with its bypassed backlevel)"
    )


@pytest.mark.parametrize(("name", "target", "manifest"), CASES)
def test_upstream_reads_our_primitive(
    upstream: UpstreamPeer,
    name: str,
    target: str | None,
    manifest: dict[str, str] | None,
) -> None:
    ours = _ours(SPECS[name], target, manifest)
    # Asking for the versions we sent makes os-vif backlevel each nested
    # object it rebuilt: without it, os-vif re-emits the defaults its
    # Network constructor fills in (mtu=None) even in a 1.0 primitive.
    answer = upstream.request(
        "reserialize",
        primitive=ours,
        target_version=ours[VERSION],
        version_manifest=echo_manifest(ours) or NO_OP_MANIFEST,
    )
    assert answer["ok"], f"os-vif cannot read our {ours[NAME]}: {answer['error']}"
    assert answer["class"] == ours[NAME]
    assert answer["instance_version"] == ours[VERSION]
    assert_same(
        ours,
        answer["primitive"],
        f"{name}: {_describe(target, manifest)}",
        changes_in_data=True,
    )


@pytest.mark.parametrize(("name", "target", "manifest"), CASES)
def test_we_read_upstream_primitive(
    upstream: UpstreamPeer,
    name: str,
    target: str | None,
    manifest: dict[str, str] | None,
) -> None:
    from os_vif.objects.base import VersionedObject

    spec = SPECS[name]
    theirs, used = _upstream_primitive(upstream, spec, target, manifest)
    # We read exactly what os-vif sends, datapath_offload in a profile too old
    # for it included; we write it back without that field (divergence 2).
    ours = VersionedObject.obj_from_primitive(theirs)
    again = ours.obj_to_primitive(target_version=theirs[VERSION], version_manifest=used)
    assert_same(
        again,
        drop_undeclared(theirs),
        f"{name}: {_describe(target, used)}, read back",
        changes_in_data=True,
    )
    if theirs[VERSION] == current(spec["cls"]) and not used:
        assert ours == build_ours(spec)


# ----------------------------------------------------------- rejections


@pytest.mark.parametrize("name", sorted(REJECTIONS))
def test_we_reject_what_upstream_rejects(upstream: UpstreamPeer, name: str) -> None:
    spec = REJECTIONS[name]
    answer = _upstream(upstream, spec, None, None)
    assert not answer["ok"], f"os-vif accepts {name}: {answer['primitive']}"
    # os-vif raises ValueError, or TypeError for some types (an int CIDR);
    # ours is always a ValueError subclass naming the field.
    with pytest.raises(ValueError):  # noqa: PT011 - any of our ValueErrors
        build_ours(spec)


# ------------------------------------------------ deliberate divergences
#
# Each test asserts what os-vif 5.3.0 really does and what we do instead, so
# the normalisations used above cannot hide anything else.


@pytest.mark.parametrize("name", sorted(STRICTER))
def test_stricter_coercion(upstream: UpstreamPeer, name: str) -> None:
    """Divergence 1: os-vif stores bool(value) / int(value); we refuse."""
    from os_vif.exception import InvalidFieldValue

    case = STRICTER[name]
    answer = _upstream(upstream, case.spec, None, None)
    assert answer["ok"], f"os-vif refuses {name}: {answer['error']}"
    stored = answer["primitive"][DATA][case.field]
    assert stored == case.upstream_value, stored
    assert type(stored) is type(case.upstream_value), stored
    with pytest.raises(InvalidFieldValue) as caught:
        build_ours(case.spec)
    assert (caught.value.object_name, caught.value.field) == (case.cls, case.field)
    assert caught.value.value == case.value
    assert type(caught.value.value) is type(case.value)
    assert f"{case.cls}.{case.field}" in str(caught.value)


@pytest.mark.parametrize("name", sorted(STRICTER))
def test_stricter_coercion_on_the_wire(upstream: UpstreamPeer, name: str) -> None:
    """Divergence 1 on reading: the same values in a primitive."""
    from os_vif.exception import InvalidFieldValue
    from os_vif.objects.base import VersionedObject

    case = STRICTER[name]
    built = _upstream(upstream, case.spec, None, None)
    assert built["ok"], built["error"]
    primitive = built["primitive"]
    primitive[DATA][case.field] = case.value
    answer = upstream.request("reserialize", primitive=primitive)
    assert answer["ok"], f"os-vif cannot read {name}: {answer['error']}"
    stored = answer["primitive"][DATA][case.field]
    assert stored == case.upstream_value, stored
    assert type(stored) is type(case.upstream_value), stored
    with pytest.raises(InvalidFieldValue) as caught:
        VersionedObject.obj_from_primitive(primitive)
    assert (caught.value.object_name, caught.value.field) == (case.cls, case.field)


OVS_FAMILY = (
    "VIFPortProfileOpenVSwitch",
    "VIFPortProfileFPOpenVSwitch",
    "VIFPortProfileOVSRepresentor",
)


def _before_datapath_offload() -> list[Any]:
    """(profile class, version) for every version that predates datapath_offload."""
    cases = []
    for cls in PROFILE_CLASSES:
        added = "1.2" if cls in OVS_FAMILY else "1.1"
        for version in HISTORY[cls]:
            if version_key(version) < version_key(added):
                for dpo in ("offload", "none"):
                    cases.append(pytest.param(cls, version, dpo, id=f"{cls}@{version}-{dpo}"))
    return cases


@pytest.mark.parametrize(("cls", "version", "dpo"), _before_datapath_offload())
def test_datapath_offload_dropped_under_any_manifest(
    upstream: UpstreamPeer, cls: str, version: str, dpo: str
) -> None:
    """Divergence 2: os-vif keeps datapath_offload under a manifest; we drop it."""
    import os_vif.objects

    our_cls = getattr(os_vif.objects, cls)
    assert "datapath_offload" not in our_cls.obj_fields_at(version)
    assert "datapath_offload" in our_cls.obj_fields_at(current(cls))
    spec = profile(cls, dpo)
    # Without a manifest os-vif drops it too (its child version table does).
    plain = _upstream(upstream, spec, version, None)
    assert plain["ok"], plain["error"]
    assert "datapath_offload" not in plain["primitive"][DATA]
    assert "datapath_offload" not in plain["primitive"].get(CHANGES, [])
    for manifest in ({}, {"DatapathOffloadBase": "1.0"}):
        context = f"{cls}: {_describe(version, manifest)}"
        answer = _upstream(upstream, spec, version, manifest)
        assert answer["ok"], answer["error"]
        theirs = answer["primitive"]
        # os-vif: any manifest replaces that table, and the field stays.
        assert theirs[VERSION] == version, context
        assert "datapath_offload" in theirs[DATA], context
        assert "datapath_offload" in theirs[CHANGES], context
        # We: dropped from data and changes, whatever the manifest.
        ours = _ours(spec, version, manifest)
        assert "datapath_offload" not in ours[DATA], context
        assert "datapath_offload" not in ours.get(CHANGES, []), context
        # Byte for byte, that is os-vif's own answer without a manifest, and
        # its answer with the manifest minus that field.
        assert_same(ours, plain["primitive"], context)
        assert_same(ours, drop_undeclared(theirs), context)


def test_datapath_offload_dropped_nested(upstream: UpstreamPeer) -> None:
    """Divergence 2 below the top: dropped from data, kept in "changes"."""
    spec = vif("VIFOpenVSwitch", port_profile=profile("VIFPortProfileOpenVSwitch", "offload"))
    manifest = {"VIFPortProfileBase": "1.0"}
    answer = _upstream(upstream, spec, None, manifest)
    assert answer["ok"], answer["error"]
    theirs_top = answer["primitive"]
    ours_top = _ours(spec, None, manifest)
    theirs = theirs_top[DATA]["port_profile"]
    ours = ours_top[DATA]["port_profile"]
    assert theirs[VERSION] == ours[VERSION] == "1.0"
    # os-vif keeps the field in the 1.0 profile's data; we do not.
    assert "datapath_offload" in theirs[DATA]
    assert "datapath_offload" not in ours[DATA]
    # Nested "changes" are not filtered on either side: both still name it
    # (as they name datapath_type, create_port, ... dropped by the backlevel).
    assert {"datapath_offload", "datapath_type", "create_port"} <= set(theirs[CHANGES])
    assert set(ours[CHANGES]) == set(theirs[CHANGES])
    # drop_undeclared leaves nested "changes" alone, hence the whole tree.
    assert_same(ours_top, drop_undeclared(theirs_top))


def _vif_infos(primitive: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        vif_info
        for plugin_info in primitive[DATA]["plugin_info"]
        for vif_info in plugin_info[DATA]["vif_info"]
    ]


def test_manifest_entries_apply_at_any_depth(upstream: UpstreamPeer) -> None:
    """Divergence 3: {"HostVIFInfo": "1.0"} alone, on a HostInfo tree."""
    spec = host_info_tree()
    manifest = {"HostVIFInfo": "1.0"}
    completed = upstream_manifest(spec, manifest)
    assert completed == {"HostPluginInfo": "1.0", "HostVIFInfo": "1.0"}
    # os-vif: HostPluginInfo is not named, so it never looks below it: the
    # manifest has no effect at all.
    raw = upstream.request("build", spec=spec, version_manifest=manifest)
    plain = upstream.request("build", spec=spec)
    assert raw["ok"], raw["error"]
    assert plain["ok"], plain["error"]
    assert_same(raw["primitive"], plain["primitive"], "os-vif with and without the manifest")
    assert _vif_infos(raw["primitive"])
    for vif_info in _vif_infos(raw["primitive"]):
        assert vif_info[VERSION] == "1.1"
        assert "supported_port_profiles" in vif_info[DATA]
    # We: every HostVIFInfo goes out at 1.0, without supported_port_profiles.
    ours = _ours(spec, None, manifest)
    for vif_info in _vif_infos(ours):
        assert vif_info[VERSION] == "1.0"
        assert "supported_port_profiles" not in vif_info[DATA]
    # Which is what both sides send for the completed manifest.
    assert_same(ours, _ours(spec, None, completed), "ours, completed manifest")
    answer = upstream.request("build", spec=spec, version_manifest=completed)
    assert answer["ok"], answer["error"]
    assert_same(ours, drop_undeclared(answer["primitive"]), "os-vif, completed manifest")

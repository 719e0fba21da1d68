"""kuryr-kubernetes 10.0.0's VIF objects, on this library and on os-vif 5.3.0.

``kuryr_kubernetes/objects/vif.py`` subclasses os-vif's VIF classes with
oslo.versionedobjects fields and stores them, JSON-encoded, in Kubernetes
annotations and CRDs, which kuryr's CNI daemon and controller read back on
other hosts. kuryr-kubernetes is installed unchanged (no dependencies: only
that module's import chain is needed, oslo.versionedobjects and os_vif).
``kuryr_objects.py`` builds realistic objects on each side; here the two
sides' primitives, annotation text, round trips and back-levelled forms are
compared.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import compat_env
import pytest
from compat_env import KURYR_VERSION
from compat_results import normalized

CASES = (
    "VIFVlanNested",
    "VIFMacvlanNested",
    "VIFDPDKNested",
    "VIFOpenVSwitch",
    "PodState",
    "PodState-ovs",
)
BACKLEVELS = ("target 1.0", "old peer manifest")
READERS = ("os_vif.objects.base.VersionedObject",)


@pytest.fixture(scope="session")
def kuryr_reports(
    sides: dict[str, Path], kuryr_overlay: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    return compat_env.script_reports(
        sides,
        "kuryr_objects.py",
        lambda side: tmp_path_factory.mktemp(f"kuryr-{side}"),
        path=[kuryr_overlay],
    )


def _case(reports: dict[str, dict[str, Any]], side: str, name: str) -> dict[str, Any]:
    report = reports[side]
    if report["import_error"]:
        pytest.fail(f"kuryr's objects do not import on {side}:\n{report['import_error']}")
    result: dict[str, Any] = report["cases"][name]
    if "error" in result:
        pytest.fail(f"building {name} on {side} raised:\n{result['error']}", pytrace=False)
    return result


def _steps(reports: dict[str, dict[str, Any]], name: str, *keys: str) -> tuple[Any, Any]:
    """``case[key][key]...`` of ``name`` on ours, then on os-vif."""
    found = []
    for side in ("ours", "os-vif"):
        value = _case(reports, side, name)
        for key in keys:
            value = value[key]
        if isinstance(value, dict) and set(value) == {"error"}:
            pytest.fail(f"{' / '.join(keys)} on {side} raised:\n{value['error']}", pytrace=False)
        found.append(value)
    return found[0], found[1]


@pytest.mark.parametrize("side", ["ours", "os-vif"])
def test_kuryr_objects_module_imports_unchanged(
    kuryr_reports: dict[str, dict[str, Any]], side: str
) -> None:
    assert kuryr_reports[side]["import_error"] is None, kuryr_reports[side]["import_error"]
    assert sorted(kuryr_reports[side]["cases"]) == sorted(CASES)


@pytest.mark.parametrize("name", CASES)
def test_primitive_matches_os_vif(kuryr_reports: dict[str, dict[str, Any]], name: str) -> None:
    ours, theirs = (_case(kuryr_reports, side, name) for side in ("ours", "os-vif"))
    assert ours["described"] == theirs["described"]
    assert normalized(ours["primitive"]) == normalized(theirs["primitive"])


@pytest.mark.parametrize("name", CASES)
def test_annotation_text_matches_os_vif(
    kuryr_reports: dict[str, dict[str, Any]], name: str
) -> None:
    # Byte for byte, keys in the same order; only the changes lists sorted.
    ours, theirs = (_case(kuryr_reports, side, name) for side in ("ours", "os-vif"))
    texts = [json.dumps(normalized(json.loads(c["annotation"]))) for c in (ours, theirs)]
    assert texts[0] == texts[1]


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("name", CASES)
def test_annotation_reads_back(
    kuryr_reports: dict[str, dict[str, Any]], name: str, reader: str
) -> None:
    ours, theirs = _steps(kuryr_reports, name, "roundtrip", reader)
    original = {side: _case(kuryr_reports, side, name)["primitive"] for side in ("ours", "os-vif")}
    assert normalized(theirs["primitive"]) == normalized(original["os-vif"]), "os-vif itself?"
    assert ours["described"] == theirs["described"]
    assert normalized(ours["primitive"]) == normalized(original["ours"])


@pytest.mark.parametrize("backlevel", BACKLEVELS)
@pytest.mark.parametrize("name", CASES)
def test_backlevel_matches_os_vif(
    kuryr_reports: dict[str, dict[str, Any]], name: str, backlevel: str
) -> None:
    ours, theirs = _steps(kuryr_reports, name, "backlevel", backlevel)
    assert normalized(ours) == normalized(theirs)


def test_kuryr_is_the_release_we_mean(kuryr_overlay: Path) -> None:
    assert (kuryr_overlay / f"kuryr_kubernetes-{KURYR_VERSION}.dist-info").is_dir()

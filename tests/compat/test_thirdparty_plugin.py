"""A third-party plugin written to os-vif's documentation, on us and on os-vif 5.3.0.

``thirdparty_plugin/`` is its own distribution (``os-vif-stamp-plugin``)
registering ``stamp`` in the ``os_vif`` entry-point group: oslo.config
``CONFIG_OPTS``, a hand-built ``HostPluginInfo``, exceptions with ``msg_fmt``
and ``os_vif.i18n._``, and plug/unplug that write and remove one file per
VIF. It is built and installed with pip (``--target``, put on each side's
``PYTHONPATH``) once per session; ``plugin_driver.py`` then reads a nova.conf
through oslo.config and plugs through ``os_vif.initialize()`` and
``os_vif.plug()`` on each side. Every step must come out the same.
"""

from __future__ import annotations

import json
import shutil
import sys
import textwrap
from pathlib import Path
from typing import Any

import compat_env
import pytest
from compat_env import HERE
from compat_results import normalized

from fixtures.venvs import pip

SIDES = ("ours", "os-vif")
STEPS = (
    "initialize",
    "options",
    "host_info stamp",
    "os_vif.opts",
    "plug",
    "stamps after plug",
    "unplug",
    "stamps after unplug",
    "unplug again",
    "plug refused",
    "stamps at the end",
)
VIF_ID = "2b4d6f80-1a3c-4e5f-8a9b-0c1d2e3f4a5b"
NOVA_CONF = """\
[DEFAULT]
debug = False

[os_vif_stamp]
state_dir = {state_dir}
default_mtu = 9000
refused_vif_names = tapstampbad,tapstampworse

[os_vif_ovs]
network_device_mtu = 1400
"""
EXPECTED_STAMP = {
    "address": "fa:16:3e:aa:bb:cc",
    "instance": {
        "name": "instance-00000001",
        "project_id": "2f37d7f6e51a4a1f8b6eb0917ffc8390",
        "uuid": "f0000000-0000-0000-0000-000000000001",
    },
    "mtu": 9000,  # the network has no MTU: the plugin's option from nova.conf
    "vif_id": VIF_ID,
    "vif_name": "tapstamp0",
}


@pytest.fixture(scope="session")
def plugin_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The plugin, built from a copy of its source and installed with pip."""
    work = tmp_path_factory.mktemp("stamp-plugin")
    source = shutil.copytree(HERE / "thirdparty_plugin", work / "source")  # builds in-tree
    site = work / "site"
    try:
        pip(Path(sys.executable), ["install", "--no-deps", "--target", str(site), str(source)], "")
    except RuntimeError as exc:
        pytest.fail(f"cannot install the stamp plugin: {exc}", pytrace=False)
    return site


@pytest.fixture(scope="session")
def plugin_reports(
    sides: dict[str, Path], plugin_site: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, dict[str, Any]]:
    def nova_conf(work: Path) -> list[str]:
        conf = work / "nova.conf"
        conf.write_text(NOVA_CONF.format(state_dir=work / "stamps"))
        return ["--config-file", str(conf)]

    workdirs = {side: tmp_path_factory.mktemp(f"stamp-{side}") for side in sides}
    reports = compat_env.script_reports(
        sides, "plugin_driver.py", workdirs.__getitem__, nova_conf, path=[plugin_site]
    )
    return {side: {"state_dir": str(workdirs[side] / "stamps"), **r} for side, r in reports.items()}


def _comparable(report: dict[str, Any], step: str) -> Any:
    """A step's observation, without what must differ between two processes."""
    observed = report[step]
    if isinstance(observed, dict) and "traceback" in observed:
        # Messages embed the VIF's repr, which is each library's own.
        error = observed["error"]
        return {"raised": error["raised"], "is_os_vif_error": error["is_os_vif_error"]}
    text = json.dumps(observed).replace(report["state_dir"], "<state_dir>")
    return normalized(json.loads(text))


def _show(report: dict[str, Any], step: str) -> str:
    observed = report[step]
    if isinstance(observed, dict) and "traceback" in observed:
        return observed["traceback"]
    return json.dumps(observed, indent=1)


@pytest.mark.parametrize("step", STEPS)
def test_step_is_the_same_as_on_os_vif(
    plugin_reports: dict[str, dict[str, Any]], step: str
) -> None:
    ours, theirs = (_comparable(plugin_reports[side], step) for side in SIDES)
    assert ours == theirs, (
        f"ours:\n{_show(plugin_reports['ours'], step)}\n"
        f"os-vif:\n{_show(plugin_reports['os-vif'], step)}"
    )


def test_os_vif_behaves_as_the_plugin_expects(plugin_reports: dict[str, dict[str, Any]]) -> None:
    # The reference side, checked against what the plugin was written to do,
    # so that "the same as os-vif" means something.
    report = plugin_reports["os-vif"]
    assert report["initialize"] is None
    assert report["options"]["default_mtu"] == 9000
    assert report["options"]["refused_vif_names"] == ["tapstampbad", "tapstampworse"]
    assert report["options"]["ovs network_device_mtu"] == 1400
    assert report["stamps after plug"] == {f"{VIF_ID}.json": EXPECTED_STAMP}
    assert report["stamps after unplug"] == {}
    assert report["unplug again"]["error"]["raised"] == "UnplugException"
    assert report["plug refused"]["error"]["raised"] == "PlugException"


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize(
    ("step", "plugin_says"),
    [
        ("plug refused", "The stamp plugin refuses to plug tapstampbad: listed in the config"),
        ("unplug again", f"No stamp for VIF {VIF_ID} in "),
    ],
)
def test_the_plugins_own_message_reaches_the_caller(
    plugin_reports: dict[str, dict[str, Any]], side: str, step: str, plugin_says: str
) -> None:
    error = plugin_reports[side][step]["error"]
    assert error["is_os_vif_error"]
    assert plugin_says in error["message"]


def test_nova_conf_is_what_the_driver_read(plugin_reports: dict[str, dict[str, Any]]) -> None:
    for side in SIDES:
        assert plugin_reports[side]["options"]["state_dir"] == plugin_reports[side]["state_dir"]


def test_the_plugin_is_packaged_as_documented() -> None:
    pyproject = (HERE / "thirdparty_plugin" / "pyproject.toml").read_text()
    assert (
        textwrap.dedent("""\
        [project.entry-points.os_vif]
        stamp = "vif_plug_stamp.stamp:StampPlugin"
        """)
        in pyproject
    )

"""Entry points found without importlib.metadata: the same answer, cheaper."""

from __future__ import annotations

from importlib import metadata

import pytest

from os_vif._entry_points import EntryPoint, entry_points


def test_the_same_entry_points_as_importlib_metadata():
    ours = {(ep.name, ep.value) for ep in entry_points("os_vif")}
    theirs = {(ep.name, ep.value) for ep in metadata.entry_points(group="os_vif")}
    assert ours == theirs
    assert {"noop", "ovs", "linux_bridge", "vhostuser"} <= {name for name, _ in ours}


def test_sections_comments_and_the_first_distribution_of_a_name(tmp_path, monkeypatch):
    for directory, text in {
        "a": "# a comment\n[console_scripts]\nx = m:f\n\n[os_vif]\n  one = pkg.mod:Cls [extra]\n",
        "b": "[os_vif]\nshadowed = other:Cls\n",
    }.items():
        info = tmp_path / directory / "My_Plugin-1.0.dist-info"
        info.mkdir(parents=True)
        (info / "entry_points.txt").write_text(text)
    (tmp_path / "a" / "no_entry_points-2.0.dist-info").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path / "b"))
    monkeypatch.syspath_prepend(str(tmp_path / "a"))  # first on the path: wins "my-plugin"
    found = [ep for ep in entry_points("os_vif") if ep.name in {"one", "shadowed"}]
    assert found == [EntryPoint("one", "pkg.mod:Cls [extra]", "os_vif", dist="my-plugin")]


def test_load_follows_module_and_attribute_path():
    assert EntryPoint("x", "os_vif.objects:VIFBridge", "g").load().__name__ == "VIFBridge"
    assert EntryPoint("x", "os_vif.exception:PlugException.verb [x]", "g").load() == "plug"
    assert EntryPoint("x", "os_vif.plugin", "g").load().__name__ == "os_vif.plugin"
    with pytest.raises(ValueError, match="malformed"):
        EntryPoint("x", "not a value!", "g").load()

"""The declared public surface: what callers may import, and nothing missing."""

from __future__ import annotations

import importlib
import inspect
import re
import subprocess
import sys

import pytest

import os_vif
from os_vif import exception


def test_package_surface():
    assert os_vif.__all__ == [
        "LoadReport",
        "PlugOutcome",
        "VIFResult",
        "exception",
        "host_info",
        "initialize",
        "objects",
        "plug",
        "plug_many",
        "plugin",
        "unplug",
        "unplug_many",
        "vnic_types",
    ]
    for name in os_vif.__all__:
        assert getattr(os_vif, name) is not None
    assert sorted(dir(os_vif)) == sorted(os_vif.__all__)
    with pytest.raises(AttributeError):
        _ = os_vif.no_such_thing


@pytest.mark.parametrize(
    "module",
    ["os_vif.exception", "os_vif.objects", "os_vif.plugin", "os_vif.negotiation",
     "os_vif.vnic_types", "os_vif.objects.fields", "os_vif.objects.base", "os_vif.i18n",
     "vif_plug_ovs.exception", "vif_plug_ovs.constants", "vif_plug_ovs.sandbox",
     "vif_plug_ovs.ovsdb", "os_vif_demo.command"],
)  # fmt: skip
def test_all_lists_real_public_names(module):
    loaded = importlib.import_module(module)
    for name in loaded.__all__:
        assert hasattr(loaded, name), f"{module}.{name}"
        assert not name.startswith("_")


def test_os_vif_exception_names_are_kept():
    for name in [
        "ExceptionBase", "LibraryNotInitialized", "NoMatchingPlugin",
        "NoMatchingPortProfileClass", "NoSupportedPortProfileVersion", "NoMatchingVIFClass",
        "NoSupportedVIFVersion", "PlugException", "UnplugException",
        "NetworkMissingPhysicalNetwork", "NetworkInterfaceNotFound",
        "NetworkInterfaceTypeNotDefined", "ExternalImport", "NotImplementedForOS",
    ]:  # fmt: skip
        assert name in exception.__all__
        assert issubclass(getattr(exception, name), exception.ExceptionBase)


def test_exception_all_is_sorted_and_complete():
    public = {
        name
        for name, value in vars(exception).items()
        if inspect.isclass(value)
        and issubclass(value, exception.ExceptionBase)
        and not name.startswith("_")
    }
    assert exception.__all__ == sorted(exception.__all__)
    assert set(exception.__all__) == public


def test_every_exception_is_drawn_in_the_tree():
    doc = exception.__doc__ or ""
    for name, value in vars(exception).items():
        is_ours = inspect.isclass(value) and issubclass(value, exception.ExceptionBase)
        if is_ours and name != "OsVifError" and not name.startswith("_"):
            assert re.search(rf"\b{name}\b", doc), f"{name} missing from the tree"


def test_plugins_written_for_os_vif_still_work():
    class LegacyError(exception.ExceptionBase):
        msg_fmt = "device %(dev)s is busy"

    assert str(LegacyError(dev="tap0")) == "device tap0 is busy"
    # As in os-vif: keywords that do not fit give the bare format (and a log).
    assert str(LegacyError(wrong="x")) == "device %(dev)s is busy"


def test_importing_the_objects_does_not_load_the_plugin_machinery():
    code = (
        "import sys, os_vif.objects; "
        "print(','.join(m for m in ('os_vif._api', 'orjson', 'dataclasses', 'uuid') "
        "if m in sys.modules))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == ""

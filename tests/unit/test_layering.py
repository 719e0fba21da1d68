"""Who may import whom, read from the source's imports (every one: lazy ones too).

The floors, from the bottom:

* ``os_vif``, the library: it imports no plugin and not the demo (it finds
  plugins and sub-commands through entry points).
* each plugin, ``vif_plug_*``: ``os_vif``'s public modules and its declared
  Linux layer (:data:`LINUX_LAYER`), never another plugin.
* ``os_vif_demo``, an application: only public modules of the library and
  of the plugins (``os_vif``, ``os_vif.objects``, ``vif_plug_ovs.sandbox``,
  ``vif_plug_ovs.ovsdb`` ...).
* ``bench/``: anything in ``src/``, nothing of ``tests/``.

A module or name is public when no part of its dotted path starts with an
underscore. No file is exempt.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"
LIBRARY = "os_vif"
DEMO = "os_vif_demo"
PLUGIN_PREFIX = "vif_plug_"
#: The library's host layer the plugins build on (once ``os_vif._linux``).
LINUX_LAYER = "os_vif.linux"

PLUGINS = sorted(p.name for p in SRC.iterdir() if p.name.startswith(PLUGIN_PREFIX))


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """Each module (and ``module.name``) a file imports, with its line."""
    tree = ast.parse(path.read_text(), str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                yield node.lineno, f"{node.module}.{alias.name}"


def package_files(package: str) -> list[Path]:
    return sorted((SRC / package).rglob("*.py"))


def top(name: str) -> str:
    return name.split(".", 1)[0]


def is_public(name: str) -> bool:
    return not any(part.startswith("_") for part in name.split("."))


def in_linux_layer(name: str) -> bool:
    return name == LINUX_LAYER or name.startswith(LINUX_LAYER + ".")


def is_public_or_linux_layer(name: str) -> bool:
    """Public, or a public module of the Linux layer (whatever the layer's own name)."""
    return is_public(name.removeprefix(LINUX_LAYER) if in_linux_layer(name) else name)


def foreign_imports(package: str) -> Iterator[tuple[str, str]]:
    """``(where, imported)`` for every import of another of our packages."""
    ours = {LIBRARY, DEMO, *PLUGINS}
    for path in package_files(package):
        for line, name in imports(path):
            if top(name) in ours and top(name) != package:
                yield f"{path.relative_to(ROOT)}:{line}", name


def test_the_packages_are_found():
    assert {"vif_plug_noop", "vif_plug_ovs", "vif_plug_linux_bridge"} <= set(PLUGINS)
    assert package_files(DEMO)
    assert (SRC / LINUX_LAYER.replace(".", "/")).is_dir(), "LINUX_LAYER names no package"


def test_the_library_imports_no_plugin_and_not_the_demo():
    wrong = list(foreign_imports(LIBRARY))
    assert not wrong, wrong


@pytest.mark.parametrize("plugin", PLUGINS)
def test_a_plugin_imports_public_os_vif_and_the_linux_layer_only(plugin):
    wrong = [
        (where, name)
        for where, name in foreign_imports(plugin)
        if top(name) != LIBRARY or not is_public_or_linux_layer(name)
    ]
    assert not wrong, wrong


def test_the_demo_imports_public_modules_only():
    wrong = [(w, name) for w, name in foreign_imports(DEMO) if not is_public_or_linux_layer(name)]
    assert not wrong, wrong


def test_bench_does_not_import_the_tests():
    test_modules = {p.stem for p in (ROOT / "tests").iterdir()} | {"tests"}
    wrong = [
        f"{path.relative_to(ROOT)}:{line} {name}"
        for path in sorted((ROOT / "bench").rglob("*.py"))
        for line, name in imports(path)
        if top(name) in test_modules
    ]
    assert not wrong, wrong


def test_the_check_sees_a_forbidden_import(tmp_path):
    # The scanner itself: a lazy, aliased import inside a function counts.
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from vif_plug_ovs._ovsdb import client as c\n")
    assert list(imports(sample)) == [(2, "vif_plug_ovs._ovsdb.client")]
    assert not is_public("vif_plug_ovs._ovsdb.client")
    assert is_public("os_vif.objects.vif")
    assert is_public_or_linux_layer(LINUX_LAYER + ".netlink.Netlink")
    assert not is_public_or_linux_layer(LINUX_LAYER + "._tap")

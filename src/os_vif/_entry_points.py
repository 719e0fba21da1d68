"""Find the entry points of one group without importing ``importlib.metadata``.

``importlib.metadata`` costs about 25 ms to import (it pulls in ``email``,
``zipfile``, ``csv`` ...), a third of what :func:`os_vif.initialize` may
take. Plugins only need the ``entry_points.txt`` of each installed
distribution, read the same way: distributions are the ``*.dist-info`` and
``*.egg-info`` directories of the ``sys.path`` entries, in order; the first
of a name wins, as with ``importlib.metadata.entry_points()``. Within one
directory distributions are taken in name order (not the file system's
order), so the list is the same on every host with the same packages.
"""

from __future__ import annotations

import importlib
import os
import re
import sys
from dataclasses import dataclass
from functools import reduce
from typing import Any

__all__ = ["EntryPoint", "entry_points"]

_INFO_SUFFIXES = (".dist-info", ".egg-info")
# module[:attr.path][ [extras]], as the entry-point specification allows.
_VALUE = re.compile(r"(?P<module>[\w.]+)\s*(:\s*(?P<attr>[\w.]+)\s*)?(\[.*\]\s*)?$")


@dataclass(frozen=True)
class EntryPoint:
    """One entry point: ``name = value`` in a distribution's group.

    Attributes:
        dist: the normalised name of the distribution that declares it
            (``""`` when unknown).
    """

    name: str
    value: str
    group: str
    dist: str = ""

    def load(self) -> Any:
        """Import the module the value names and return the object in it.

        Raises:
            ValueError: the value is not ``module[:attr]``.
            ImportError, AttributeError: the module or object is missing.
        """
        match = _VALUE.match(self.value)
        if match is None:
            raise ValueError(f"malformed entry point value {self.value!r}")
        module = importlib.import_module(match.group("module"))
        attrs = (match.group("attr") or "").split(".")
        return reduce(getattr, filter(None, attrs), module)


def _normalized(info_dir: str) -> str:
    # "My_Plugin-1.0.dist-info" -> "my-plugin", as PEP 503 normalises names.
    name = info_dir.rsplit(".", 1)[0].split("-", 1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def _info_dirs() -> dict[str, str]:
    found: dict[str, str] = {}
    for entry in sys.path:
        directory = entry or "."
        try:
            names = os.listdir(directory)
        except OSError:
            continue  # a zip file or a missing directory: no plugins there
        for name in sorted(names):
            if name.endswith(_INFO_SUFFIXES):
                found.setdefault(_normalized(name), os.path.join(directory, name))
    return found


def _read_group(text: str, group: str) -> list[tuple[str, str]]:
    section = None
    entries = []
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif section == group and "=" in line:
            name, _, value = line.partition("=")
            entries.append((name.strip(), value.strip()))
    return entries


def entry_points(group: str) -> list[EntryPoint]:
    """Every entry point of ``group``, distribution by distribution."""
    points = []
    for dist, info_dir in _info_dirs().items():
        try:
            with open(os.path.join(info_dir, "entry_points.txt"), encoding="utf-8") as file:
                text = file.read()
        except OSError:
            continue
        points += [EntryPoint(name, value, group, dist) for name, value in _read_group(text, group)]
    return points

"""The ``os-vif`` command: a thin shell over the public API.

It parses arguments, calls the library, prints the result, and turns an
os-vif error into one line (``TypeName: message``) and exit status 1; the
traceback only with ``--verbose``.

Other packages add sub-commands through entry-point group
``os_vif.commands`` (``os-vif demo`` is one, from ``os_vif_demo``), so that
the library imports none of them. The entry point names an object, a module
for instance, with:

* ``SUMMARY``: one line for ``os-vif --help``;
* ``DESCRIPTION``: the text of ``os-vif NAME --help``;
* ``add_arguments(parser)``: adds the sub-command's arguments to its
  ``argparse.ArgumentParser``;
* ``run(args, out)``: does the work with the parsed ``args`` (the global
  ``--config`` and ``--verbose`` included), printing to ``out``; an
  :class:`~os_vif.exception.ExceptionBase` it raises is printed as one line.

A name taken by a built-in command, or by an earlier entry point, is skipped
with a warning, and so is an entry point that cannot be loaded.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Final, TextIO

import os_vif
from os_vif import exception
from os_vif._entry_points import entry_points
from os_vif.objects.base import VersionedObject
from os_vif.objects.host_info import HostInfo
from os_vif.objects.instance_info import InstanceInfo
from os_vif.objects.vif import VIFBase

__all__ = ["main"]

Command = Callable[[argparse.Namespace, TextIO], None]
#: The entry-point group of sub-commands that other packages add.
COMMANDS_GROUP: Final = "os_vif.commands"
LOG = logging.getLogger("os_vif")


class UsageError(exception.ExceptionBase):
    """The command's input is not what it expects."""


def _read_json(source: str) -> Any:
    try:
        text = sys.stdin.read() if source == "-" else Path(source).read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read {source}: {exc.strerror}") from exc
    try:
        return json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{source} is not valid JSON: {exc}") from exc


def _read_vif_file(source: str) -> tuple[VIFBase, InstanceInfo | None]:
    document = _read_json(source)
    instance_primitive = None
    if isinstance(document, dict) and "vif" in document:
        instance_primitive = document.get("instance_info")
        document = document["vif"]
    vif = VIFBase.obj_from_primitive(document)
    instance = None
    if instance_primitive is not None:
        instance = InstanceInfo.obj_from_primitive(instance_primitive)
    return vif, instance


def _format_value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(str(item) for item in value) + "]"
    return str(value)


def _describe(obj: VersionedObject, indent: int = 0) -> list[str]:
    pad = "  " * indent
    lines = [f"{type(obj).obj_name()} {obj.obj_version}"]
    for name in type(obj).fields:
        if not obj.obj_attr_is_set(name):  # not `in`: a list's `in` tests its items
            continue
        value = obj.__dict__[name]
        if isinstance(value, VersionedObject):
            child = _describe(value, indent + 1)
            lines.append(f"{pad}  {name}: {child[0]}")
            lines.extend(child[1:])
        elif isinstance(value, list) and value and isinstance(value[0], VersionedObject):
            lines.append(f"{pad}  {name}:")
            for item in value:
                child = _describe(item, indent + 2)
                lines.append(f"{pad}    - {child[0]}")
                lines.extend(child[1:])
        else:
            lines.append(f"{pad}  {name}: {_format_value(value)}")
    return lines


def _cmd_host_info(args: argparse.Namespace, out: TextIO) -> None:
    os_vif.initialize(config=args.config)
    info = os_vif.host_info(args.vif_types)
    if args.json:
        json.dump(info.obj_to_primitive(), out, indent=2)
        out.write("\n")
        return
    out.write(_host_info_table(info))


def _host_info_table(info: HostInfo) -> str:
    rows = [("PLUGIN", "VIF CLASS", "VERSIONS", "PORT PROFILES")]
    for plugin in info.plugin_info:
        for vif in plugin.vif_info:
            profiles = ", ".join(
                f"{p.profile_object_name} {p.min_version}-{p.max_version}"
                for p in vif.supported_port_profiles
            )
            versions = f"{vif.min_version}-{vif.max_version}"
            rows.append((plugin.plugin_name, vif.vif_object_name, versions, profiles or "-"))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "".join(
        "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
        + "  "
        + row[3]
        + "\n"
        for row in rows
    )


def _cmd_show(args: argparse.Namespace, out: TextIO) -> None:
    obj = VersionedObject.obj_from_primitive(_read_json(args.file))
    out.write("\n".join(_describe(obj)) + "\n")


def _cmd_convert(args: argparse.Namespace, out: TextIO) -> None:
    obj = VersionedObject.obj_from_primitive(_read_json(args.file))
    manifest = None
    if args.manifest is not None:
        try:
            manifest = json.loads(args.manifest)
        except ValueError as exc:
            raise UsageError(f"--manifest is not valid JSON: {exc}") from exc
        if not isinstance(manifest, dict):
            raise UsageError("--manifest must be a JSON object of {name: version}")
    json.dump(obj.obj_to_primitive(args.to_version, manifest), out, indent=2)
    out.write("\n")


def _cmd_plug(args: argparse.Namespace, out: TextIO) -> None:
    vif, instance = _read_vif_file(args.file)
    os_vif.initialize(config=args.config)
    if args.command == "plug":
        os_vif.plug(vif, instance)
    else:
        os_vif.unplug(vif, instance)
    out.write(f"{args.command}ged {type(vif).obj_name()} {vif.id} with plugin {vif.plugin}\n")


def _add_installed_commands(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    for point in entry_points(COMMANDS_GROUP):
        if point.name in commands.choices:
            LOG.warning("os-vif %s from %s: the name is taken; skipped", point.name, point.dist)
            continue
        try:
            command = point.load()
            summary, description = str(command.SUMMARY), str(command.DESCRIPTION)
            add_arguments, run = command.add_arguments, command.run
        except Exception as exc:  # a broken extension must not break the command
            LOG.warning("os-vif %s from %s cannot be loaded: %s", point.name, point.dist, exc)
            continue
        sub = commands.add_parser(point.name, help=summary, description=description)
        add_arguments(sub)
        sub.set_defaults(run=run)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``os-vif`` command."""
    parser = argparse.ArgumentParser(
        prog="os-vif", description="Plug and unplug the host side of VM network interfaces."
    )
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="plugin options: a TOML file, or an INI file such as nova.conf",
    )
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="log debug messages; tracebacks on error"
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    info = commands.add_parser("host-info", help="what this host can plug (HostInfo)")
    info.add_argument("--json", action="store_true", help="print the wire primitive")
    info.add_argument("--vif-types", nargs="+", metavar="CLASS", help="keep only these VIF classes")
    info.set_defaults(run=_cmd_host_info)

    show = commands.add_parser("show", help="validate and pretty-print an object primitive")
    show.add_argument("file", metavar="FILE", help="JSON file with a primitive ('-': stdin)")
    show.set_defaults(run=_cmd_show)

    convert = commands.add_parser("convert", help="backlevel an object primitive")
    convert.add_argument("file", metavar="FILE", help="JSON file with a primitive ('-': stdin)")
    convert.add_argument("--to-version", metavar="X.Y", help="version of the top object")
    convert.add_argument(
        "--manifest", metavar="JSON", help='versions for nested objects: {"Network": "1.0"}'
    )
    convert.set_defaults(run=_cmd_convert)

    for verb in ("plug", "unplug"):
        sub = commands.add_parser(verb, help=f"{verb} a VIF described in a JSON file")
        sub.add_argument(
            "file",
            metavar="FILE",
            help='a VIF primitive, or {"vif": ..., "instance_info": ...} (\'-\': stdin)',
        )
        sub.set_defaults(run=_cmd_plug)

    _add_installed_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    """Run the ``os-vif`` command; returns the exit status."""
    args = build_parser().parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
    )
    run: Command = args.run
    try:
        run(args, out or sys.stdout)
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away; no traceback for that.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except exception.ExceptionBase as exc:
        if args.verbose:
            traceback.print_exc()
        sys.stderr.write(f"{type(exc).__name__}: {exc}\n")
        return 1
    return 0

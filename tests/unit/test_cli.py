"""The os-vif command, run for real in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from fixtures.objects import make_network, make_vif_ovs
from os_vif import objects
from os_vif.objects.base import VersionedObject


def run(*args, stdin=None):
    return subprocess.run(
        [sys.executable, "-m", "os_vif", *args],
        input=stdin,
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture
def vif_file(tmp_path):
    path = tmp_path / "vif.json"
    # A plugin nobody installs: these tests must never reach a real backend.
    path.write_text(json.dumps(make_vif_ovs(plugin="not-installed").obj_to_primitive()))
    return path


def test_help():
    result = run("--help")
    assert result.returncode == 0
    for command in ("host-info", "show", "convert", "plug", "unplug"):
        assert command in result.stdout


def test_host_info_table_and_json():
    table = run("host-info")
    assert table.returncode == 0, table.stderr
    assert "noop" in table.stdout
    assert "VIFVHostUser" in table.stdout
    primitive = json.loads(run("host-info", "--json").stdout)
    info = objects.HostInfo.obj_from_primitive(primitive)
    assert info.has_plugin("noop")
    assert info.get_plugin("vhostuser").has_vif("VIFVHostUser")


def test_host_info_filter():
    primitive = json.loads(run("host-info", "--json", "--vif-types", "VIFBridge").stdout)
    assert not objects.HostInfo.obj_from_primitive(primitive).has_plugin("noop")


def test_show(vif_file):
    result = run("show", str(vif_file))
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "VIFOpenVSwitch 1.0"
    assert "  network: Network 1.1" in lines
    assert "  address: fa:16:3e:00:00:01" in lines
    assert any(line.strip() == "- Subnet 1.0" for line in lines)


def test_show_from_stdin(vif_file):
    result = run("show", "-", stdin=vif_file.read_text())
    assert result.returncode == 0
    assert result.stdout.startswith("VIFOpenVSwitch 1.0")


def test_convert(tmp_path):
    path = tmp_path / "network.json"
    path.write_text(json.dumps(make_network().obj_to_primitive()))
    result = run("convert", str(path), "--to-version", "1.0")
    assert result.returncode == 0, result.stderr
    converted = json.loads(result.stdout)
    assert converted["versioned_object.version"] == "1.0"
    assert "mtu" not in converted["versioned_object.data"]
    assert VersionedObject.obj_from_primitive(converted).label == "tenant"


def test_convert_with_manifest(vif_file):
    # A manifest names the port profile by its field's class, as os-vif reads it.
    result = run("convert", str(vif_file), "--manifest", '{"VIFPortProfileBase": "1.1"}')
    profile = json.loads(result.stdout)["versioned_object.data"]["port_profile"]
    assert profile["versioned_object.version"] == "1.1"


def test_plug_and_unplug_with_instance_info(tmp_path):
    vif = objects.VIFVHostUser(
        id="7f3e9b1c-2d4a-4e5f-8a6b-9c0d1e2f3a4b", plugin="noop", path="/run/x", mode="client"
    )
    instance = objects.InstanceInfo(uuid="d7a730ca-3c28-49c3-8f26-4662b909fe8a", name="vm")
    path = tmp_path / "plug.json"
    path.write_text(
        json.dumps({"vif": vif.obj_to_primitive(), "instance_info": instance.obj_to_primitive()})
    )
    for verb in ("plug", "unplug"):
        result = run(verb, str(path))
        assert result.returncode == 0, result.stderr
        assert f"{verb}ged VIFVHostUser 7f3e9b1c-2d4a-4e5f-8a6b-9c0d1e2f3a4b" in result.stdout


@pytest.mark.parametrize(
    ("args", "stdin", "first_words"),
    [
        (["show", "/nonexistent.json"], None, "UsageError: cannot read"),
        (["show", "-"], "{", "UsageError: - is not valid JSON"),
        (["show", "-"], '{"versioned_object.name": "X"}', "MissingPrimitiveData:"),
        (["convert", "-", "--to-version", "9.9"], None, "InvalidTargetVersion:"),
        (["plug", "-"], None, "NoMatchingPlugin:"),
    ],
)
def test_errors_are_one_line_and_exit_1(args, stdin, first_words, vif_file):
    if stdin is None and "-" in args:
        stdin = vif_file.read_text()
    result = run(*args, stdin=stdin)
    assert result.returncode == 1
    assert result.stderr.startswith(first_words), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr


def test_verbose_shows_the_traceback():
    result = run("--verbose", "show", "-", stdin="{}")
    assert result.returncode == 1
    assert "Traceback" in result.stderr


def test_config_errors_name_the_file(tmp_path, vif_file):
    config = tmp_path / "nova.conf"
    config.write_text("[os_vif_vhostuser]\nsocket_dirs = relative/dir\n")
    result = run("--config", str(config), "plug", str(vif_file))
    assert result.returncode == 1
    assert result.stderr.startswith("ConfigError:")
    assert str(config) in result.stderr
    assert "os_vif_vhostuser" in result.stderr


def test_usage_error_exits_2():
    assert run("convert").returncode == 2


def test_bad_manifest_is_one_line(vif_file):
    result = run("convert", str(vif_file), "--manifest", "{nope")
    assert result.returncode == 1
    assert result.stderr.startswith("UsageError: --manifest is not valid JSON")


# --- sub-commands from entry-point group os_vif.commands -------------------------

HELLO_COMMAND = """
SUMMARY = "say hello"
DESCRIPTION = "Say hello to someone."


def add_arguments(parser):
    parser.add_argument("name")


def run(args, out):
    from os_vif import exception

    if args.name == "nobody":
        raise exception.ExceptionBase("nobody to greet")
    out.write(f"hello {args.name}, config {args.config}\\n")
"""


def install_commands(tmp_path, entry_points: str, modules: dict[str, str]) -> None:
    """A distribution declaring ``os_vif.commands`` entry points, on sys.path."""
    info = tmp_path / "greeter-1.0.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: greeter\nVersion: 1.0\n")
    (info / "entry_points.txt").write_text(f"[os_vif.commands]\n{entry_points}")
    for module, source in modules.items():
        (tmp_path / f"{module}.py").write_text(source)


def run_with(tmp_path, *args):
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}
    return subprocess.run(
        [sys.executable, "-m", "os_vif", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        env=env,
    )


def test_the_demo_is_a_sub_command_from_an_entry_point():
    assert "demo" in run("--help").stdout
    assert "--backend" in run("demo", "--help").stdout


def test_an_installed_sub_command_runs_with_the_global_options(tmp_path):
    install_commands(tmp_path, "hello = greeter_command\n", {"greeter_command": HELLO_COMMAND})

    assert "say hello" in run_with(tmp_path, "--help").stdout
    result = run_with(tmp_path, "--config", "x.toml", "hello", "world")
    assert result.returncode == 0, result.stderr
    assert result.stdout == "hello world, config x.toml\n"
    failed = run_with(tmp_path, "hello", "nobody")
    assert failed.returncode == 1
    assert failed.stderr == "ExceptionBase: nobody to greet\n"


def test_a_broken_or_clashing_sub_command_is_skipped_with_a_warning(tmp_path):
    install_commands(
        tmp_path,
        "show = greeter_command\nbroken = no_such_module\nhello = greeter_command\n",
        {"greeter_command": HELLO_COMMAND},
    )

    result = run_with(tmp_path, "hello", "world")

    assert result.returncode == 0, result.stderr
    assert "os-vif show from greeter: the name is taken; skipped" in result.stderr
    assert "os-vif broken from greeter cannot be loaded" in result.stderr
    assert run_with(tmp_path, "show", "--help").stdout.count("primitive") >= 1

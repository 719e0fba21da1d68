"""The vhostuser plugin against real directories and real UNIX sockets."""

from __future__ import annotations

import os
import socket
import stat
import threading
import time

import pytest

from os_vif import exception, objects
from os_vif._config import PluginOptions
from vif_plug_vhostuser.plugin import VHostUserPlugin
from vif_plug_vhostuser.sockets import InvalidSocketPath

pytestmark = pytest.mark.functional

VIF_ID = "7f3e9b1c-2d4a-4e5f-8a6b-9c0d1e2f3a4b"


@pytest.fixture
def socket_root(tmp_path):
    return tmp_path / "vhost"


def make_plugin(socket_root, **options):
    values = {"socket_dirs": [str(socket_root)], **options}
    return VHostUserPlugin.load("vhostuser", PluginOptions("<test>", "vhostuser", values))


def make_vif(path, mode="server"):
    return objects.VIFVHostUser(
        id=VIF_ID, plugin="vhostuser", vif_name="vhu0", path=str(path), mode=mode
    )


def listen(path):
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(path))
    server.listen(1)
    return server


def test_plug_creates_the_directory_with_mode(socket_root):
    plugin = make_plugin(socket_root, socket_dir_mode="0750")
    path = socket_root / "instance-1" / "vhu0.sock"
    plugin.plug(make_vif(path), None)
    for directory in (socket_root, path.parent):
        info = os.stat(directory)
        assert stat.S_ISDIR(info.st_mode)
        assert stat.S_IMODE(info.st_mode) == 0o750
    plugin.plug(make_vif(path), None)  # idempotent
    assert stat.S_IMODE(os.stat(path.parent).st_mode) == 0o750


def test_plug_sets_the_owner_of_what_it_creates_only(socket_root):
    if os.geteuid() != 0:
        pytest.skip("changing a directory's owner needs root")
    socket_root.mkdir(mode=0o700)
    plugin = make_plugin(socket_root, socket_dir_owner="1234", socket_dir_group="2345")
    plugin.plug(make_vif(socket_root / "instance-1" / "vhu0.sock"), None)
    made = os.stat(socket_root / "instance-1")
    assert (stat.S_IMODE(made.st_mode), made.st_uid, made.st_gid) == (0o775, 1234, 2345)
    existing = os.stat(socket_root)  # the administrator's: left as it was
    assert (stat.S_IMODE(existing.st_mode), existing.st_uid) == (0o700, 0)


def test_a_symlink_cannot_lead_outside_the_socket_dirs(socket_root, tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    socket_root.mkdir()
    (socket_root / "link").symlink_to(outside)
    plugin = make_plugin(socket_root)
    with pytest.raises(InvalidSocketPath, match="leads outside"):
        plugin.plug(make_vif(socket_root / "link" / "made" / "vhu0.sock"), None)
    assert list(outside.iterdir()) == []


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        ("../escape.sock", "'..'"),
        ("a//b.sock", "not normalised"),
        ("a/./b.sock", "not normalised"),
        ("x" * 120 + ".sock", "longer than"),
    ],
)
def test_bad_paths_are_refused_before_any_host_work(socket_root, relative, reason):
    plugin = make_plugin(socket_root)
    with pytest.raises(InvalidSocketPath, match=reason):
        plugin.plug(make_vif(f"{socket_root}/{relative}"), None)
    assert not socket_root.exists()


def test_paths_outside_the_socket_dirs_are_refused(socket_root, tmp_path):
    plugin = make_plugin(socket_root)
    for path in ("relative.sock", str(tmp_path / "other" / "x.sock"), "/etc/passwd"):
        with pytest.raises(InvalidSocketPath) as info:
            plugin.plug(make_vif(path), None)
        assert isinstance(info.value, ValueError)
    assert not (tmp_path / "other").exists()


def test_server_mode_removes_a_stale_socket_on_plug_and_unplug(socket_root):
    plugin = make_plugin(socket_root)
    path = socket_root / "vhu0.sock"
    plugin.plug(make_vif(path), None)
    listen(path).close()  # a QEMU that went away leaves this behind
    assert stat.S_ISSOCK(os.lstat(path).st_mode)
    plugin.plug(make_vif(path), None)
    assert not path.exists()
    listen(path).close()
    plugin.unplug(make_vif(path), None)
    assert not path.exists()
    plugin.unplug(make_vif(path), None)  # absent: still fine


def test_a_socket_in_use_is_left_alone(socket_root):
    plugin = make_plugin(socket_root)
    path = socket_root / "vhu0.sock"
    plugin.plug(make_vif(path), None)
    server = listen(path)
    try:
        plugin.unplug(make_vif(path), None)
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        server.close()


def test_a_regular_file_is_never_removed(socket_root):
    plugin = make_plugin(socket_root)
    path = socket_root / "vhu0.sock"
    plugin.plug(make_vif(path), None)
    path.write_text("not a socket")
    plugin.unplug(make_vif(path), None)
    assert path.read_text() == "not a socket"


def test_client_mode_leaves_the_backend_socket(socket_root):
    plugin = make_plugin(socket_root)
    path = socket_root / "vhu0.sock"
    plugin.plug(make_vif(path, mode="client"), None)
    listen(path).close()  # the backend's, even if not listening right now
    plugin.unplug(make_vif(path, mode="client"), None)
    assert path.exists()


def test_client_mode_waits_for_the_backend(socket_root):
    plugin = make_plugin(socket_root, wait_for_socket=True, socket_wait_timeout=5)
    path = socket_root / "vhu0.sock"
    servers = []

    def backend_starts_late():
        time.sleep(0.3)
        servers.append(listen(path))

    socket_root.mkdir()
    starter = threading.Thread(target=backend_starts_late)
    starter.start()
    began = time.monotonic()
    try:
        plugin.plug(make_vif(path, mode="client"), None)
        assert time.monotonic() - began >= 0.25
        assert stat.S_ISSOCK(os.lstat(path).st_mode)
    finally:
        starter.join()
        for server in servers:
            server.close()


def test_client_mode_timeout_rolls_back_what_it_created(socket_root):
    plugin = make_plugin(socket_root, wait_for_socket=True, socket_wait_timeout=0.2)
    path = socket_root / "new-dir" / "vhu0.sock"
    with pytest.raises(exception.HostOperationError) as info:
        plugin.plug(make_vif(path, mode="client"), None)
    assert info.value.retriable
    assert info.value.device == str(path)
    assert not socket_root.exists()  # both directories this call made are gone


def test_a_file_in_place_of_the_directory(socket_root):
    socket_root.mkdir()
    (socket_root / "blocked").write_text("")
    plugin = make_plugin(socket_root)
    with pytest.raises(exception.HostOperationError, match="not a directory"):
        plugin.plug(make_vif(socket_root / "blocked" / "vhu0.sock"), None)


def test_config_is_checked():
    with pytest.raises(exception.ConfigError, match="not a normalised absolute path"):
        VHostUserPlugin.load("vhostuser", PluginOptions("<t>", "s", {"socket_dirs": ["rel"]}))
    with pytest.raises(exception.ConfigError, match="not octal"):
        VHostUserPlugin.load("vhostuser", PluginOptions("<t>", "s", {"socket_dir_mode": "9"}))

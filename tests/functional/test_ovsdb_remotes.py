"""The OVSDB client over ``tcp:`` and ``ssl:``, against a real ovsdb-server.

A standalone ovsdb-server (no ovs-vswitchd, so every write uses
``wait=False``) listens on 127.0.0.1: plain TCP through a Manager row with a
one-second inactivity probe, so the client must answer the server's echo
requests to keep its connection, and SSL with certificates made here by
``openssl``.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest

from fixtures.ovs import missing_requirements
from vif_plug_ovs._ovsdb import (
    AddBridge,
    AddPort,
    DelBridge,
    Outcome,
    OvsdbClient,
    OvsdbConnectionError,
    SslFiles,
)
from vif_plug_ovs.sandbox import Sandbox

pytestmark = pytest.mark.functional


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _make_certificates(path: Path) -> None:
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    _openssl("req", "-x509", *ec, "-keyout", "ca.key", "-out", "ca.pem",
             "-days", "1", "-subj", "/CN=os-vif test CA", cwd=path)  # fmt: skip
    for name in ("server", "client"):
        _openssl("req", *ec, "-keyout", f"{name}.key", "-out", f"{name}.csr",
                 "-subj", f"/CN={name}", cwd=path)  # fmt: skip
        _openssl("x509", "-req", "-in", f"{name}.csr", "-CA", "ca.pem", "-CAkey", "ca.key",
                 "-CAcreateserial", "-out", f"{name}.pem", "-days", "1", cwd=path)  # fmt: skip


class Server:
    """A sandbox's ovsdb-server, listening on TCP (through a Manager row) and SSL too."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tcp_port = _free_port()
        self.ssl_port = _free_port()
        self.sandbox = Sandbox(
            path,
            vswitchd=False,
            server_args=(
                "--remote=db:Open_vSwitch,Open_vSwitch,manager_options",
                f"--remote=pssl:{self.ssl_port}:127.0.0.1",
                f"--private-key={path}/server.key",
                f"--certificate={path}/server.pem",
                f"--ca-cert={path}/ca.pem",
            ),
        )

    @property
    def tcp(self) -> str:
        return f"tcp:127.0.0.1:{self.tcp_port}"

    @property
    def ssl(self) -> str:
        return f"ssl:127.0.0.1:{self.ssl_port}"

    def ssl_files(self) -> SslFiles:
        p = self.path
        return SslFiles(str(p / "client.key"), str(p / "client.pem"), str(p / "ca.pem"))

    def vsctl(self, *args: str) -> str:
        return subprocess.run(
            ["ovs-vsctl", f"--db={self.sandbox.remote}", "--no-wait", *args],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    def start(self) -> None:
        self.sandbox.start()
        self.vsctl(
            "--",
            "--id=@m",
            "create",
            "Manager",
            f'target="ptcp:{self.tcp_port}:127.0.0.1"',
            "inactivity_probe=1000",
            "--",
            "set",
            "Open_vSwitch",
            ".",
            "manager_options=@m",
        )
        deadline = time.monotonic() + 10
        for port in (self.tcp_port, self.ssl_port):
            _wait_listening(port, deadline)

    def stop(self) -> None:
        left = self.sandbox.stop().left
        assert not left, left


def _wait_listening(port: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
        except OSError:
            time.sleep(0.02)
        else:
            return
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    reason = missing_requirements()
    if reason is None and shutil.which("openssl") is None:
        reason = "missing binary: openssl"
    if reason is not None:
        pytest.skip(reason)
    path = tmp_path_factory.mktemp("ovsdb-remotes")
    _make_certificates(path)
    srv = Server(path)
    try:
        srv.start()
        yield srv
    finally:
        srv.stop()


def _round_trip(client: OvsdbClient, server: Server, bridge: str) -> None:
    results = client.execute(
        AddBridge(bridge, datapath_type="netdev"),
        AddPort(bridge, f"{bridge}p", external_ids={"via": client.remote}),
    )
    assert [r.outcome for r in results] == [Outcome.CREATED, Outcome.CREATED]
    assert client.interface_external_ids(f"{bridge}p") == {"via": client.remote}
    assert server.vsctl("port-to-br", f"{bridge}p") == bridge
    assert server.vsctl("get", "Interface", f"{bridge}p", "external_ids:via") == (
        f'"{client.remote}"'
    )
    client.execute(DelBridge(bridge))
    assert bridge not in server.vsctl("list-br").split()


def test_tcp_remote_answers_echo_probes(server):
    client = OvsdbClient(server.tcp, timeout=10, wait=False)
    _round_trip(client, server, "brtcp")
    connections = client.stats.connections
    # The server probes after 1 s of silence and drops a client that does not
    # answer; stay silent long enough for two probes.
    time.sleep(2.5)
    assert client.bridge_exists("nothing") is False
    assert client.stats.connections == connections


def test_ssl_remote_with_client_certificate(server):
    client = OvsdbClient(server.ssl, timeout=10, wait=False, ssl_files=server.ssl_files())
    _round_trip(client, server, "brssl")


def test_ssl_remote_refuses_an_untrusted_server(server, tmp_path):
    # A client trusting another CA must not talk to this server.
    _make_certificates(tmp_path)
    files = SslFiles(
        str(tmp_path / "client.key"), str(tmp_path / "client.pem"), str(tmp_path / "ca.pem")
    )
    client = OvsdbClient(
        f"ssl:127.0.0.1:{server.ssl_port}", timeout=0.5, wait=False, ssl_files=files
    )
    with pytest.raises(OvsdbConnectionError):
        client.bridge_exists("x")

"""The typed boundary over the Open vSwitch project's ``ovs`` package.

Only this module touches ``ovs``: it opens ``unix:``, ``tcp:`` and ``ssl:``
streams with ``ovs.stream`` and hands back a :class:`Wire`, a non-blocking
byte pipe with plain Python error semantics. JSON-RPC framing is done by the
caller with the standard library's C JSON parser, which is much faster than the
pure-Python parser ``ovs.json`` falls back to when its C extension is absent.

``ovs`` is imported on first use: it pulls in ``ssl`` and ``logging`` and costs
tens of milliseconds, which a process that never plugs an OVS port should not
pay.
"""

from __future__ import annotations

import contextlib
import errno as errno_mod
import importlib
import os
import socket
import threading
from dataclasses import dataclass
from typing import Any

__all__ = ["SslFiles", "Wire", "open_wire", "valid_remote"]

_SCHEMES = ("unix:", "tcp:", "ssl:")

# ovs.stream keeps the SSL file names in class attributes read when a stream
# is opened: hold this lock from setting them until the stream exists.
_SSL_LOCK = threading.Lock()


@dataclass(frozen=True)
class SslFiles:
    """Key, certificate and CA certificate for an ``ssl:`` connection.

    Attributes:
        private_key: path of the client's PEM private key.
        certificate: path of the client's PEM certificate.
        ca_certificate: path of the CA certificate that signed the server's.

    """

    private_key: str
    certificate: str
    ca_certificate: str


def valid_remote(remote: str) -> bool:
    """Tell whether ``remote`` is an active connection string we can open."""
    return remote.startswith(_SCHEMES) and len(remote.split(":", 1)[1]) > 0


def _stream_class() -> Any:
    return importlib.import_module("ovs.stream").Stream


class Wire:
    """A connected, non-blocking byte stream to ovsdb-server.

    Not thread-safe: callers serialise ``send`` and ``recv`` (an SSL stream
    must never be read and written at the same time).
    """

    def __init__(self, stream: Any, remote: str) -> None:
        self._stream = stream
        self.remote = remote
        sock = stream.socket
        self._sock: socket.socket | None = sock if isinstance(sock, socket.socket) else None

    def fileno(self) -> int:
        """Return the socket's file descriptor, for poll()."""
        if self._sock is None:
            return -1
        return self._sock.fileno()

    def send(self, data: bytes) -> int:
        """Send what the socket accepts now; return the number of bytes sent.

        Returns 0 when the socket would block. Raises ``OSError`` on failure.
        """
        sent = self._stream.send(data)
        if not isinstance(sent, int):
            raise OSError(errno_mod.EPROTO, "unexpected result from ovs.stream")
        if sent == -errno_mod.EAGAIN:
            return 0
        if sent < 0:
            raise OSError(-sent, os.strerror(-sent))
        return sent

    def recv(self, size: int) -> bytes | None:
        """Receive up to ``size`` bytes; None when nothing is ready yet.

        Returns ``b""`` at end of stream. Raises ``OSError`` on failure.
        """
        error, data = self._stream.recv(size)
        if error == errno_mod.EAGAIN:
            return None
        if error:
            raise OSError(error, os.strerror(error))
        if isinstance(data, str):
            return data.encode()
        return bytes(data)

    def shutdown(self) -> None:
        """Wake up anyone blocked in poll() on this socket; idempotent."""
        if self._sock is not None:
            # Already disconnected is as good as shut down.
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)

    def close(self) -> None:
        """Close the stream; idempotent."""
        self.shutdown()
        self._stream.close()
        self._sock = None


def open_wire(remote: str, *, timeout: float, ssl_files: SslFiles | None) -> Wire:
    """Connect to ``remote`` within ``timeout`` seconds.

    Raises:
        ValueError: ``remote`` is not a ``unix:``, ``tcp:`` or ``ssl:`` string,
            or ``ssl:`` was asked for without ``ssl_files``.
        OSError: the connection could not be made (errno set).

    """
    if not valid_remote(remote):
        raise ValueError(f"not an OVSDB connection string: {remote!r}")
    if remote.startswith("ssl:") and ssl_files is None:
        raise ValueError("an ssl: connection needs a private key, certificate and CA")
    stream_cls = _stream_class()
    timeout_ms = max(0, int(timeout * 1000))
    with _SSL_LOCK:
        if ssl_files is not None:
            stream_cls.ssl_set_private_key_file(ssl_files.private_key)
            stream_cls.ssl_set_certificate_file(ssl_files.certificate)
            stream_cls.ssl_set_ca_cert_file(ssl_files.ca_certificate)
        opened = stream_cls.open(remote)
    error, stream = stream_cls.open_block(opened, timeout_ms)
    if error:
        raise OSError(error, os.strerror(error))
    return Wire(stream, remote)

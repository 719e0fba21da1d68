"""One blocking rtnetlink socket, shared by threads behind a lock.

We talk to the kernel over a socket of our own rather than through pyroute2's
``IPRoute``: in pyroute2 0.9 that class keeps a socket and an asyncio event
loop per calling thread, so a wrapper shared by plugin threads would open one
socket per thread, and it offers no way to send several requests and read each
one's own answer. Here every exchange takes the lock, writes its requests in
one ``send`` (the kernel handles them in order, each answered by its own
acknowledgement), and reads until every request is answered.

Errors come back as ``OSError`` with the kernel's errno, and its extended-ack
text as the message when there is one; :mod:`os_vif.linux.errors` translates
them.
"""

from __future__ import annotations

import errno
import itertools
import os
import socket
import struct
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

__all__ = ["Reply", "RtnlSocket"]

_SOL_NETLINK: Final = 270
_NETLINK_CAP_ACK: Final = 10
_NETLINK_EXT_ACK: Final = 11

_NLMSG_ERROR: Final = 2
_NLMSG_DONE: Final = 3
_NLM_F_DUMP_INTR: Final = 0x10
_NLM_F_ACK_TLVS: Final = 0x200
_NLM_F_CAPPED: Final = 0x100
_NLMSGERR_ATTR_MSG: Final = 1

_HEADER: Final = struct.Struct("=IHHII")
_ERRNO: Final = struct.Struct("=i")
_ATTR: Final = struct.Struct("=HH")

_BUFFER_SIZE: Final = 256 * 1024
_SOCKET_BUFFER: Final = 1024 * 1024
# Each request in a pipelined send is answered by an ack of at most a few
# dozen bytes (acks are capped); keep a burst well inside the receive buffer.
_MAX_BURST: Final = 256


@dataclass(slots=True)
class Reply:
    """The kernel's answer to one request.

    Attributes:
        error: 0 on success, else the errno.
        message: the extended-ack text, if the kernel sent one.
        payloads: the data messages (header included), in order.
        interrupted: a dump that the kernel flagged as inconsistent because
            the table changed while it was being read.

    """

    error: int = 0
    message: str = ""
    payloads: list[bytes] = field(default_factory=list)
    interrupted: bool = False

    def check(self) -> None:
        """Raise the reply's error as an ``OSError``, if it has one."""
        if self.error:
            raise OSError(self.error, self.message or os.strerror(self.error))


class RtnlSocket:
    """A ``NETLINK_ROUTE`` socket in the network namespace it was opened in."""

    def __init__(self) -> None:
        sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW | socket.SOCK_CLOEXEC, 0)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, _SOCKET_BUFFER)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, _SOCKET_BUFFER)
            sock.setsockopt(_SOL_NETLINK, _NETLINK_EXT_ACK, 1)
            sock.setsockopt(_SOL_NETLINK, _NETLINK_CAP_ACK, 1)
            sock.bind((0, 0))
        except OSError:
            sock.close()
            raise
        self._sock = sock
        self._lock = threading.Lock()
        self._seq = itertools.count(1)
        self._buffer = bytearray(_BUFFER_SIZE)
        self._closed = False
        self._pid = os.getpid()

    def fileno(self) -> int:
        """Return the socket's file descriptor (-1 once closed)."""
        return self._sock.fileno()

    def close(self) -> None:
        """Close the socket; later exchanges fail with ``EBADF``."""
        with self._lock:
            self._closed = True
            self._sock.close()

    def exchange(self, requests: Sequence[bytes]) -> list[Reply]:
        """Send requests in order and return each one's reply, in order.

        Every request must ask for an acknowledgement (``NLM_F_ACK``) or be a
        dump, so that each one has a final message to wait for.
        """
        replies: list[Reply] = []
        with self._lock:
            if self._closed:
                raise OSError(errno.EBADF, "the netlink socket is closed")
            if os.getpid() != self._pid:
                # Parent and child would read each other's replies.
                raise OSError(
                    errno.EBADF, "the netlink socket was inherited across fork(); open a new one"
                )
            for start in range(0, len(requests), _MAX_BURST):
                burst = requests[start : start + _MAX_BURST]
                replies.extend(self._exchange_burst(burst))
        return replies

    def _exchange_burst(self, requests: Sequence[bytes]) -> list[Reply]:
        pending: dict[int, Reply] = {}
        out = bytearray()
        for request in requests:
            seq = next(self._seq) & 0xFFFFFFFF
            message = bytearray(request)
            # Length and sequence are written here, so callers need not.
            struct.pack_into("=I", message, 0, len(message))
            struct.pack_into("=I", message, 8, seq)
            out += message
            pending[seq] = Reply()
        order = list(pending.values())
        self._sock.sendall(out)
        while pending:
            self._receive(pending)
        return order

    def _receive(self, pending: dict[int, Reply]) -> None:
        view = memoryview(self._buffer)
        size = self._sock.recv_into(view, _BUFFER_SIZE, socket.MSG_TRUNC)
        if size > _BUFFER_SIZE:
            raise OSError(errno.EMSGSIZE, "netlink reply larger than the buffer")
        offset = 0
        while offset + _HEADER.size <= size:
            length, msg_type, flags, seq, _ = _HEADER.unpack_from(view, offset)
            if length < _HEADER.size or offset + length > size:
                break
            reply = pending.get(seq)
            if reply is not None:
                if flags & _NLM_F_DUMP_INTR:
                    reply.interrupted = True
                if msg_type == _NLMSG_ERROR:
                    self._read_ack(reply, view[offset : offset + length], flags)
                    del pending[seq]
                elif msg_type == _NLMSG_DONE:
                    if length >= _HEADER.size + _ERRNO.size:
                        (code,) = _ERRNO.unpack_from(view, offset + _HEADER.size)
                        reply.error = -code
                    del pending[seq]
                else:
                    reply.payloads.append(bytes(view[offset : offset + length]))
            offset += (length + 3) & ~3

    @staticmethod
    def _read_ack(reply: Reply, message: memoryview, flags: int) -> None:
        (code,) = _ERRNO.unpack_from(message, _HEADER.size)
        reply.error = -code
        if not flags & _NLM_F_ACK_TLVS:
            return
        # After the error code comes the request's header (all of the request
        # unless the ack is capped), then the extended-ack attributes.
        if flags & _NLM_F_CAPPED:
            offset = _HEADER.size + 4 + _HEADER.size
        else:
            (echoed,) = struct.unpack_from("=I", message, _HEADER.size + 4)
            offset = _HEADER.size + 4 + ((echoed + 3) & ~3)
        while offset + _ATTR.size <= len(message):
            attr_len, attr_type = _ATTR.unpack_from(message, offset)
            if attr_len < _ATTR.size:
                break
            if attr_type & 0x3FFF == _NLMSGERR_ATTR_MSG:
                raw = bytes(message[offset + _ATTR.size : offset + attr_len])
                reply.message = raw.rstrip(b"\0").decode("utf-8", "replace")
            offset += (attr_len + 3) & ~3

"""A ping without ``ping``: ICMP echo over a raw socket, from inside a guest."""

from __future__ import annotations

import socket
import struct
import time
from typing import Final

__all__ = ["echo", "icmp_socket"]

_ICMP_ECHO_REPLY: Final = 0
_ICMP_ECHO_REQUEST: Final = 8
_SOL_RAW: Final = 255
_ICMP_FILTER: Final = 1
_ICMP_HEADER: Final = struct.Struct("!BBHHH")
_PAYLOAD: Final = b"os-vif demo ping".ljust(48, b".")


def icmp_socket() -> socket.socket:
    """A raw ICMP socket in the calling thread's namespace, echo replies only."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_RAW | socket.SOCK_CLOEXEC, socket.IPPROTO_ICMP)
    # A raw socket sees every ICMP message of the namespace; the kernel
    # filter (a bit per type to drop) keeps only echo replies.
    sock.setsockopt(
        _SOL_RAW, _ICMP_FILTER, struct.pack("=I", ~(1 << _ICMP_ECHO_REPLY) & 0xFFFFFFFF)
    )
    return sock


def _checksum(data: bytes) -> int:
    if len(data) % 2:
        data += b"\0"
    total: int = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def echo(sock: socket.socket, target: str, ident: int, seq: int, timeout: float) -> float | None:
    """Send one echo request; return the round-trip time, or None on timeout."""
    header = _ICMP_HEADER.pack(_ICMP_ECHO_REQUEST, 0, 0, ident, seq)
    packet = (
        _ICMP_HEADER.pack(_ICMP_ECHO_REQUEST, 0, _checksum(header + _PAYLOAD), ident, seq)
        + _PAYLOAD
    )
    sent = time.perf_counter()
    deadline = sent + timeout
    try:
        sock.sendto(packet, (target, 0))
    except OSError:
        # No route or no neighbour answer: the same as no reply, for a ping.
        return None
    while (left := deadline - time.perf_counter()) > 0:
        sock.settimeout(left)
        try:
            data, (source, _) = sock.recvfrom(2048)
        except TimeoutError:
            return None
        received = time.perf_counter()
        offset = (data[0] & 0x0F) * 4  # past the IPv4 header
        if len(data) < offset + _ICMP_HEADER.size or source != target:
            continue
        kind, _, _, got_ident, got_seq = _ICMP_HEADER.unpack_from(data, offset)
        if (kind, got_ident, got_seq) == (_ICMP_ECHO_REPLY, ident, seq):
            return received - sent
    return None

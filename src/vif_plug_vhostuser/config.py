"""Options of the vhostuser plugin (section ``[os_vif_vhostuser]``)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from os_vif.plugin import PluginConfig

__all__ = ["VHostUserConfig"]


@dataclass(frozen=True)
class VHostUserConfig(PluginConfig):
    """Where vhost-user sockets may live and how their directories are made.

    Attributes:
        socket_dirs: absolute directories a VIF's socket path must be inside.
        socket_dir_mode: octal permissions for a socket directory we create
            or find, e.g. ``"0775"`` (QEMU and the backend both need it).
        socket_dir_owner: user name or uid to own the directory, if set.
        socket_dir_group: group name or gid of the directory, if set.
        wait_for_socket: in client mode (the backend serves the socket), wait
            in plug until the backend has created it.
        socket_wait_timeout: how long to wait, in seconds.
    """

    socket_dirs: tuple[str, ...] = ("/run/vhostuser",)
    socket_dir_mode: str = "0775"
    socket_dir_owner: str | None = None
    socket_dir_group: str | None = None
    wait_for_socket: bool = False
    socket_wait_timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.socket_dirs:
            raise ValueError("socket_dirs must name at least one directory")
        for directory in self.socket_dirs:
            if not os.path.isabs(directory) or os.path.normpath(directory) != directory:
                raise ValueError(f"socket_dirs: {directory!r} is not a normalised absolute path")
        try:
            mode = int(self.socket_dir_mode, 8)
        except ValueError:
            raise ValueError(f"socket_dir_mode {self.socket_dir_mode!r} is not octal") from None
        if not 0 <= mode <= 0o7777:
            raise ValueError(f"socket_dir_mode {self.socket_dir_mode!r} is out of range")
        if not self.socket_wait_timeout > 0:
            raise ValueError("socket_wait_timeout must be positive")

    @property
    def mode(self) -> int:
        """The directory mode as a number."""
        return int(self.socket_dir_mode, 8)

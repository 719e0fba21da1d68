"""Socket paths and directories: validation, creation, waiting, stale sockets."""

from __future__ import annotations

import contextlib
import errno
import grp
import os
import pwd
import stat
import time
from collections.abc import Sequence
from pathlib import PurePosixPath

from os_vif import exception

__all__ = [
    "InvalidSocketPath",
    "ensure_directory",
    "is_listening",
    "remove_stale_socket",
    "validate_socket_path",
    "wait_for_socket",
]

# sun_path is 108 bytes including the terminating NUL.
_SUN_PATH_MAX = 107


class InvalidSocketPath(exception.ExceptionBase, ValueError):
    """A vhost-user socket path that is unsafe or outside the allowed directories."""

    def __init__(self, *, path: object, reason: str) -> None:
        self.path = path
        self.reason = reason
        super().__init__(f"vhost-user socket path {path!r}: {reason}")


def validate_socket_path(path: str, allowed_dirs: Sequence[str]) -> PurePosixPath:
    """Check *path* is absolute, normalised and inside one of *allowed_dirs*.

    Raises:
        InvalidSocketPath: naming the rule the path breaks.
    """
    if not isinstance(path, str) or not path:
        raise InvalidSocketPath(path=path, reason="must be a non-empty string")
    if "\0" in path:
        raise InvalidSocketPath(path=path, reason="contains a NUL byte")
    if not os.path.isabs(path):
        raise InvalidSocketPath(path=path, reason="must be absolute")
    if ".." in PurePosixPath(path).parts:
        raise InvalidSocketPath(path=path, reason="must not contain '..'")
    if os.path.normpath(path) != path:
        raise InvalidSocketPath(path=path, reason=f"is not normalised ({os.path.normpath(path)})")
    if len(os.fsencode(path)) > _SUN_PATH_MAX:
        raise InvalidSocketPath(path=path, reason=f"is longer than {_SUN_PATH_MAX} bytes")
    pure = PurePosixPath(path)
    if not any(pure.parent.is_relative_to(directory) for directory in allowed_dirs):
        raise InvalidSocketPath(
            path=path, reason=f"is not inside the socket directories {', '.join(allowed_dirs)}"
        )
    return pure


def _uid(owner: str | None) -> int:
    if owner is None:
        return -1
    return int(owner) if owner.isdigit() else pwd.getpwnam(owner).pw_uid


def _gid(group: str | None) -> int:
    if group is None:
        return -1
    return int(group) if group.isdigit() else grp.getgrnam(group).gr_gid


def ensure_directory(
    directory: PurePosixPath,
    *,
    mode: int,
    owner: str | None,
    group: str | None,
    allowed_dirs: Sequence[str],
) -> list[str]:
    """Create *directory* (and missing parents) with the mode and owner.

    Only directories this call creates get the mode and owner: an existing
    directory is the administrator's (it may be a shared run directory).
    The path is checked again against *allowed_dirs* after following
    symbolic links, so a link inside a socket directory cannot lead outside.

    Returns:
        The directories this call created, deepest last (for rollback).

    Raises:
        InvalidSocketPath: a symbolic link leads outside the socket directories.
        HostOperationError: a directory could not be made, or a non-directory
            is in the way.
    """
    _check_real_location(directory, allowed_dirs)
    created: list[str] = []
    missing = [d for d in [directory, *directory.parents] if not os.path.lexists(d)]
    try:
        uid, gid = _uid(owner), _gid(group)
        for path in reversed(missing):
            os.mkdir(path, mode)
            created.append(str(path))
            # mkdir's mode passes through the umask; set it exactly.
            os.chmod(path, mode)
            if uid != -1 or gid != -1:
                os.chown(path, uid, gid)
        info = os.stat(directory)
    except (OSError, KeyError) as exc:
        remove_directories(created)
        raise exception.HostOperationError(
            step="prepare socket directory",
            device=str(directory),
            errno=getattr(exc, "errno", None),
            detail=str(exc),
        ) from exc
    if not stat.S_ISDIR(info.st_mode):
        raise exception.HostOperationError(
            step="prepare socket directory", device=str(directory), detail="not a directory"
        )
    return created


def _check_real_location(directory: PurePosixPath, allowed_dirs: Sequence[str]) -> None:
    # realpath resolves the part of the path that exists and keeps the rest.
    real = PurePosixPath(os.path.realpath(directory))
    if not any(real.is_relative_to(os.path.realpath(allowed)) for allowed in allowed_dirs):
        raise InvalidSocketPath(
            path=str(directory), reason=f"leads outside the socket directories (to {real})"
        )


def remove_directories(created: Sequence[str]) -> None:
    """Remove directories made by :func:`ensure_directory`, deepest first."""
    for path in reversed(created):
        with contextlib.suppress(OSError):
            os.rmdir(path)


def is_socket(path: str) -> bool:
    """Whether *path* exists and is a UNIX socket."""
    try:
        return stat.S_ISSOCK(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def is_listening(path: str) -> bool:
    """Whether a process accepts connections on the UNIX socket at *path*."""
    import socket  # noqa: PLC0415 (only when probing; kept off initialize()'s path)

    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        try:
            probe.connect(path)
        except OSError as exc:
            if exc.errno in (errno.ECONNREFUSED, errno.ENOENT, errno.ENOTSOCK):
                return False
            raise
        return True


def wait_for_socket(path: str, timeout: float, interval: float = 0.05) -> None:
    """Wait until a UNIX socket exists at *path*.

    Raises:
        HostOperationError: (retriable) none appeared within *timeout* seconds.
    """
    deadline = time.monotonic() + timeout
    while not is_socket(path):
        if time.monotonic() >= deadline:
            raise exception.HostOperationError(
                step="wait for the backend's vhost-user socket",
                device=path,
                detail=f"no socket after {timeout:g} s",
                retriable=True,
            )
        time.sleep(interval)


def remove_stale_socket(path: str) -> bool:
    """Remove the socket at *path* if nothing listens on it.

    Returns:
        Whether a stale socket was removed. A listening socket, a path that
        is not a socket, and an absent path are left alone.
    """
    if not is_socket(path) or is_listening(path):
        return False
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    return True

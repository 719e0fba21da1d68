"""Named network namespaces, kept the way iproute2 keeps them, without ``ip``.

A named namespace is the namespace file of a thread (``/proc/thread-self/ns/
net``) bind-mounted on ``/run/netns/NAME``: the mount keeps the namespace alive
with no process in it, and ``ip netns list`` and ``ip netns exec NAME`` find it
there. :func:`create_netns` and :func:`delete_netns` make and remove such
mounts with ``unshare(2)``, ``mount(2)`` and ``umount2(2)`` through ctypes
(``os.unshare`` and ``os.setns`` arrive only in Python 3.12).

A network namespace belongs to a thread, not to a process. :func:`entered`
moves the calling thread and always moves it back; :func:`run_in` calls a
function on a fresh thread inside a namespace, so the caller never moves.
A socket stays in the namespace it was opened in, whichever thread uses it
later: open a :class:`~os_vif.linux.netlink.Netlink` (or a raw socket) with
:func:`run_in` and use it from anywhere. Devices are moved between
namespaces, and given addresses, through that handle
(:meth:`~os_vif.linux.netlink.Netlink.move_link`,
:meth:`~os_vif.linux.netlink.Netlink.add_address`): this module opens no
netlink socket of its own.

Kernel errors become :class:`~os_vif.exception.HostOperationError` (see
:mod:`os_vif.linux.errors`); a bad namespace name is a ``ValueError``.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import functools
import os
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Final, TypeVar

from os_vif.exception import HostOperationError
from os_vif.linux.errors import host_errors

__all__ = [
    "NETNS_RUN_DIR",
    "create_netns",
    "delete_netns",
    "entered",
    "list_netns",
    "netns_path",
    "run_in",
]

#: Where iproute2 (and so ``ip netns``) keeps named namespaces.
NETNS_RUN_DIR: Final = Path("/run/netns")

# From <sched.h> and <sys/mount.h>.
_CLONE_NEWNET: Final = 0x40000000
_MS_BIND: Final = 0x1000
_MS_REC: Final = 0x4000
_MS_SHARED: Final = 1 << 20
_MNT_DETACH: Final = 2
_NAME_MAX: Final = 255
_THREAD_NETNS: Final = "/proc/thread-self/ns/net"
# How long an interrupted caller waits for the thread of run_in to finish,
# so that the thread does not create things after the caller cleaned up.
_INTERRUPTED_JOIN: Final = 5.0

_T = TypeVar("_T")


@functools.cache
def _libc() -> ctypes.CDLL:
    libc = ctypes.CDLL(None, use_errno=True)
    libc.unshare.argtypes = [ctypes.c_int]
    libc.setns.argtypes = [ctypes.c_int, ctypes.c_int]
    libc.mount.argtypes = [
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_char_p,
        ctypes.c_ulong,
        ctypes.c_void_p,
    ]
    libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
    return libc


def _check(result: int, call: str) -> None:
    if result != 0:
        code = ctypes.get_errno()
        raise OSError(code, f"{call}: {os.strerror(code)}")


def _mount(source: str | None, target: Path, flags: int) -> None:
    _check(
        _libc().mount(
            source.encode() if source is not None else b"none",
            os.fsencode(target),
            b"none",
            flags,
            None,
        ),
        f"mount {target}",
    )


def _setns(fd: int) -> None:
    _check(_libc().setns(fd, _CLONE_NEWNET), "setns")


def netns_path(name: str, *, run_dir: Path = NETNS_RUN_DIR) -> Path:
    """Return the file of the named namespace ``name`` (it may not exist).

    Raises:
        ValueError: ``name`` is empty, ``.`` or ``..``, contains ``/`` or a
            NUL, or is longer than a file name may be.
    """
    if (
        not name
        or name in (".", "..")
        or "/" in name
        or "\0" in name
        or len(os.fsencode(name)) > _NAME_MAX
    ):
        raise ValueError(f"invalid network namespace name {name!r}")
    return run_dir / name


def list_netns(prefix: str = "", *, run_dir: Path = NETNS_RUN_DIR) -> list[str]:
    """Return the names of the named namespaces starting with ``prefix``, sorted."""
    try:
        entries = os.listdir(run_dir)
    except FileNotFoundError:
        return []
    return sorted(name for name in entries if name.startswith(prefix))


def _prepare_run_dir(run_dir: Path) -> None:
    # Like iproute2: the directory is a shared mount point, so namespaces
    # mounted later also appear in mount namespaces copied from this one
    # (``ip netns exec`` makes one).
    run_dir.mkdir(mode=0o755, parents=True, exist_ok=True)
    try:
        _mount(None, run_dir, _MS_SHARED | _MS_REC)
    except OSError as exc:
        if exc.errno != errno.EINVAL:  # EINVAL: not a mount point yet
            raise
        _mount(str(run_dir), run_dir, _MS_BIND | _MS_REC)
        _mount(None, run_dir, _MS_SHARED | _MS_REC)


def create_netns(name: str, *, run_dir: Path = NETNS_RUN_DIR) -> Path:
    """Create a new, empty network namespace named ``name``.

    The namespace has only a loopback device, down, and lives until
    :func:`delete_netns`, like one made by ``ip netns add``.

    Args:
        name: the namespace name.
        run_dir: where named namespaces are kept.

    Returns:
        The namespace's file.

    Raises:
        ValueError: the name is not valid.
        HostOperationError: a namespace of that name exists, or the kernel
            refused (creating namespaces needs CAP_SYS_ADMIN).
    """
    path = netns_path(name, run_dir=run_dir)
    step = "create network namespace"
    with host_errors(step, name):
        _prepare_run_dir(run_dir)
    try:
        os.close(os.open(path, os.O_RDONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0))
    except FileExistsError:
        raise HostOperationError(
            step=step, device=name, errno=errno.EEXIST, detail="the namespace exists"
        ) from None
    except OSError as exc:
        raise HostOperationError(
            step=step, device=name, errno=exc.errno, detail=exc.strerror or ""
        ) from exc

    def unshare_and_mount() -> None:
        # This thread alone moves to the new namespace, and ends there.
        _check(_libc().unshare(_CLONE_NEWNET), "unshare")
        _mount(_THREAD_NETNS, path, _MS_BIND)

    try:
        with host_errors(step, name):
            _on_new_thread(unshare_and_mount, f"netns-create-{name}")
    except BaseException:
        # The mount may have been made (an interrupt while waiting for the
        # thread): undo it too; the error to report is the one above.
        with contextlib.suppress(HostOperationError):
            delete_netns(name, run_dir=run_dir)
        raise
    return path


def delete_netns(name: str, *, run_dir: Path = NETNS_RUN_DIR) -> bool:
    """Remove the named namespace ``name``; one already gone counts as removed.

    The namespace itself, and every device in it, goes away once nothing
    else holds it: no thread or process inside, no socket opened there.

    Returns:
        True if this call removed it, False if there was nothing to remove.

    Raises:
        ValueError: the name is not valid.
        HostOperationError: the kernel refused.
    """
    path = netns_path(name, run_dir=run_dir)
    step = "delete network namespace"
    # MNT_DETACH, as iproute2 does: a mount still in use is detached now
    # and freed when released, rather than refused with EBUSY.
    result: int = _libc().umount2(os.fsencode(path), _MNT_DETACH)
    unmounted = result == 0
    if not unmounted:
        code = ctypes.get_errno()
        # EINVAL: not a mount point (a stale file); ENOENT: no file at all.
        if code not in (errno.EINVAL, errno.ENOENT):
            raise HostOperationError(step=step, device=name, errno=code, detail=os.strerror(code))
    try:
        path.unlink()
    except FileNotFoundError:
        return unmounted
    except OSError as exc:
        raise HostOperationError(
            step=step, device=name, errno=exc.errno, detail=exc.strerror or ""
        ) from exc
    return True


@contextlib.contextmanager
def entered(name: str, *, run_dir: Path = NETNS_RUN_DIR) -> Iterator[None]:
    """Move the calling thread into the named namespace; always move it back.

    Prefer :func:`run_in`, which never moves the caller's thread.

    Raises:
        ValueError: the name is not valid.
        HostOperationError: the namespace does not exist (ENOENT), or the
            kernel refused to enter it.
    """
    path = netns_path(name, run_dir=run_dir)
    step = "enter network namespace"
    with host_errors(step, name, not_found=()):
        own = os.open(_THREAD_NETNS, os.O_RDONLY | os.O_CLOEXEC)
    try:
        with host_errors(step, name, not_found=()):
            target = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            try:
                _setns(target)
            finally:
                os.close(target)
        try:
            yield
        finally:
            with host_errors("return to the original network namespace", name):
                _setns(own)
    finally:
        os.close(own)


def run_in(name: str, func: Callable[[], _T], *, run_dir: Path = NETNS_RUN_DIR) -> _T:
    """Call ``func`` on a new thread inside the named namespace; return its result.

    What ``func`` raises is raised here. The caller's thread stays where it
    is; sockets ``func`` opens stay in ``name`` after it returns.

    Raises:
        ValueError: the name is not valid.
        HostOperationError: the namespace cannot be entered.
    """
    netns_path(name, run_dir=run_dir)

    def inside() -> _T:
        with entered(name, run_dir=run_dir):
            return func()

    return _on_new_thread(inside, f"netns-{name}")


def _on_new_thread(func: Callable[[], _T], thread_name: str) -> _T:
    result: list[_T] = []
    error: list[BaseException] = []

    def target() -> None:
        try:
            result.append(func())
        except BaseException as exc:  # handed to the caller's thread
            error.append(exc)

    thread = threading.Thread(target=target, name=thread_name, daemon=True)
    thread.start()
    try:
        thread.join()
    except BaseException:
        thread.join(_INTERRUPTED_JOIN)
        raise
    if error:
        raise error[0]
    return result[0]

"""The one translation of kernel errors into os-vif exceptions."""

from __future__ import annotations

import errno

import pytest

from os_vif.exception import HostOperationError, NetworkInterfaceNotFound
from os_vif.linux.errors import DeviceConflictError, host_errors, translate


def test_enodev_means_the_device_is_missing() -> None:
    exc = translate(OSError(errno.ENODEV, "No such device"), step="x", device="br0")
    assert isinstance(exc, NetworkInterfaceNotFound)
    assert exc.interface == "br0"


def test_other_errors_keep_step_device_and_errno() -> None:
    exc = translate(
        OSError(errno.ERANGE, "Numerical result out of range"),
        step="set MTU",
        device="br0",
    )
    assert isinstance(exc, HostOperationError)
    assert (exc.step, exc.device, exc.errno) == ("set MTU", "br0", errno.ERANGE)
    assert "out of range" in str(exc)
    assert not exc.retriable


@pytest.mark.parametrize("code", [errno.EBUSY, errno.EAGAIN, errno.EINTR])
def test_busy_and_again_are_retriable(code: int) -> None:
    exc = translate(OSError(code, "busy"), step="create bridge", device="br0")
    assert isinstance(exc, HostOperationError)
    assert exc.retriable


def test_missing_kind_names_the_kernel_module() -> None:
    exc = translate(
        OSError(errno.EOPNOTSUPP, "Unknown device type"),
        step="create VLAN device",
        device="vlan5",
        kind="vlan",
    )
    assert isinstance(exc, HostOperationError)
    assert exc.device == "vlan5"
    assert exc.errno == errno.EOPNOTSUPP
    assert "8021q" in str(exc)


def test_permission_errors_say_what_is_needed() -> None:
    exc = translate(OSError(errno.EPERM, "Operation not permitted"), step="x")
    assert "CAP_NET_ADMIN" in str(exc)


def test_host_errors_chains_the_cause() -> None:
    original = OSError(errno.EINVAL, "Invalid argument")
    with pytest.raises(HostOperationError) as info, host_errors("step", "dev0"):
        raise original
    assert info.value.__cause__ is original


def test_host_errors_can_map_more_errnos_to_not_found() -> None:
    with (
        pytest.raises(NetworkInterfaceNotFound),
        host_errors("read", "dev0", not_found=(errno.ENOENT,)),
    ):
        raise FileNotFoundError(errno.ENOENT, "gone")


def test_device_conflict_is_a_host_operation_error() -> None:
    exc = DeviceConflictError(
        step="ensure bridge", device="br0", expected="a bridge", found="a veth"
    )
    assert isinstance(exc, HostOperationError)
    assert exc.errno == errno.EEXIST
    assert (exc.expected, exc.found) == ("a bridge", "a veth")
    assert "exists as a veth, expected a bridge" in str(exc)

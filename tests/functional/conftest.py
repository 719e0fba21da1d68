"""Fixtures for functional tests: each test gets a real network namespace.

``netns`` creates a namespace, moves the test's thread into it and always
deletes it afterwards; ``nl`` is a :class:`~os_vif.linux.netlink.Netlink`
opened inside it; ``make_guest`` builds guest namespaces joined to it by veth.
Tests skip, with the reason, when the process lacks root or CAP_NET_ADMIN.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import pytest

from fixtures.netns import (
    Guest,
    Netns,
    created_netns,
    current_netns_inode,
    entered,
    guest,
    missing_privileges,
)
from fixtures.ovs import ovs_daemons  # noqa: F401 (registers the session fixture)
from fixtures.plugins import fresh_library, install_plugin  # noqa: F401 (registers them)
from os_vif.linux.netlink import Netlink


@pytest.fixture
def netns() -> Iterator[Netns]:
    """Run the test inside a fresh network namespace, deleted afterwards."""
    reason = missing_privileges()
    if reason is not None:
        pytest.skip(reason)
    before = current_netns_inode()
    with created_netns() as ns, entered(ns):
        yield ns
    assert current_netns_inode() == before, "the test left its thread elsewhere"


@pytest.fixture
def nl(netns: Netns) -> Iterator[Netlink]:
    """Return a Netlink wrapper opened inside the test's namespace."""
    with Netlink() as wrapper:
        yield wrapper


@pytest.fixture
def make_guest(netns: Netns) -> Iterator[Callable[..., Guest]]:
    """Return a factory of guests linked to the test namespace by veth.

    ``make_guest(host_ifname, address="10.0.0.2/24", mtu=None)``; every guest
    namespace is deleted at the end of the test.
    """
    with contextlib.ExitStack() as stack:

        def factory(
            host_ifname: str, *, address: str | None = None, mtu: int | None = None
        ) -> Guest:
            return stack.enter_context(guest(netns, host_ifname, address=address, mtu=mtu))

        yield factory

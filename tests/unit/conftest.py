"""Fixtures for unit tests."""

from fixtures.plugins import fresh_library, install_plugin

__all__ = ["fresh_library", "install_plugin"]

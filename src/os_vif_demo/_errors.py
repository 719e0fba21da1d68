"""The demo's errors: one line each on the command line, as every os-vif error."""

from __future__ import annotations

from os_vif.exception import ExceptionBase

__all__ = ["DemoError", "UsageError"]


class DemoError(ExceptionBase):
    """The demo could not run, or what it shows did not happen."""


class UsageError(DemoError):
    """The demo's options do not go together."""

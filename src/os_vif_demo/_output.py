"""What the demo prints: numbered sections, indented lines, device tables."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import TextIO

from os_vif.linux.linkinfo import LinkInfo

__all__ = ["Output", "link_table", "write"]


def write(out: TextIO, text: str) -> None:
    """Print one line, at once (the reader follows a run as it goes)."""
    out.write(text + "\n")
    out.flush()


class Output:
    """The running account of one demo run."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.steps = 0
        self.reader_gone = False

    def say(self, text: str = "") -> None:
        """Print a line; a reader gone (``| head``) stops the printing, and the run."""
        if self.reader_gone:
            return
        try:
            write(self.out, text)
        except BrokenPipeError:
            # Stop printing, but let the error stop the run: clean-up still
            # removes everything.
            self.reader_gone = True
            raise

    def say_if_heard(self, text: str) -> None:
        """Print a line if anyone still reads (for clean-up, which must go on)."""
        with contextlib.suppress(BrokenPipeError):
            self.say(text)

    def section(self, title: str) -> None:
        """Start the next numbered section."""
        self.steps += 1
        self.say(f"\n{self.steps}. {title}")


def link_table(links: Sequence[LinkInfo]) -> list[str]:
    """The lines of a table of devices, as netlink reported them."""
    rows = [("NAME", "KIND", "MASTER", "MTU", "ADMIN", "OPER")]
    rows += [
        (
            link.name,
            link.kind or "-",
            link.master_name or "-",
            str(link.mtu),
            "up" if link.up else "down",
            link.operstate or "-",
        )
        for link in links
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in rows
    ]

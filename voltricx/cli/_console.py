"""Console output for the command line: plain lines, colour only on a terminal."""

from __future__ import annotations

import sys
from typing import TextIO

__all__ = ["Console"]

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}


def _can_encode(stream: TextIO, text: str) -> bool:
    encoding = getattr(stream, "encoding", None)
    if not encoding:
        return True
    try:
        text.encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return False
    return True


class Console:
    """Writes lines to ``stream``; ANSI colour only when the stream is a terminal.

    ``colour`` forces colour on or off; ``None`` decides by ``stream.isatty()``.
    """

    def __init__(self, stream: TextIO | None = None, *, colour: bool | None = None) -> None:
        self.stream: TextIO = stream if stream is not None else sys.stdout
        if colour is None:
            isatty = getattr(self.stream, "isatty", None)
            colour = bool(isatty()) if callable(isatty) else False
        self.colour = colour
        #: True when the stream can show symbols such as ✓ and →.
        self.unicode: bool = _can_encode(self.stream, "\u2713\u2717\u2192\u2500")

    def paint(self, text: str, *styles: str) -> str:
        """``text`` wrapped in the ANSI codes of ``styles`` (unchanged without colour)."""
        if not self.colour or not styles:
            return text
        codes = ";".join(_CODES[s] for s in styles)
        return f"\033[{codes}m{text}\033[0m"

    def symbol(self, fancy: str, plain: str) -> str:
        """``fancy`` when the stream can encode it, else ``plain``."""
        return fancy if self.unicode else plain

    def line(self, text: str = "") -> None:
        """Write one line and flush."""
        self.stream.write(text + "\n")
        self.stream.flush()

    def section(self, title: str) -> None:
        """A blank line and a section heading."""
        rule = self.symbol("──", "--")
        self.line()
        self.line(self.paint(f"{rule} {title} {rule}", "bold", "cyan"))

    def rewrite(self, lines: list[str], previous: int) -> int:
        """On a terminal, overwrite the ``previous`` lines written by the last call.

        Returns how many lines this call wrote (pass it back next time).
        Without a terminal the lines are simply appended.
        """
        if self.colour and previous:
            # Back to the start of the old block, and clear it (it may have been longer).
            self.stream.write(f"\033[{previous}F\033[J")
        for text in lines:
            if self.colour:
                self.stream.write("\033[2K")
            self.stream.write(text + "\n")
        self.stream.flush()
        return len(lines)


def track_length(length: int, *, is_stream: bool = False) -> str:
    """A track's length for people: ``3:05``, ``live stream``, or ``unknown length`` for -1.

    NodeLink reports ``length: -1`` for http and local tracks it did not probe;
    Lavalink reports streams with ``isStream`` and a huge length.
    """
    if is_stream:
        return "live stream"
    if length < 0:
        return "unknown length"
    seconds = length // 1000
    if seconds >= 3600:
        return f"{seconds // 3600}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
    return f"{seconds // 60}:{seconds % 60:02d}"

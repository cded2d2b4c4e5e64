"""The connection report ``Pool.connect`` prints once, and logs.

```text
[Lavalink] Node connection report (2/3 connected)
[CONNECTED] US http://us.node:2333 region=us
[FAILED] Asia http://asia.node:2333 region=asia (connection refused)
```
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from voltricx.enums import NodeStatus

if TYPE_CHECKING:
    from voltricx.node import Node

__all__ = ["report_lines", "show_report"]

_log = logging.getLogger("voltricx")

_GREEN = "\033[32m"
_RED = "\033[31m"
_BOLD = "\033[1m"
_RESET = "\033[0m"


def _line(node: Node) -> tuple[bool, str]:
    region = node.region if node.region is not None else "none"
    base = f"{node.identifier} {node.uri} region={region}"
    if node.status is NodeStatus.CONNECTED:
        return True, f"[CONNECTED] {base}"
    reason = node.last_error or "not connected yet"
    return False, f"[FAILED] {base} ({reason})"


def report_lines(nodes: Sequence[Node]) -> list[str]:
    """The report as plain lines: a header, then one line per node in config order."""
    rows = [_line(node) for node in nodes]
    connected = sum(1 for ok, _ in rows if ok)
    header = f"[Lavalink] Node connection report ({connected}/{len(rows)} connected)"
    return [header, *(text for _, text in rows)]


def show_report(nodes: Sequence[Node], *, stream: TextIO | None = None, console: bool = True) -> list[str]:
    """Log the report and, when ``console``, print it (coloured only on a TTY)."""
    lines = report_lines(nodes)
    for text in lines:
        _log.info("%s", text)
    if console:
        out = stream if stream is not None else sys.stdout
        isatty = getattr(out, "isatty", None)
        colour = bool(isatty()) if callable(isatty) else False
        for index, text in enumerate(lines):
            if colour:
                if index == 0:
                    text = f"{_BOLD}{text}{_RESET}"
                elif text.startswith("[CONNECTED]"):
                    text = text.replace("[CONNECTED]", f"{_GREEN}[CONNECTED]{_RESET}", 1)
                else:
                    text = text.replace("[FAILED]", f"{_RED}[FAILED]{_RESET}", 1)
            print(text, file=out)
        out.flush()
    return lines

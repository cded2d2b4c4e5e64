"""``python -m voltricx``: the command line (``demo``, ``check URI``, ``--version``)."""

from __future__ import annotations

from voltricx.cli import main

__all__: list[str] = []

if __name__ == "__main__":
    raise SystemExit(main())

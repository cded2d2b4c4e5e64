"""mkdocs hooks: the diagrams are drawn at build time, never committed.

Every SVG from ``tools/diagrams.py`` is added to the site as ``img/<name>``,
so pages link to ``img/architecture.svg`` (relative to ``docs/``) as to any
other file, and a change to the code they describe changes the picture.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from typing import Any

from mkdocs.structure.files import File, Files

_HERE = Path(__file__).resolve().parent


def _diagrams() -> Any:
    spec = importlib.util.spec_from_file_location("voltricx_docs_diagrams", _HERE / "diagrams.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def on_files(files: Files, config: Any) -> Files:
    for name, content in _diagrams().render_all().items():
        files.append(File.generated(config, f"img/{name}", content=content))
    return files

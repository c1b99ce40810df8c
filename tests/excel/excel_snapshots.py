"""Snapshots of the two runtime contracts: what xlwings registers for kpi_xl.excel.udfs.

Regenerate them after the catalog changes (one command, from the repository root)::

    python tests/excel/excel_snapshots.py

It runs each runtime in its own process (see ``excel_probe.py``) and rewrites

* ``snapshots/officejs_meta.json`` -- ``xlwings.server.custom_functions_meta(module)``,
* ``snapshots/com_xlfunc.json`` -- every function's ``__xlfunc__`` under the COM runtime,
* ``snapshots/com_xlwings_udfs.bas`` -- the VBA module *Import Functions* writes.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from excel_cases import SNAPSHOTS, run_probe

MODULE = "kpi_xl.excel.udfs"
FILES = ("officejs_meta.json", "com_xlfunc.json", "com_xlwings_udfs.bas")


def documents(officejs: dict[str, Any] | None = None,
              com: dict[str, Any] | None = None) -> dict[str, str]:
    """The snapshot files' contents for the probe reports given."""
    docs = {}
    if officejs is not None:
        docs["officejs_meta.json"] = _json({"xlwings": officejs["xlwings"], "module": MODULE,
                                            "meta": officejs["meta"]})
    if com is not None:
        docs["com_xlfunc.json"] = _json({"xlwings": com["xlwings"], "module": MODULE,
                                         "functions": com["xlfunc"]})
        docs["com_xlwings_udfs.bas"] = com["vba"]
    return docs


def _json(doc: Any) -> str:
    return json.dumps(doc, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def stored(name: str) -> str | None:
    path = SNAPSHOTS / name
    return path.read_text(encoding="utf-8") if path.is_file() else None


def main() -> int:
    docs = documents(run_probe("officejs", []), run_probe("com", []))
    SNAPSHOTS.mkdir(exist_ok=True)
    for name, text in docs.items():
        (SNAPSHOTS / name).write_text(text, encoding="utf-8", newline="\n")
        print(f"wrote {SNAPSHOTS / name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""TODO(operations): filled in by the catalog work."""

from __future__ import annotations

__all__: list[str] = []

"""Test helpers: comparison with the spec's tolerance (rel 1e-9)."""

from __future__ import annotations

import math
from typing import Any

REL = 1e-9


def assert_close(actual: Any, expected: Any, *, rel: float = REL, abs_tol: float = 1e-12) -> None:
    if isinstance(expected, (tuple, list)):
        assert isinstance(actual, (tuple, list)), f"expected a sequence, got {actual!r}"
        assert len(actual) == len(expected), f"{actual!r} != {expected!r}"
        for a, e in zip(actual, expected, strict=False):
            assert_close(a, e, rel=rel, abs_tol=abs_tol)
        return
    if isinstance(expected, bool) or expected is None or isinstance(expected, str):
        assert actual == expected, f"{actual!r} != {expected!r}"
        return
    assert isinstance(actual, (int, float)) and not isinstance(actual, bool), (
        f"expected a number, got {actual!r}")
    assert math.isfinite(actual), f"non-finite result {actual!r}"
    assert math.isclose(actual, expected, rel_tol=rel, abs_tol=abs_tol), f"{actual!r} != {expected!r}"

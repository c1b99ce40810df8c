"""Parity: every worked example in the catalog gives the same answer through the core and
through the Excel functions fed Excel-shaped inputs, in both runtimes.

Office.js: ranges as 2-D matrices (as a column with "" blanks under runtime 1.4, as a row with
null blanks under runtime 1.2), dates as serial numbers, whole numbers as JSON integers.
COM: every argument a range (``cells``) or typed into the formula (``literal``; lists as
array constants), numbers as doubles, missing Optionals as VBA passes them.
"""

from __future__ import annotations

import pytest
from excel_cases import (
    COM_VARIANTS,
    OFFICEJS_VARIANTS,
    as_grid,
    example_cases,
    expected_grid,
    same,
)

CASES = example_cases()


@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_worked_example_through_excel(case, officejs, com):
    case_id, d, ex = case
    seen = []
    for runtime, report, variants in (
        ("officejs", officejs, {k: v[0] for k, v in OFFICEJS_VARIANTS.items()}),
        ("com", com, COM_VARIANTS),
    ):
        for variant, shape in variants.items():
            got = report["results"][f"{case_id}|{variant}"]
            assert "result" in got, (runtime, variant, got)
            expected = expected_grid(d, ex, shape)
            actual = as_grid(got["result"])
            assert same(expected, actual), (
                f"{runtime}/{variant}: {ex.call_text(d.excel_name)} gave {actual}, "
                f"the core {expected}")
            seen.append(actual)
    assert len(seen) == len(OFFICEJS_VARIANTS) + len(COM_VARIANTS)


"""Fixtures of the Excel face: each xlwings runtime runs once per session, in its own process."""

from __future__ import annotations

from typing import Any

import pytest
from excel_cases import com_contract_calls, officejs_contract_calls, parity_calls, run_probe


@pytest.fixture(scope="session")
def officejs() -> dict[str, Any]:
    """The Office.js runtime's report (xlwings Server / xlwings Lite decorators)."""
    calls = parity_calls("officejs") + list(officejs_contract_calls().values())
    return run_probe("officejs", calls)


@pytest.fixture(scope="session")
def com() -> dict[str, Any]:
    """The COM runtime's report (desktop Excel on Windows, pywin32 replaced by stand-ins)."""
    calls = parity_calls("com") + list(com_contract_calls().values())
    return run_probe("com", calls)

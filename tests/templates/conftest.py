import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))

from kpi_xl.templates.libreoffice import available


@pytest.fixture
def need_libreoffice() -> None:
    """LibreOffice tests run, never skip, in CI (CI=true): a missing soffice fails there."""
    if available():
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail("LibreOffice (soffice) is required when CI=true")
    pytest.skip("LibreOffice (soffice) is not installed")

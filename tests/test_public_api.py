"""The public API is pinned: __all__ is the catalog plus a short, fixed list."""

import subprocess
import sys

import kpi_xl
from kpi_xl import catalog

FIXED = {"catalog", "kpi_table", "recalc", "__version__", "DivisionByZeroError", "DomainError",
         "EmptyInputError", "KpiError", "KpiTypeError", "KpiValueError", "MissingValueError",
         "NegativeValueError", "NoResultError", "OutOfRangeError", "SubsetError"}


def test_all_is_catalog_plus_fixed_names():
    expected = set(catalog.ids()) | {a for d in catalog.all_entries() for a in d.aliases} | FIXED
    assert set(kpi_xl.__all__) == expected
    for name in kpi_xl.__all__:
        assert getattr(kpi_xl, name) is not None


def test_aliases_are_the_same_function():
    assert kpi_xl.growth is kpi_xl.revenue_growth
    assert kpi_xl.period_growth is kpi_xl.revenue_growth


def test_error_tree():
    assert issubclass(kpi_xl.KpiTypeError, TypeError)
    for cls in (kpi_xl.SubsetError, kpi_xl.DomainError, kpi_xl.OutOfRangeError,
                kpi_xl.NegativeValueError, kpi_xl.DivisionByZeroError):
        assert issubclass(cls, ValueError) and issubclass(cls, kpi_xl.KpiError)


def test_core_import_is_light():
    code = ("import sys, kpi_xl; kpi_xl.nps([9, 10]);"
            "bad = [m for m in ('pandas', 'openpyxl', 'xlwings', 'typer', 'rich') if m in sys.modules];"
            "print(','.join(bad))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""

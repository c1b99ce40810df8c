"""The Excel edge's rules (kpi_xl.excel.adapter), in process and without xlwings runtimes."""

from __future__ import annotations

import dataclasses
import inspect
import logging
import math

import numpy as np
import pytest

from kpi_xl import catalog
from kpi_xl.core.errors import ERROR_CLASSES
from kpi_xl.excel import adapter
from kpi_xl.excel.adapter import (
    CATALOG_COLUMNS,
    ERROR_VALUES,
    VBA_RESERVED,
    ExcelFunction,
    catalog_table,
    excel_functions,
    to_result,
)

FUNCTIONS = excel_functions()


def fn(name: str) -> ExcelFunction:
    return ExcelFunction(catalog.get(name))


def with_raw(name: str, raw, **changes) -> ExcelFunction:
    """The Excel function of a catalog entry whose math is replaced (to test the edge alone)."""
    return ExcelFunction(dataclasses.replace(catalog.get(name), raw=raw, **changes))


def test_one_function_per_catalog_entry_in_catalog_order():
    assert [f.name for f in FUNCTIONS] == [d.excel_name for d in catalog.all_entries()]


def test_signature_keeps_catalog_order_and_defaults_with_no_keyword_only():
    for f in FUNCTIONS:
        params = list(f.signature.parameters.values())
        assert [p.param.name for p in f.params] == [p.name for p in f.definition.params]
        assert all(p.kind is inspect.Parameter.POSITIONAL_OR_KEYWORD for p in params)
        for sp, up in zip(params, f.params, strict=True):
            if up.optional:
                assert sp.default == up.param.default or sp.default is up.param.default
        required = [p.default is inspect.Parameter.empty for p in params]
        assert required == sorted(required, reverse=True)  # a valid Python signature


def test_required_option_after_optional_arguments_stays_callable():
    from kpi_xl.catalog.schema import Param

    d = catalog.get("KPI_ROI")
    params = (*d.params[:1], Param("extra", "x", default=1.0), Param("late", "y", keyword_only=True))
    f = ExcelFunction(dataclasses.replace(d, params=params, raw=lambda **k: k.get("late")))
    assert list(f.signature.parameters.values())[-1].default is None
    assert f(1, None, None) == "#N/A"


def test_descriptions_fit_the_function_wizard():
    for f in FUNCTIONS:
        assert 0 < len(f.doc) <= 255
        assert all(0 < len(p.doc()) <= 255 for p in f.params)


def test_argument_docs_name_defaults_and_choices():
    nps = fn("KPI_NPS")
    assert nps.params[1].doc().endswith('Optional (default: "error").')
    csat = fn("KPI_CSAT")
    assert "Optional (default: 5)." in csat.params[1].doc()


def test_vba_reserved_names_get_an_underscore():
    bh = fn("KPI_BUSINESS_HOURS")
    names = [p.name for p in bh.params]
    assert names[:4] == ["start", "end_", "open_", "close_"]
    for f in FUNCTIONS:
        assert not {p.name.lower() for p in f.params} & VBA_RESERVED
        assert len({p.name.lower() for p in f.params}) == len(f.params)


def test_syntax_marks_optional_arguments():
    assert fn("KPI_CSAT").syntax == "KPI_CSAT(responses, [scale_max], [top_boxes], [invalid])"


# --- arguments ---------------------------------------------------------------------------------

@pytest.mark.parametrize("scores", [
    [[10], [9], [9], [8], [7], [6], [5], [10], [3], [9]],      # a column
    [[10, 9, 9, 8, 7, 6, 5, 10, 3, 9]],                        # a row
    [[10, 9, 9, 8, 7], [6, 5, 10, 3, 9]],                      # a 2-D block
    ((10.0, 9.0, 9.0, 8.0, 7.0), (6.0, 5.0, 10.0, 3.0, 9.0)),  # COM: tuples of doubles
    [[10, None, 9, 9], ["", 8, 7, 6], [5, 10, 3, 9]],           # blanks skipped
    [10, 9, 9, 8, 7, 6, 5, 10, 3, 9],                           # a direct Python call
])
def test_ranges_in_any_shape(scores):
    assert fn("KPI_NPS")(scores) == 20.0


@pytest.mark.parametrize("error", sorted(ERROR_VALUES))
def test_error_cells_propagate(error):
    assert fn("KPI_NPS")([[10], [error], [6]]) == error
    assert fn("KPI_ROI")([[100]], [[error]]) == error


@pytest.mark.parametrize("error", ["#SPILL!", "#CALC!", "#GETTING_DATA"])
def test_errors_excel_cannot_take_back_become_value(error):
    assert fn("KPI_NPS")([[10], [error]]) == "#VALUE!"


def test_first_error_in_argument_order_wins():
    assert fn("KPI_ROI")([["#N/A"]], [["#DIV/0!"]]) == "#N/A"


def test_an_error_cell_is_not_a_blank():
    assert fn("KPI_NPS")([[10], [None]]) == 100.0
    assert fn("KPI_NPS")([[10], ["#DIV/0!"]]) == "#DIV/0!"


def test_blank_or_omitted_optional_takes_the_catalog_default():
    csat = fn("KPI_CSAT")
    responses = [[5], [4], [3], [5], [2], [4], [5], [1], [4], [5]]
    assert csat(responses) == csat(responses, None, None, None) == 0.7
    assert csat(responses, [[""]], [[None]], [[""]]) == 0.7
    assert csat(responses, 5, 2, "error") == 0.7  # defaults as xlwings substitutes them


def test_blank_required_scalar_is_missing():
    assert fn("KPI_ROI")([[100]], [[None]]) == "#N/A"
    assert fn("KPI_ROI")([[100]], [[""]]) == "#N/A"
    assert fn("KPI_ROI")([[100]]) == "#N/A"  # left out entirely


def test_multi_cell_range_in_a_scalar_argument_is_value_error():
    assert fn("KPI_CAGR")([[100], [200]], 161051, 5) == "#VALUE!"


def test_text_options_in_any_case():
    scores = [[10], [11], [11], [None], [6]]
    assert fn("KPI_NPS")(scores, [["IGNORE"]]) == fn("KPI_NPS")(scores, "ignore") == 0.0
    assert fn("KPI_NPS")(scores, " Ignore ") == 0.0


@pytest.mark.parametrize("flag, expected", [(True, 1.4), (1, 1.4), (1.0, 1.4), ("TRUE", 1.4),
                                            ("true", 1.4), (False, "#NUM!"), (0, "#NUM!"),
                                            ("FALSE", "#NUM!")])
def test_flags_read_as_excel_reads_logicals(flag, expected):
    assert fn("KPI_CONVERSION_RATE")(7, 5, [[flag]]) == expected


def test_numbers_as_text_are_type_errors():
    assert fn("KPI_ROI")([["150000"]], 120000) == "#VALUE!"
    assert fn("KPI_NPS")([["9"], [10]]) == "#VALUE!"


def test_plain_number_ranges_reach_the_core_as_float_arrays():
    seen = {}

    def raw(**kwargs):
        seen.update(kwargs)
        return 1.0

    with_raw("KPI_NPS", raw)([[1], [None], [3.5]])
    assert isinstance(seen["scores"], np.ndarray) and seen["scores"].dtype == float
    with_raw("KPI_NPS", raw)([[1], [True]])
    assert seen["scores"] == [1, True]  # booleans are not numbers to the core


# --- errors and results ------------------------------------------------------------------------

@pytest.mark.parametrize("code", sorted(ERROR_CLASSES))
def test_every_error_code_becomes_its_excel_error(code):
    cls = ERROR_CLASSES[code]

    def raw(**kwargs):
        raise cls(f"{code}: test")

    assert with_raw("KPI_ROI", raw)(1, 1) == cls.excel


def test_a_bug_is_value_error_and_logged(caplog):
    def raw(**kwargs):
        raise ZeroDivisionError("bug")

    with caplog.at_level(logging.ERROR, logger=adapter.__name__):
        assert with_raw("KPI_ROI", raw)(1, 1) == "#VALUE!"
    assert "KPI_ROI failed" in caplog.text


@pytest.mark.parametrize("value, expected", [
    (None, "#N/A"), (float("nan"), "#NUM!"), (float("inf"), "#NUM!"), (-math.inf, "#NUM!"),
    (np.float64(0.25), 0.25), (np.int64(3), 3), (True, True), ("on_track", "on_track"),
    ((0.1, 0.2), [[0.1, 0.2]]), ((1.0, None), [[1.0, "#N/A"]]), ([[1, 2], [3, 4]], [[1, 2], [3, 4]]),
    (np.array([1.0, np.nan]), [[1.0, "#NUM!"]]), (object(), "#VALUE!"),
])
def test_results(value, expected):
    assert to_result(value) == expected


def test_nonfinite_core_result_never_reaches_a_cell():
    assert with_raw("KPI_ROI", lambda **k: float("nan"))(1, 1) == "#NUM!"


# --- helpers are lifted over ranges -------------------------------------------------------------

def test_helper_over_a_column_gives_a_column():
    status = fn("KPI_STATUS")
    assert status([[95000], [85000], [100000], [None]], 100000) == [
        ["at_risk"], ["off_track"], ["on_track"], ["no_data"]]


def test_helper_broadcasts_single_cells_and_pairs_equal_ranges():
    status = fn("KPI_STATUS")
    assert status([[95000, 12.5]], [[100000, 12]],
                  [["higher_is_better", "lower_is_better"]]) == [["at_risk", "at_risk"]]


def test_helper_errors_stay_in_their_cell():
    code = fn("KPI_STATUS_CODE")
    assert code([[95000], ["#N/A"], [None], [100000]], [[100000]]) == [[0], ["#N/A"], ["#N/A"], [1]]


def test_helper_ranges_of_different_shapes_are_value_error():
    assert fn("KPI_STATUS")([[1], [2], [3]], [[1], [2]]) == "#VALUE!"


def test_helper_with_several_results_over_a_column_spills_rows():
    pair = with_raw("KPI_DELTA", lambda current, prior: (current, current - prior))
    assert pair([[3], [5]], 1) == [[3, 2], [5, 4]]
    assert pair([[3, 5]], 1) == "#VALUE!"


def test_non_helpers_are_not_lifted():
    assert with_raw("KPI_DELTA", lambda current, prior: current - prior,
                    kind="kpi")([[3], [5]], 1) == "#VALUE!"


# --- KPI_CATALOG ---------------------------------------------------------------------------------

def test_catalog_table_has_a_header_and_a_row_per_entry():
    table = catalog_table()
    assert table[0] == [h for h, _ in CATALOG_COLUMNS]
    assert [r[0] for r in table[1:]] == [d.excel_name for d in catalog.all_entries()]
    assert all(len(r) == len(table[0]) for r in table)


def test_catalog_table_by_category():
    service = catalog_table("Service")
    assert {r[3] for r in service[1:]} == {"service"}
    from kpi_xl.core.errors import DomainError

    with pytest.raises(DomainError):
        catalog_table("astrology")


def test_udf_module_exports_every_function():
    from kpi_xl.excel import udfs

    assert udfs.__all__ == [d.excel_name for d in catalog.all_entries()] + ["KPI_CATALOG"]
    for name in udfs.__all__:
        f = getattr(udfs, name)
        assert f.__name__ == name and f.__doc__
    assert udfs.KPI_CATALOG([["service"]]) == catalog_table("service")
    assert udfs.KPI_CATALOG("astrology") == "#NUM!"
    assert udfs.KPI_CATALOG([["a", "b"]]) == "#VALUE!"
    assert udfs.KPI_CATALOG([["#N/A"]]) == "#N/A"

"""appendix.csv is written from each file's lines (ingest.appendix_csv), made in the workers: they must be
byte for byte what pandas writes for the appendix frame, made safe for a spreadsheet."""

from hypothesis import given, settings
from hypothesis import strategies as st

from sketket import layout
from sketket.catalog import for_excel as _for_excel
from sketket.intake.ingest import (
    APPENDIX_COLUMNS,
    PERCENT_REPORTED,
    _appendix_frame,
    appendix_csv,
)

_COUNTS = st.none() | st.integers(0, 2**52) | st.integers(0, 2**40).map(float)
_FLOATS = st.none() | st.integers(0, 10**6) | st.floats(allow_nan=False, allow_infinity=False, width=64)
_TEXT = st.text(st.sampled_from(list('aĐộ =+-@",\n\r\t0;') + ["\u00a0"]), max_size=12)


def _cell(column: str) -> st.SearchStrategy:
    if column in layout.COUNTS:
        return _COUNTS
    if column == "source_row":
        return st.integers(1, 10**6)
    if column == "area_m2" or column in layout.PERCENTS or column in PERCENT_REPORTED:
        return _FLOATS
    return _TEXT


_ROW = st.tuples(*(_cell(c) for c in APPENDIX_COLUMNS))


def _by_pandas(rows: list[tuple]) -> str:
    return _for_excel(_appendix_frame(rows)).to_csv(index=False, header=False, lineterminator="\n")


@settings(max_examples=150, deadline=None)
@given(st.lists(_ROW, min_size=1, max_size=6))
def test_appendix_lines_are_what_pandas_writes(rows: list[tuple]) -> None:
    assert appendix_csv(rows) == _by_pandas(rows)


def test_appendix_lines_of_a_unit_row() -> None:
    row = dict.fromkeys(APPENDIX_COLUMNS, "")
    row.update(dict.fromkeys((*layout.FIGURES, *PERCENT_REPORTED)), form="I", unit_name="=Sở, \"Nội vụ\"", area_m2=28,
               tthc_total=138.0, tthc_one_stop=101, tthc_one_stop_pct=100.0 * 101 / 138, source_row=10)
    line = appendix_csv([tuple(row[c] for c in APPENDIX_COLUMNS)])
    assert line.startswith('I,,,"\'=Sở, ""Nội vụ""",,28.0,138,101,73.18840579710145,,')
    assert line.endswith(",,,,,10\n")

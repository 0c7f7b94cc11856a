"""appendix.csv is written from each file's lines, made in the workers beside the rows of the appendix frame
(ingest._table_result): they must be byte for byte what pandas writes for those rows, made safe for a
spreadsheet, whatever the table holds."""

from hypothesis import given, settings
from hypothesis import strategies as st

from sketket import layout
from sketket.catalog import for_excel as _for_excel
from sketket.clean import Number
from sketket.intake.ingest import APPENDIX_COLUMNS, _appendix_frame, _table_result
from sketket.intake.reader import Row, Table
from sketket.registry import load_registry

_VALUES = st.none() | st.integers(-5, 2**40).map(float) | st.floats(allow_nan=False, allow_infinity=False, width=64)
_NUMBER = st.builds(Number, _VALUES, st.booleans(), st.booleans())
_TEXT = st.text(st.sampled_from(list('aĐộ =+-@",\n\r\t0;') + ["\u00a0"]), max_size=12)
_REGISTRY = load_registry()


@st.composite
def _tables(draw: st.DrawFn) -> Table:
    form = draw(st.sampled_from(["I", "II", "III"]))
    figures = [c for c in layout.FIGURES if not (form == "III" and c == "dossiers_on_time")]
    columns = {"stt": 0, "unit_name": 1, **{c: i + 2 for i, c in enumerate(figures)}, "note": len(figures) + 2}
    rows = []
    for i, kind in enumerate(["A", *draw(st.lists(st.sampled_from(["unit", "B", "total"]), max_size=5))]):
        values = {c: draw(_NUMBER) for c in figures}
        rows.append(Row(kind, draw(_TEXT), draw(_TEXT), 10 + i, values, {c: n.value for c, n in values.items()},
                        draw(_TEXT)))
    return Table(form, draw(_TEXT), columns, rows, draw(_TEXT), "table")


def _by_pandas(rows: list[tuple]) -> str:
    return _for_excel(_appendix_frame(rows)).to_csv(index=False, header=False, lineterminator="\n")


@settings(max_examples=150, deadline=None)
@given(_tables(), _TEXT)
def test_appendix_lines_are_what_pandas_writes(table: Table, source_file: str) -> None:
    result = _table_result(table, source_file, _REGISTRY, 0.0)
    assert len(result.rows) == sum(r.kind in ("A", "unit") for r in table.rows)
    assert result.csv == _by_pandas(result.rows)


def _unit_row(**figures: float | None) -> Row:
    values = {c: Number(figures.get(c)) for c in layout.FIGURES if c != "dossiers_on_time"}
    return Row("A", "A", "=Sở, \"Nội vụ\"", 10, values, {c: n.value for c, n in values.items()}, "")


def test_appendix_lines_of_a_unit_row() -> None:
    """Phụ lục III: on-time derived as received − overdue, rates recomputed, the reported ones kept, text
    that a spreadsheet would run made inert; a negative count is left empty."""
    row = _unit_row(area_m2=28, tthc_total=138.0, tthc_one_stop=101, tthc_one_stop_pct=73.2, dossiers_received=200,
                    dossiers_overdue=8, online_services_l34=-3)
    columns = {"unit_name": 1, **{c: i + 2 for i, c in enumerate(row.values)}}
    table = Table("III", "PL III", columns, [row], "=Sở, \"Nội vụ\"", "table")
    result = _table_result(table, "III/a.xlsx", _REGISTRY, 0.0)
    values = dict(zip(APPENDIX_COLUMNS, result.rows[0], strict=True))
    assert values["dossiers_on_time"] == 192 and values["on_time_pct"] == 96.0
    assert values["tthc_one_stop_pct"] == 100.0 * 101 / 138 and values["tthc_one_stop_pct_reported"] == 73.2
    assert values["online_services_l34"] is None and values["derived"] == "dossiers_on_time"
    assert result.csv == ('III,huyen,,"\'=Sở, ""Nội vụ""",,28.0,138,101,73.18840579710145,200,192,8,96.0,,,,73.2,,'
                          "dossiers_on_time,III/a.xlsx,PL III,10\n")

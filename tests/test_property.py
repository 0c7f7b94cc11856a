"""Property: a table filled with consistent random figures, in any of the layouts officials produce, reads
back exactly and passes every check."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sketket import layout
from sketket.clean import format_int
from sketket.dimensions import FORM_TIERS
from sketket.intake.reader import read_table
from sketket.intake.validate import check_table
from sketket.outputs.writer import Variation, write_filled
from sketket.registry import load_registry

REGISTRY = load_registry()


@st.composite
def unit_row(draw, form: str, name: str) -> dict[str, object]:
    tthc_total = draw(st.integers(0, 2_000))
    # not a count of nines (9.999), which is a warning to check (placeholder_count)
    received = draw(st.integers(0, 500_000).filter(lambda n: n < 9_999 or set(str(n)) != {"9"}))
    overdue = draw(st.integers(0, received))
    row: dict[str, object] = {
        "unit_name": name,
        "area_m2": draw(st.integers(1, 5_000)) / 10,
        "tthc_total": tthc_total,
        "tthc_one_stop": draw(st.integers(0, tthc_total)),
        "dossiers_received": received,
        "dossiers_on_time": received - overdue,
        "dossiers_overdue": overdue,
        "online_services_l34": draw(st.integers(0, tthc_total)),
        "postal_tthc": draw(st.integers(0, tthc_total)),
    }
    if draw(st.booleans()) and tthc_total and received:  # rates typed in, rounded as officials do
        row["tthc_one_stop_pct"] = round(100 * row["tthc_one_stop"] / tthc_total, 1)
        row["on_time_pct"] = round(100 * (received - overdue) / received, 1)
    if form == "III":
        del row["dossiers_on_time"]
    for col in [c for c in layout.COUNTS if c in row]:
        if draw(st.booleans()):
            row[col] = format_int(row[col])  # typed as text the Vietnamese way: "12.345"
    return row


@st.composite
def table(draw):
    form = draw(st.sampled_from(layout.FORMS))
    head_tier, sub_tier = FORM_TIERS[form]
    heads = REGISTRY.tier_units(head_tier)
    head = heads.iloc[draw(st.integers(0, len(heads) - 1))]
    subs = list(REGISTRY.tier_units(sub_tier, head["code"])["name_with_type"])
    names = draw(st.lists(st.sampled_from(subs), unique=True, max_size=6)) if subs else []
    submitter = draw(unit_row(form, head["name_with_type"]))
    units = [draw(unit_row(form, n)) for n in names]
    variation = Variation(
        extra_title_lines=draw(st.integers(0, 3)), col_offset=draw(st.integers(0, 3)),
        number_row=draw(st.booleans()), header_breaks=draw(st.booleans()), m2_superscript=draw(st.booleans()),
        notes_sheet=draw(st.booleans()), pct_as_fraction=draw(st.booleans()))
    return form, submitter, units, variation


def _number(value: object) -> float:
    return float(str(value).replace(".", "")) if isinstance(value, str) else float(value)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table())
def test_consistent_random_tables_read_back_exactly(case):
    form, submitter, units, variation = case
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "table.xlsx"
        m = write_filled(form, path, submitter, units, variation=variation)
        t = read_table(path, REGISTRY)
    assert (t.form, t.sheet, t.submitter) == (form, m.sheet, submitter["unit_name"])
    assert [r.excel_row for r in t.rows] == [m.row_a, m.row_b, *m.unit_rows, m.total_row]
    read = [r for r in t.rows if r.kind in ("A", "unit")]
    for written, row in zip([submitter, *units], read, strict=True):
        assert row.name == written["unit_name"]
        for col, value in written.items():
            if col in layout.PERCENTS:
                assert abs(row.values[col].value - value) < 1e-9, (col, value)
            elif col != "unit_name":
                assert row.values[col].value == _number(value), (col, value)
    assert check_table(t, "table.xlsx", REGISTRY) == []

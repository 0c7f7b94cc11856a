"""Every error a unit row can carry on one of its own figures keeps that row's figures out of the sums
(issue: no impossible value may reach a pack): rules.yml and indicators.yml `gating.rules` agree."""

from sketket.config import load_yaml

# error rules on a unit's own cells; subtotal and total rows are checked but are not units, files are not rows
_ROW_CELLS = {"value", "received", "one_stop", "online", "area"}


def test_every_error_on_a_unit_figure_gates():
    rules = load_yaml("rules.yml")["rules"]
    gating = set(load_yaml("indicators.yml")["gating"]["rules"])
    on_figures = {r for r, spec in rules.items() if spec["severity"] == "error" and spec["cell"] in _ROW_CELLS
                  and not r.startswith("nomination_")}
    assert on_figures - gating == set()
    assert {"online_exceeds_tthc", "count_too_large", "excel_error", "date_in_count"} <= gating
    assert all(rules[r]["severity"] == "error" for r in gating if r != "pct_mismatch")  # a warning never gates


def test_a_blank_row_with_errors_is_no_figures_once_everywhere():
    """A commune left blank in its district's table carries required_missing errors: it is counted as without
    figures (its cells to fix still listed), not as awaiting correction too, so that the tier table, the award
    counts and the list of units awaiting correction give one number."""
    import pandas as pd

    from sketket.analysis.gating import awaiting, correction_status

    units = pd.DataFrame({"unit_code": ["1", "2", "3"], "unit_name": ["Xã Một", "Xã Hai", "Xã Ba"],
                          "source_file": "pl3.xlsx", "source_sheet": "PL3", "source_row": [12, 13, 14],
                          "has_figures": [True, False, True]})
    findings = pd.DataFrame({"source_file": "pl3.xlsx", "sheet": "PL3", "severity": "error",
                             "rule": ["sum_mismatch", "required_missing"], "cell": ["F12", "E13"],
                             "message": ["Tổng không khớp", "Chưa ghi"]})
    status = correction_status(units, findings, ["sum_mismatch", "required_missing"])
    assert status["data_status"].tolist() == ["awaiting_correction", "no_figures", "ok"]
    assert status["correction_cells"].tolist() == ["F12: Tổng không khớp", "E13: Chưa ghi", ""]
    assert awaiting(units, units.join(status)).tolist() == [True, False, False]

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

"""A pack page from its executed notebook: a cell tagged "analyst" (what the notebook is, for whoever opens it)
stays in the notebook and out of the page."""

import nbformat

from sketket.run.pipeline import render_html


def test_cells_for_the_analyst_are_not_on_the_page(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# Trang của một đơn vị – hướng dẫn", metadata={"tags": ["analyst"]}),
                nbformat.v4.new_markdown_cell("## Số liệu chính của Quận Ba Đình")]
    render_html(nb, tmp_path / "p.html", "Quận Ba Đình")
    page = (tmp_path / "p.html").read_text(encoding="utf-8")
    assert "Số liệu chính của Quận Ba Đình" in page and "hướng dẫn" not in page

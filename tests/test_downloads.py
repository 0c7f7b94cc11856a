"""Every pack table carries its own .xlsx and .csv (data: URIs in the page), with the numbers the table shows
and text from submissions neutralised as formulas."""

import re
from html import unescape

import pandas as pd

from sketket.outputs import downloads, packs


def _links(html: str) -> dict[str, tuple[str, str]]:
    """label → (file name, href) of the download links under a table."""
    return {label: (name, unescape(href))
            for name, href, label in re.findall(r'<a download="([^"]+)" href="([^"]+)">([^<]+)</a>', html)}


def test_table_downloads_hold_the_numbers_shown_and_no_formula():
    df = pd.DataFrame({"unit_name": ["=HYPERLINK(\"http://x\")", "Phường Phúc Xá", "-45"],
                       "dossiers_received": [1234567, None, 12], "on_time_rate": [98.7249, 100.0, 33.35]})
    html = packs.table_html(df, {"dossiers_received": "int", "on_time_rate": "pct"},
                            {"unit_name": "Đơn vị", "dossiers_received": "Số hồ sơ đã nhận",
                             "on_time_rate": "Tỷ lệ hồ sơ giải quyết đúng hạn (%)"}, caption="Xếp hạng xã, phường")
    links = _links(html)
    assert links["Excel"][0] == "xep-hang-xa-phuong.xlsx" and links["CSV"][0] == "xep-hang-xa-phuong.csv"
    assert links["Excel"][1].startswith("data:application/vnd.openxmlformats-officedocument.spreadsheetml.sheet;")
    rows = downloads.read_xlsx(downloads.decode(links["Excel"][1]))
    # the long header in the file (the page shows it short), numbers as numbers, rates at one decimal
    assert rows[0] == ["Đơn vị", "Số hồ sơ đã nhận", "Tỷ lệ hồ sơ giải quyết đúng hạn (%)"]
    assert rows[1] == ["'=HYPERLINK(\"http://x\")", 1234567, 98.7]
    assert rows[2] == ["Phường Phúc Xá", None, 100]
    assert rows[3] == ["-45", 12, 33.4]  # a negative number written as text stays readable
    csv_rows = downloads.read_csv(downloads.decode(links["CSV"][1]))
    assert csv_rows == [rows[0], ["'=HYPERLINK(\"http://x\")", "1234567", "98.7"], ["Phường Phúc Xá", "", "100.0"],
                        ["-45", "12", "33.4"]]
    # the page shows the same numbers the Vietnamese way
    assert '<td class="num">1.234.567</td>' in html and '<td class="num">98,7%</td>' in html


def test_no_download_for_an_empty_table_or_when_asked_not_to():
    df = pd.DataFrame({"a": [1]})
    assert "download=" not in packs.table_html(df.iloc[0:0])
    assert "download=" not in packs.table_html(df, download=False)


def test_text_cells_lose_control_characters_and_formulas_in_both_files():
    files = {d.label: d for d in downloads.downloads("Bảng", ["Tên"], [("a\x07b",), ("@SUM(A1)",), ("+1",)], ["text"])}
    assert downloads.read_xlsx(downloads.decode(files["Excel"].href)) == [["Tên"], ["ab"], ["'@SUM(A1)"], ["+1"]]
    assert downloads.read_csv(downloads.decode(files["CSV"].href)) == [["Tên"], ["ab"], ["'@SUM(A1)"], ["+1"]]
    assert files["CSV"].filename == "bang.csv"


def test_a_list_cell_keeps_its_lines_and_halves_round_as_on_the_page():
    df = pd.DataFrame({"best": ["Sở A (100,0%, hạng 1)\nSở B (98,0%, hạng 2)"], "area": [4556.5]})
    html = packs.table_html(df, {"area": "int"}, {"best": "Dẫn đầu", "area": "Diện tích"}, caption="Dẫn đầu")
    rows = downloads.read_xlsx(downloads.decode(_links(html)["Excel"][1]))
    assert rows[1] == ["Sở A (100,0%, hạng 1)\nSở B (98,0%, hạng 2)", 4557]
    assert '<td class="num">4.557</td>' in html

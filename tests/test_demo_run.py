"""`sketket run` on an empty raw folder: the demo city is generated, every kind of notebook runs on it
(clean per form, indicators per tier, lessons, the city pack, a district and a department pack) and the
packs say plainly that the data is illustrative."""

import pandas as pd
import pytest
from pack_data import write_config

from sketket.clean import format_int
from sketket.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory):
    base = tmp_path_factory.mktemp("demo-run")
    (base / "raw").mkdir()
    (base / "raw" / ".gitkeep").write_text("")
    config = write_config(base, {"clean": True, "indicators": True, "lessons": True, "city": True,
                                 "districts": ["271"], "departments": ["S06"], "verticals": []})
    return main(["run", "--config", str(config)]), base


def test_the_demo_is_generated_and_every_notebook_runs(demo_run):
    code, base = demo_run
    assert code == 0
    assert (base / "data" / "demo" / "manifest.json").is_file()  # paths.demo, never inside the raw folder
    assert [p.name for p in (base / "raw").iterdir()] == [".gitkeep"]
    latest = base / "reports" / "latest"
    pages = {p.relative_to(latest).as_posix() for p in latest.rglob("*.html")} - {"index.html"}
    # 3 clean + 6 indicators + lessons + city and its annex + one district + one department
    assert len(pages) == 14, sorted(pages)  # and the city annex
    assert {"city/thanh-pho-ha-noi.html", "district/271-huyen-ba-vi.html",
            "department/S06-so-nong-nghiep-va-phat-trien-nong-thon.html"} <= pages
    log = (latest / "run.log").read_text(encoding="utf-8")
    assert log.count("notebook ") >= 13


def test_packs_say_the_data_is_illustrative_and_show_the_city_total(demo_run):
    _, base = demo_run
    # the city's total: every unit's figures but those awaiting correction (emptied in indicators_units)
    units = pd.read_parquet(base / "processed" / "indicators_units.parquet")
    appendix = pd.read_parquet(base / "processed" / "appendix.parquet")
    city_total = int(units["dossiers_received"].sum())
    waiting = units["data_status"] == "awaiting_correction"
    assert waiting.any() and city_total < int(appendix["dossiers_received"].sum())  # the demo plants such units
    index = (base / "reports" / "latest" / "index.html").read_text(encoding="utf-8")
    city = (base / "reports" / "latest" / "city" / "thanh-pho-ha-noi.html").read_text(encoding="utf-8")
    district = (base / "reports" / "latest" / "district" / "271-huyen-ba-vi.html").read_text(encoding="utf-8")
    for page in (index, city, district):
        assert "Dữ liệu minh họa" in page
    assert format_int(city_total) in city and format_int(city_total) in index
    assert "Huyện Ba Vì" in district
    # every commune of Ba Vì is in its pack, under the name the packs show (the registry's when matched)
    units = pd.read_parquet(base / "processed" / "indicators_units.parquet")
    communes = units.loc[units["parent_name"].str.contains("Ba Vì") & (units["tier"] == "xa"), "unit_name"]
    assert len(communes) > 20
    assert all(name in district for name in communes)


def test_the_comment_round_is_held_on_the_demo_replies(demo_run):
    from openpyxl import load_workbook

    _, base = demo_run
    # the replies live beside the demo's submissions, set aside by ingest (never read as a table)
    assert (base / "data" / "demo" / "gop-y").is_dir()
    files = pd.read_parquet(base / "processed" / "files.parquet")
    assert not files["source_file"].astype(str).str.contains("gop-y").any()
    table = base / "reports" / "tong-hop-y-kien-du-thao.xlsx"
    assert table.is_symlink() and table.resolve().is_file()  # published through latest/, like the draft
    index = (base / "reports" / "latest" / "index.html").read_text(encoding="utf-8")
    assert 'href="tong-hop-y-kien-du-thao.xlsx"' in index
    wb = load_workbook(table, read_only=True)
    rows = list(wb["Tổng hợp ý kiến"].iter_rows(min_row=4, values_only=True))
    by_unit, notes = {}, {}
    for _, section, unit, text, _, note in rows:
        by_unit.setdefault(unit, []).append((section, text))
        notes[unit] = note
    assert ("II.2.đ", "Đề nghị bổ sung kinh phí chi trả làm thêm giờ sáng thứ bảy vào phần đánh giá.") \
        in by_unit["Sở Tài chính"]
    assert len(rows) == 6  # Tư pháp 2, Tài chính 2, Ba Vì 1, and Ba Đình's agreement with no comment
    assert notes["Huyện Ba Vì"] == "Trả lời muộn 4 ngày (19/09/2017)" and notes["Sở Tư pháp"] is None
    track = list(wb["Theo dõi trả lời"].iter_rows(min_row=4, values_only=True))  # title, summary, header
    status = {r[1]: r[4] for r in track}
    assert status["Huyện Ba Vì"] == "Muộn 4 ngày" and status["Sở Tư pháp"] == "Đúng hạn"
    assert sum(1 for s in status.values() if s == "Chưa trả lời") == len(status) - 4


def test_the_demo_dossier_logs_reach_the_city_pack_the_draft_and_the_return_lists(demo_run):
    from docx import Document
    from openpyxl import load_workbook

    from sketket.clean import slug

    _, base = demo_run
    latest = base / "reports" / "latest"
    logged = pd.read_parquet(base / "processed" / "dossier_units.parquet")
    logged = logged[logged["unit_code"] != ""]
    assert len(logged) >= 2
    scope = f"Theo sổ theo dõi hồ sơ xuất từ phần mềm một cửa mà {format_int(len(logged))} đơn vị gửi kèm"
    city = (latest / "city" / "thanh-pho-ha-noi.html").read_text(encoding="utf-8")
    for anchor, nxt in (("ii2-dd", "ii2-e"), ("ii2-e", "ii2-g"), ("ii2-g", "ii2-h"), ("ii2-i", "ii2-k")):
        section = city[city.index(f'id="{anchor}"'):city.index(f'id="{nxt}"')]
        assert 'class="log-facts"' in section and scope in section, anchor
    rec = pd.read_parquet(base / "processed" / "reconciliation.parquet")
    differ = rec[rec["status"] == "differs"]
    assert len(differ) == 2  # planted by the demo (manifest-ho-so.json)
    assert f"{format_int(len(differ))} đơn vị chênh lệch" in city
    draft = "\n".join(p.text for p in Document(latest / "du-thao-bao-cao-so-ket.docx").paragraphs)
    assert scope in draft and all(name in draft for name in logged["unit_name"])
    assert f"{format_int(len(differ))} đơn vị chênh lệch" in draft
    # each differing commune's line is in its district's return list, and only there
    units = pd.read_parquet(base / "processed" / "indicators_units.parquet").set_index("unit_code")
    lines = {p.stem: [row[6] for row in load_workbook(p).active.iter_rows(min_row=8, values_only=True)
                      if row[4] and "sổ theo dõi hồ sơ" in row[4]] for p in (latest / "tra-lai").glob("*.xlsx")}
    for r in differ.itertuples():
        books = [stem for stem, said in lines.items() if any(x.startswith(f"{r.unit_name}: {r.message}") for x in said)]
        assert len(books) == 1 and books[0] in slug(units.loc[r.unit_code, "parent_name"]), (r.unit_name, books)

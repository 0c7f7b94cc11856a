"""The comment round: letters and tables written here, read back by `sketket comments`."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from docx import Document
from openpyxl import Workbook, load_workbook

from sketket.cli import main
from sketket.outputs.comments import section_of


def _letter(path: Path, unit: str, date: str, lines: list[str]) -> None:
    doc = Document()
    for text in ["UBND THÀNH PHỐ HÀ NỘI", unit.upper(), "Số: 123/STP-VP",
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", f"Hà Nội, {date}",
                 "V/v góp ý dự thảo Báo cáo sơ kết", "Kính gửi: Sở Nội vụ thành phố Hà Nội",
                 *lines, "Nơi nhận:", "- Như trên;", "- Lưu: VT.", "GIÁM ĐỐC"]:
        doc.add_paragraph(text)
    doc.save(path)


def _table(path: Path, unit: str, date: str, rows: list[tuple[str, str]]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append([unit.upper()])
    ws.append([f"Hà Nội, {date}"])
    ws.append(["STT", "Mục", "Nội dung góp ý"])
    for k, (where, text) in enumerate(rows, start=1):
        ws.append([k, where, text])
    wb.save(path)


@pytest.fixture()
def round_(tmp_path) -> Path:
    folder = tmp_path / "gop-y"
    folder.mkdir()
    _letter(folder / "stp.docx", "Sở Tư pháp", "ngày 12 tháng 9 năm 2017", [
        "Sau khi nghiên cứu dự thảo, Sở Tư pháp có ý kiến như sau:",
        "1. Tại điểm c mục II.2, đề nghị bổ sung số đơn vị đã ban hành Quy chế phối hợp.",
        "2. Đề nghị rà soát lỗi chính tả trong toàn bộ dự thảo.",
        "Trên đây là ý kiến của Sở Tư pháp./.",
    ])
    _letter(folder / "ba-dinh.docx", "UBND quận Ba Đình", "ngày 14 tháng 9 năm 2017",
            ["UBND quận Ba Đình nhất trí với dự thảo."])
    _table(folder / "syt-muon.xlsx", "Sở Y tế", "ngày 20 tháng 9 năm 2017",
           [("II.2.i", "Tỷ lệ đúng hạn cần nêu thêm so sánh giữa các cấp."), ("", "=1+1 đề nghị bỏ")])
    return folder


def test_sections_are_read_from_the_ways_units_name_them():
    assert section_of("Tại điểm c mục II.2, đề nghị bổ sung") == "II.2.c"
    assert section_of("mục II.2.đ cần nêu số TTHC") == "II.2.đ"
    assert section_of("điểm d khoản 3 mục II: bổ sung mô hình") == "II.3.d"
    assert section_of("Phần III, đề nghị bổ sung kiến nghị") == "III"
    assert section_of("Đề nghị rà soát lỗi chính tả") == ""


def test_the_round_table_places_comments_and_tracks_replies(round_, tmp_path):
    out = tmp_path / "tong-hop-y-kien.xlsx"
    assert main(["comments", str(round_), "--out", str(out)]) == 0
    wb = load_workbook(out)
    rows = [r for r in wb["Tổng hợp ý kiến"].iter_rows(min_row=4, values_only=True)]
    assert list(wb["Tổng hợp ý kiến"].iter_rows(min_row=3, max_row=3, values_only=True))[0] == (
        "STT", "Mục của dự thảo", "Cơ quan, đơn vị góp ý", "Nội dung góp ý", "Tiếp thu / giải trình", "Ghi chú")
    by_text = {r[3]: r for r in rows}
    placed = by_text["Tại điểm c mục II.2, đề nghị bổ sung số đơn vị đã ban hành Quy chế phối hợp."]
    assert placed[1] == "II.2.c" and placed[2] == "Sở Tư pháp" and placed[4] is None
    assert by_text["Đề nghị rà soát lỗi chính tả trong toàn bộ dự thảo."][1] == "Chung"
    assert by_text["Tỷ lệ đúng hạn cần nêu thêm so sánh giữa các cấp."][1] == "II.2.i"
    assert by_text["'=1+1 đề nghị bỏ"][1] == "Chung"  # a formula from a reply is text in our table
    # a late reply's comments say so where the drafter decides on them (the tracking sheet alone said it)
    assert by_text["Tỷ lệ đúng hạn cần nêu thêm so sánh giữa các cấp."][5] == "Trả lời muộn 5 ngày (20/09/2017)"
    assert placed[5] is None
    agree = [r for r in rows if r[2] == "Quận Ba Đình"]
    assert len(agree) == 1 and agree[0][3].startswith("Nhất trí")
    assert [r[1] for r in rows][:3] == ["Chung"] * 3  # "Chung" first, then the outline's order
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    offered = wb["Tổng hợp ý kiến"].data_validations.dataValidation[0]
    assert offered.formula1 == "'Danh mục'!$A$1:$A$4" and str(offered.sqref) == f"E4:E{len(rows) + 3}"
    assert wb["Danh mục"]["B1"].value is None and wb["Danh mục"]["A2"].value == "Tiếp thu, bổ sung vào dự thảo"
    track = {r[1]: r for r in wb["Theo dõi trả lời"].iter_rows(min_row=3, values_only=True)}
    assert track["Sở Tư pháp"][3:5] == (dt.datetime(2017, 9, 12), "Đúng hạn")  # a date cell, shown dd/mm/yyyy
    dated = next(c for c in wb["Theo dõi trả lời"]["D"] if c.value == dt.datetime(2017, 9, 12))
    assert dated.number_format == "dd/mm/yyyy"
    assert track["Quận Ba Đình"][4] == "Đúng hạn; nhất trí với dự thảo" and track["Quận Ba Đình"][5] == 0
    assert track["Sở Y tế"][4] == "Muộn 5 ngày"
    assert "Sở Nội vụ" not in track  # the drafting unit is not asked for comments on its own draft
    assert wb["Tổng hợp ý kiến"]["A2"].value.startswith("Dự thảo Báo cáo sơ kết thực hiện cơ chế một cửa")
    assert track["Sở Tài chính"][4] == "Chưa trả lời"
    head = wb["Theo dõi trả lời"]["A2"].value
    assert "Hạn góp ý: 15/09/2017" in head and "trả lời đúng hạn: 2" in head and "trả lời muộn: 1" in head


def test_the_demo_replies_show_every_kind_of_answer(tmp_path):
    import datetime as dt

    from sketket.demo.comments import write_demo_comments
    from sketket.outputs.comments import comment_rows, read_replies, tracking
    from sketket.registry import load_registry

    deadline = dt.date(2017, 9, 15)
    write_demo_comments(tmp_path, deadline)
    registry = load_registry()
    replies = read_replies(tmp_path, registry)
    status = tracking(replies, registry.expected_submitters(), deadline).set_index("unit")["status"]
    assert status["Sở Tư pháp"] == "Đúng hạn" and status["Huyện Ba Vì"] == "Muộn 4 ngày"
    assert (status == "Chưa trả lời").sum() == len(registry.expected_submitters()) - 4
    rows = comment_rows(replies)
    assert set(rows["section"]) == {"Chung", "II.2.c", "II.2.đ", "II.2.i", "III"}
    assert rows.loc[rows["unit"] == "Quận Ba Đình", "text"].tolist() == ["Nhất trí với dự thảo, không có ý kiến khác"]


def test_a_damaged_or_oversized_reply_is_listed_with_its_reason_and_the_others_are_read(tmp_path):
    import datetime as dt

    from sketket.demo.comments import write_demo_comments
    from sketket.outputs.comments import read_replies, read_reply, tracking
    from sketket.registry import load_registry

    deadline = dt.date(2017, 9, 15)
    write_demo_comments(tmp_path, deadline)
    (tmp_path / "gop-y-hong.docx").write_bytes(b"not a zip at all" * 10)
    registry = load_registry()
    replies = read_replies(tmp_path, registry)
    broken = next(r for r in replies if r.file == "gop-y-hong.docx")
    assert broken.problem and not broken.comments and not broken.agrees
    assert sum(1 for r in replies if r.comments or r.agrees) == 4  # the four good replies still read
    status = tracking(replies, registry.expected_submitters(), deadline).set_index("file")["status"]
    assert status["gop-y-hong.docx"].startswith("Không đọc được tệp trả lời: ")
    big = read_reply(tmp_path / "gop-y-so-tai-chinh.xlsx", registry, [], [], max_bytes=100)
    assert big.problem and not big.comments  # bounded before it is opened


def test_two_copies_of_an_oversized_reply_are_both_refused_by_the_screen_not_hashed(round_, tmp_path):
    """A reply over the size bound is neither read nor hashed: each copy is listed with the screen's reason
    (hashed first, the second copy used to read "the same file as …" without any bound said)."""
    from sketket.outputs.comments import read_replies
    from sketket.registry import load_registry

    (round_ / "stp-ban-sao.docx").write_bytes((round_ / "stp.docx").read_bytes())
    size = (round_ / "stp.docx").stat().st_size
    replies = {r.file: r for r in read_replies(round_, load_registry(), max_bytes=size - 1)}
    for name in ("stp.docx", "stp-ban-sao.docx"):
        assert "MB" in replies[name].problem and not replies[name].comments, replies[name].problem
    assert not replies["syt-muon.xlsx"].problem  # smaller than the bound: still read


def test_replies_as_units_really_send_them(tmp_path):
    """What a real round brought: a letterhead citing the decision's date before the letter's own; a table whose
    comments are under "Ý kiến góp ý" beside the draft's text; a scanned PDF; "Nhất trí … Trân trọng./."; a
    reference ending its sentence; a heading naming the section over its bullets; the same letter saved twice;
    a letter naming the Sở Nội vụ in its head, its unit only in the file name; a unit not asked."""
    from sketket.outputs.comments import read_replies, reply_date, tracking
    from sketket.registry import load_registry

    assert reply_date(["Số: 1 | V/v góp ý … Quyết định số 07/2016/QĐ-UBND ngày 08/3/2016 | Đông Anh, ngày 19 "
                       "tháng 9 năm 2017"]) == dt.date(2017, 9, 19)
    assert reply_date(["Đính chính văn bản số 12/STTTT ngày 12/9/2017", "Hà Nội, ngày 14 tháng 9 năm 2017"]) == \
        dt.date(2017, 9, 14)
    # a letterhead flattened into one line keeps its date; a cited plan without "số" is still cited
    assert reply_date(["UBND HUYỆN ĐÔNG ANH Đông Anh, ngày 19 tháng 9 năm 2017"]) == dt.date(2017, 9, 19)
    assert reply_date(["Số: 123/UBND-VP Đông Anh, ngày 19 tháng 9 năm 2017"]) == dt.date(2017, 9, 19)
    assert reply_date(["Thực hiện Kế hoạch 186/KH-UBND ngày 14/8/2017", "Hà Nội, 18/9/2017"]) == dt.date(2017, 9, 18)
    assert reply_date(["Quyết định số 07/2016/QĐ-UBND, ngày 08/3/2016", "ngày 12 tháng 9 năm 2017"]) == \
        dt.date(2017, 9, 12)
    assert section_of("Đề nghị bổ sung số liệu tại mục II.2.i.") == "II.2.i"
    folder = tmp_path / "gop-y"
    (folder / "ban-sao").mkdir(parents=True)
    _letter(folder / "dong-anh.docx", "UBND huyện Đông Anh", "ngày 13 tháng 9 năm 2017", [
        "3. Về mục II.3.b (tồn tại, hạn chế):", "- Đề nghị nêu rõ nguyên nhân chủ quan.",
        "- Bổ sung hạn chế về cơ sở vật chất."])
    (folder / "ban-sao" / "dong-anh (1).docx").write_bytes((folder / "dong-anh.docx").read_bytes())
    _letter(folder / "ba-vi.docx", "UBND huyện Ba Vì", "ngày 14 tháng 9 năm 2017",
            ["UBND huyện Ba Vì nhất trí với dự thảo.", "Trân trọng./."])
    doc = Document()
    for text in ["Góp ý dự thảo Báo cáo sơ kết của Sở Nội vụ", "Hà Nội, ngày 12 tháng 9 năm 2017",
                 "Kính gửi: Sở Nội vụ", "Đề nghị bổ sung số liệu về bưu chính tại mục II.2.e.", "Nơi nhận:"]:
        doc.add_paragraph(text)
    doc.save(folder / "Gop y du thao - Huyen Soc Son.docx")
    wb = Workbook()
    ws = wb.active
    ws.append(["SỞ XÂY DỰNG"])
    ws.append(["Hà Nội, ngày 11 tháng 9 năm 2017"])
    ws.append(["GÓP Ý DỰ THẢO BÁO CÁO SƠ KẾT"])
    ws.append(["STT", "Nội dung dự thảo", "Ý kiến góp ý"])
    ws.append([1, "Mục II.2.d", "Đề nghị nêu diện tích trung bình của Bộ phận một cửa."])
    ws.append([2, "", "Đề nghị thống nhất cách viết tắt TTHC."])
    wb.save(folder / "so-xay-dung.xlsx")
    (folder / "scan-gop-y.pdf").write_bytes(b"%PDF-1.4 scanned")
    replies = read_replies(folder, load_registry())
    by_file = {r.file: r for r in replies}
    assert by_file["scan-gop-y.pdf"].problem.startswith("định dạng .pdf không đọc được")
    assert by_file["ban-sao/dong-anh (1).docx"].problem == "trùng nội dung với tệp dong-anh.docx, chỉ đọc một lần"
    assert by_file["dong-anh.docx"].comments == [("II.3.b", "Đề nghị nêu rõ nguyên nhân chủ quan."),
                                                 ("II.3.b", "Bổ sung hạn chế về cơ sở vật chất.")]
    assert by_file["ba-vi.docx"].agrees and not by_file["ba-vi.docx"].comments
    soc_son = by_file["Gop y du thao - Huyen Soc Son.docx"]
    assert soc_son.unit_name == "Huyện Sóc Sơn" and soc_son.comments[0][0] == "II.2.e"
    assert by_file["so-xay-dung.xlsx"].comments == [
        ("II.2.d", "Đề nghị nêu diện tích trung bình của Bộ phận một cửa."),
        ("", "Đề nghị thống nhất cách viết tắt TTHC.")]
    asked = load_registry().expected_submitters()
    track = tracking(replies, asked[asked["code"] != "S01"], dt.date(2017, 9, 15))
    mine = track[track["asked"]]
    assert len(mine) == len(asked) - 1 and int((mine["status"] != "Chưa trả lời").sum()) == 4
    assert set(track.loc[~track["asked"], "unit"]) == {"(chưa xác định đơn vị: scan-gop-y.pdf)"}

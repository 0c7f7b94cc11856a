"""The demo city's replies to the draft report: a few letters and tables of each kind (comments under a named
section, a general comment, "nhất trí", a late reply), for `sketket comments` and the run. They go in their
own folder, never inside the raw folder (ingest reads every file there as a submission)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from docx import Document
from openpyxl import Workbook

from sketket.clean import format_date

# (file, unit as its letterhead writes it, days after the deadline (negative: before), kind, comments)
REPLIES: tuple[tuple[str, str, int, str, tuple[tuple[str, str], ...]], ...] = (
    ("gop-y-so-tu-phap.docx", "Sở Tư pháp", -3, "letter", (
        ("", "Tại điểm c mục II.2, đề nghị nêu rõ số đơn vị chưa ban hành Quy chế phối hợp giải quyết TTHC liên "
             "thông."),
        ("", "Đề nghị rà soát, thống nhất cách viết tên các cơ quan, đơn vị trong toàn bộ dự thảo."),
    )),
    ("gop-y-quan-ba-dinh.docx", "UBND quận Ba Đình", -1, "letter", (
        ("", "UBND quận Ba Đình nhất trí với dự thảo."),
    )),
    ("gop-y-so-tai-chinh.xlsx", "Sở Tài chính", -2, "table", (
        ("II.2.đ", "Đề nghị bổ sung kinh phí chi trả làm thêm giờ sáng thứ bảy vào phần đánh giá."),
        ("III", "Đề nghị kiến nghị Bộ Tài chính hướng dẫn mức chi bồi dưỡng công chức Bộ phận một cửa."),
    )),
    ("gop-y-huyen-ba-vi.docx", "UBND huyện Ba Vì", 4, "letter", (
        ("", "Mục II.2.i: đề nghị nêu nguyên nhân hồ sơ quá hạn ở cấp xã."),
    )),
)


def _letter(path: Path, unit: str, date: dt.date, comments: list[str]) -> None:
    doc = Document()
    for text in ["UBND THÀNH PHỐ HÀ NỘI" if unit.startswith("Sở") else "", unit.upper(), "Số:      /CV",
                 "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
                 f"Hà Nội, ngày {date.day} tháng {date.month} năm {date.year}",
                 "V/v góp ý dự thảo Báo cáo sơ kết thực hiện Quyết định số 07/2016/QĐ-UBND",
                 "Kính gửi: Sở Nội vụ thành phố Hà Nội",
                 f"Sau khi nghiên cứu dự thảo Báo cáo sơ kết, {unit} có ý kiến như sau:",
                 *[f"- {c}" for c in comments], f"Trên đây là ý kiến của {unit}./.",
                 "Nơi nhận:", "- Như trên;", "- Lưu: VT."]:
        if text:
            doc.add_paragraph(text)
    doc.save(path)


def _table(path: Path, unit: str, date: dt.date, comments: list[tuple[str, str]]) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append([unit.upper()])
    ws.append([f"Ngày {format_date(date)}"])
    ws.append(["STT", "Mục của dự thảo", "Nội dung góp ý"])
    for k, (where, text) in enumerate(comments, start=1):
        ws.append([k, where, text])
    wb.save(path)


def write_demo_comments(folder: str | Path, deadline: dt.date) -> list[Path]:
    """Write the demo replies into `folder`, dated around `deadline`; the other units never answer."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, unit, days, kind, comments in REPLIES:
        date, path = deadline + dt.timedelta(days=days), folder / name
        if kind == "letter":
            _letter(path, unit, date, [t for _, t in comments])
        else:
            _table(path, unit, date, list(comments))
        out.append(path)
    return out

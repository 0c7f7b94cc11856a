"""The comment round on the draft report (lấy ý kiến dự thảo): read the replies units send back (a letter in
.docx or a table in .xlsx), place each comment under the outline section it names ("Chung" otherwise), and
write the table the analysts keep ("Bảng tổng hợp ý kiến góp ý, tiếp thu, giải trình") with who was asked,
who answered by the deadline, who answered late and who did not answer.

A reply that only says "nhất trí với dự thảo" is an answer with no comment. The answer's date is read from
the letter ("…, ngày 12 tháng 9 năm 2017" or 12/9/2017); a reply without a readable date is listed as such.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.datavalidation import DataValidation

from sketket.clean import excel_safe, fold, format_date, nfc
from sketket.context import RunContext
from sketket.intake.ingest import DEFAULT_MAX_MB
from sketket.intake.narrative import find_unit, read_blocks
from sketket.intake.screen import screen
from sketket.intake.validate import file_finding
from sketket.outputs.draft import OUTLINE_ORDER, load_config
from sketket.registry import Registry

COLUMNS = ("STT", "Mục của dự thảo", "Cơ quan, đơn vị góp ý", "Nội dung góp ý", "Tiếp thu / giải trình", "Ghi chú")
TRACK_COLUMNS = ("STT", "Cơ quan, đơn vị được lấy ý kiến", "Tệp trả lời", "Ngày trả lời", "Tình trạng",
                 "Số ý kiến")
SUFFIXES = (".docx", ".xlsx")
_ROMAN = r"(iii|ii|i)"
_LETTER = r"([a-kđ])"
# "mục II.2.c", "phần III", "mục II.3 b", "tại II.2.đ"
_REF = re.compile(rf"(?:mục|phần|tại|tiểu mục)\s+{_ROMAN}(?:\.(\d))?(?:[.\s]\s*(?:điểm\s+)?{_LETTER}\)?)?(?![\w.])")
# "điểm c mục 2 phần II", "điểm c, khoản 2, mục II", "điểm c mục II.2"
_POINT = re.compile(rf"điểm\s+{_LETTER}\)?,?\s+(?:khoản|mục|tiểu mục)\s+(?:(\d),?\s+(?:mục|phần)\s+{_ROMAN}|"
                    rf"{_ROMAN}\.(\d))(?![\w.])")
_DATE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})|\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
_SKIP_START = ("kính gửi", "nơi nhận", "trên đây", "sau khi nghiên cứu", "thực hiện văn bản", "-lưu", "- lưu",
               "lưu:", "tm.", "kt.", "ký", "giám đốc", "chủ tịch", "cộng hòa", "độc lập", "số:")


@dataclass
class Reply:
    """One file sent back: who sent it, when, and its comments as (section, text)."""

    file: str
    unit_code: str = ""
    unit_name: str = ""
    date: dt.date | None = None
    comments: list[tuple[str, str]] = field(default_factory=list)
    agrees: bool = False
    problem: str = ""  # why the file could not be read (screened out or damaged): listed, never silently lost


def section_of(text: str) -> str:
    """The outline section a comment names ("II.2.c", "III"…), or "" when it names none."""
    low = nfc(text).lower()
    m = _POINT.search(low)
    if m:
        letter, num, roman, roman2, num2 = m.groups()
        sid = f"{(roman or roman2).upper()}.{num or num2}.{letter}"
        if sid in OUTLINE_ORDER:
            return sid
    for m in _REF.finditer(low):
        roman, num, letter = m.groups()
        sid = roman.upper() + (f".{num}" if num else "") + (f".{letter}" if num and letter else "")
        while sid and sid not in OUTLINE_ORDER:  # "II.2.x" unknown: the nearest section above it
            sid = sid.rpartition(".")[0]
        if sid:
            return sid
    return ""


def reply_date(lines: list[str]) -> dt.date | None:
    """The first date written in the letter's head or end."""
    for line in lines:
        m = _DATE.search(nfc(line).lower())
        if m:
            d, mo, y = (m.group(1), m.group(2), m.group(3)) if m.group(1) else (m.group(4), m.group(5), m.group(6))
            try:
                return dt.date(int(y), int(mo), int(d))
            except ValueError:
                continue
    return None


def is_agreement(texts: list[str], phrases: list[str], changes: list[str]) -> bool:
    """True when every remaining line only says the unit agrees ("UBND quận X nhất trí với dự thảo."): it
    names agreement and asks for no change ("đề nghị", "bổ sung", "tuy nhiên"…)."""
    keys, asks = [fold(p) for p in phrases], [fold(c) for c in changes]
    body = [f" {fold(t).strip(' .;:')} " for t in texts if fold(t).strip(" .;:")]
    return bool(body) and all(any(f" {k} " in b for k in keys) and not any(f" {c} " in b for c in asks)
                              and len(b) < 160 for b in body)


def _strip_bullet(text: str) -> str:
    return re.sub(r"^\s*(?:[-+•*]|\d+[.)]|[a-kđ]\))\s*", "", nfc(text)).strip()


def _letter_comments(lines: list[str]) -> list[str]:
    """The comment lines of a letter: after "Kính gửi", before "Nơi nhận", boilerplate left out."""
    start = next((i + 1 for i, t in enumerate(lines) if fold(t).startswith("kinh gui")), 0)
    end = next((i for i, t in enumerate(lines) if fold(t).startswith("noi nhan")), len(lines))
    skip = tuple(fold(s) for s in _SKIP_START)
    out = []
    for text in lines[start:end]:
        t = nfc(text)
        if not t or fold(t).startswith(skip) or (t.endswith(":") and len(t) > 60):
            continue
        if start == 0 and (t.isupper() or _DATE.search(t.lower())):
            continue  # a letter without "Kính gửi": its header lines are no comments
        out.append(_strip_bullet(t))
    return [t for t in out if t]


def read_letter(path: Path, registry: Registry, agree: list[str], changes: list[str]) -> Reply:
    blocks = read_blocks(path)
    lines = [b.text for b in blocks if nfc(b.text)]
    hit, _ = find_unit(lines[:8], path.name, registry)
    reply = Reply(path.name, hit.code if hit else "", hit.name if hit else "", reply_date(lines[:12]))
    texts = _letter_comments(lines)
    if is_agreement(texts, agree, changes):
        reply.agrees = True
        return reply
    reply.comments = [(section_of(t), t) for t in texts]
    return reply


def read_table(path: Path, registry: Registry, agree: list[str], changes: list[str]) -> Reply:
    """A reply as a table: a header row with a "Nội dung góp ý" column (and maybe "Mục"/"Điều"); the unit
    and date in the lines above it or in the file name."""
    # formulas kept as their text: a reply's table has no computed comments, and nothing typed is lost
    wb = load_workbook(path, read_only=True, data_only=False)
    ws = wb.worksheets[0]
    rows = [[nfc(v) if v is not None else "" for v in row] for row in ws.iter_rows(values_only=True)]
    wb.close()
    header_at, content, where = None, None, None
    for i, row in enumerate(rows):
        keys = [fold(v) for v in row]
        content = next((j for j, k in enumerate(keys) if "noi dung" in k and "tiep thu" not in k), None)
        if content is not None:
            header_at = i
            where = next((j for j, k in enumerate(keys) if k.startswith(("muc", "phan", "dieu", "vi tri"))), None)
            break
    head = [" ".join(v for v in row if v) for row in rows[: header_at or len(rows)]]
    hit, _ = find_unit([h for h in head if h][:8], path.name, registry)
    reply = Reply(path.name, hit.code if hit else "", hit.name if hit else "", reply_date(head))
    if header_at is None:
        return reply
    texts = []
    for row in rows[header_at + 1:]:
        text = row[content] if content < len(row) else ""
        if not text:
            continue
        named = row[where] if where is not None and where < len(row) else ""
        texts.append(((section_of(f"mục {named}") if named else "") or section_of(text), text))
    if is_agreement([t for _, t in texts], agree, changes):
        reply.agrees = True
    else:
        reply.comments = texts
    return reply


def read_replies(folder: Path, registry: Registry, config: dict[str, Any] | None = None) -> list[Reply]:
    config = config or load_config()
    agree, changes = config["comments"]["agree"], config["comments"]["changes"]
    replies = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES):
        if path.name.startswith("~$"):
            continue  # Word's lock file
        replies.append(read_reply(path, registry, agree, changes))
    return replies


def read_reply(path: Path, registry: Registry, agree: list[str], changes: list[str],
               max_bytes: float = DEFAULT_MAX_MB * 2**20) -> Reply:
    """One reply, screened like a submission before it is opened (size, inflated size, DTDs): a file that
    fails the screen or cannot be read is a Reply with its problem, and the others are still read."""
    try:
        problem = screen(path, max_bytes)
        if problem is None:
            reader = read_letter if path.suffix.lower() == ".docx" else read_table
            return reader(path, registry, agree, changes)
        rule, fields = problem
    except Exception as exc:  # damaged or unreadable: one file lost, with its reason
        rule, fields = "file_corrupt", {"detail": type(exc).__name__}
    return Reply(path.name, problem=file_finding(rule, path.name, **fields).message)


def comment_rows(replies: list[Reply], config: dict[str, Any] | None = None,
                 deadline: dt.date | None = None) -> pd.DataFrame:
    """One row per comment, under its section in the outline's order ("Chung" first); `note` says a reply
    sent after `deadline` (the drafter decides whether a late comment is still taken in)."""
    config = config or load_config()
    general = config["comments"]["general_section"]
    order = {sid: k for k, sid in enumerate(("", *OUTLINE_ORDER))}

    def note(r: Reply) -> str:
        late = deadline is not None and r.date is not None and r.date > deadline
        return f"Trả lời muộn {(r.date - deadline).days} ngày ({format_date(r.date)})" if late else ""

    rows = [{"section": s or general, "_order": order.get(s, 0), "unit": r.unit_name or r.file, "text": t,
             "note": note(r)} for r in replies for s, t in r.comments]
    rows += [{"section": general, "_order": 0, "unit": r.unit_name or r.file,
              "text": config["comments"]["agree_label"], "note": note(r)} for r in replies if r.agrees]
    df = pd.DataFrame(rows, columns=["section", "_order", "unit", "text", "note"])
    return df.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


def tracking(replies: list[Reply], asked: pd.DataFrame, deadline: dt.date) -> pd.DataFrame:
    """Every unit asked, with its reply (the latest when several) and its status; replies from units not in
    the list are kept at the end."""
    by_code: dict[str, Reply] = {}
    for r in replies:
        key = r.unit_code or r.file
        if key not in by_code or (r.date and (by_code[key].date or dt.date.min) < r.date):
            by_code[key] = r
    rows = []
    for u in asked.itertuples(index=False):
        rows.append(_track_row(u.name_with_type or u.name, by_code.pop(u.code, None), deadline))
    for r in by_code.values():
        rows.append(_track_row(r.unit_name or f"(chưa xác định đơn vị: {r.file})", r, deadline))
    return pd.DataFrame(rows)


def _track_row(name: str, reply: Reply | None, deadline: dt.date) -> dict[str, Any]:
    if reply is None:
        status = "Chưa trả lời"
    elif reply.problem:
        status = f"Không đọc được tệp trả lời: {reply.problem}"
    elif reply.date is None:
        status = "Đã trả lời (không rõ ngày)"
    elif reply.date <= deadline:
        status = "Đúng hạn"
    else:
        status = f"Muộn {(reply.date - deadline).days} ngày"
    if reply is not None and not reply.problem and reply.agrees and not reply.comments:
        status += "; nhất trí với dự thảo"  # an answer with no comment: its row on the first sheet says so too
    return {"unit": name, "file": reply.file if reply else "", "date": format_date(reply.date) if reply else "",
            "status": status, "comments": (len(reply.comments) if reply else 0)}


def write_comments(replies: list[Reply], asked: pd.DataFrame, deadline: dt.date, out: Path,
                   config: dict[str, Any] | None = None, draft: Path | None = None) -> Path:
    config = config or load_config()
    drafter = str(config["comments"].get("drafter_code", ""))
    asked = asked[asked["code"] != drafter]  # the drafting unit does not comment on its own draft
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp ý kiến"
    ws.append([config["comments"]["title"]])
    ws["A1"].font = Font(name="Times New Roman", size=13, bold=True)
    ws.append([config["comments"]["document"] + (f" (tệp {draft.name})" if draft else "")])
    ws.append(list(COLUMNS))
    for cell in ws[3]:
        cell.font = Font(name="Times New Roman", bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    for k, r in enumerate(comment_rows(replies, config, deadline).itertuples(index=False), start=1):
        ws.append([k, r.section, excel_safe(r.unit), excel_safe(r.text), "", r.note])
    for col, width in zip("ABCDEF", (6, 14, 30, 70, 40, 22), strict=True):
        ws.column_dimensions[col].width = width
    if ws.max_row > 3:  # the usual answers offered, any other text still accepted
        lists = wb.create_sheet("Danh mục")  # a range, not an inline list: the answers contain commas
        for answer in config["comments"]["responses"]:
            lists.append([answer])
        n = len(config["comments"]["responses"])
        choice = DataValidation(type="list", formula1=f"'Danh mục'!$A$1:$A${n}", allow_blank=True,
                                showErrorMessage=False)
        ws.add_data_validation(choice)
        choice.add(f"E4:E{ws.max_row}")
    track = tracking(replies, asked, deadline)
    ts = wb.create_sheet("Theo dõi trả lời")
    status = track["status"] if len(track) else pd.Series(dtype=str)
    on_time, late = int(status.str.startswith("Đúng hạn").sum()), int(status.str.startswith("Muộn").sum())
    ts.append([f"Hạn góp ý: {format_date(deadline)}. Được lấy ý kiến: {len(asked)}; trả lời đúng hạn: "
               f"{on_time}; trả lời muộn: {late}; chưa trả lời: {int((status == 'Chưa trả lời').sum())}."])
    ts.append(list(TRACK_COLUMNS))
    for k, r in enumerate(track.itertuples(index=False), start=1):
        ts.append([k, excel_safe(r.unit), excel_safe(r.file), r.date, r.status, r.comments])
    for col, width in zip("ABCDEF", (6, 45, 30, 14, 26, 10), strict=True):
        ts.column_dimensions[col].width = width
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def cli_comments(args: argparse.Namespace) -> int:
    """`sketket comments COMMENTS_DIR --out FILE.xlsx [--draft FILE.docx] [--config FILE]`."""
    config = args.config or (Path("sketket.yml") if Path("sketket.yml").is_file() else None)
    ctx = RunContext.load(config, registry=args.registry)
    if not args.comments_dir.is_dir():
        print(f"sketket comments: không có thư mục {args.comments_dir}", file=sys.stderr)
        return 2
    replies = read_replies(args.comments_dir, ctx.registry)
    path = write_comments(replies, ctx.registry.expected_submitters(), ctx.plan.draft_deadline, args.out,
                          draft=args.draft)
    print(f"Đã ghi bảng tổng hợp ý kiến: {path} ({len(replies)} tệp trả lời)")
    return 0

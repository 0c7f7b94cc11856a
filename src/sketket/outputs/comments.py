"""The comment round on the draft report (lấy ý kiến dự thảo): read the replies units send back (a letter in
.docx or a table in .xlsx), place each comment under the outline section it names ("Chung" otherwise), and
write the table the analysts keep ("Bảng tổng hợp ý kiến góp ý, tiếp thu, giải trình") with who was asked,
who answered by the deadline, who answered late and who did not answer.

A reply that only says "nhất trí với dự thảo" is an answer with no comment. The answer's date is the letter's
own ("Hà Nội, ngày 12 tháng 9 năm 2017"), never a cited document's ("Quyết định … ngày 08/3/2016"); a reply
without a readable date is listed as such. Letters may be .docx, .odt or .txt; any other file of the folder
(a scanned PDF) and a second copy of one file are listed on the tracking sheet with why, never left out.
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
LETTERS = (".docx", ".odt", ".txt")  # read as a letter (the narrative reports' reader)
_ROMAN = r"(iii|ii|i)"
_LETTER = r"([a-kđ])"
# "mục II.2.c", "phần III", "mục II.3 b", "tại II.2.đ"
# (a full stop may end the sentence after it: "… tại mục II.2.i.", but "II.2.i.1" is no reference to II.2.i)
_REF = re.compile(rf"(?:mục|phần|tại|tiểu mục)\s+{_ROMAN}(?:\.(\d))?(?:[.\s]\s*(?:điểm\s+)?{_LETTER}\)?)?(?!\w|\.\w)")
# "điểm c mục 2 phần II", "điểm c, khoản 2, mục II", "điểm c mục II.2"
_POINT = re.compile(rf"điểm\s+{_LETTER}\)?,?\s+(?:khoản|mục|tiểu mục)\s+(?:(\d),?\s+(?:mục|phần)\s+{_ROMAN}|"
                    rf"{_ROMAN}\.(\d))(?!\w|\.\w)")
_DATE = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})|\b(\d{1,2})/(\d{1,2})/(\d{4})\b")
# The letter's own date: "Hà Nội, ngày 19 tháng 9 năm 2017" (a place, a comma, then the date)
_SIGNED = re.compile(r"\w\s*,\s*(?:ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})|(\d{1,2})/(\d{1,2})/(\d{4}))")
# A date that is another document's: right after its number ("Quyết định số 07/2016/QĐ-UBND ngày 08/3/2016",
# "Kế hoạch 186/KH-UBND ngày 14/8/2017", "văn bản số 12 ngày …"); "Số: 123/UBND-VP Đông Anh, ngày …" is not
_CITED = re.compile(r"(?:\bsố\s*:?\s*\d[\w/.\-]*|\b\d+/[\w/.\-]*[a-zđ][\w/.\-]*)\s*,?\s*(?:ngày\s*)?$")
_SKIP_START = ("kính gửi", "nơi nhận", "trên đây", "sau khi nghiên cứu", "thực hiện văn bản", "-lưu", "- lưu",
               "lưu:", "tm.", "kt.", "ký", "giám đốc", "chủ tịch", "cộng hòa", "độc lập", "số:", "trân trọng",
               "xin trân trọng", "v/v")


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


def _day(groups: tuple[str | None, ...]) -> dt.date | None:
    d, mo, y = groups[0:3] if groups[0] else groups[3:6]
    try:
        return dt.date(int(y), int(mo), int(d))
    except (TypeError, ValueError):
        return None


def reply_date(lines: list[str]) -> dt.date | None:
    """The letter's own date: the place and date it was signed ("Hà Nội, ngày 19 tháng 9 năm 2017"), else the
    first date that is not another document's (a decision or letter cited with its number: "V/v … Quyết định
    số 07/2016/QĐ-UBND ngày 08/3/2016")."""
    texts = [t for line in lines for t in nfc(line).lower().split(" | ")]
    for text in texts:
        for m in _SIGNED.finditer(text):
            if not _CITED.search(text[:m.start()]) and (day := _day(m.groups())):
                return day
    for text in texts:
        if text.startswith(("v/v", "số:", "số ")):
            continue
        for m in _DATE.finditer(text):
            if not _CITED.search(text[:m.start()]) and (day := _day(m.groups())):
                return day
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


def _sender(head: list[str], file_name: str, registry: Registry) -> tuple[str, str]:
    """(code, name) of the unit that sent a reply: named in its head, unless that is the drafting unit (a
    letter to the Sở Nội vụ names it: "Góp ý dự thảo … của Sở Nội vụ") while the file name names another."""
    from sketket.intake.narrative import match_unit

    hit, _ = find_unit(head, file_name, registry)
    drafter = str(load_config()["comments"].get("drafter_code", ""))
    if hit is not None and hit.code == drafter:
        other = match_unit(re.sub(r"[_\-.]+", " ", Path(file_name).stem), registry, bare_names=True)
        if other is not None and other.code != drafter:
            hit = other
    return (hit.code, hit.name) if hit else ("", "")


def _placed(texts: list[str]) -> list[tuple[str, str]]:
    """Each comment with the section it names, else the section of the heading above it ("3. Về mục II.3.b:"
    then its bullets); a heading that names a section is no comment itself."""
    out, context = [], ""
    for t in texts:
        sid = section_of(t)
        if t.endswith(":") and sid:
            context = sid
            continue
        out.append((sid or context, t))
    return out


def read_letter(path: Path, registry: Registry, agree: list[str], changes: list[str]) -> Reply:
    blocks = read_blocks(path)
    lines = [b.text for b in blocks if nfc(b.text)]
    code, name = _sender(lines[:8], path.name, registry)
    # the date is at the head, or at the end beside the signature
    reply = Reply(path.name, code, name, reply_date(lines[:12]) or reply_date(lines[-10:]))
    texts = _letter_comments(lines)
    if is_agreement(texts, agree, changes):
        reply.agrees = True
        return reply
    reply.comments = _placed(texts)
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
        if sum(1 for v in row if v) < 2:  # a title ("GÓP Ý DỰ THẢO BÁO CÁO"), not the header
            continue
        keys = [fold(v) for v in row]
        content = _comment_column(keys)
        if content is not None:
            header_at = i
            where = next((j for j, k in enumerate(keys) if k.startswith(("muc", "phan", "dieu", "vi tri"))), None)
            if where is None:  # the draft's text quoted beside the comment ("Nội dung dự thảo") may name it
                where = next((j for j, k in enumerate(keys) if j != content and "du thao" in k), None)
            break
    head = [" ".join(v for v in row if v) for row in rows[: header_at or len(rows)]]
    code, name = _sender([h for h in head if h][:8], path.name, registry)
    reply = Reply(path.name, code, name, reply_date(head))
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


def _comment_column(keys: list[str]) -> int | None:
    """The column of the comments in a header row (folded cells): "Ý kiến góp ý" first, then "Nội dung góp ý";
    never the draft's text quoted beside it ("Nội dung dự thảo") nor the drafter's answer ("Tiếp thu")."""
    def usable(k: str) -> bool:
        return "tiep thu" not in k and "giai trinh" not in k

    for wanted in (("y kien", "gop y"), ("noi dung",)):
        found = [j for j, k in enumerate(keys) if usable(k) and any(w in k for w in wanted)
                 and not (wanted == ("noi dung",) and "du thao" in k)]
        if found:
            return found[0]
    return None


def read_replies(folder: Path, registry: Registry, config: dict[str, Any] | None = None,
                 max_bytes: float = DEFAULT_MAX_MB * 2**20) -> list[Reply]:
    """Every file of the folder of replies, each a Reply (read, or listed with why not: its format, a copy of
    another, the screen's problem). A file over `max_bytes` is not even hashed: the screen lists it."""
    config = config or load_config()
    agree, changes = config["comments"]["agree"], config["comments"]["changes"]
    import hashlib

    replies: list[Reply] = []
    seen: dict[str, Reply] = {}
    # the folder's own files first, the oldest first: of two copies of one letter, the first saved is the one read
    files = [p for p in folder.rglob("*") if p.is_file()]
    for path in sorted(files, key=lambda p: (len(p.relative_to(folder).parts), p.stat().st_mtime, p.as_posix())):
        if path.name.startswith(("~$", ".")):
            continue  # Word's lock file, a system file
        rel = path.relative_to(folder).as_posix()
        if path.suffix.lower() not in (*SUFFIXES, *LETTERS):  # listed with why, never silently left out
            replies.append(Reply(rel, problem=config["comments"]["unread_format"].format(suffix=path.suffix or "?")))
            continue
        try:
            if path.stat().st_size <= max_bytes:  # bounded before a byte is read; streamed, not held whole
                with path.open("rb") as f:
                    digest = hashlib.file_digest(f, "sha256").hexdigest()
            else:
                digest = rel
        except OSError:
            digest = rel
        if digest in seen:  # the same file saved twice ("ba-vi (1).docx", a copy in a sub-folder): read once
            first = seen[digest]
            replies.append(Reply(rel, first.unit_code, first.unit_name,
                                 problem=config["comments"]["same_file"].format(file=first.file)))
            continue
        reply = read_reply(path, registry, agree, changes, max_bytes)
        seen[digest] = reply
        reply.file = rel
        replies.append(reply)
    return replies


def read_reply(path: Path, registry: Registry, agree: list[str], changes: list[str],
               max_bytes: float = DEFAULT_MAX_MB * 2**20) -> Reply:
    """One reply, screened like a submission before it is opened (size, inflated size, DTDs): a file that
    fails the screen or cannot be read is a Reply with its problem, and the others are still read."""
    try:
        problem = screen(path, max_bytes)
        if problem is None:
            reader = read_letter if path.suffix.lower() in LETTERS else read_table
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

    rows, said = [], set()
    for r in replies:
        for s, t in r.comments:
            key = (r.unit_code or r.file, fold(t))
            if key in said:  # a unit's comment sent again (a corrected letter repeating the others): once
                continue
            said.add(key)
            rows.append({"section": s or general, "_order": order.get(s, 0), "unit": r.unit_name or r.file,
                         "text": t, "note": note(r)})
    rows += [{"section": general, "_order": 0, "unit": r.unit_name or r.file,
              "text": config["comments"]["agree_label"], "note": note(r)} for r in replies if r.agrees]
    df = pd.DataFrame(rows, columns=["section", "_order", "unit", "text", "note"])
    return df.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


def tracking(replies: list[Reply], asked: pd.DataFrame, deadline: dt.date,
             config: dict[str, Any] | None = None) -> pd.DataFrame:
    """Every unit asked, with its replies (its first dated one decides whether it answered in time; every file
    named) and its status; then the replies of units not asked (the drafting unit, a body outside the list,
    a file whose unit is not known), each saying so, and `asked` False so that no count mixes them in."""
    words = (config or load_config())["comments"]
    by_code: dict[str, list[Reply]] = {}
    for r in replies:
        by_code.setdefault(r.unit_code or r.file, []).append(r)
    rows = []
    for u in asked.itertuples(index=False):
        rows.append({**_track_row(u.name_with_type or u.name, by_code.pop(u.code, []), deadline), "asked": True})
    drafter = str(words.get("drafter_code", ""))
    for code, group in by_code.items():
        name = group[0].unit_name or f"(chưa xác định đơn vị: {group[0].file})"
        row = _track_row(name, group, deadline)
        if group[0].unit_code:  # a known unit outside the list (a file of no known unit says so in its name)
            row["status"] = f"{words['drafter'] if code == drafter else words['not_asked']}; {row['status']}"
        rows.append({**row, "asked": False})
    return pd.DataFrame(rows, columns=["unit", "file", "date", "status", "comments", "asked"])


def _track_row(name: str, replies: list[Reply], deadline: dt.date) -> dict[str, Any]:
    """One unit's line: its earliest dated readable reply decides the status (a correction sent later does
    not make an answer late); all its files are named, and its comments counted over them."""
    read = [r for r in replies if not r.problem]
    dated = sorted((r for r in read if r.date), key=lambda r: r.date)
    reply = dated[0] if dated else (read[0] if read else (replies[0] if replies else None))
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
    if reply is not None and not reply.problem and all(r.agrees and not r.comments for r in read):
        status += "; nhất trí với dự thảo"  # an answer with no comment: its row on the first sheet says so too
    return {"unit": name, "file": "; ".join(r.file for r in replies),
            "date": reply.date if reply is not None and reply.date else None,
            "status": status, "comments": sum(len(r.comments) for r in read)}


_FONT = "Times New Roman"  # the office's documents' font, in every cell (the title, the header, the rows)
_TOP = Alignment(wrap_text=True, vertical="top")


def _sheet(ws: Any, title: str, subtitle: str, columns: tuple[str, ...], widths: tuple[int, ...]) -> int:
    """A sheet's title and subtitle (merged over the table), its header (bold, centred, repeated on every
    printed page, frozen, with a filter), landscape and fitted to the page width; the header's row number."""
    last = chr(ord("A") + len(columns) - 1)
    for r, (text, size) in enumerate(((title, 13), (subtitle, 12)), start=1):
        ws.cell(r, 1, text).font = Font(name=_FONT, size=size, bold=r == 1)
        ws.cell(r, 1).alignment = Alignment(wrap_text=True, vertical="center")
        ws.merge_cells(f"A{r}:{last}{r}")
    ws.row_dimensions[2].height = 32
    for c, name in enumerate(columns, start=1):
        cell = ws.cell(3, c, name)
        cell.font = Font(name=_FONT, bold=True)
        cell.alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
    for col, width in zip("ABCDEFGH", widths, strict=False):
        ws.column_dimensions[col].width = width
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    return 3


def _row(ws: Any, values: list[Any], date_column: int | None = None) -> None:
    ws.append(values)
    for cell in ws[ws.max_row]:
        cell.font = Font(name=_FONT)
        cell.alignment = _TOP
    if date_column is not None and isinstance(values[date_column - 1], dt.date):
        ws.cell(ws.max_row, date_column).number_format = "dd/mm/yyyy"  # a date the analyst can sort


def write_comments(replies: list[Reply], asked: pd.DataFrame, deadline: dt.date, out: Path,
                   config: dict[str, Any] | None = None, draft: Path | None = None) -> Path:
    config = config or load_config()
    words = config["comments"]
    drafter = str(words.get("drafter_code", ""))
    asked = asked[asked["code"] != drafter]  # the drafting unit does not comment on its own draft
    wb = Workbook()
    ws = wb.active
    ws.title = "Tổng hợp ý kiến"
    _sheet(ws, words["title"], words["document"] + (f" (tệp {draft.name})" if draft else ""), COLUMNS,
           (6, 14, 30, 70, 40, 22))
    for k, r in enumerate(comment_rows(replies, config, deadline).itertuples(index=False), start=1):
        _row(ws, [k, r.section, excel_safe(r.unit), excel_safe(r.text), "", r.note])
    if ws.max_row > 3:
        ws.auto_filter.ref = f"A3:F{ws.max_row}"
        # the usual answers offered, any other text still accepted
        lists = wb.create_sheet("Danh mục")  # a range, not an inline list: the answers contain commas
        for answer in words["responses"]:
            lists.append([answer])
        lists.sheet_state = "hidden"  # the list behind the drop-down, not a page to edit
        n = len(words["responses"])
        choice = DataValidation(type="list", formula1=f"'Danh mục'!$A$1:$A${n}", allow_blank=True,
                                showErrorMessage=False)
        ws.add_data_validation(choice)
        choice.add(f"E4:E{ws.max_row}")
    track = tracking(replies, asked, deadline, config)
    ts = wb.create_sheet("Theo dõi trả lời", 1)
    mine = track[track["asked"]]
    status = mine["status"] if len(mine) else pd.Series(dtype=str)
    on_time, late = int(status.str.startswith("Đúng hạn").sum()), int(status.str.startswith("Muộn").sum())
    others = len(track) - len(mine)
    _sheet(ts, "THEO DÕI TRẢ LỜI GÓP Ý DỰ THẢO",
           f"Hạn góp ý: {format_date(deadline)}. Được lấy ý kiến: {len(asked)}; trả lời đúng hạn: {on_time}; "
           f"trả lời muộn: {late}; chưa trả lời: {int((status == 'Chưa trả lời').sum())}; "
           f"khác: {len(mine) - on_time - late - int((status == 'Chưa trả lời').sum())}."
           + (f" Ngoài ra {others} tệp trả lời của đơn vị không thuộc danh sách được lấy ý kiến (cuối bảng)."
              if others else ""), TRACK_COLUMNS, (6, 45, 40, 14, 40, 10))
    for k, r in enumerate(track.itertuples(index=False), start=1):
        _row(ts, [k, excel_safe(r.unit), excel_safe(r.file), r.date, r.status, r.comments], date_column=4)
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

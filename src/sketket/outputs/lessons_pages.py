"""The HTML pieces of the lessons notebook (03_lessons.ipynb): themes, quotes, initiatives,
recommendations, the II.2 checklist and submission tracking, as formatted tables rendered by the escaping
Jinja templates (outputs/html.py)."""

from __future__ import annotations

import pandas as pd

from sketket.analysis.checklist import checklist_matrix, load_checklist, silent_units
from sketket.analysis.lessons import load_themes, theme_table
from sketket.analysis.tracking import tracking_summary
from sketket.clean import format_date
from sketket.config import Plan
from sketket.intake.narrative import load_outline
from sketket.outputs.html import piece
from sketket.outputs.packs import Tables, para, table_html

_NONE = "Chưa có dữ liệu: chưa nhận được báo cáo thuyết minh nào."


def _section_caption(section: str) -> str:
    return f"{section}. {load_outline().headings.get(section, section)}"


def themes_html(tables: Tables) -> str:
    """Per section: themes × tiers, number of units that wrote about each theme."""
    counts = tables["lessons_themes"]
    if counts.empty:
        return para(_NONE)
    parts = []
    for section in load_themes().sections:
        wide = theme_table(counts, section)
        if wide.empty:
            continue
        wide = wide.reset_index()
        parts.append(table_html(wide, dict.fromkeys(wide.columns[1:], "int"), caption=_section_caption(section)))
    return "".join(parts) or para(_NONE)


def quotes_html(tables: Tables) -> str:
    """Per section: representative quotes of each theme with the unit that wrote them."""
    quotes = tables["lessons_quotes"]
    if quotes.empty:
        return para(_NONE)
    cols = {"theme_label": "Chủ đề", "quote": "Trích dẫn", "unit_name": "Đơn vị", "same_units": "Số đơn vị khác nêu tương tự"}
    parts = []
    for section in load_themes().sections:
        part = quotes[quotes["section"] == section]
        if len(part):
            parts.append(table_html(part[list(cols)], {"same_units": "int"}, cols, caption=_section_caption(section)))
    return "".join(parts)


def initiatives_html(tables: Tables) -> str:
    """Every initiative, with the units that run it."""
    df = tables["initiatives"]
    if df.empty:
        return para("Chưa có mô hình, sáng kiến nào được nêu.")
    cols = {"initiative": "Mô hình, sáng kiến", "units": "Đơn vị thực hiện", "tiers": "Khối", "n_units": "Số đơn vị",
            "themes": "Chủ đề"}
    return table_html(df[list(cols)], {"n_units": "int"}, cols)


def recommendations_html(tables: Tables) -> str:
    """Recommendations, one table per addressee."""
    df = tables["recommendations"]
    if df.empty:
        return para("Chưa có kiến nghị, đề xuất nào.")
    cols = {"recommendation": "Kiến nghị, đề xuất", "units": "Đơn vị", "n_units": "Số đơn vị", "themes": "Chủ đề"}
    return "".join(table_html(part[list(cols)], {"n_units": "int"}, cols, caption=f"Kiến nghị tới: {label}")
                   for label, part in df.groupby("addressee_label", sort=False))


def checklist_html(tables: Tables) -> str:
    """The II.2 matrix, one table per item group (c, d, đ …), units in rows."""
    df = tables["checklist"]
    if df.empty:
        return para(_NONE)
    df = df.assign(unit_name=df["unit_name"].fillna(""), tier=df["tier"].fillna(""),
                   value=df["value"].fillna(""))
    parts = []
    for group in dict.fromkeys(i["group"] for i in load_checklist().items):
        matrix = checklist_matrix(df[df["group"] == group]).reset_index()
        parts.append(table_html(matrix, caption=group))
    return "".join(parts)


def checklist_review_html(tables: Tables) -> str:
    """The answers to check before they are printed: two sentences that disagree, and partial answers,
    each with the unit's own sentences."""
    df = tables["checklist"]
    if df.empty:
        return _NONE
    flag = df["flag"].fillna("") if "flag" in df.columns else pd.Series("", index=df.index)
    todo = df[(flag != "") | (df["value"] == load_checklist().values["partly"])]
    if todo.empty:
        return para("Không có câu trả lời nào cần kiểm tra lại.")
    todo = todo.assign(answer=todo["value"].where(flag.loc[todo.index] == "", load_checklist().flag_label))
    cols = {"unit_name": "Đơn vị", "item_label": "Nội dung", "answer": "Câu trả lời",
            "evidence": "Câu trong báo cáo (các câu cách nhau bởi |)"}
    return table_html(todo.sort_values(["unit_name", "item"])[list(cols)], labels=cols)


def silent_html(tables: Tables) -> str:
    """Per item: units answering yes, no, with a figure, and the units that say nothing."""
    df = tables["checklist"]
    if df.empty:
        return para(_NONE)
    table = silent_units(df.assign(value=df["value"].fillna(""))).reset_index()
    return table_html(table, dict.fromkeys(table.columns[1:-1], "int"))


def tracking_html(tables: Tables, plan: Plan) -> str:
    """Units per tier and status, then every unit late, incomplete or missing."""
    subs = tables["submissions"]
    if subs.empty:
        return para("Chưa có sổ theo dõi gửi báo cáo.")
    subs = subs.astype(object).where(subs.notna(), "")
    summary = tracking_summary(subs).reset_index()
    deadline = format_date(plan.report_deadline)
    head = piece("deadline", deadline)
    html = head + table_html(summary, dict.fromkeys(summary.columns[1:], "int"), total_last=True)
    cols = {"unit_name": "Đơn vị", "tier_label": "Khối", "status_label": "Tình trạng", "phu_luc_date": "Ngày gửi biểu",
            "bao_cao_date": "Ngày gửi báo cáo", "bao_cao_nhiem_vu_date": "Ngày gửi báo cáo nhiệm vụ",
            "days_late": "Số ngày chậm", "paper": "Bản giấy", "missing": "Còn thiếu"}
    todo = subs[subs["status"] != "on_time"]
    order = {"missing": 0, "incomplete": 1, "late": 2, "unexpected": 3}
    todo = todo.assign(_o=todo["status"].map(order)).sort_values(["_o", "unit_name"])
    days = pd.to_numeric(todo["days_late"], errors="coerce")
    return html + table_html(todo.assign(days_late=days)[list(cols)], {"days_late": "int"}, cols)

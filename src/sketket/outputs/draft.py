"""The People's Committee's draft summary report (dự thảo Báo cáo sơ kết), as a .docx from a Word template.

The layout lives in ``templates/draft/bao-cao-so-ket.docx`` (docxtpl: Jinja tags inside a real Word file, so
the Sở Nội vụ restyles it in Word). The template receives one structure, built by :func:`draft_data`:

    header:     {draft_mark, issuer_parent, issuer, number, place_date}        (strings)
    title:      {kind, summary}
    sections:   [{id, number, heading, level (1, 2, 3), paragraphs: [str]}]   in the outline's order (I … III)
    closing:    str
    recipients: [str]                                                        ("Nơi nhận")
    signer:     {authority, role, name}
    appendices: [{form, title, subtitle, note, rows: [{stt, name, area_m2, tthc_total, tthc_one_stop,
                  tthc_one_stop_pct, dossiers_received, dossiers_on_time, dossiers_overdue, on_time_pct,
                  online_services_l34, postal_tthc, note}]}]                 (values already written as text)

Every figure comes from the catalog (``indicators_tiers``, ``indicators_units``, ``checklist`` …) and is
written the Vietnamese way (1.234.567; 98,7%). Units whose figures await correction are left out of every
figure, and the text says so. Where only a person can judge, a marked placeholder stands instead of prose.

Where dossier logs were counted (``sketket dossiers``), sections II.2.đ, e, g and i add, after the tables'
figures, what the logs say (sketket.analysis.dossier_facts: Saturday and postal dossiers, the online share and
the procedures most used online, the procedures with most overdue dossiers and with none), each sentence
naming the units whose logs it comes from; section i names those units and gives the reconciliation of the
tables with the logs. They are paragraphs like the others (no field of the template is added).
"""

from __future__ import annotations

import argparse
import sys
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pandas as pd

from sketket.analysis.checklist import (
    answer_words,
    flagged,
    implied_by,
    load_checklist,
    number_kinds,
    reporting_unit,
    sentence_label,
)
from sketket.analysis.gating import AWAITING
from sketket.analysis.indicators import leaders, ranked_names
from sketket.analysis.indicators import load_config as load_indicator_config
from sketket.catalog import Catalog
from sketket.clean import format_int, format_number, format_percent, in_sentence, nfc
from sketket.config import load_yaml
from sketket.context import RunContext
from sketket.dimensions import SUBMITTER_TIERS, TIER_LABELS, TIERS
from sketket.outputs.draft_template import APPENDIX_COLUMNS, TEMPLATE

SectionData = dict[str, Any]
_LEVEL_NUMBERS = {"I": "I.", "II": "II.", "III": "III.", "II.1": "1.", "II.2": "2.", "II.3": "3."}
OUTLINE_ORDER = ("I", "II", "II.1", "II.2", "II.2.a", "II.2.b", "II.2.c", "II.2.d", "II.2.đ", "II.2.e", "II.2.g",
          "II.2.h", "II.2.i", "II.2.k", "II.3", "II.3.a", "II.3.b", "II.3.c", "II.3.d", "III")


def load_config(path: str | Path | None = None) -> dict[str, Any]:
    return load_yaml(Path(path) if path else "draft.yml")


def outline() -> list[dict[str, Any]]:
    """The outline's sections the report follows, in order: id, number ("I.", "1.", "a)"), heading, level."""
    headings = {s["id"]: s["heading"] for s in load_yaml("outline.yml")["sections"]}
    out = []
    for sid in OUTLINE_ORDER:
        parts = sid.split(".")
        number = _LEVEL_NUMBERS.get(sid) or f"{parts[-1]})"
        heading = headings[sid]
        out.append({"id": sid, "number": number, "heading": heading.upper() if len(parts) == 1 else heading,
                    "level": min(len(parts), 3)})
    return out


# ----------------------------------------------------------------------------------------------- the figures
def _tiers(catalog) -> pd.DataFrame:
    return catalog.load("indicators_tiers")


def city_row(tiers: pd.DataFrame) -> pd.Series:
    """The city's aggregate row (ratios of sums over units not awaiting correction)."""
    city = tiers[tiers["scope"] == "city"]
    if city.empty:
        raise ValueError("indicators_tiers không có dòng toàn Thành phố: hãy chạy `sketket analyse` trước")
    return city.iloc[0]


def _tier_rows(tiers: pd.DataFrame) -> dict[str, pd.Series]:
    rows = tiers[tiers["scope"] == "tier"]
    return {r["tier"]: r for _, r in rows.iterrows()}


def _and(parts: list[str]) -> str:
    return "; ".join(parts[:-1]) + (" và " if len(parts) > 1 else "") + parts[-1] if parts else ""


def scope_sentence(tiers: pd.DataFrame) -> str:
    """ "22/22 Sở, cơ quan tương đương Sở; 30/30 quận, huyện, thị xã và 584/584 xã, phường, thị trấn": units
    reporting of units expected, tier by tier."""
    rows = _tier_rows(tiers)
    return _and([f"{format_int(rows[t]['units_reporting'])}/{format_int(rows[t]['units_expected'])} "
                 f"{in_sentence(TIER_LABELS[t])}" for t in TIERS if t in rows and _num(rows[t]["units_expected"]) > 0])


def _num(value: Any) -> float:
    return 0.0 if value is None or pd.isna(value) else float(value)


def _names(names: list[str], limit: int | None = None) -> str:
    names = [nfc(n) for n in names if nfc(n)]
    shown = names if limit is None else names[:limit]
    more = len(names) - len(shown)
    text = ", ".join(shown)
    return _said("more_units", names=text, n=format_int(more)) if more > 0 else text


@cache
def _sentences() -> MappingProxyType:
    """draft.yml's `sentences`, read once (a draft says a few dozen of them), read-only since it is shared."""
    return MappingProxyType(load_config()["sentences"])


def _said(key: str, **fields: str) -> str:
    """A sentence of draft.yml `sentences`, filled."""
    return str(_sentences()[key]).format(**fields)


def awaiting_sentence(units: pd.DataFrame, label: str = "đang chờ sửa") -> str:
    """Which units are left out of the figures because theirs await correction (empty when none)."""
    waiting = units[units["data_status"] == AWAITING]
    if waiting.empty:
        return ""
    return _said("awaiting", n=format_int(len(waiting)), label=label, names=_names(waiting["unit_name"].tolist()))


def superseded_sentence(units: pd.DataFrame, findings: pd.DataFrame) -> str:
    """The units whose figures come from an earlier file (their later one could not be opened), as the packs
    say it; empty when none."""
    from sketket.analysis.gating import superseded_heads

    heads = superseded_heads(units, findings)
    return load_indicator_config()["gating"]["superseded"].format(units=", ".join(heads)) if heads else ""


def left_out_again(units: pd.DataFrame) -> str:
    """The reminder under later figures that the units awaiting correction (named in II.2.a) are left out."""
    n = int((units["data_status"] == AWAITING).sum())
    return _said("left_out_again", n=format_int(n))


def _ii2a(tiers: pd.DataFrame, units: pd.DataFrame | None = None) -> list[str]:
    rows = _tier_rows(tiers)
    out = [_said("reporting", scope=scope_sentence(tiers))]
    missing = [f"{format_int(_num(r['units_expected']) - _num(r['units_reporting']))} {in_sentence(TIER_LABELS[t])}"
               for t, r in rows.items() if _num(r["units_expected"]) > _num(r["units_reporting"])]
    if missing:
        out.append(_said("no_figures", items="; ".join(missing)))
    if units is not None and len(units):
        # figures under a name the registry does not know (often a unit of the list above, misspelt): summed,
        # and said here, so that "no figures" is not read as "not in the totals"
        outside = units[(units["unit_code"].fillna("") == "") & units["has_figures"].astype(bool)]
        if len(outside):
            out.append(_said("outside_registry", n=format_int(len(outside)), names=_names(outside["unit_name"].tolist())))
    return out


def _ii2b(tiers: pd.DataFrame) -> list[str]:
    city, rows = city_row(tiers), _tier_rows(tiers)
    out = [_said("one_stop", one_stop=format_int(city["tthc_one_stop"]), total=format_int(city["tthc_total"]),
                 share=format_percent(city["one_stop_share"]))]
    by_tier = [f"{in_sentence(TIER_LABELS[t])}: {format_percent(r['one_stop_share'])}" for t, r in rows.items()
               if not pd.isna(r["one_stop_share"])]
    if by_tier:
        out.append(_said("by_tier", items="; ".join(by_tier)))
    return out


def checklist_sentences(checklist: pd.DataFrame, section: str) -> list[str]:
    """For each item of a section of II.2: how many of the units whose report was read say "Có" (and in
    part), by tier, with the units that say "Không", those whose report is unclear (flagged, as in the
    pack's "Cần kiểm tra") and how many say nothing."""
    rows = checklist[checklist["section"] == section]
    words = answer_words()
    wholes = implied_by()
    kinds = number_kinds()
    out = []
    said = {i["id"]: sentence_label(i) for i in load_checklist().items}
    for item, group in rows.groupby("item", sort=False):
        # what the figures count is said with them ("cộng số hồ sơ tiếp nhận …"), not in the label
        label, what = said.get(str(item), (nfc(group["item_label"].iloc[0]), ""))
        rest = ""
        claim = checklist[(checklist["item"] == wholes.get(str(item), "")) & (checklist["value"] == words["yes"])]
        if len(claim):  # a unit that says it meets every criterion meets this one: counted there, not as silent
            group = group[~reporting_unit(group).isin(set(reporting_unit(claim)))]
            rest = f"ngoài {format_int(reporting_unit(claim).nunique())} đơn vị đã nêu đủ tiêu chí ở trên, "
        read = reporting_unit(group).nunique()
        yes = group[group["value"] == words["yes"]]
        part = group[group["value"] == words["partly"]]
        no = group[group["value"] == words["no"]]
        per_tier = yes["tier"].value_counts()
        by_tier = [f"{in_sentence(TIER_LABELS[t])}: {format_int(per_tier[t])}" for t in TIERS if t in per_tier]
        others = " còn lại" if rest else ""
        if rest and not read:  # every unit that reported said it meets every criterion: nothing else to count
            text = f"{label}: {rest.removeprefix('ngoài ').removesuffix(', ')} (gồm tiêu chí này)"
        elif len(yes):
            text = f"{label}: {rest}{format_int(len(yes))}/{format_int(read)} đơn vị{others} có báo cáo nêu đã thực hiện"
        else:
            text = (f"{label}: {rest}không đơn vị nào trong {format_int(read)} đơn vị{others} có báo cáo nêu đã "
                    "thực hiện")
        if by_tier:
            text += f" ({'; '.join(by_tier)})"
        if len(part):
            text += f"; {format_int(len(part))} đơn vị thực hiện một phần"
        numbers = pd.to_numeric(yes["number"], errors="coerce").dropna()
        if len(numbers) and kinds.get(str(item)) == "percent":  # rates are not added: their range is said
            text += (f"; {what or 'tỷ lệ'} nêu trong báo cáo của {format_int(len(numbers))} đơn vị: "
                     + (f"từ {format_percent(numbers.min())} đến {format_percent(numbers.max())}"
                        if numbers.min() != numbers.max() else format_percent(numbers.min())))
        elif len(numbers):
            text += (f"; cộng {what or 'các số'} nêu trong báo cáo thuyết minh của các đơn vị này: "
                     f"{format_number(numbers.sum(), 0)}"
                     " (mỗi đơn vị nêu theo phạm vi của mình, không thay cho số liệu Phụ lục)")
        if len(no):
            text += f"; chưa thực hiện: {_names(no['unit_name'].tolist(), 10)}"
        none_needed = reporting_unit(group[group["value"] == words["none_needed"]]).nunique()
        if none_needed:
            text += f"; {format_int(none_needed)} đơn vị không phát sinh"
        unsure = group[flagged(group)]
        if len(unsure):  # two sentences of its report disagree: not the same as saying nothing
            text += (f"; {format_int(reporting_unit(unsure).nunique())} đơn vị có báo cáo nêu chưa rõ, cần kiểm "
                     f"tra: {_names(unsure['unit_name'].tolist(), 10)}")
        silent = reporting_unit(group[(group["value"] == words["silent"]) & ~flagged(group)]).nunique()
        if silent:  # "0/59 đã thực hiện" alone would read as "none has it" when most did not say
            text += f"; {format_int(silent)} đơn vị không nêu nội dung này"
        out.append(text + ".")
    return out


def _ii2i(tiers: pd.DataFrame, units: pd.DataFrame, config: dict[str, Any], period: tuple[str, str]) -> list[str]:
    city, rows = city_row(tiers), _tier_rows(tiers)
    out = [_said("dossiers", start=period[0], end=period[1], received=format_int(city["dossiers_received"]),
                 on_time=format_int(city["dossiers_on_time"]), on_time_rate=format_percent(city["on_time_rate"]),
                 overdue=format_int(city["dossiers_overdue"]), overdue_rate=format_percent(city["overdue_rate"]))]
    by_tier = [f"{in_sentence(TIER_LABELS[t])}: {format_int(r['dossiers_received'])} hồ sơ, đúng hạn "
               f"{format_percent(r['on_time_rate'])}" for t, r in rows.items() if _num(r["dossiers_received"]) > 0]
    if by_tier:
        out.append(_said("dossiers_by_tier", items="; ".join(by_tier)))
    # the ranking the packs and the annex show (rank_in_tier: enough dossiers, figures not awaiting correction)
    n = int(config["ranking"]["names"])
    basis = load_indicator_config()["ranking"]["basis_short"]
    for tier in SUBMITTER_TIERS:
        best, worst = leaders(units, tier, n)
        if len(best) < n or len(worst) < n:
            continue
        out.append(_said("ranking", tier=TIER_LABELS[tier], basis=basis, best=ranked_names(best, n, "; "),
                         worst=ranked_names(worst, n, "; ")))
    return out


def theme_sentences(themes: pd.DataFrame, quotes: pd.DataFrame, section: str, limit: int = 8,
                    quote_chars: int = 220) -> list[str]:
    """Each theme the units raised under a section, most raised first, with the units quoted on it and the
    sentence most of them wrote alike ("Kinh phí, ngân sách: 46 đơn vị nêu" alone says nothing of what); a
    sentence quoted under one theme is not quoted again under the next (the pack's choice too)."""
    rows = themes[themes["section"] == section]
    if rows.empty:
        return []
    counts = rows.groupby(["theme", "theme_label"], sort=False)["units"].sum().sort_values(ascending=False)
    out, shown = [], set()  # one sentence often touches several themes: quoted under the first only
    for (theme, label), n in counts.head(limit).items():
        mine = quotes[(quotes["section"] == section) & (quotes["theme"] == theme)]
        who = mine["unit_name"].drop_duplicates()
        text = f"{nfc(label)}: {format_int(n)} đơn vị nêu"
        if len(who):
            text += f" (như {_names(who.tolist(), 4)})"
        said = mine[mine["quote"].fillna("").astype(str).str.strip() != ""] if "quote" in mine else mine.iloc[0:0]
        said = said[~said["quote"].isin(shown)] if len(said) else said
        if len(said):
            if "same_units" in said:
                said = said.sort_values("same_units", ascending=False, kind="stable")
            best = said.iloc[0]
            shown.add(best["quote"])
            quote = _bare(best["quote"])
            if len(quote) > quote_chars:
                quote = quote[:quote_chars].rsplit(" ", 1)[0] + " …"
            text += f"; chẳng hạn: “{quote}” ({nfc(best['unit_name'])})"
        out.append(text + ".")
    return out


def highlights(points: list[str], lead: str) -> list[str]:
    """The pack's first-screen points (results, shortcomings) as the report lists them: the lead, then one
    paragraph per point ("- …."), each a sentence of its own (run together after semicolons, each began with a
    capital)."""
    if not points:
        return []
    return [lead.rstrip(" :") + ":", *(f"- {p.rstrip('. ')}." for p in points)]


def _bare(text: object) -> str:
    """A quoted sentence without its final full stop, to be followed by "(…)"."""
    return nfc(text).rstrip(" .;")


def _initiatives(df: pd.DataFrame, limit: int = 10) -> list[str]:
    if df.empty:
        return []
    df = df.sort_values("n_units", ascending=False)
    return [f"{_bare(r.initiative)} ({_names(str(r.units).split('; '), 4)})." for r in df.head(limit).itertuples()]


def _recommendations(df: pd.DataFrame, limit: int = 6) -> list[str]:
    out = []
    for label, group in df.groupby("addressee_label", sort=False):
        group = group.sort_values("n_units", ascending=False)
        items = [f"{_bare(r.recommendation)} ({format_int(r.n_units)} đơn vị)" for r in group.head(limit).itertuples()]
        out.append(f"{nfc(label)}: " + "; ".join(items) + ".")
    return out


def _awards(df: pd.DataFrame) -> list[str]:
    short = df[df["shortlisted"].astype(bool)] if len(df) else df
    if short.empty:
        return []
    return [_said("awards", n=format_int(len(short)), names=_names(short["unit_name"].tolist()))]


_COPIES = ("bản giấy", "bản điện tử")  # tracking's words for a copy missing (the plan asks for both)


def _submissions(df: pd.DataFrame) -> list[str]:
    """Who sent what by the plan's deadline, in tracking's statuses, which do not overlap (the counts add up
    to the units that owe a report, as in the pack's table): complete and on time; complete but late, each
    with its days late; incomplete, each named with what it lacks (and its days late, if any), those lacking
    a document apart from those lacking only a copy."""
    if df.empty:
        return []
    days = pd.to_numeric(df["days_late"], errors="coerce").fillna(0).astype(int)
    missing = df["missing"].fillna("").astype(str)
    docs = missing.map(lambda m: [x for x in m.split("; ") if x and x not in _COPIES])

    def late(i: Any) -> str:  # the documents received were late, not the one still missing
        return f" (tài liệu đã gửi chậm {format_int(days[i])} ngày)" if days[i] > 0 else ""

    parts = [f"đủ, đúng hạn: {format_int((df['status'] == 'on_time').sum())}"]
    complete_late = df[df["status"] == "late"]
    if len(complete_late):
        parts.append(f"đủ nhưng nộp muộn: {format_int(len(complete_late))} (" + ", ".join(
            f"{nfc(n)} {format_int(days[i])} ngày" for i, n in complete_late["unit_name"].items()) + ")")
    incomplete = df[df["status"] == "incomplete"]
    if len(incomplete):
        lacking = incomplete[docs[incomplete.index].map(bool)]
        copies = incomplete[~docs[incomplete.index].map(bool)]
        within = []
        if len(lacking):
            within.append(f"còn thiếu tài liệu: {format_int(len(lacking))} (" + "; ".join(
                f"{nfc(n)}: chưa gửi {', '.join(docs[i]).lower()}{late(i)}" for i, n in lacking["unit_name"].items())
                + ")")
        if len(copies):
            kinds = sorted(set(missing[copies.index]))
            within.append(f"chỉ còn thiếu {' hoặc '.join(kinds)}: {format_int(len(copies))} (" + ", ".join(
                f"{nfc(n)}{late(i)}" for i, n in copies["unit_name"].items()) + ")")
        parts.append(f"chưa đủ: {format_int(len(incomplete))}, trong đó " + ", ".join(within))
    broken = df[df["status"] == "unreadable"]
    if len(broken):
        parts.append(f"đã gửi nhưng tệp không đọc được, cần gửi lại: {format_int(len(broken))} "
                     f"({_names(broken['unit_name'].tolist())})")
    absent = df[df["status"] == "missing"]
    if len(absent):
        parts.append(f"chưa gửi: {format_int(len(absent))} ({_names(absent['unit_name'].tolist())})")
    return [_said("submissions", n=format_int(len(df)), items="; ".join(parts))]


def log_paragraphs(cat: Catalog) -> dict[str, list[str]]:
    """What the dossier logs add to sections II.2.đ, e, g and i (nothing without logs): the sentences of
    dossier_facts, the units whose figures come from logs named first, and in section i the reconciliation."""
    from sketket.analysis import dossier_facts as facts

    logs = facts.read(cat)
    if not logs.has_logs:
        return {}
    said = facts.sentences(logs)
    out = {sid: said[sid] for sid in facts.SECTIONS if said[sid]}
    if out:  # the units are named where their logs are first used ("mà 6 đơn vị gửi kèm"), not sections later
        first = next(iter(out))
        out[first] = [facts.units_named(logs), *out[first]]
    out["II.2.i"] = [*out.get("II.2.i", []), *said[facts.RECONCILIATION]]
    return out


# ----------------------------------------------------------------------------------------- the structure
def _fill(template: str, ctx: RunContext) -> str:
    plan = ctx.plan_dict()
    return template.format(year=ctx.plan.plan_date.year, **plan)


def cut(text: object, limit: int) -> str:
    """A unit's own text (a Ghi chú) as the draft prints it: at most `limit` characters, cut at a word with
    "…" (a 100 kB note made the draft 220 pages instead of 92); the whole text stays in the workbook."""
    text = nfc(text)
    if len(text) <= limit:
        return text
    return text[:limit].rsplit(" ", 1)[0].rstrip(" ,;:.") + "…"


def appendix_tables(ctx: RunContext, config: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Phụ lục I, II, III of the whole city, row for row as in the consolidated workbook."""
    from sketket.analysis.analyse import workbook_appendix
    from sketket.outputs.consolidated import sheet_rows

    cat = ctx.catalog
    appendix, units = cat.load("appendix"), cat.load("indicators_units")
    if len(units) == len(appendix):  # analyse keeps one unit row per appendix row, in order
        from sketket.analysis import dossier_facts

        logs = dossier_facts.read(cat)
        appendix = workbook_appendix(appendix.reset_index(drop=True), units.reset_index(drop=True),
                                     cat.load("findings"), logs.reconciliation, report=True, dossier_cfg=logs.cfg)
    config = config or load_config()
    titles, notes = config.get("appendix_titles", {}), config.get("appendix_notes", {})
    out = []
    for form in ("I", "II", "III"):
        rows = []
        for spec in sheet_rows(appendix, form, ctx.registry, excel=False):
            row = {"stt": spec.stt, "name": nfc(spec.name), "role": spec.role}
            for field, _, _ in APPENDIX_COLUMNS[2:]:
                value = spec.values.get(field)
                if field == "note":
                    row[field] = cut(value, int(config["appendix_note_chars"])) if value is not None else ""
                elif field.endswith("_pct"):
                    row[field] = format_number(value) if value is not None else ""
                elif field == "area_m2":
                    row[field] = format_number(value, 0) if value is not None else ""
                else:
                    row[field] = format_int(value) if value is not None else ""
            rows.append(row)
        out.append({"form": form, "title": titles.get(form, f"Kết quả thực hiện cơ chế một cửa – Phụ lục {form}"),
                    "subtitle": f"(Kèm theo Báo cáo số      /BC-UBND ngày      của UBND Thành phố; số liệu từ "
                                f"{ctx.plan_dict()['period_start']} đến {ctx.plan_dict()['period_end']})",
                    "note": " ".join(n for n in (notes.get("all"), notes.get(form)) if n), "rows": rows})
    return out


def draft_data(ctx: RunContext, config: dict[str, Any] | None = None) -> dict[str, Any]:
    """The one structure the template receives (documented at the top of this module)."""
    config = config or load_config()
    cat = ctx.catalog
    tiers, units = _tiers(cat), cat.load("indicators_units")
    checklist, themes, quotes = cat.load("checklist"), cat.load("lessons_themes"), cat.load("lessons_quotes")

    def hole(sid: str) -> str:
        return config["placeholder"].format(what=config["judgements"][sid])

    left_out = awaiting_sentence(units)
    older = superseded_sentence(units, cat.load("findings"))
    from sketket.outputs.packs import brief as first_screen
    from sketket.outputs.packs import load_tables

    brief = first_screen(load_tables(cat.processed_dir))
    body: dict[str, list[str]] = {
        "I": [_fill(config["intro"], ctx), *_submissions(cat.load("submissions")), hole("I")],
        "II.1": [hole("II.1")],
        "II.2.a": [*_ii2a(tiers, units), *([left_out] if left_out else []), *([older] if older else [])],
        "II.2.b": _ii2b(tiers),
        # the units left out are named once (II.2.a); section i recalls that its figures leave them out
        "II.2.i": _ii2i(tiers, units, config, (ctx.plan_dict()["period_start"], ctx.plan_dict()["period_end"]))
        + ([left_out_again(units)] if left_out else []),
        # the pack's first screen, said in the report (the same sentences, so that both say one thing)
        "II.3.a": [*highlights(brief.went_well, config["highlights"]["went_well"]), hole("II.3.a"),
                   *_awards(cat.load("awards"))],
        "II.3.b": [*highlights(brief.went_badly, config["highlights"]["went_badly"]),
                   *theme_sentences(themes, quotes, "II.3.b")],
        "II.3.c": theme_sentences(themes, quotes, "II.3.c"),
        "II.3.d": _initiatives(cat.load("initiatives")),
        "III": [*_recommendations(cat.load("recommendations")), hole("III")],
    }
    city = city_row(tiers)
    for sid in ("II.2.c", "II.2.d", "II.2.đ", "II.2.e", "II.2.g", "II.2.h", "II.2.k"):
        body[sid] = checklist_sentences(checklist, sid)
    # the appendix figures add up every unit's own count (a procedure is counted at each unit, communes included);
    # the narrative reports' numbers are the submitters' own: said apart, so that neither reads as the other
    body["II.2.e"].insert(0, _said("postal", n=format_int(city["postal_tthc"])))
    body["II.2.g"].insert(0, _said("online", n=format_int(city["online_services_l34"])))
    for sid, paragraphs in log_paragraphs(cat).items():
        body[sid] = [*body.get(sid, []), *paragraphs]
    sections = []
    for s in outline():
        paragraphs = body.get(s["id"], [])
        if not paragraphs and s["level"] == 3:
            paragraphs = [config["placeholder"].format(what="các báo cáo chưa nêu nội dung này")]
        sections.append({**s, "paragraphs": paragraphs})
    return {
        "header": {k: _fill(v, ctx) for k, v in config["header"].items()},
        "title": {k: _fill(v, ctx) for k, v in config["title"].items()},
        "sections": sections,
        "closing": _fill(config["closing"], ctx),
        "recipients": list(config["recipients"]),
        "signer": dict(config["signer"]),
        "appendices": appendix_tables(ctx, config),
    }


def write_draft(ctx: RunContext, out: Path, *, template: Path = TEMPLATE,
                config: dict[str, Any] | None = None) -> Path:
    """Render the draft report to `out` (.docx). This is the step `sketket run` calls."""
    from docxtpl import DocxTemplate

    data = draft_data(ctx, config)
    # The appendices' rows (one per unit: 880 for Hà Nội, 50.000 at national scale) are not rendered by
    # docxtpl, whose cost grows faster than the rows (14.000 rows: 56 s, most of it in replacing the body):
    # the template renders each table with its first row, which is then copied for the others.
    rows = [a["rows"] for a in data["appendices"]]
    data["appendices"] = [{**a, "rows": a["rows"][:1]} for a in data["appendices"]]
    doc = DocxTemplate(str(template))
    doc.render(data, autoescape=True)
    fill_appendix_rows(doc.docx, rows)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(out))
    return out


_APPENDIX_FIELDS = [field for field, _, _ in APPENDIX_COLUMNS]


def _appendix_tables(document: Any) -> list[Any]:
    """The rendered appendix tables, in order: those whose header row is the appendix columns' headings."""
    headings = [heading for _, heading, _ in APPENDIX_COLUMNS]
    return [t for t in document.tables
            if len(t.columns) == len(headings) and [c.text for c in t.rows[0].cells] == headings]


def fill_appendix_rows(document: Any, rows_by_table: list[list[dict[str, str]]]) -> None:
    """Give each appendix table all its rows: the row the template rendered (the first) is copied for every
    other, its cells' text replaced; formatting stays the template's. An appendix without rows keeps none."""
    from copy import deepcopy

    from docx.oxml.ns import qn

    from sketket.outputs.docx_layout import clean_text

    tables = _appendix_tables(document)
    if len(tables) != len(rows_by_table):
        raise ValueError(f"the draft template has {len(tables)} appendix tables, the data {len(rows_by_table)}")
    w_t, w_r, w_p = qn("w:t"), qn("w:r"), qn("w:p")
    for table, rows in zip(tables, rows_by_table, strict=True):
        if len(rows) < 2:
            continue
        model = table.rows[1]._tr  # the first data row, as the template formatted it
        anchor = model
        for row in rows[1:]:
            tr = deepcopy(model)
            for field, tc in zip(_APPENDIX_FIELDS, tr.iterchildren(qn("w:tc")), strict=True):
                texts = list(tc.iter(w_t))
                if not texts:  # an empty value rendered no text: give the cell's first paragraph a run
                    p = next(tc.iter(w_p))
                    run = p.makeelement(w_r, {})
                    p.append(run)
                    texts = [run.makeelement(w_t, {})]
                    run.append(texts[0])
                texts[0].text = clean_text(row.get(field, ""))
                texts[0].set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
                for extra in texts[1:]:
                    extra.text = ""
            anchor.addnext(tr)
            anchor = tr


def cli_draft(args: argparse.Namespace) -> int:
    """`sketket draft PROCESSED_DIR --out FILE.docx [--config FILE]`."""
    config = args.config or (Path("sketket.yml") if Path("sketket.yml").is_file() else None)
    ctx = RunContext.load(config, processed=args.processed_dir)
    if not ctx.catalog.exists("indicators_tiers"):
        print(f"sketket draft: không có chỉ số trong {ctx.processed_dir}: hãy chạy `sketket analyse` trước",
              file=sys.stderr)
        return 2
    path = write_draft(ctx, args.out)
    print(f"Đã ghi dự thảo báo cáo: {path}")
    return 0

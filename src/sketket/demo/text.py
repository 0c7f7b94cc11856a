"""The demo's narrative reports: a unit's report following the outline (Đề cương) heading by heading,
and the task reports of the five bodies with assigned tasks, written as .docx, .odt or .txt.

The wording lives in config/demo_text.yml; this module only draws from it with the unit's own random
generator, so that each office writes differently but the same seed always writes the same report.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sketket.clean import fold, format_date, format_int, format_number, format_percent
from sketket.config import Plan, load_yaml

ROMAN = {"I": ("I", "1"), "II": ("II", "2"), "III": ("III", "3")}
# The outline's letters of items II.2 and II.3, in order.
LETTERS_II2 = ("a", "b", "c", "d", "đ", "e", "g", "h", "i", "k")
LETTERS_II3 = ("a", "b", "c", "d")
# Words left out of a unit's abbreviation ("Sở Tư pháp" → "STP").
_ABBR_SKIP = {"va", "thanh", "pho", "ha", "noi", "nha", "nuoc", "-"}


@lru_cache(maxsize=1)
def phrases() -> dict[str, Any]:
    """The phrase bank (config/demo_text.yml)."""
    return load_yaml("demo_text.yml")


@dataclass(frozen=True)
class ReportFacts:
    """What a unit's report says about it: its names and the figures of its table (Tổng cộng row)."""

    unit: str  # as the unit writes itself in the text: "Sở Tư pháp", "UBND quận Ba Đình"
    block_name: str  # the heading block line: "SỞ TƯ PHÁP", "UBND QUẬN BA ĐÌNH"
    tier: str  # the submitter's tier: so, nganh_doc_tp, huyen
    n_sub: int
    area_m2: float
    tthc_total: int
    tthc_one_stop: int
    received: int
    overdue: int
    online: int
    postal: int
    land: bool = False

    @property
    def on_time(self) -> int:
        return self.received - self.overdue


@dataclass(frozen=True)
class Para:
    """One paragraph: its text and its role (block, title, h1, h2, h3, body)."""

    text: str
    kind: str = "body"


def abbreviation(name: str) -> str:
    """Initials used in document numbers: "Sở Tư pháp" → "STP", "UBND quận Ba Đình" → "UBND"."""
    if fold(name).startswith(("ubnd", "uy ban")):
        return "UBND"
    words = [w for w in fold(name).split() if w not in _ABBR_SKIP]
    return "".join(w[0] for w in words).upper()[:6] or "UBND"


def _date_between(rng: random.Random, start: dt.date, end: dt.date) -> str:
    return format_date(start + dt.timedelta(days=rng.randrange((end - start).days + 1)))


def _area(value: float) -> str:
    return format_int(value) if float(value).is_integer() else format_number(value, 1)


def _pct(part: float, whole: float) -> str:
    return format_percent(100.0 * part / whole if whole else 0.0)


def _procedures(facts: ReportFacts) -> list[str]:
    key = fold(facts.unit)
    for entry in phrases()["procedures"]:
        if "key" in entry and all(w in key.split() for w in entry["key"].split()):
            return list(entry["names"])
        if entry.get("tier") == facts.tier or ("key" not in entry and "tier" not in entry):
            return list(entry["names"])
    return []


def _heading(section: dict, style: dict, rng: random.Random) -> Para:
    """A section heading in the office's style: numbered (roman, arabic, letters) or not, paraphrased."""
    sid, level = section["id"], section["level"]
    titles = section["titles"]
    title = titles[0] if rng.random() < 0.6 else rng.choice(titles)
    parts = sid.split(".")
    roman, arabic = ROMAN[parts[0]]
    fields = {"roman": roman, "arabic": arabic, "title": title}
    if level == 1:
        fields["title"] = title.upper() if style["upper"] else title
        text = style["l1"].format(**fields)
    elif level == 2:
        text = style["l2"].format(n=parts[1], **fields)
    else:
        text = style["l3"].format(letter=parts[2], **fields)
    return Para(text, f"h{level}")


def _facts_fields(facts: ReportFacts, rng: random.Random, plan: Plan) -> dict[str, str]:
    """The values the section templates may use."""
    bank = phrases()
    procs = _procedures(facts) or ["Cấp giấy phép"]
    abbr = abbreviation(facts.unit)
    start = plan.review_start

    def doc() -> str:
        return str(rng.randint(12, 480))

    online = facts.online
    l4 = rng.randint(0, online // 3) if online else 0
    online_dossiers = int(facts.received * rng.uniform(0.005, 0.12)) if online else 0
    postal_dossiers = int(facts.received * rng.uniform(0.001, 0.03)) if facts.postal else 0
    sat_dossiers = int(facts.received * rng.uniform(0.01, 0.05))
    forms = rng.randint(100, 2000)
    worst = rng.choice(procs)
    clean = [p for p in procs if p != worst]
    rng.shuffle(clean)
    missing_criteria = rng.sample(bank["modern"]["criteria"], rng.randint(1, 3))
    meets_modern = facts.area_m2 >= 60 and rng.random() < 0.7
    contract = rng.randint(0, 3)
    apologies = facts.overdue if rng.random() < 0.75 else rng.randint(0, facts.overdue)

    f: dict[str, str] = {
        "unit": facts.unit,
        "tier_desc": bank["tier_desc"][facts.tier],
        "tthc_total": format_int(facts.tthc_total),
        "tthc_one_stop": format_int(facts.tthc_one_stop),
        "one_stop_pct": _pct(facts.tthc_one_stop, facts.tthc_total),
        "inter_agency": format_int(rng.randint(0, max(1, facts.tthc_one_stop // 8))),
        "received": format_int(facts.received),
        "on_time": format_int(facts.on_time),
        "overdue": format_int(facts.overdue),
        "on_time_pct": _pct(facts.on_time, facts.received),
        "area": _area(facts.area_m2),
        "difficulty": rng.choice(bank["difficulties"]),
        "plan_doc": f"{doc()}/KH-{abbr} ngày {_date_between(rng, start, start + dt.timedelta(days=60))}",
        "inspections": str(rng.randint(1, 6)),
        "communication": rng.choice(bank["communication"]),
        "equipment": ", ".join(rng.sample(bank["equipment"], rng.randint(2, 5))),
        "staff": str(rng.randint(2, 12) if facts.tier != "so" else rng.randint(3, 20)),
        "contract_staff": f", trong đó có {contract} lao động hợp đồng" if contract else
        ", không bố trí lao động hợp đồng",
        "allowance": rng.choice(bank["allowances"]).format(trainings=rng.randint(1, 5)),
        "modern": bank["modern"]["met"] if meets_modern else bank["modern"]["not_met"].format(
            missing=", ".join(missing_criteria)),
        "online": format_int(online),
        "online_l3": format_int(online - l4),
        "online_l4": format_int(l4),
        "online_dossiers": format_int(online_dossiers),
        "online_share": _pct(online_dossiers, facts.received),
        "top_online": rng.choice(procs),
        "top_online_n": format_int(int(online_dossiers * rng.uniform(0.2, 0.6))),
        "postal_tthc": format_int(facts.postal),
        "postal_dossiers": format_int(postal_dossiers),
        "postal_share": _pct(postal_dossiers, facts.received),
        "sat_dossiers": format_int(sat_dossiers),
        "sat_instant": format_int(int(sat_dossiers * rng.uniform(0.2, 0.7))),
        "apologies": format_int(apologies),
        "worst": worst,
        "worst_n": format_int(max(1, int(facts.overdue * rng.uniform(0.3, 0.7)))),
        "clean": ", ".join(clean[:3]) or "các TTHC còn lại",
        "doc_no": doc(),
        "sat_doc_no": doc(),
        "survey_doc_no": doc(),
        "abbr": abbr,
        "sat_date": _date_between(rng, start, start + dt.timedelta(days=120)),
        "survey_date": _date_between(rng, start + dt.timedelta(days=60), start + dt.timedelta(days=400)),
        "forms": format_int(forms),
        "returned": format_int(int(forms * rng.uniform(0.6, 0.98))),
        "satisfaction": format_percent(rng.uniform(82, 99.5)),
        "achievement": rng.choice(bank["achievements"]),
        "n_sub": format_int(facts.n_sub),
        "district": facts.unit.removeprefix("UBND "),
    }
    f["units_sentence"] = _units_sentence(facts, f)
    f["saturday"] = _saturday(facts, rng, f)
    f["postal"] = (rng.choice(bank["postal"]["used"]) if facts.postal else bank["postal"]["unused"]).format(**f)
    f["online"] = (rng.choice(bank["online"]["used"]) if online else bank["online"]["unused"]).format(**f)
    f["apology"] = _apology(facts, rng, apologies).format(**f)
    f["worst_procedure"] = (bank["worst_procedure"]["with_overdue" if facts.overdue else "without"]
                            .format(**f))
    f["clean_procedures"] = bank["clean_procedures"].format(**f)
    f["survey"] = (rng.choice(bank["survey"]["used"]) if rng.random() < 0.7 else bank["survey"]["unused"]).format(**f)
    f["initiatives"] = _initiatives(rng)
    return f


def _units_sentence(facts: ReportFacts, f: dict[str, str]) -> str:
    texts = phrases()["units_sentence"]
    key = facts.tier if facts.n_sub or facts.tier == "huyen" else f"{facts.tier}_none"
    return texts[key].format(**f)


def _saturday(facts: ReportFacts, rng: random.Random, f: dict[str, str]) -> str:
    bank = phrases()["saturday"]
    works = facts.tier == "huyen" or rng.random() < 0.6
    if not works:
        return bank["unused"].format(reason=rng.choice(bank["no_reasons"]))
    return rng.choice(bank["used"]).format(overtime=rng.choice(bank["overtime"]), **f)


def _apology(facts: ReportFacts, rng: random.Random, apologies: int) -> str:
    bank = phrases()["apology"]
    if not facts.overdue:
        return bank["none"]
    return rng.choice(bank["full"]) if apologies == facts.overdue else bank["partial"]


def _initiatives(rng: random.Random) -> str:
    bank = phrases()["initiatives"]
    if rng.random() < 0.25:
        return bank["none"]
    items = rng.sample(bank["items"], rng.randint(1, 3))
    return "\n".join([bank["intro"], *(f"- {i}." for i in items)])


def _documents(rng: random.Random, f: dict[str, str], plan: Plan) -> list[str]:
    """Item c: the eight implementing documents, each issued (with number and date) or not yet."""
    bank = phrases()
    lines = []
    missing_share = rng.choice((0.0, 0.0, 0.1, 0.25))
    for k, title in enumerate(bank["documents"]):
        if rng.random() < missing_share:
            lines.append(rng.choice(bank["document_missing"]).format(title=title))
        elif k == len(bank["documents"]) - 1:
            lines.append(bank["document_applied"].format(title=title))
        else:
            kind = "QC" if title.startswith("Nội quy") else "QĐ"
            date = _date_between(rng, plan.review_start, plan.review_start + dt.timedelta(days=150))
            lines.append(bank["document_issued"].format(
                title=title, doc_no=rng.randint(10, 900), kind=kind, abbr=f["abbr"], date=date))
    return lines


def _shortcomings(facts: ReportFacts, rng: random.Random) -> list[str]:
    pool = [s for s in phrases()["shortcomings"]
            if facts.tier in s.get("tiers", [facts.tier]) and (facts.land or not s.get("land"))]
    land = [s for s in pool if s.get("land")]
    picks = rng.sample(pool, min(len(pool), rng.randint(2, 4)))
    if land and land[0] not in picks:
        picks.insert(0, land[0])  # land and construction units always name their late land dossiers
    return [f"- {s['text']}. Nguyên nhân: {s['cause']}." for s in picks]


def _recommendations(rng: random.Random) -> list[str]:
    bank = phrases()["recommendations"]
    out: list[str] = []
    for whom, k in (("city", rng.randint(1, 2)), ("departments", rng.randint(0, 2)), ("central", rng.randint(0, 1))):
        out += [f"- {r}" for r in rng.sample(bank[whom], k)]
    return out


def report_paragraphs(facts: ReportFacts, rng: random.Random, plan: Plan, style_name: str,
                      report_date: dt.date) -> list[Para]:
    """The whole report, heading block to signature, in one office's heading style."""
    bank = phrases()
    style = bank["heading_styles"][style_name]
    block = bank["heading_block"]
    f = _facts_fields(facts, rng, plan)
    f.update(plan_number=plan.plan_number, plan_date=format_date(plan.plan_date))
    superior = block["superior"].get(facts.tier, "")
    paras = [Para(line, "block") for line in (superior, facts.block_name) if line]
    paras += [Para(block["national"], "block"), Para(block["motto"], "block"),
              Para(block["number"].format(doc_no=f["doc_no"], abbr=f["abbr"]), "block"),
              Para(block["place_date"].format(day=report_date.day, month=report_date.month,
                                              year=report_date.year), "block"),
              Para(block["title"], "title"), Para(rng.choice(block["subject"]), "title"),
              Para(rng.choice(block["intro"]).format(**f))]
    for section in bank["outline"]:
        paras.append(_heading(section, style, rng))
        sid = section["id"]
        for text in rng.choice(bank["sections"].get(sid, [[]])):
            paras += [Para(line) for line in text.format(**f).split("\n") if line.strip()]
        if sid == "II.2.c":
            paras += [Para(line) for line in _documents(rng, f, plan)]
        elif sid == "II.3.b":
            paras += [Para(line) for line in _shortcomings(facts, rng)]
        elif sid == "II.3.c":
            paras += [Para(f"- {line}") for line in rng.sample(bank["lessons"], rng.randint(2, 4))]
        elif sid == "III":
            paras += [Para(line) for line in _recommendations(rng)]
    paras.append(Para(rng.choice(block["closing"]).format(**f)))
    paras.append(Para(block["recipients"], "block"))
    paras.append(Para(block["signature"][facts.tier], "title"))
    return paras


def task_report_paragraphs(unit: str, block_name: str, rng: random.Random, report_date: dt.date) -> list[Para]:
    """The report of a body with tasks assigned in Decision 07/2016/QĐ-UBND (one of five)."""
    bank = phrases()
    tasks = bank["task_reports"]
    key = fold(unit)
    body = next(b for b in tasks["bodies"] if all(w in key.split() for w in b["key"].split()))
    block = bank["heading_block"]
    numbers = {"n1": rng.randint(8, 30), "n2": rng.randint(40, 600)}
    h1, h2, h3, h4 = tasks["headings"]
    paras = [Para("UBND THÀNH PHỐ HÀ NỘI", "block"), Para(block_name, "block"),
             Para(block["place_date"].format(day=report_date.day, month=report_date.month,
                                             year=report_date.year), "block")]
    paras += [Para(line, "title") for line in tasks["title"].split("\n")]
    paras += [Para(h1, "h2"), Para(body["task"]), Para(h2, "h2")]
    paras += [Para(f"- {r.format(**numbers)}") for r in body["results"]]
    paras += [Para(h3, "h2"), Para(body["problems"]), Para(h4, "h2"), Para(body["proposals"])]
    return paras


# -- writers -------------------------------------------------------------------------------------------
def write_docx(paras: list[Para], path: Path, style: dict, when: dt.datetime) -> None:
    """A .docx with bold (or Word Heading) headings; core properties fixed so that output is stable."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    doc = Document()
    for p in paras:
        level = int(p.kind[1]) if p.kind.startswith("h") else 0
        if level and style["word_styles"]:
            doc.add_heading(p.text, level=level)
            continue
        para = doc.add_paragraph()
        run = para.add_run(p.text)
        if p.kind in ("block", "title") or (level > 0 and style["bold"]):
            run.bold = True  # set only when on: each property written costs an XML element
        if p.kind in ("block", "title"):
            para.alignment = WD_ALIGN_PARAGRAPH.CENTER
    props = doc.core_properties
    props.author = props.last_modified_by = "Văn phòng"
    props.created = props.modified = when
    props.last_printed = when
    props.revision = 1
    doc.save(str(path))


def reset_odf_namespaces() -> None:
    """odfpy declares, in every document, each namespace any earlier document of the process used (a
    class-level dict): start each document from none, so that its bytes do not depend on history."""
    from odf.element import Element

    Element.namespaces.clear()


def write_odt(paras: list[Para], path: Path) -> None:
    """An OpenDocument text: headings as bold paragraphs (as LibreOffice users often type them)."""
    from odf.opendocument import OpenDocumentText
    from odf.style import Style, TextProperties
    from odf.text import P

    reset_odf_namespaces()
    doc = OpenDocumentText()
    bold = Style(name="Dam", family="paragraph")
    bold.addElement(TextProperties(fontweight="bold"))
    doc.automaticstyles.addElement(bold)
    for p in paras:
        doc.text.addElement(P(text=p.text) if p.kind == "body" else P(stylename=bold, text=p.text))
    doc.save(str(path))


def write_txt(paras: list[Para], path: Path) -> None:
    """Plain text, one paragraph a line (as pasted from an e-mail)."""
    path.write_text("\n".join(p.text for p in paras) + "\n", encoding="utf-8")

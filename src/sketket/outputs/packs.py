"""HTML pieces of the briefing packs: tables formatted the Vietnamese way, headline cards, the demo banner and
the index page. The HTML is rendered from the Jinja templates in templates/sketket/pack/ with autoescape on, so
every text that may come from a submission is escaped by the template engine (outputs/html.py)."""

from __future__ import annotations

import datetime as dt
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from sketket.catalog import Catalog
from sketket.clean import format_date, format_int, format_number, format_percent, in_sentence, nfc, nfc_lines
from sketket.config import Plan
from sketket.dimensions import CITY_LABEL, DISPLAY_ORDER, scope_label
from sketket.outputs.html import emphasised, piece, render, safe

if TYPE_CHECKING:
    from sketket.registry import Registry

DEMO_LABEL = "Dữ liệu minh họa"
UNMATCHED = "đơn vị ngoài danh mục"

# How a table cell is written, by format name.
FORMATTERS: dict[str, Callable[[Any], str]] = {
    "int": format_int,
    "num": lambda v: format_number(v, 1),
    # a rate of 99,96% is not shown as 100,0% beside units that have no overdue dossier (format_rate)
    "pct": lambda v: "–" if _missing(v) else _format_rate(v),
    "date": format_date,
    "text": lambda v: "" if _missing(v) else nfc_lines(v),  # a list cell keeps one item a line (CSS)
}
_NUMERIC = {"int", "num", "pct"}  # rates at one decimal everywhere


def _format_rate(value: Any) -> str:
    from sketket.analysis.indicators import format_rate

    return format_rate(float(value))


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA or value is pd.NaT


def css() -> str:
    """The one stylesheet of every page (also included by the nbconvert template)."""
    return resources.files("sketket").joinpath("templates/sketket/sketket.css").read_text(encoding="utf-8")


def table_html(
    df: pd.DataFrame,
    formats: Mapping[str, str] | None = None,
    labels: Mapping[str, str] | None = None,
    caption: str | None = None,
    total_last: bool = False,
    name: str | None = None,
    download: bool = True,
    mine: int | None = None,
) -> str:
    """A formatted, escaped HTML table. `formats` maps a column to a FORMATTERS name (default: text);
    `labels` gives the Vietnamese header of a column (a long one is shown short, config/packs.yml `short_labels`,
    whole in the header's hover title); `total_last` sets the last row in bold. Under the table, links to
    download it as .xlsx and .csv (embedded, named after `name` or the caption), unless `download` is False;
    `mine`: the position of the row of the unit a pack is about, set apart as its chart bar is."""
    formats = formats or {}
    labels = labels or {}
    kinds = [formats.get(c, "text") for c in df.columns]
    n = len(df)
    records = list(df.itertuples(index=False, name=None))
    rows = [{"total": total_last and i == n - 1, "mine": i == mine,
             "cells": [(FORMATTERS[k](v), k in _NUMERIC) for k, v in zip(kinds, record, strict=True)]}
            for i, record in enumerate(records)]
    full = [str(labels.get(c, c)) for c in df.columns]
    short = pack_config().get("short_labels", {})
    headers = [(short.get(h, h), h if short.get(h, h) != h else "") for h in full]
    files = []
    if download and n:
        from sketket.outputs.downloads import downloads

        files = downloads(name or caption or " ".join(full[:3]), full, records, kinds)
    return piece("table", headers, rows, caption, files)


@dataclass(frozen=True)
class Card:
    """A headline figure: its label, its formatted value and an optional note (what it covers)."""

    label: str
    value: str
    note: str = ""
    title: str = ""  # shown on hover: the whole question the figure answers


def cards_html(cards: Iterable[Card]) -> str:
    return piece("cards", list(cards))


def banner(demo: bool) -> str:
    """The warning every page of a demo run carries."""
    return piece("banner", DEMO_LABEL) if demo else ""


# ---------------------------------------------------------------- what a run was built from


def load_context(path: str | Path | None, config_file: str | Path = "../sketket.yml",
                 processed_dir: str | Path | None = None) -> dict[str, Any]:
    """The run's context.json (built time, raw folder, demo flag, plan). Opened by hand without one (a notebook
    run from JupyterLab with its default parameters), the context of the last published run of the project's
    config file (`config_file`: its reports/latest/context.json, the run that wrote the processed data), so
    that the page shows the header of the rendered pack — unless the notebook reads another `processed_dir`
    than that run wrote, whose files that header would miscount; otherwise the config's plan (package defaults
    when there is no config file)."""
    if path and Path(path).exists():
        return json.loads(Path(path).read_text(encoding="utf-8"))
    from sketket.context import RunContext

    has_config = Path(config_file).is_file()
    ctx = RunContext.load(config_file if has_config else None)
    latest = Path(ctx.reports_dir) / "latest" / "context.json"
    same_data = processed_dir is None or Path(processed_dir).resolve() == Path(ctx.processed_dir).resolve()
    if not path and has_config and latest.is_file() and same_data:
        return json.loads(latest.read_text(encoding="utf-8"))
    return {"plan": ctx.plan_dict(), "by_hand": True, "registry": str(ctx.registry_path or "")}


def plan_of(context: Mapping[str, Any]) -> Plan:
    """The plan of the run a page belongs to (context.json's `plan`, dates dd/mm/yyyy)."""
    return Plan.load(context.get("plan") or {})


def built_at(context: Mapping[str, Any]) -> str:
    """"dd/mm/yyyy HH:MM" of the run."""
    when = context.get("built_at")
    return dt.datetime.fromisoformat(when).strftime("%d/%m/%Y %H:%M") if when else ""


def plan_line(context: Mapping[str, Any]) -> str:
    """The plan a page serves, from the run's context: number, date and the units' deadline."""
    plan = context.get("plan", {}) if context else {}
    if not plan.get("plan_number"):
        return ""
    return (f"Kế hoạch số {plan['plan_number']}/KH-UBND ngày {plan.get('plan_date', '')} của UBND Thành phố; "
            f"hạn các đơn vị gửi báo cáo: {plan.get('report_deadline', '')}.")


def source_line(context: Mapping[str, Any]) -> str:
    """One sentence on what the figures come from, for the top of every page."""
    if not context or context.get("by_hand"):
        return plan_line(context)
    plan = context.get("plan", {})
    files, read, rejected = (int(context.get(k, 0)) for k in ("files", "files_ingested", "files_rejected"))
    skipped = int(context.get("files_skipped", files - read - rejected))
    where = DEMO_LABEL.lower() if context.get("demo") else f"trong thư mục {shown_folder(context.get('raw_dir', ''))}"
    parts = [
        f"Số liệu từ {plan.get('period_start', '')} đến {plan.get('period_end', '')}",
        f"lập lúc {built_at(context)}",
        f"từ {format_int(files)} tệp {where}: {format_int(read)} đã đọc, {format_int(rejected)} bị từ chối, "
        f"{format_int(skipped)} bỏ qua",
    ]
    return " ".join(x for x in ("; ".join(parts) + ".", plan_line(context)) if x)


def shown_folder(raw_dir: str) -> str:
    """The raw folder as a reader may see it: relative to the project as the run stored it, else only its name
    (an absolute path names the analyst's machine, not the data)."""
    path = Path(raw_dir)
    return path.name if path.is_absolute() else path.as_posix()


INDEX_HREF = "../index.html"  # a pack is written to <run>/<group>/<name>.html, the index to <run>/index.html


def page_header(context: Mapping[str, Any], index_href: str | None = INDEX_HREF) -> str:
    """The link back to the index, the banner (demo) and the source line: the first output of every pack
    (the index page itself passes `index_href=None`)."""
    nav = piece("nav", index_href) if index_href else ""
    return nav + banner(bool(context.get("demo"))) + piece("meta", source_line(context))


# ---------------------------------------------------------------- processed tables


@dataclass
class Tables:
    """The catalog's datasets, each read once on first use (typed and checked); a dataset not written yet reads as
    an empty table with its columns."""

    processed_dir: Path
    _cache: dict[str, pd.DataFrame] = field(default_factory=dict)
    registry_file: str = ""  # the registry the run matched units against (context.json's); empty: the package's

    def __getitem__(self, name: str) -> pd.DataFrame:
        if name not in self._cache:
            self._cache[name] = Catalog(Path(self.processed_dir)).load(name)
        return self._cache[name]

    @cached_property
    def labels(self) -> dict[str, str]:
        from sketket.config import load_yaml

        return load_yaml("indicators.yml").get("labels", {})

    @cached_property
    def registry(self) -> Registry:
        """The registry the run matched the units against: a unit's name, its district, what its return list
        carries are looked up in it, not in the package's when the project has its own."""
        from sketket.registry import load_registry

        return load_registry(self.registry_file or None)


def load_tables(processed_dir: str | Path, context: Mapping[str, Any] | None = None) -> Tables:
    """The datasets of a processed folder, read on first use; a folder that does not exist stops the notebook
    with its name (a missing folder would otherwise read as empty tables: a page of "no figures"). `context`:
    the run's (load_context), whose registry the pages then use."""
    from sketket import params

    return Tables(params.folder(processed_dir), registry_file=str((context or {}).get("registry") or ""))


@dataclass(frozen=True)
class UnitChoice:
    code: str
    tier: str
    name: str


def unit_choice(tables: Tables, unit_code: object, tier: object = "", registry: Registry | None = None) -> UnitChoice:
    """The unit a unit pack is about, from the notebook's parameters: its code, or its name (marks, case and
    kind optional: "Chuong My"), must be one of the units that send a table (completeness), whose tier and name
    the data give (the `tier` parameter is only checked). A sub-unit's code or name is sent to its parent's
    pack; anything else gets the closest names."""
    from sketket import params

    code = params.text(unit_code, "unit_code")
    units = tables["completeness"]
    row = units[units["unit_code"] == code] if len(units) else units
    if row.empty and len(units):
        named = params.units_named(units, code)
        if len(named) == 1:
            row, code = named, str(named["unit_code"].iloc[0])
    if row.empty:
        raise params.ParameterError(_unit_choice_error(tables, units, code, registry or tables.registry))
    actual = str(row["tier"].iloc[0])
    wanted = params.text(tier, "tier")
    if wanted and wanted != actual:
        raise params.ParameterError(f"tier = \"{wanted}\" nhưng đơn vị {code} ({row['unit_name'].iloc[0]}) thuộc "
                                    f"cấp \"{actual}\"; để trống tier hoặc ghi \"{actual}\"")
    summary = _summary_row(tables, code)  # the registry's name when the unit has figures, else as listed
    return UnitChoice(code, actual, str((summary if summary is not None else row.iloc[0])["unit_name"]))


def _unit_choice_error(tables: Tables, units: pd.DataFrame, asked: str, registry: Registry) -> str:
    """Why no pack can be made for `asked`: a sub-unit (its parent's pack named), else the closest names."""
    import difflib

    from sketket import params
    from sketket.clean import fold

    words = pack_config()["unit_choice"]
    reg = registry.units
    own = reg[reg["code"] == asked]
    if own.empty:
        own = params.units_named(reg.rename(columns={"code": "unit_code", "name_with_type": "unit_name"}), asked)
    if len(own) == 1 and own.iloc[0].get("parent_code", "") in set(units["unit_code"]):
        parent = own.iloc[0]["parent_code"]
        name = own.iloc[0].get("name_with_type", own.iloc[0].get("unit_name", ""))
        return words["sub_unit"].format(asked=asked, name=name, parent=parent,
                                        parent_name=units.loc[units["unit_code"] == parent, "unit_name"].iloc[0])
    names = dict(zip(units["unit_name"].map(lambda n: fold(n).strip()), units["unit_code"] + " " + units["unit_name"],
                     strict=False))
    close = [names[n] for n in difflib.get_close_matches(fold(asked).strip(), list(names), n=3, cutoff=0.6)]
    known = ", ".join(close or list(units["unit_code"].head(8)))
    return words["unknown"].format(asked=asked, folder=tables.processed_dir,
                                   known=(words["close"] if close else words["examples"]).format(known=known)
                                   if known else "")


# ---------------------------------------------------------------- index page


@dataclass(frozen=True)
class IndexEntry:
    group: str
    title: str
    href: str
    ok: bool
    cards: list[Card]
    scope: str = ""  # what the figures cover, worded as in the pack


def index_page(entries: list[IndexEntry], context: Mapping[str, Any], extra_files: list[tuple[str, str]],
               extra_sections: Iterable[str] = ()) -> str:
    """reports/index.html: every pack grouped, with its headline figures, and what the run was built from.
    `extra_sections` are HTML pieces rendered by other pages' code (hook for the dossier-log pages)."""
    title = "Sơ kết cơ chế một cửa, một cửa liên thông – Bộ tài liệu Hội nghị sơ kết"
    groups: dict[str, list[IndexEntry]] = {}
    for e in entries:
        groups.setdefault(e.group, []).append(e)
    return render("pack/index_page.html.j2", title=title, header=safe(page_header(context, index_href=None)),
                  groups=list(groups.items()), extra_files=extra_files,
                  extra_sections=[safe(x) for x in extra_sections])


# ---------------------------------------------------------------- the packs' sections


def pack_config() -> dict[str, Any]:
    from sketket.config import load_yaml

    return load_yaml("packs.yml")


_STYLED: list[bool] = []  # whether this kernel has shown the packs' style yet


def show(*parts: str) -> Any:
    """Display HTML pieces in the notebook (and so in the rendered pack). The first call of a kernel also
    carries the packs' style sheet, so that the cards and tables read in JupyterLab as in the rendered pack."""
    from IPython.display import HTML, display

    style = ""
    if not _STYLED:
        _STYLED.append(True)
        style = f"<style>{css()}</style>"
    return display(HTML(style + "".join(parts)))


def column_labels(tables: Tables) -> dict[str, str]:
    return {**tables.labels, "unit_name": "Đơn vị", "tier_label": "Cấp", "tier": "Cấp", "status": "Tình trạng",
            "rank_in_tier": "Hạng trong cấp (toàn Thành phố)", "reason": "Lý do", "reasons": "Đạt tiêu chí",
            "criteria_missed": "Chưa đạt", "rule": "Quy tắc", "message": "Nội dung", "cell": "Ô",
            "source_file": "Tệp", "severity": "Mức", "findings": "Số lỗi, cảnh báo",
            "units_awaiting_correction": "Đơn vị có số liệu chờ sửa"}


def _summary_row(tables: Tables, unit_code: str | None) -> pd.Series | None:
    """The city's row of indicators_tiers, or a district's / parent agency's row with its sub-units."""
    if unit_code is None:
        tiers = tables["indicators_tiers"]
        rows = tiers[tiers["tier"] == "city"] if len(tiers) else tiers
    else:
        family = pd.concat([tables["indicators_districts"], tables["indicators_parents"]], ignore_index=True)
        rows = family[family["unit_code"] == unit_code] if len(family) else family
    return None if rows.empty else rows.iloc[0]


def scope_text(row: Mapping[str, Any]) -> str:
    """What an aggregate row covers, in words, with the units it leaves out awaiting correction: the same
    sentence wherever the figure appears (index, city pack, unit pack)."""
    from sketket.analysis.indicators import load_config

    scope = str(row.get("scope", ""))
    if scope == "family" and row.get("unit_name"):
        words = f"{row['unit_name']} cùng các đơn vị trực thuộc"
    else:
        words = scope_label(scope, str(row.get("tier", "")))
    waiting = row.get("units_awaiting_correction", 0)
    if not _missing(waiting) and int(waiting) > 0:
        words += "; " + load_config()["gating"]["left_out"].format(n=format_int(waiting))
    return f"Phạm vi: {words}"


def headline(tables: Tables, unit_code: str | None = None) -> list[Card]:
    """The headline figures (config/packs.yml) of the city, or of a district or department with its
    sub-units, each noting the outline question it answers (the scope they cover: headline_scope)."""
    row = _summary_row(tables, unit_code)
    if row is None:
        return []
    cards = []
    for item in pack_config()["headline"]:
        question = item["question"]
        note = "Đề cương " + question.split(" – ")[0]  # the whole question in the hover title
        if item["value"] == "coverage":
            value = f"{format_int(row['units_reporting'])}/{format_int(row['units_expected'])}"
            unmatched = row.get("units_unmatched", 0)
            if not _missing(unmatched) and unmatched > 0:  # their figures are in the sums, not in the count
                note += f" (thêm {format_int(unmatched)} {UNMATCHED}: tên chưa khớp, số liệu vẫn được cộng)"
            waiting = row.get("units_awaiting_correction", 0)
            if not _missing(waiting) and waiting > 0:  # "880/880" beside figures of 871 units read as complete
                note += f" (trong đó {format_int(waiting)} đang chờ sửa)"
        else:
            value = FORMATTERS[item.get("format", "int")](row[item["value"]])
        cards.append(Card(item["label"], value, note, question))
    return cards


def headline_scope(tables: Tables, unit_code: str | None = None) -> str:
    """The scope sentence of a pack's headline figures (the same words in the index and the pack)."""
    row = _summary_row(tables, unit_code)
    return "" if row is None else scope_text(row)


def headline_html(tables: Tables, unit_code: str | None = None) -> str:
    """The headline cards, then the scope they all share (said once, under them)."""
    scope = headline_scope(tables, unit_code)
    return cards_html(headline(tables, unit_code)) + (piece("para", scope + ".", "scope") if scope else "")


def left_out_html(rows: pd.DataFrame) -> str:
    """The sentence under an aggregate table that leaves units out (awaiting correction); empty when none."""
    from sketket.analysis.indicators import load_config

    if rows.empty or "units_awaiting_correction" not in rows:
        return ""
    n = rows["units_awaiting_correction"].fillna(0).astype(int)
    n = int(n.iloc[-1]) if len(rows) and rows.iloc[-1].get("tier") == "city" else int(n.sum())
    if not n:
        return ""
    return piece("left_out", load_config()["gating"]["left_out"].format(n=format_int(n)))


def tiers_table(tables: Tables, brief: bool = False) -> str:
    """The tiers side by side, the city last; each rate a ratio of the tier's sums, units awaiting correction
    left out and said so. `brief`: the leader's columns (config `tier_columns_brief`, at most 7)."""
    cols = pack_config()["tier_columns_brief" if brief else "tier_columns"]
    tiers = tables["indicators_tiers"]
    return table_html(tiers[list(cols)], cols, column_labels(tables), total_last=True) + left_out_html(tiers)


def comparison_frame(tables: Tables, unit_code: str, tier: str) -> pd.DataFrame:
    """Like with like, each row with its scope: the unit with its sub-units beside all units of its tier with
    theirs; the unit's own counter beside its tier; the city."""
    row = _summary_row(tables, unit_code)
    if row is None:
        return pd.DataFrame()
    families = tables["indicators_families"]
    tiers = tables["indicators_tiers"]
    own = tables["indicators_units"]
    own = own[own["unit_code"] == unit_code].head(1)
    name = str(row["unit_name"])
    parts = [
        pd.DataFrame([row]).assign(tier_label=f"{name} cùng các đơn vị trực thuộc", scope_label="Đơn vị và trực thuộc"),
        families[families["tier"] == tier].assign(scope_label="Cả cấp, kể cả trực thuộc"),
        own.assign(tier_label=f"{name} (Bộ phận một cửa của đơn vị)", scope_label="Riêng đơn vị",
                   units_expected=1, units_reporting=int(own["has_figures"].any()),
                   units_counted=int((own["has_figures"] & (own["data_status"] == "ok")).any()),
                   units_awaiting_correction=int((own["data_status"] == "awaiting_correction").any()),
                   units_without_figures=0, units_unmatched=0),
        tiers[tiers["tier"] == tier].assign(scope_label="Cả cấp"),
        tiers[tiers["tier"] == "city"].assign(scope_label=CITY_LABEL),
    ]
    return pd.concat([p for p in parts if len(p)], ignore_index=True)


def comparison_table(tables: Tables, unit_code: str, tier: str) -> str:
    """A district or department compared like with like (see comparison_frame), on the rates."""
    cols = dict(pack_config()["comparison_columns"])
    frame = comparison_frame(tables, unit_code, tier)
    if frame.empty:
        return para("Chưa có số liệu của đơn vị.")
    # the scope in the row's name: one column fewer for a phone
    frame = frame.assign(tier_label=[f"{name} ({scope.lower()})" if scope.startswith("Cả cấp") else name
                                     for name, scope in zip(frame["tier_label"], frame["scope_label"], strict=True)])
    labels = {**column_labels(tables), "tier_label": "Đơn vị, cấp (phạm vi)"}
    return table_html(frame[list(cols)], cols, labels, name="so-sanh-cung-pham-vi") + left_out_html(frame.tail(1))


def awaiting_frame(tables: Tables, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Units whose figures await correction, with the figures as they reported them (appendix) and the cells to
    fix; none of these figures is in any total, rate, ranking or award."""
    units = tables["indicators_units"]
    waiting = units[units["data_status"] == "awaiting_correction"] if len(units) else units
    if codes is not None:
        waiting = waiting[waiting["unit_code"].isin(list(codes))]
    if waiting.empty:
        return waiting
    appendix = tables["appendix"]
    key = ["source_file", "source_sheet", "source_row"]
    reported = appendix[[*key, "dossiers_received", "dossiers_on_time", "dossiers_overdue", "tthc_total",
                         "tthc_one_stop"]]
    return waiting.drop(columns=[c for c in reported.columns if c not in key]).merge(reported, on=key, how="left")


def awaiting_html(tables: Tables, codes: Iterable[str] | None = None) -> str:
    """The units awaiting correction: reported figures marked as such, and the cells to fix."""
    frame = awaiting_frame(tables, codes)
    if frame.empty:
        return para(pack_config()["no_awaiting"]) + _errors_not_held_html(tables, codes)
    cols = {"unit_name": "text", "dossiers_received": "int", "dossiers_on_time": "int", "dossiers_overdue": "int",
            "correction_cells": "text"}
    labels = {**column_labels(tables), "dossiers_received": "Hồ sơ đã nhận (đơn vị ghi)",
              "dossiers_on_time": "Đúng hạn (đơn vị ghi)", "dossiers_overdue": "Quá hạn (đơn vị ghi)",
              "correction_cells": "Ô cần sửa"}
    shown = frame.assign(correction_cells=frame["correction_cells"].str.replace(" | ", "\n", regex=False))
    return (piece("awaiting_note")
            + table_html(shown[list(cols)], cols, labels))


def _errors_not_held_html(tables: Tables, codes: Iterable[str] | None) -> str:
    """Beside "no unit awaits correction": the errors listed below it that hold back no figure (rules outside
    `gating.rules`, e.g. a row B that does not add up), so that the two sections never read as contradicting."""
    from sketket.analysis.indicators import load_config

    findings = findings_of(tables, codes)
    if findings.empty:
        return ""
    from sketket.intake.validate import load_rules

    gating = set(load_config()["gating"]["rules"])
    table_rules = set(load_rules().rules)  # a table's checks: not an award list's, not the reconciliation's
    loose = findings[(findings["severity"] == "error") & ~findings["rule"].isin(gating)
                     & findings["rule"].isin(table_rules)
                     & (findings["cell"].fillna("") != "")]  # a file-level error (a corrupt file) holds no row
    if loose.empty:
        return ""
    from sketket.analysis import dossier_facts

    cfg = dossier_facts.read(tables).cfg
    rules = "; ".join(dict.fromkeys(rule_text(r, cfg) for r in loose["rule"]))
    return para(pack_config()["errors_not_held"].format(rules=rules))


def units_of(tables: Tables, tier: str | None = None, parent_code: str | None = None) -> pd.DataFrame:
    """Units with figures, of a tier and/or under a parent (sorted best first on the on-time rate)."""
    units = tables["indicators_units"]
    if units.empty:
        return units
    keep = units["has_figures"].astype(bool)
    if tier is not None:
        keep &= units["tier"] == tier
    if parent_code is not None:
        keep &= units["parent_code"] == parent_code
    return units[keep].sort_values(["on_time_rate", "dossiers_received"], ascending=[False, False])


def _rank_text(rank: Any, of: Any) -> str:
    """"3/25": a rank and among how many units it was taken."""
    return "" if _missing(rank) or pd.isna(rank) else f"{format_int(rank)}/{format_int(of)}"


def units_table(tables: Tables, units: pd.DataFrame, caption: str | None = None,
                family_rank_label: str = "Hạng trong đơn vị", mine: str | None = None) -> str:
    """Units with their figures; each rank written with the number of units it is among ("3/25"): the rank in
    the tier across the city, and, for a district's or department's members (see `family`), the rank among
    its own sub-units, headed `family_rank_label`."""
    config = pack_config()
    cols = {**config["unit_columns"]}
    shown = with_marks(tables, units)
    labels = column_labels(tables)
    for rank, of in (("rank_in_tier", "ranked_in_tier"), ("rank_in_family", "ranked_in_family")):
        if rank in shown:
            shown[rank] = [_rank_text(r, n) for r, n in zip(shown[rank], shown[of], strict=True)]
            cols = {rank: "text", **cols}
    cols = dict(list(cols.items())[:int(config["max_columns"])])
    labels["rank_in_family"] = family_rank_label
    at = list(shown["unit_code"]).index(mine) if mine is not None and mine in set(shown.get("unit_code", [])) else None
    return table_html(shown[list(cols)], cols, labels, caption, mine=at)


def with_marks(tables: Tables, units: pd.DataFrame) -> pd.DataFrame:
    """`units` with a mark after the name of a unit ranked on figures to be checked: its table differs from
    its dossier log, or its figures are an earlier file's (the later one could not be opened); ranked as the
    figures stand, but said on the row (packs.yml log_differs_mark, superseded_mark)."""
    if units.empty or "unit_code" not in units or "unit_name" not in units:
        return units.copy()
    from sketket.analysis.gating import superseded

    config = pack_config()
    shown = units.copy()
    names = shown["unit_name"].astype(str)
    differ = shown["unit_code"].isin(_log_differs(tables))
    names = names.where(~differ, names + config["log_differs_mark"])
    if "source_file" in shown:
        older = shown["source_file"].isin(set(superseded(tables["findings"])))
        names = names.where(~older, names + config["superseded_mark"])
    shown["unit_name"] = names
    return shown


def _log_differs(tables: Tables) -> set[str]:
    """The units whose table differs from their dossier log (the reconciliation, when there are logs)."""
    from sketket.analysis import dossier_facts

    rec = dossier_facts.read(tables).reconciliation
    return set(rec.loc[rec["status"] == "differs", "unit_code"]) if len(rec) else set()


def best_weakest(tables: Tables, tier: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The best and the weakest ranked units of a tier (ranked: enough dossiers, see indicators.yml), units
    tied with the last one named included (indicators.leaders)."""
    from sketket.analysis.indicators import leaders

    return leaders(units_of(tables, tier), tier, int(pack_config()["best_weakest"]))


def leaders_html(tables: Tables, top: int = 3) -> str:
    """One row per tier: its best and its weakest ranked units with their on-time rates and ranks, units tied
    with the last one named included (the city pack; the full rankings are in the annex)."""
    from sketket.analysis.indicators import leaders, ranked_names
    from sketket.dimensions import TIERS

    units = tables["indicators_units"]
    rows = []
    for tier in TIERS:
        best, weakest = leaders(units, tier, top) if len(units) else (units, units)
        if best.empty:
            continue
        ranked = int(units.loc[units["tier"] == tier, "rank_in_tier"].notna().sum())
        rows.append({"tier": _tier_label(tier), "ranked": ranked, "best": ranked_names(with_marks(tables, best), top),
                     "weakest": ranked_names(with_marks(tables, weakest), top)})
    if not rows:
        return para("Chưa có đơn vị đủ số hồ sơ để xếp hạng.")
    from sketket.analysis.indicators import load_config

    ranking = load_config()["ranking"]
    return (table_html(pd.DataFrame(rows), {"ranked": "int"},
                       {"tier": "Cấp", "ranked": "Số đơn vị được xếp hạng", "best": f"Dẫn đầu ({top} hạng đầu)",
                        "weakest": f"Thấp nhất ({top} hạng cuối)"}, name="dan-dau-thap-nhat-theo-cap")
            + para(ranking["basis"].format(min=format_int(ranking["min_dossiers"]))) + older_figures_html(tables))


def older_figures_html(tables: Tables, codes: Iterable[str] | None = None) -> str:
    """The units whose figures come from an earlier file because their newer one could not be opened (ingest's
    resend_unreadable), beside every ranking and total that uses them; empty when there are none. `codes`: only
    the files of those units (a ranking of communes names the district whose file holds them)."""
    from sketket.analysis.gating import superseded_heads
    from sketket.analysis.indicators import load_config

    heads = superseded_heads(tables["indicators_units"], tables["findings"], codes)
    if not heads:
        return ""
    return para(load_config()["gating"]["superseded"].format(units=", ".join(heads)))


def far_below_counts_html(tables: Tables) -> str:
    """How many units of each tier are far below it (the names are in the annex)."""
    units = tables["indicators_units"]
    flagged = units[units["flags"].fillna("") != ""] if len(units) else units
    if flagged.empty:
        return para("Không có đơn vị nào thấp hơn hẳn mặt bằng chung của cấp mình.")
    from sketket.dimensions import TIERS

    counts = flagged["tier"].value_counts()
    parts = [f"{_tier_label(t)}: {format_int(counts[t])}" for t in TIERS if t in counts]
    # each rule counted apart: "thấp hơn hẳn" alone reads as the on-time rate, which is one rule of three
    rules = flagged["flags"].str.split(r";\s*").explode()
    by_rule = [pack_config()["far_below_rules"][r].format(n=format_int(n))
               for r, n in rules.value_counts().items() if r in pack_config()["far_below_rules"]]
    return para(f"{format_int(len(flagged))} đơn vị thấp hơn hẳn mặt bằng chung của cấp mình ({'; '.join(parts)}): "
                + ", ".join(by_rule) + " (một đơn vị có thể ở nhiều nhóm).")


def _more(n: int, where: str) -> str:
    return piece("more", format_int(n), where) if n > 0 else ""


def far_below_html(tables: Tables, codes: Iterable[str] | None = None, limit: int | None = 20) -> str:
    """Units far below their tier, with the reasons the indicators wrote (at most `limit`, by tier)."""
    units = tables["indicators_units"]
    flagged = units[units["flags"].fillna("") != ""] if len(units) else units
    if codes is not None and len(flagged):
        flagged = flagged[flagged["unit_code"].isin(list(codes))]
    if flagged.empty:
        if codes is not None and not _compared(units, codes):  # nothing of theirs to set against the tier
            return para(pack_config()["far_below_none_compared"])
        return para("Không có đơn vị nào thấp hơn hẳn mặt bằng chung của cấp mình.")
    from sketket.dimensions import TIERS

    flagged = flagged.sort_values(["tier", "on_time_rate"], key=lambda s: s.map(TIERS.index) if s.name == "tier" else s)
    frame = flagged.assign(reason=flagged["flag_reasons"].str.replace(" | ", "\n", regex=False),
                           tier=flagged["tier"].map(_tier_label))
    limit = len(frame) if limit is None else limit
    return (table_html(frame.head(limit)[["unit_name", "tier", "reason"]], labels=column_labels(tables))
            + _more(len(frame) - limit, "danh sách đầy đủ ở phụ lục và ở trang Chỉ số của từng cấp"))


def _compared(units: pd.DataFrame, codes: Iterable[str]) -> bool:
    """Whether any of these units has figures set against its tier (not awaiting correction)."""
    from sketket.analysis.gating import AWAITING

    mine = units[units["unit_code"].isin(list(codes))] if len(units) else units
    return bool(len(mine)) and bool((mine["has_figures"].astype(bool) & (mine["data_status"] != AWAITING)).any())


def completeness_by_tier(tables: Tables) -> pd.DataFrame:
    """Per tier: units expected, with figures and without (indicators_tiers), for the completeness chart."""
    tiers = tables["indicators_tiers"]
    return tiers[tiers["tier"] != "city"][["tier", "tier_label", "units_expected", "units_reporting",
                                          "units_without_figures"]]


def missing_html(tables: Tables, codes: Iterable[str] | None = None) -> str:
    """Submitters that sent nothing or only part, with the sub-units still missing."""
    comp = tables["completeness"]
    if comp.empty:
        return ""
    if codes is not None:
        comp = comp[comp["unit_code"].isin(list(codes))]
    late = comp[comp["status"] != "Đủ"]
    if late.empty:
        from sketket.analysis.gating import AWAITING

        units = tables["indicators_units"]
        waiting = int(((units["data_status"] == AWAITING) & units["unit_code"].isin(list(codes))).sum()) \
            if codes is not None and len(units) else 0
        return para("Số liệu trong biểu: đơn vị và mọi đơn vị trực thuộc đều đã có dòng số liệu"
                    + (f", trong đó {format_int(waiting)} đơn vị có số liệu đang chờ sửa (mục trên)" if waiting else "")
                    + " (tình trạng gửi báo cáo, bản giấy và bản điện tử: xem bảng theo dõi gửi báo cáo).")
    cols = {"unit_name": "text", "status": "text", "sub_units_expected": "int", "sub_units_missing": "int",
            "missing_names": "text"}
    labels = {**column_labels(tables), "sub_units_expected": "Đơn vị trực thuộc", "sub_units_missing": "Còn thiếu",
              "missing_names": "Đơn vị trực thuộc chưa có số liệu"}
    return table_html(late[list(cols)], cols, labels)


def awards_html(tables: Tables, codes: Iterable[str] | None = None, limit: int | None = 30,
                names: bool = True) -> str:
    """The awards shortlist: how many units of each tier meet every criterion, then (`names`) the units with
    their reasons (upper tiers first, at most `limit`)."""
    awards = tables["awards"]
    if awards.empty:
        return para("Chưa có danh sách đề xuất khen thưởng.")
    if codes is not None:
        awards = awards[awards["unit_code"].isin(list(codes))]
    awards = awards.assign(shortlisted=awards["shortlisted"].astype(str).str.lower() == "true")
    short = awards[awards["shortlisted"]]
    from sketket.analysis.gating import awaiting

    if short.empty:
        held = awaiting(awards, tables["indicators_units"])
        if len(awards) and held.all():  # nobody was judged: not "none meets the criteria"
            return para("Chưa xét khen thưởng: số liệu của "
                        + ("đơn vị" if len(awards) == 1 else f"cả {format_int(len(awards))} đơn vị")
                        + " đang chờ sửa.")
        if held.any():
            return para(f"Chưa có đơn vị nào đạt đủ các tiêu chí đề xuất khen thưởng; {format_int(int(held.sum()))} "
                        "đơn vị chưa được xét vì số liệu đang chờ sửa.")
        return para("Chưa có đơn vị nào đạt đủ các tiêu chí đề xuất khen thưởng.")
    from sketket.dimensions import TIERS

    summary = ""
    if codes is None:
        # a unit awaiting correction is listed but not considered until its corrected table arrives
        held = awaiting(awards, tables["indicators_units"])
        counts = (awards.assign(considered=~held, held=held).groupby("tier")[["shortlisted", "considered", "held"]]
                  .sum().reindex([t for t in TIERS if t in set(awards["tier"])]).reset_index())
        counts["tier"] = counts["tier"].map(_tier_label)
        summary = table_html(counts, {"shortlisted": "int", "considered": "int", "held": "int"},
                             {"tier": "Cấp", "shortlisted": "Đạt mọi tiêu chí", "considered": "Số đơn vị được xét",
                              "held": "Chờ sửa số liệu, chưa xét"})
    rank = {t: i for i, t in enumerate(DISPLAY_ORDER)}
    short = short.sort_values("tier", key=lambda s: s.map(rank), kind="stable")
    frame = short.assign(tier=short["tier"].map(_tier_label), reasons=short["reasons"].str.replace(" | ", "\n"))
    limit = len(frame) if limit is None else limit
    if not names and summary:  # the counts only (the city pack); the units with their reasons are in the annex
        return summary
    return (summary + table_html(frame.head(limit)[["unit_name", "tier", "reasons"]], labels=column_labels(tables))
            + _more(len(frame) - limit, "danh sách đầy đủ kèm lý do ở phụ lục"))


def _tier_label(tier: str) -> str:
    from sketket.dimensions import TIER_LABELS

    return TIER_LABELS.get(tier, tier)


def findings_of(tables: Tables, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Findings with the tier of the unit they are about (file-level findings: the tiers of the file's
    form); restricted to the files that carried the given units' figures."""
    from sketket.analysis import dossier_facts
    from sketket.outputs.returns import reconciliation_findings

    findings = tables["findings"]
    nominations = tables["nomination_findings"]  # the award lists' problems: on the proposer's return list too
    if len(nominations):
        findings = pd.concat([findings, nominations], ignore_index=True)
    # a table that differs from its unit's dossier log: the warning its return list carries, said here too
    logs = dossier_facts.read(tables)
    if len(logs.reconciliation):
        differ = reconciliation_findings(logs.reconciliation, tables["appendix"], logs.cfg)
        findings = pd.concat([findings, differ], ignore_index=True) if len(differ) else findings
    if findings.empty:
        return findings.assign(tier=pd.Series(dtype=str))
    units = tables["indicators_units"]
    # findings name a unit as it was submitted; the pack shows the registry's name
    submitted = (units.assign(shown_name=units["unit_name"], unit_name=units["submitted_name"])
                 if "submitted_name" in units else units.assign(shown_name=units["unit_name"]))
    keys = submitted[["source_file", "unit_name", "shown_name", "tier"]].drop_duplicates(["source_file", "unit_name"])
    out = findings.merge(keys, on=["source_file", "unit_name"], how="left")
    out["unit_name"] = out.pop("shown_name").fillna(out["unit_name"])
    files = tables["files"].set_index("source_file")["form"] if len(tables["files"]) else pd.Series(dtype=str)
    from sketket.dimensions import FORM_TIERS

    form_tier = out["source_file"].map(files).map(lambda f: FORM_TIERS.get(f, ("",))[0] if isinstance(f, str) else "")
    out["tier"] = out["tier"].fillna(form_tier).replace("", "khác")
    if codes is not None:
        codes = list(codes)
        mine = set(units.loc[units["unit_code"].isin(codes), "source_file"])
        # an earlier file the unit's table replaced (its finding sits on that file and names the one kept)
        replaced = out["rule"].eq("duplicate_unit") & out["value"].isin(mine)
        # and what its return list carries besides: its award nominations' problems, a file of its that held no
        # table (attributed as the return lists attribute them), so that the pack never says "no error" beside
        # a list of errors sent to the unit
        from sketket.outputs.returns import attribute_findings

        registry = tables.registry
        names = {registry.name_of(c) for c in codes} - {""}
        sent = attribute_findings(out.reset_index(drop=True), tables["appendix"], registry)
        known = [c for c in codes if c]  # a sub-unit without a code (a name not in the registry) attributes nothing
        theirs = (sent["submitter_code"].isin(known) | sent["submitter_name"].isin(names)).to_numpy()
        out = out[out["source_file"].isin(mine).to_numpy() | replaced.to_numpy() | theirs]
    return out


def rule_text(rule: str, dossier_cfg: dict[str, Any] | None = None) -> str:
    """What a validation rule checks, in Vietnamese (config/rules.yml; the reconciliation's, dossiers.yml, or
    `dossier_cfg`: the settings the logs were counted with, DossierTables.cfg)."""
    from sketket.analysis import dossier_facts

    spec = (dossier_cfg or dossier_facts.config())["return_list"]
    if rule == spec["rule"]:
        return str(spec["what"])
    from sketket.analysis.awards import rule_descriptions

    return rule_descriptions().get(rule, rule)


def findings_pivot(findings: pd.DataFrame, dossier_cfg: dict[str, Any] | None = None) -> pd.DataFrame:
    """Count of findings by rule (rows, described) and tier (columns, Vietnamese labels)."""
    if findings.empty:
        return pd.DataFrame()
    described = findings.assign(rule=findings["rule"].map(lambda rule: rule_text(rule, dossier_cfg)))
    pivot = described.pivot_table(index="rule", columns="tier", values="severity", aggfunc="count", fill_value=0)
    from sketket.dimensions import TIERS

    order = [t for t in TIERS if t in pivot.columns] + [c for c in pivot.columns if c not in TIERS]
    return pivot[order].rename(columns=_tier_label)


SEVERITY = {"error": "Lỗi", "warning": "Cảnh báo"}


def form_findings(tables: Tables, form: str) -> pd.DataFrame:
    """Findings in the files of one appendix form (and in files whose form could not be told)."""
    findings = findings_of(tables)
    return findings[findings["source_file"].isin(files_of(tables, form)["source_file"])] if len(findings) else findings


def findings_html(tables: Tables, findings: pd.DataFrame, limit: int = 30) -> str:
    """The findings a unit must correct or check, errors first (the return lists hold them all)."""
    if findings.empty:
        return para("Không có lỗi hay cảnh báo nào.")
    ordered = findings.assign(_e=findings["severity"] != "error", severity=findings["severity"].map(SEVERITY))
    ordered = ordered.sort_values(["_e", "source_file", "cell"])
    cols = ["unit_name", "source_file", "cell", "severity", "message"]
    more = len(ordered) - limit
    note = piece("more_findings", format_int(more)) if more > 0 else ""
    return table_html(ordered.head(limit)[cols], labels=column_labels(tables)) + note


def return_list_html(tables: Tables, unit_code: str) -> str:
    """A link to the unit's own return list, the file the Sở sends it (empty when it has none)."""
    from sketket.outputs.returns import list_file_of

    name = list_file_of(findings_of(tables), tables["appendix"], tables.registry, unit_code)
    if name is None:
        return ""
    from sketket.catalog import reports

    # a pack is written to <run>/<group>/, the return lists to the run's folder of them (catalog.yml)
    href = f"../{reports()['return_lists'].path}/{name}"
    return piece("annex_link", href, pack_config()["return_list"].format(file=name))


def para(text: str, cls: str | None = None) -> str:
    """A paragraph of plain text."""
    return piece("para", text, cls)


def title_html(text: str) -> str:
    return piece("title", text)


def family(tables: Tables, code: str) -> pd.DataFrame:
    """A district or department's own row and its sub-units' rows (units with figures), best first, with the
    sub-units' rank among themselves on the on-time rate (`rank_in_family` of `ranked_in_family`; only those
    ranked in their tier, i.e. with enough dossiers)."""
    units = units_of(tables)
    if units.empty:
        return units
    members = units[(units["unit_code"] == code) | (units["parent_code"] == code)]
    ranked = (members["parent_code"] == code) & members["rank_in_tier"].notna()
    rank = members["on_time_rate"].astype("float64").where(ranked).rank(method="min", ascending=False)
    return members.assign(rank_in_family=rank.astype("Int64"), ranked_in_family=int(ranked.sum()))


def members_html(tables: Tables, code: str, name: str, words: Mapping[str, str]) -> str:
    """The unit pack's section on a district's or department's sub-units: the ranking chart and the table of
    `family`, or one sentence when neither the unit nor any sub-unit has figures to show (no chart note over
    nothing, no table of headers alone)."""
    members = family(tables, code)
    head = heading_html(words["members"])
    # units whose every figure awaits correction count as none: their rows would be dashes under a chart note
    figures = [c for c in ("on_time_rate", "dossiers_received") if c in members]
    if members.empty or not members[figures].notna().to_numpy().any():
        return head + para(pack_config()["no_members"].format(name=name))
    return (head + paragraph_html(words["members_note"])
            + ranking_chart_html(tables, members, name, words["child_tier"], code)
            + units_table(tables, members, family_rank_label=words["family_rank_label"], mine=code))


def member_codes(tables: Tables, code: str) -> list[str]:
    """Codes of a unit's sub-units that sent figures (awaiting correction included)."""
    units = tables["indicators_units"]
    return [] if units.empty else list(units.loc[units["parent_code"] == code, "unit_code"])


def unit_pack_words(tier: str) -> dict[str, str]:
    """What the unit pack says for a district, a department or a vertical agency (config/packs.yml)."""
    return dict(pack_config()["unit_pack"][tier])


def heading_html(text: str, anchor: str | None = None) -> str:
    return piece("heading", text, anchor)


def paragraph_html(text: str) -> str:
    """A paragraph of config text; *word* is emphasised."""
    return piece("rich", emphasised(text))


def family_name(tables: Tables, code: str) -> str:
    row = _summary_row(tables, code)
    return code if row is None else str(row["unit_name"])


def ranking_chart_html(tables: Tables, members: pd.DataFrame, name: str, child_tier: str, unit_code: str) -> str:
    """A unit's sub-units ranked on the on-time rate, with the reference rates; a sentence instead when there
    are too few bars for a chart to say more than the table (config/plots.yml `min_bars`)."""
    from sketket.outputs import plots

    if not plots.enough_bars(members, "on_time_rate"):
        return _too_few_bars(members)
    fig = plots.bar_ranking(members, "on_time_rate", "unit_name", f"Tỷ lệ hồ sơ giải quyết đúng hạn – {name}",
                            "Tỷ lệ hồ sơ đúng hạn", references=references(tables, child_tier, unit_code),
                            highlight=unit_code)
    return chart(fig, f"Xếp hạng tỷ lệ đúng hạn – {name}", tall=True)


def _too_few_bars(units: pd.DataFrame) -> str:
    """Said instead of a ranking chart of too few bars (config/plots.yml `min_bars`)."""
    n = int(units["on_time_rate"].notna().sum()) if len(units) else 0
    if n == 0:
        return para("Chưa đơn vị nào có tỷ lệ đúng hạn để so sánh (chưa có số liệu hoặc số liệu đang chờ sửa): "
                    "không vẽ biểu đồ.")
    return para(f"Chỉ {format_int(n)} đơn vị có tỷ lệ đúng hạn: không vẽ biểu đồ, số liệu ở bảng dưới.")


def tier_label_of(tables: Tables, tier: str, parent_code: str | None = None) -> str:
    """What a tier's page is about: the tier, or the tier under one unit ("Xã, phường, thị trấn – Quận Ba Đình")."""
    from sketket.outputs import plots

    return plots.tier_label(tier) + (f" – {family_name(tables, parent_code)}" if parent_code else "")


def tier_ranking_html(tables: Tables, tier: str, parent_code: str | None = None) -> str:
    """The units of a tier (under `parent_code` when given) ranked on the on-time rate with the tier's and the
    city's rates, then their table; a sentence instead of a chart of too few bars."""
    from sketket.outputs import plots

    units = units_of(tables, tier, parent_code or None)
    label = tier_label_of(tables, tier, parent_code)
    if not plots.enough_bars(units, "on_time_rate"):
        return _too_few_bars(units) + units_table(tables, units)
    fig = plots.bar_ranking(units, "on_time_rate", "unit_name", f"Tỷ lệ hồ sơ giải quyết đúng hạn – {label}",
                            "Tỷ lệ hồ sơ đúng hạn", tier=tier, references=references(tables, tier))
    return chart(fig, f"Xếp hạng tỷ lệ đúng hạn – {label}") + units_table(tables, units)


def distribution_charts_html(tables: Tables) -> str:
    """How the on-time rate and the one-stop share spread within each tier (one chart each)."""
    from sketket.outputs import plots

    units = units_of(tables)
    return "".join(chart(plots.distribution(units, column, title, axis), alt) for column, title, axis, alt in (
        ("on_time_rate", "Phân bố tỷ lệ hồ sơ giải quyết đúng hạn theo cấp", "Tỷ lệ hồ sơ đúng hạn",
         "Phân bố tỷ lệ đúng hạn theo cấp"),
        ("one_stop_share", "Phân bố tỷ lệ TTHC thực hiện theo cơ chế một cửa", "Tỷ lệ TTHC một cửa",
         "Phân bố tỷ lệ TTHC một cửa theo cấp")))


def references(tables: Tables, tier: str, unit_code: str | None = None) -> dict[str, float]:
    """Reference on-time rates for a ranking chart: the unit with its sub-units, its tier and the city."""
    tiers = tables["indicators_tiers"].set_index("tier")["on_time_rate"]
    refs = {}
    if unit_code is not None:
        row = _summary_row(tables, unit_code)
        if row is not None and pd.notna(row["on_time_rate"]):
            refs[f"{row['unit_name']} (cả đơn vị trực thuộc)"] = float(row["on_time_rate"])
    for key, name in ((tier, _tier_label(tier)), ("city", CITY_LABEL)):
        if key in tiers and pd.notna(tiers[key]):
            refs[name] = float(tiers[key])
    return refs


def distribution_html(tables: Tables, tier: str) -> str:
    """Minimum, quartiles and maximum of each indicator over the tier's units, each in its own format."""
    from sketket.analysis.indicators import RATES, distribution

    units = tables["indicators_units"]
    dist = distribution(units[units["tier"] == tier]) if len(units) else pd.DataFrame()
    if dist.empty:
        return para("Chưa có số liệu.")
    stats = [c for c in dist.columns if c == "min" or c == "max" or (c.startswith("p") and c[1:].isdigit())]
    shown = dist[["indicator_label", "units"]].copy()
    for col in stats:
        shown[col] = [FORMATTERS["pct" if ind in RATES else "num" if ind == "area_m2" else "int"](v)
                      for ind, v in zip(dist["indicator"], dist[col], strict=True)]
    labels = {"indicator_label": "Chỉ số", "units": "Số đơn vị", "min": "Thấp nhất", "max": "Cao nhất",
              **{c: f"Phân vị {c[1:]}%" for c in stats if c.startswith("p")}}
    labels["p50"] = "Trung vị"
    return table_html(shown, {"units": "int"}, labels)


def files_of(tables: Tables, form: str) -> pd.DataFrame:
    """The files of one appendix form, and the files whose form could not be told (rejected, skipped)."""
    files = tables["files"]
    if files.empty:
        return files
    # a workbook with two filled appendix sheets has form "I;II": it belongs to both
    forms = files["form"].fillna("").str.split(";")
    return files[forms.map(lambda fs: form in fs or fs == [""])]


def files_html(tables: Tables, form: str) -> str:
    """What was read, rejected and why."""
    files = files_of(tables, form)
    if files.empty:
        return para("Chưa nhận tệp nào.")
    status = {"ingested": "Đã đọc", "rejected": "Bị từ chối", "skipped": "Bỏ qua"}
    shown = files.assign(status=files["status"].map(status).fillna(files["status"]))
    cols = {"source_file": "text", "status": "text", "reason": "text", "unit_rows": "int", "errors": "int",
            "warnings": "int"}
    labels = {**column_labels(tables), "reason": "Lý do", "unit_rows": "Số dòng đơn vị", "errors": "Lỗi",
              "warnings": "Cảnh báo"}
    ordered = shown.sort_values(["status", "source_file"], key=lambda s: s.map({"Bị từ chối": "0"}).fillna(s))
    return table_html(ordered[list(cols)], cols, labels)


def file_counts(tables: Tables, form: str) -> list[Card]:
    files = files_of(tables, form)
    count = files["status"].value_counts() if len(files) else pd.Series(dtype=int)
    return [Card("Tệp đã đọc", format_int(count.get("ingested", 0))),
            Card("Tệp bị từ chối", format_int(count.get("rejected", 0))),
            Card("Tệp bỏ qua", format_int(count.get("skipped", 0)))]


def findings_by_unit_html(tables: Tables, form: str) -> str:
    """Per unit of the form's files: how many errors and warnings its table carries."""
    findings = tables["findings"]
    files = set(files_of(tables, form)["source_file"]) if len(tables["files"]) else set()
    mine = findings[findings["source_file"].isin(files)] if len(findings) else findings
    if mine.empty:
        return para("Không có lỗi hay cảnh báo nào.")
    counts = (mine.assign(unit_name=mine["unit_name"].fillna("(cả tệp)"))
              .pivot_table(index=["source_file", "unit_name"], columns="severity", values="rule", aggfunc="count",
                           fill_value=0).reset_index())
    for sev in ("error", "warning"):
        if sev not in counts:
            counts[sev] = 0
    counts = counts.sort_values(["error", "warning"], ascending=False)
    labels = {**column_labels(tables), "error": "Lỗi", "warning": "Cảnh báo"}
    return table_html(counts[["unit_name", "source_file", "error", "warning"]], {"error": "int", "warning": "int"},
                      labels)


def chart(fig: Any, alt: str, tall: bool = False) -> str:
    from sketket.outputs.plots import to_html

    return to_html(fig, alt, tall)


def _section_quotes(themes: pd.DataFrame, quotes: pd.DataFrame) -> pd.DataFrame:
    """One quote per theme of a section, in the themes' order: the first of the theme's quotes not already
    shown under an earlier theme of the section (one sentence often touches several themes), else its first."""
    shown: set[str] = set()
    picked = []
    for theme in themes["theme"]:
        candidates = quotes[quotes["theme"] == theme]
        fresh = candidates[~candidates["quote"].isin(shown)]
        row = (fresh if len(fresh) else candidates).head(1)
        quote, unit = ("", "") if row.empty else (row["quote"].iloc[0], row["unit_name"].iloc[0])
        picked.append((quote, unit))
        shown.add(quote)
    return themes.assign(quote=[q for q, _ in picked], unit_name=[u for _, u in picked])


def lessons_html(tables: Tables, top: int = 5) -> str:
    """Per outline section (shortcomings, lessons, initiatives, recommendations): the themes most units wrote
    about, each with one representative sentence and the unit that wrote it."""
    themes, quotes = tables["lessons_themes"], tables["lessons_quotes"]
    if themes.empty:
        return para("Chưa có báo cáo thuyết minh nào để tổng hợp.")
    per_theme = (themes.groupby(["section", "section_label", "theme", "theme_label"], as_index=False)["units"].sum()
                 .sort_values(["section", "units"], ascending=[True, False]))
    if quotes.empty:
        quotes = pd.DataFrame(columns=["section", "theme", "quote", "unit_name"])
    parts = []
    for (section, label), group in per_theme.groupby(["section", "section_label"], sort=True):
        shown = _section_quotes(group.head(top), quotes[quotes["section"] == section])
        parts.append(table_html(shown[["theme_label", "units", "quote", "unit_name"]], {"units": "int"},
                                {"theme_label": "Chủ đề", "units": "Số đơn vị nêu", "quote": "Trích dẫn",
                                 "unit_name": "Đơn vị"}, caption=str(label)))
    return "".join(parts)


def initiatives_html(tables: Tables, top: int = 10) -> str:
    """Models and initiatives, those reported by most units first."""
    df = tables["initiatives"]
    if df.empty:
        return para("Chưa có mô hình, sáng kiến nào được nêu.")
    return table_html(df.head(top)[["initiative", "units", "n_units"]], {"n_units": "int"},
                      {"initiative": "Mô hình, sáng kiến", "units": "Đơn vị", "n_units": "Số đơn vị"})


def _some_units(units: object, n: int, shown: int = 2) -> str:
    """The first units named in a "; "-joined list, with how many there are: "A, B… (31 đơn vị)"."""
    names = [x for x in str(units or "").split("; ") if x]
    head = ", ".join(names[:shown]) + ("…" if len(names) > shown else "")
    return f"{head} ({format_int(n)} đơn vị)" if head else f"{format_int(n)} đơn vị"


def recommendations_html(tables: Tables, top: int = 10, brief: bool = False) -> str:
    """Recommendations, grouped by whom they are addressed to; `brief`: the units who made each shortened to
    the first two and their number (the city pack; the lessons page lists them all)."""
    df = tables["recommendations"]
    if df.empty:
        return para("Chưa có kiến nghị, đề xuất nào.")
    from sketket.config import load_yaml

    # the most raised first, grouped by whom they ask in themes.yml's order (Trung ương, Thành phố, Sở…), as the
    # draft's section III: not by the addressee's name
    order = {a["id"]: k for k, a in enumerate(load_yaml("themes.yml")["addressees"])}
    shown = df.sort_values(["n_units"], ascending=False).head(top)
    shown = shown.sort_values("addressee", key=lambda s: s.map(order).fillna(len(order)), kind="stable")
    labels = {"addressee_label": "Kiến nghị tới", "recommendation": "Kiến nghị, đề xuất", "units": "Đơn vị",
              "n_units": "Số đơn vị"}
    if brief:
        shown = shown.assign(units=[_some_units(u, n) for u, n in zip(shown["units"], shown["n_units"], strict=True)])
        return table_html(shown[["addressee_label", "recommendation", "units"]], None,
                          {**labels, "units": "Đơn vị kiến nghị"}, name="kien-nghi-de-xuat")
    return table_html(shown[["addressee_label", "recommendation", "units", "n_units"]], {"n_units": "int"}, labels,
                      name="kien-nghi-de-xuat")


def initiatives_brief_html(tables: Tables, top: int = 5) -> str:
    """The models most units reported, each with the first units that reported it (the city pack)."""
    df = tables["initiatives"]
    if df.empty:
        return para("Chưa có mô hình, sáng kiến nào được nêu.")
    top_df = df.sort_values("n_units", ascending=False, kind="stable").head(top)
    shown = top_df.assign(units=[_some_units(u, n) for u, n in zip(top_df["units"], top_df["n_units"], strict=True)])
    return table_html(shown[["initiative", "units"]], None,
                      {"initiative": "Mô hình, sáng kiến", "units": "Đơn vị nêu"}, name="mo-hinh-sang-kien")


def submission_html(tables: Tables, code: str) -> str:
    """One unit's line of the submission tracking (the same dataset as the city pack's table), and whether its
    figures come from an earlier file than its last (older_figures_html)."""
    subs = tables["submissions"]
    row = subs[subs["unit_code"] == code] if len(subs) else subs
    if row.empty:
        return para("Chưa có sổ theo dõi gửi báo cáo của đơn vị.")
    r = row.iloc[0]
    days = "" if _missing(r["days_late"]) else format_int(r["days_late"])
    status, missing = str(r["status_label"]), str(r["missing"] or "")
    if r["status"] == "incomplete" and missing:  # "Còn thiếu bản giấy", not "Còn thiếu; còn thiếu: bản giấy"
        status, missing = f"{status} {missing}", ""
    complete = r.get("complete_date", "")
    # the figures below come from an earlier file (the later one could not be opened): said first, not only
    # among the warnings further down, since every figure and rank of the pack is the earlier file's
    return piece("submission", status, missing, str(r["first_date"] or ""), days,
                 "" if _missing(complete) else str(complete)) + older_figures_html(tables, [code])


def unit_points(tables: Tables, code: str) -> list[str]:
    """What a leader raises when meeting a unit, from the figures and the files (each said in full further
    down the pack): its report late or incomplete, figures awaiting correction, errors of its return list, an
    earlier file's figures, a table that differs from its log, units far below their tier, no report to read,
    nominations held. Empty when there is nothing to raise. Words: packs.yml unit_points."""
    from sketket.analysis.gating import AWAITING, superseded

    words = pack_config()["unit_points"]
    codes = [code, *member_codes(tables, code)]
    out = []
    subs = tables["submissions"]
    row = subs[subs["unit_code"] == code] if len(subs) else subs
    if len(row) and row.iloc[0]["status"] in ("late", "incomplete", "missing", "unreadable"):
        r = row.iloc[0]
        missing = "" if _missing(r.get("missing")) else str(r.get("missing") or "")
        out.append(words["submission"].format(status=str(r["status_label"]).lower(),
                                              missing=f" ({missing.lower()})" if missing else ""))
    units = tables["indicators_units"]
    mine = units[units["unit_code"].isin(codes)] if len(units) else units
    waiting = int((mine["data_status"] == AWAITING).sum()) if len(mine) else 0
    if waiting:
        out.append(words["awaiting"].format(n=format_int(waiting)))
    found = findings_of(tables, codes)
    errors = int((found["severity"] == "error").sum()) if len(found) else 0
    if errors:
        out.append(words["errors"].format(n=format_int(errors)))
    if len(mine) and "source_file" in mine and mine["source_file"].isin(set(superseded(tables["findings"]))).any():
        out.append(words["superseded"])
    differ = sorted(set(codes) & _log_differs(tables))
    if differ:
        out.append(words["log_differs"].format(n=format_int(len(differ))))
    flagged = int((mine["flags"].fillna("") != "").sum()) if len(mine) and "flags" in mine else 0
    if flagged:
        out.append(words["far_below"].format(n=format_int(flagged)))
    no_report = _no_report(tables, code)
    # "not sent" repeats the submission point above it (which names the missing report)
    if no_report and not (out and out[0].startswith(words["submission"].split("{")[0])
                          and no_report == pack_config()["own_report"]["not_sent"]):
        out.append(no_report)
    checks = tables["nomination_checks"]
    if len(checks):
        held = checks[(checks["proposer_code"].astype(str) == code) & ~_true(checks["passed"])]
        if len(held):
            out.append(words["nominations_held"].format(n=format_int(len(held))))
    return out


def unit_points_html(tables: Tables, code: str) -> str:
    """`unit_points` as the unit pack's first list, or one sentence when there is nothing to raise."""
    words = pack_config()["unit_points"]
    points = unit_points(tables, code)
    return piece("points", words["heading"], points) if points else para(words["none"])


def deadline_html(tables: Tables, context: Mapping[str, Any], details: bool = True) -> str:
    """Who sent the report by the plan's deadline, late, incompletely or not at all (submissions.csv): the
    count per tier and status, then (`details`) every unit late, incomplete or missing."""
    subs = tables["submissions"]
    if subs.empty:
        return para("Chưa có sổ theo dõi gửi báo cáo.")
    from sketket.analysis.tracking import tracking_summary

    deadline = context.get("plan", {}).get("report_deadline", "")
    summary = tracking_summary(subs.astype(object).where(subs.notna(), "")).reset_index()
    html = (piece("deadline", str(deadline))
            + table_html(summary, dict.fromkeys(summary.columns[1:], "int"), total_last=True))
    late = subs[subs["status"].isin(["missing", "incomplete", "late"])]
    if not details:
        return html
    if late.empty:
        return html + para("Mọi đơn vị đã gửi đủ và đúng hạn.")
    cols = {"unit_name": "text", "status_label": "text", "first_date": "text", "days_late": "int", "missing": "text"}
    labels = {"unit_name": "Đơn vị", "status_label": "Tình trạng", "first_date": "Ngày gửi đầu tiên",
              "days_late": "Số ngày chậm", "missing": "Còn thiếu"}
    return html + table_html(late[list(cols)], cols, labels)


# ---------------------------------------------------------------- the city pack's first screen


@dataclass(frozen=True)
class Brief:
    """What a leader reads in one minute, each sentence written from the data (config/packs.yml `brief`)."""

    went_well: list[str]
    went_badly: list[str]
    decisions: list[str]


def _checklist_answers(tables: Tables) -> pd.DataFrame:
    """Per checklist item: units whose report says "Có", "Không", and `read`, every unit whose report was
    read (those that say nothing of the item included): the denominator the draft report uses too."""
    df = tables["checklist"]
    if df.empty:
        return pd.DataFrame(columns=["item_label", "yes", "no", "read"])
    from sketket.analysis.checklist import answer_words, reporting_unit

    words = answer_words()
    out = df.groupby("item_label", sort=False)["value"].agg(
        yes=lambda s: int((s == words["yes"]).sum()), no=lambda s: int((s == words["no"]).sum()))

    out["read"] = reporting_unit(df).groupby(df["item_label"], sort=False).nunique()
    return out.reset_index()


def _theme_units(tables: Tables, section: str) -> pd.DataFrame:
    """Themes of an outline section, with the units that wrote about each (all tiers), most first."""
    themes = tables["lessons_themes"]
    if themes.empty:
        return pd.DataFrame(columns=["theme_label", "units"])
    mine = themes[themes["section"] == section]
    return mine.groupby("theme_label", as_index=False)["units"].sum().sort_values("units", ascending=False)


def brief(tables: Tables) -> Brief:
    """The city's results and shortcomings (tiers' figures, the units' checklist answers and reports) and the
    decisions proposed (the recommendations most units made), each sentence from the data."""
    spec = pack_config()["brief"]
    good: list[str] = []
    bad: list[str] = []
    tiers = tables["indicators_tiers"]
    city = tiers[tiers["tier"] == "city"]
    if len(city):
        c = city.iloc[0]
        on_time = (f"{format_percent(c['on_time_rate'])} hồ sơ giải quyết đúng hạn "
                   f"({format_int(c['dossiers_on_time'])}/{format_int(c['dossiers_received'])} hồ sơ; "
                   f"{format_int(c['dossiers_overdue'])} hồ sơ quá hạn).")
        (good if c["on_time_rate"] >= spec["good_on_time"] else bad).append(on_time)
        if not _missing(c["one_stop_share"]) and c["one_stop_share"] >= spec["good_one_stop"]:
            good.append(f"{format_percent(c['one_stop_share'])} TTHC ({format_int(c['tthc_one_stop'])}/"
                        f"{format_int(c['tthc_total'])}) thực hiện theo cơ chế một cửa, một cửa liên thông.")
        if not _missing(c["online_share"]) and c["online_share"] < spec["low_online"]:
            # a sum over units: a service every commune offers counts once per commune (as the tile says)
            bad.append(f"Dịch vụ công trực tuyến mức độ 3, 4 mới bằng {format_percent(c['online_share'])} số TTHC "
                       f"(cộng của các đơn vị: {format_int(c['online_services_l34'])} lượt dịch vụ trên "
                       f"{format_int(c['tthc_total'])} lượt TTHC).")
    ranked = tiers[(tiers["tier"] != "city") & tiers["on_time_rate"].notna()].sort_values("on_time_rate")
    if len(ranked) > 1:
        top, low = ranked.iloc[-1], ranked.iloc[0]
        good.append(f"Tỷ lệ đúng hạn cao nhất: {top['tier_label']} ({format_percent(top['on_time_rate'])}).")
        bad.append(f"Tỷ lệ đúng hạn thấp nhất: {low['tier_label']} ({format_percent(low['on_time_rate'])}; "
                   f"{format_int(low['dossiers_overdue'])} hồ sơ quá hạn).")
    initiatives = tables["initiatives"]
    if len(initiatives):
        top_model = initiatives.sort_values("n_units", ascending=False).iloc[0]
        good.append(f"Mô hình được nhiều đơn vị làm nhất: {nfc(top_model['initiative']).rstrip('. ')} "
                    f"({format_int(top_model['n_units'])} đơn vị).")
    shortcomings = _theme_units(tables, "II.3.b")
    if len(shortcomings):
        s = shortcomings.iloc[0]
        bad.append(f"Tồn tại nhiều đơn vị nêu nhất: {s['theme_label']} ({format_int(s['units'])} đơn vị).")
    subs = tables["submissions"]
    if len(subs):
        late = subs["status"].isin(["missing", "incomplete", "late"])
        if late.any():  # only the statuses there are: "hoặc chưa gửi" when every unit sent something misled
            counts = subs["status"].value_counts()
            parts = [f"{word} {format_int(counts[k])}" for k, word in (("late", "gửi chậm"), ("incomplete", "còn thiếu"),
                                                                          ("missing", "chưa gửi")) if k in counts]
            bad.append(f"{format_int(late.sum())}/{format_int(len(subs))} đơn vị chưa gửi đủ, đúng hạn báo cáo "
                       f"({'; '.join(parts)}).")
    # the outline items come last: the figures and the reports' themes first when space is short
    answers = _checklist_answers(tables)
    n = int(spec["checklist_items"])
    done = answers[100 * answers["yes"] >= spec["checklist_done"] * answers["read"]]
    from sketket.analysis.checklist import load_checklist, sentence_label

    # the item as a sentence says it (the draft's too), not the table's short label
    said = {i["label"]: sentence_label(i)[0] for i in load_checklist().items}
    for r in done.sort_values("yes", ascending=False).head(n).itertuples():
        good.append(f"{said.get(str(r.item_label), r.item_label)}: {format_int(r.yes)}/{format_int(r.read)} đơn vị có báo "
                    "cáo nêu đã thực hiện.")
    for r in answers[answers["no"] > 0].sort_values("no", ascending=False).head(n).itertuples():
        bad.append(f"{said.get(str(r.item_label), r.item_label)}: {format_int(r.no)}/{format_int(r.read)} đơn vị có báo "
                   "cáo nêu chưa thực hiện.")
    points = int(spec["points"])
    return Brief(good[:points], bad[:points], decisions(tables, int(spec["decisions"])))


def decisions(tables: Tables, limit: int = 5) -> list[str]:
    """The decisions the Sở Nội vụ proposes: the recommendations most units made (mục III), each with how many
    units made it and to whom it goes."""
    recs = tables["recommendations"]
    if recs.empty:
        return []
    from sketket.clean import fold

    top = recs.sort_values("n_units", ascending=False, kind="stable").head(limit)
    out = []
    for _, r in top.iterrows():
        text = nfc(r["recommendation"]).rstrip(". ")
        # the addressee without its gloss ("Trung ương", not "Trung ương (Chính phủ, …)" inside brackets), and
        # not at all when the recommendation names it ("Đề nghị UBND Thành phố …")
        whom = re.sub(r"\s*\([^()]*\)\s*$", "", nfc(r["addressee_label"]))
        to = f"; gửi {in_sentence(whom)}" if whom and fold(whom) not in fold(text) else ""
        out.append(f"{text} ({format_int(r['n_units'])} đơn vị kiến nghị{to})")
    return out


def brief_html(tables: Tables) -> str:
    b = brief(tables)
    return piece("brief", b.went_well, b.went_badly, b.decisions)


# ---------------------------------------------------------------- the outline's part II.2, question by question


@dataclass(frozen=True)
class OutlineSection:
    """One question of the outline's part II.2 as the city pack answers it."""

    id: str  # "II.2.a"
    anchor: str
    title: str
    html: str


def _outline_heading(section_id: str) -> str:
    from sketket.intake.narrative import load_outline

    letter = section_id.rsplit(".", 1)[-1]
    return f"{letter}) {load_outline().headings.get(section_id, section_id)}"


def checklist_counts(tables: Tables, group: str, codes: Iterable[str] | None = None) -> pd.DataFrame:
    """Per item of a checklist group: how many units answer each way (units that say nothing counted, not
    named: the names go to the annex)."""
    from sketket.analysis.checklist import silent_units

    df = tables["checklist"]
    if len(df) and codes is not None:
        df = df[df["unit_code"].isin(list(codes))]
    df = df[df["group"] == group] if len(df) else df
    if df.empty:
        return pd.DataFrame()
    counts = silent_units(df.assign(value=df["value"].fillna(""))).drop(columns=["Đơn vị không nêu"])
    counts = counts.reset_index()
    # "(số hồ sơ tiếp nhận)" names the figure a unit's own table shows beside its answer: not in these counts
    first = counts.columns[0]
    counts[first] = counts[first].astype(str).str.replace(r"\s*\((?:số|tỷ lệ) [^()]*\)$", "", regex=True)
    return counts


def _has_implied(tables: Tables, group: str) -> bool:
    """Whether a checklist group holds items counted from a whole (checklist.yml implied_by)."""
    from sketket.analysis.checklist import implied_by

    df = tables["checklist"]
    return bool(len(df)) and bool(set(df.loc[df["group"] == group, "item"]) & set(implied_by()))


def outline_sections(tables: Tables) -> list[OutlineSection]:
    """Every question of II.2 (a–k, in the outline's order, config/packs.yml `outline_sections`) with its answer:
    the tiers' figures and/or the count of the units' checklist answers."""
    tiers = tables["indicators_tiers"]
    out = []
    for spec in pack_config()["outline_sections"]:
        parts = []
        if spec.get("columns") and len(tiers):
            cols = dict(spec["columns"])
            parts.append(table_html(tiers[list(cols)], cols, column_labels(tables), total_last=True))
        if spec.get("checklist"):
            counts = checklist_counts(tables, spec["checklist"])
            if len(counts):  # an answer no unit gave is a column of zeros: left out to keep the page short
                counts = counts[[counts.columns[0], *(c for c in counts.columns[1:] if counts[c].any())]]
            implied = len(counts) and _has_implied(tables, spec["checklist"])
            parts.append(para("Chưa có báo cáo thuyết minh nêu nội dung này.") if counts.empty else
                         table_html(counts, dict.fromkeys(counts.columns[1:], "int"),
                                    caption="Số đơn vị theo nội dung trả lời trong báo cáo thuyết minh"
                                    + ("; “Có” ở từng tiêu chí gồm đơn vị nêu đủ các tiêu chí" if implied else "")))
        body = "".join(parts) or para("Chưa có số liệu.")
        out.append(OutlineSection(spec["id"], spec["anchor"], _outline_heading(spec["id"]), body))
    return out


def outline_extras(tables: Tables) -> dict[str, str]:
    """Extra HTML blocks for II.2 sections, by section id ("II.2.đ"…): the dossier-log figures (Saturday and
    postal work, online share and the procedures most used online, the procedures with most overdue dossiers
    and with none, the reconciliation with the tables) in sections đ, e, g and i, each sentence naming the units
    whose logs it comes from. No logs: no block, the sections render as before."""
    from sketket.analysis import dossier_facts as facts

    data = facts.read(tables)
    if not data.has_logs:
        return {}
    said = facts.sentences(data, list_overdue=False)  # the table below lists them
    said["II.2.đ"].append(facts.units_named(data))
    said["II.2.i"] += said[facts.RECONCILIATION]
    late = facts.top_overdue(data)
    extras = {}
    for sid in facts.SECTIONS:
        table = log_procedures_table(late, data.cfg) if sid == "II.2.i" and len(late) else ""
        if said[sid] or table:
            extras[sid] = piece("log_facts", said[sid], safe(table))
    return extras


def log_procedures_table(procedures: pd.DataFrame, cfg: dict[str, Any]) -> str:
    """The procedures with most overdue dossiers in the logs (dossier_facts.procedures): received, overdue,
    on-time rate (a small table). `cfg`: the settings the logs were counted with (DossierTables.cfg)."""
    cols = {"procedure": "text", "received": "int", "overdue": "int", "on_time_rate": "pct"}
    return table_html(procedures[list(cols)], cols, {"procedure": "Thủ tục hành chính", "received": "Hồ sơ đã nhận",
                                                "overdue": "Quá hạn", "on_time_rate": "Tỷ lệ đúng hạn"},
                      caption=cfg["texts"]["pack_table"], name="tthc-qua-han-so-theo-doi")


def unit_dossiers_html(tables: Tables, codes: Iterable[str]) -> str:
    """A unit pack's dossier-log section: the figures of the logs of the unit and its sub-units (`codes`) that
    have one, unit by unit with each one's reconciliation line, then the outline's sentences over them. Empty
    (no heading) when none of them has a log."""
    from sketket.analysis import dossier_facts as facts

    data = facts.read(tables)
    mine = facts.unit_rows(data, codes)
    if mine.empty:
        return ""
    texts = data.cfg["texts"]
    lines = facts.reconciliation_lines(data)
    shown = mine.assign(  # on_time_rate: the one counted with the unit's figures (dossier_units)
        online_received_share=100 * mine["online_received"] / mine["received"].where(mine["received"] > 0),
        reconciliation=[lines.get(c, "") for c in mine["unit_code"]],
        log=[facts.log_span(r, data.cfg) for _, r in mine.iterrows()])
    cols = {"unit_name": "text", "received": "int", "overdue": "int", "on_time_rate": "pct", "online_received_share": "pct",
            "postal_received": "int", "log": "text", "reconciliation": "text"}
    labels = {"unit_name": "Đơn vị", "received": "Hồ sơ đã nhận", "overdue": "Quá hạn",
              "on_time_rate": "Tỷ lệ đúng hạn", "online_received_share": "Tỷ lệ nộp trực tuyến",
              "postal_received": "Hồ sơ qua bưu chính", "log": texts["log_column"],
              "reconciliation": "Đối chiếu với Phụ lục"}
    said = facts.sentences(data, codes=list(codes))
    return (heading_html(texts["unit_heading"], "so-theo-doi")
            + table_html(shown[list(cols)], cols, labels, caption=texts["unit_table"], name="so-theo-doi-ho-so")
            + piece("log_facts", [s for sid in (*facts.SECTIONS, facts.RECONCILIATION) for s in said[sid]]))


def outline_html(tables: Tables, extras: Mapping[str, str] | None = None) -> str:
    """The II.2 sections, each with its anchor (the table of contents links to them) and, after its own
    answer, the extra block given for it (see outline_extras)."""
    extras = outline_extras(tables) if extras is None else extras
    return "".join(piece("outline_section", s.anchor, s.title, safe(s.html), safe(extras.get(s.id, "")))
                   for s in outline_sections(tables))


def toc_html(entries: Iterable[tuple[str, str]]) -> str:
    """A table of contents: (anchor, text) pairs, anchors of headings on the same page."""
    return piece("toc", list(entries))


def city_toc() -> list[tuple[str, str]]:
    """The city pack's table of contents: its sections (config/packs.yml `city_sections`, whose anchors the
    notebook's headings carry), the II.2 questions after the section that holds them."""
    entries = []
    for section in pack_config()["city_sections"]:
        entries.append((section["anchor"], section["title"]))
        if section["anchor"] == "ii2":
            entries += [(s["anchor"], f"II.2.{_outline_heading(s['id'])}") for s in pack_config()["outline_sections"]]
    return entries


# ---------------------------------------------------------------- the city pack's annex (12_city_annex.ipynb)

ANNEX_HREF = "phu-luc-thanh-pho.html"  # beside the city pack, in the run's city/ folder
ANNEX_SECTIONS = {"xep-hang": "Xếp hạng đầy đủ theo cấp", "thap-hon": "Đơn vị thấp hơn hẳn mặt bằng của cấp",
                  "khen-thuong": "Đề xuất khen thưởng", "de-nghi": "Đề nghị khen thưởng của các đơn vị",
                  "gui-bao-cao": "Tình trạng gửi báo cáo", "cho-sua": "Số liệu đang chờ sửa",
                  "chat-luong": "Chất lượng số liệu cho chuyên viên: lỗi theo quy tắc, tệp bị từ chối"}


def annex_toc() -> list[tuple[str, str]]:
    return list(ANNEX_SECTIONS.items())


CITY_PACK_HREF = "thanh-pho-ha-noi.html"  # the city pack, beside its annex


def annex_back_link() -> str:
    """From the annex back to the city pack it completes."""
    return piece("annex_link", CITY_PACK_HREF, "Tài liệu Hội nghị sơ kết (bản tóm tắt)")


def annex_link(anchor: str) -> str:
    """A link from the city pack to the annex section holding the full list."""
    return piece("annex_link", f"{ANNEX_HREF}#{anchor}", f"Danh sách đầy đủ: {ANNEX_SECTIONS[anchor].lower()} (phụ lục)")


def ranking_html(tables: Tables, tier: str) -> str:
    """Every ranked unit of a tier, best first (the annex's full ranking)."""
    ranked = units_of(tables, tier)
    ranked = ranked[ranked["rank_in_tier"].notna()].sort_values("rank_in_tier") if len(ranked) else ranked
    if ranked.empty:
        return para(f"{_tier_label(tier)}: chưa có đơn vị đủ số hồ sơ để xếp hạng.")
    return (units_table(tables, ranked, f"{_tier_label(tier)} ({format_int(len(ranked))} đơn vị được xếp hạng)")
            + older_figures_html(tables, ranked["unit_code"]))


def problem_files_html(tables: Tables) -> str:
    """The files not read (rejected or skipped) with the reason: damaged, password, too large, an XML bomb…
    (the operators' part of the annex)."""
    files = tables["files"]
    bad = files[files["status"] != "ingested"] if len(files) else files
    if bad.empty:
        return para("Mọi tệp nhận được đều đã đọc.")
    status = {"rejected": "Bị từ chối", "skipped": "Bỏ qua"}
    shown = bad.assign(status=bad["status"].map(status).fillna(bad["status"])).sort_values(["status", "source_file"])
    return table_html(shown[["source_file", "status", "reason"]], None,
                      {**column_labels(tables), "reason": "Lý do"}, caption="Tệp không đọc được hoặc bỏ qua",
                      name="tep-khong-doc-duoc")


def rules_heatmap_html(tables: Tables) -> str:
    """Findings by rule and tier: the heatmap, then the same counts as a table (operators)."""
    from sketket.analysis import dossier_facts

    pivot = findings_pivot(findings_of(tables), dossier_facts.read(tables).cfg)
    if pivot.empty:
        return para("Không có lỗi hay cảnh báo nào.")
    from sketket.outputs import plots

    fig = plots.heatmap_counts(pivot, "Số lỗi, cảnh báo theo quy tắc kiểm tra và theo cấp")
    return (chart(fig, "Số lỗi, cảnh báo theo quy tắc và theo cấp")
            + table_html(pivot.reset_index(), dict.fromkeys(pivot.columns, "int"), {"rule": "Quy tắc"},
                         name="loi-theo-quy-tac"))


# ---------------------------------------------------------------- a unit's own report (unit packs)


def own_checklist_html(tables: Tables, code: str) -> str:
    """A unit's own answers to the outline's II.2 checklist, read from its report, item by item in order."""
    df = tables["checklist"]
    mine = df[df["unit_code"] == code] if len(df) else df
    if mine.empty:
        return para(_no_report(tables, code) or pack_config()["own_report"]["no_checklist"])
    from sketket.analysis.checklist import number_kinds, number_text

    kinds = number_kinds()
    shown = mine.assign(number=[("" if _missing(v) else number_text(v, kinds.get(item, "")))
                                for v, item in zip(mine["number"], mine["item"], strict=True)])
    cols = {"group": "text", "item_label": "text", "value": "text", "number": "text"}
    labels = {"group": "Nội dung (mục II.2)", "item_label": "Tiêu chí", "value": "Đơn vị trả lời", "number": "Số liệu nêu"}
    return table_html(shown[list(cols)], cols, labels)


def own_quotes_html(tables: Tables, code: str) -> str:
    """What a unit wrote under II.3 and III (shortcomings, lessons, initiatives, recommendations), quoted
    with the theme each sentence was filed under."""
    quotes = tables["lessons_quotes"]
    mine = quotes[quotes["unit_code"] == code] if len(quotes) else quotes
    parts = []
    for label, part in mine.groupby("section_label", sort=False) if len(mine) else ():
        parts.append(table_html(part[["theme_label", "quote"]].drop_duplicates("quote"), None,
                                {"theme_label": "Chủ đề", "quote": "Trích báo cáo của đơn vị"}, caption=str(label)))
    for name, key, label in (("initiatives", "initiative", "Mô hình, sáng kiến của đơn vị"),
                             ("recommendations", "recommendation", "Kiến nghị, đề xuất của đơn vị")):
        df = tables[name]
        if len(df):
            own = df[df["unit_codes"].fillna("").str.split("; ").map(lambda codes: code in codes)]
            if len(own):
                parts.append(table_html(own[[key]], None, {key: label}))
    return "".join(parts) or para(_no_report(tables, code) or pack_config()["own_report"]["no_quotes"])


def _no_report(tables: Tables, code: str) -> str:
    """Why a unit's report shows nothing: it sent none (submission tracking), or it came and nothing of it was
    read by the outline (no section of it); empty when its report was read."""
    words = pack_config()["own_report"]
    sections = tables["sections"]
    if len(sections) and (sections["unit_code"] == code).any():
        return ""
    sent = tables["submissions"]
    row = sent[sent["unit_code"] == code] if len(sent) else sent
    if row.empty:  # not a unit submission tracking follows: whether it sent one is not known here
        return words["not_found"]
    r = row.iloc[0]
    files, day = (r.get(c) for c in ("bao_cao_file", "bao_cao_date"))
    if isinstance(files, str) and files:
        return words["not_read"].format(file=files)
    if isinstance(day, str) and day:  # received on paper only (the submission log): nothing to read
        return words["paper_only"].format(date=day)
    return words["not_sent"]


def method_html(context: Mapping[str, Any]) -> str:
    """The method note every figure refers to: how the rates are computed, who is ranked, what "chờ sửa"
    means, and the data period and cut-off (from the run's plan and config/indicators.yml)."""
    from sketket.analysis.indicators import load_config

    config = load_config()
    plan = context.get("plan", {}) if context else {}
    far = config.get("far_below", {}).get("on_time_gap", {})
    items = [
        ("Tỷ lệ", "Mỗi tỷ lệ của một cấp hay của Thành phố là tỷ số của các tổng (tổng hồ sơ đúng hạn / tổng hồ sơ "
                  "đã nhận), không phải trung bình các tỷ lệ của đơn vị; ghi một chữ số thập phân."),
        ("Xếp hạng", f"Xếp hạng trong từng cấp theo tỷ lệ hồ sơ giải quyết đúng hạn của Bộ phận một cửa của chính "
                     f"đơn vị, chỉ xếp đơn vị có từ {format_int(config['ranking']['min_dossiers'])} hồ sơ trở lên; "
                     "đơn vị bằng tỷ lệ cùng hạng."),
        ("Chờ sửa", "Đơn vị có lỗi phải sửa trong biểu (ví dụ số quá hạn lớn hơn số đã nhận): số liệu chưa được cộng "
                    "vào tổng, tỷ lệ, xếp hạng, khen thưởng cho đến khi đơn vị gửi biểu đã sửa."),
        ("Kỳ số liệu", f"Từ {plan.get('period_start', '')} đến {plan.get('period_end', '')}; hạn các đơn vị gửi báo "
                       f"cáo {plan.get('report_deadline', '')}; số liệu lập lúc {built_at(context) or 'mở bằng tay'}."),
    ]
    if far.get("points") is not None:
        items.insert(2, ("Thấp hơn hẳn", f"Tỷ lệ đúng hạn thấp hơn tỷ lệ của cấp quá "
                                         f"{format_number(far['points'], 1)} điểm phần trăm (đơn vị có từ "
                                         f"{format_int(far['min_dossiers'])} hồ sơ), hoặc dưới "
                                         f"{format_number(config['far_below']['one_stop_low']['below_pct'], 0)}% "
                                         "số TTHC thực hiện theo cơ chế một cửa, hoặc chưa có dịch vụ công trực "
                                         "tuyến mức độ 3, 4 khi phần lớn đơn vị cùng cấp đã có."))
    return piece("method", items)


def quality_summary_html(tables: Tables) -> str:
    """The data-quality picture for leaders in one paragraph: files read and rejected, units with errors,
    findings; the rule-by-rule table is in the annex."""
    files, findings, units = tables["files"], tables["findings"], tables["indicators_units"]
    status = files["status"].value_counts() if len(files) else pd.Series(dtype=int)
    severity = findings["severity"].value_counts() if len(findings) else pd.Series(dtype=int)
    waiting = int((units["data_status"] == "awaiting_correction").sum()) if len(units) else 0
    return para(f"Đã đọc {format_int(status.get('ingested', 0))} tệp, từ chối {format_int(status.get('rejected', 0))} "
                f"tệp; kiểm tra phát hiện {format_int(severity.get('error', 0))} lỗi và "
                f"{format_int(severity.get('warning', 0))} cảnh báo; {format_int(waiting)} đơn vị có số liệu đang "
                "chờ sửa (chưa được cộng vào tổng, tỷ lệ, xếp hạng, khen thưởng).")


QUALITY_PARTS = {"units_counted": "Số liệu dùng được", "units_awaiting_correction": "Đang chờ sửa",
                 "units_without_figures": "Chưa có số liệu"}


def quality_frame(tables: Tables) -> pd.DataFrame:
    """Per tier: units whose figures are counted, awaiting correction, missing (the leaders' quality chart)."""
    tiers = tables["indicators_tiers"]
    if tiers.empty:
        return tiers
    return tiers[tiers["tier"] != "city"][["tier", "tier_label", *QUALITY_PARTS]]


def quality_chart_html(tables: Tables) -> str:
    """The one small data-quality chart of the city pack: the share of each tier's units whose figures are
    counted, await correction or are missing (the counts written in the bars)."""
    frame = quality_frame(tables)
    if frame.empty:
        return ""
    from sketket.outputs import plots

    fig = plots.stacked_bars(frame, "tier_label", QUALITY_PARTS, "Số liệu của các đơn vị theo cấp",
                             "Tỷ lệ đơn vị của cấp (số trong thanh: số đơn vị)", share=True)
    return chart(fig, "Số đơn vị có số liệu dùng được, đang chờ sửa, chưa có số liệu theo cấp")


# ---------------------------------------------------------------- award nominations


def _true(series: pd.Series) -> pd.Series:
    """A bool column as the CSV gives it back ("True", "False", empty)."""
    return series.astype(str).str.lower().isin(["true", "1"])


def _held_nominations(held: pd.DataFrame, ok: str, limit: int) -> str:
    """The nominations that did not pass, each with what its checks found (empty when none)."""
    if held.empty:
        return ""
    cols = [c for c in held.columns if c.startswith("check_")]
    reasons = held[cols].apply(lambda r: "\n".join(v for v in r if v and v != ok), axis=1)
    frame = pd.DataFrame({"name": held["name"], "proposer_name": held["proposer_name"],
                          "award": held["award"], "reason": reasons})
    return (table_html(frame.head(limit), labels={"name": "Tập thể, cá nhân", "proposer_name": "Đơn vị đề nghị",
                                                  "award": "Hình thức khen thưởng", "reason": "Lý do chưa đủ điều kiện"},
                       caption="Đề nghị chưa đủ điều kiện")
            + (para(f"… và {format_int(len(held) - limit)} đề nghị khác (danh sách đầy đủ trong tệp "
                    "danh-sach-de-nghi-khen-thuong.xlsx).") if len(held) > limit else ""))


def own_nominations_html(tables: Tables, code: str, limit: int = 15) -> str:
    """A unit pack's word on the unit's own award nominations: how many it proposed and passed the checks, and
    those held back with the reason (what the leader raises with the unit); one sentence when it sent none."""
    from sketket.config import load_yaml

    words = pack_config()["own_nominations"]
    checks = tables["nomination_checks"]
    mine = checks[checks["proposer_code"].astype(str) == code] if len(checks) else checks
    if mine.empty:
        return para(words["none"])
    mine = mine.assign(**{c: mine[c].astype(object).where(mine[c].notna(), "").astype(str)
                          for c in mine.columns if c.startswith("check_")})
    passed = _true(mine["passed"])
    said = words["summary"].format(collectives=format_int((mine["kind"] == "collective").sum()),
                                   individuals=format_int((mine["kind"] == "individual").sum()),
                                   passed=format_int(passed.sum()), held=format_int((~passed).sum()))
    return para(said) + _held_nominations(mine[~passed], load_yaml("nominations.yml")["results"]["ok"], limit)


def nominations_html(tables: Tables, limit: int = 30, lists: bool = True) -> str:
    """The units' award nominations against the shortlist: the share of direct workers among the individuals
    proposed for a city-level award, the nominations held back with the reason, and the shortlisted units
    that no unit nominated. Without `lists`, the first paragraph only (the city pack; the lists are in the
    annex)."""
    checks = tables["nomination_checks"]
    if checks.empty:
        return para("Chưa có danh sách đề nghị khen thưởng của các đơn vị.")
    from sketket.config import load_yaml

    spec = load_yaml("nominations.yml")["rules"]["direct_share"]
    text = ["kind", "name", "proposer_name", "award", "award_level", "unit_code",
            *(c for c in checks.columns if c.startswith("check_"))]
    checks = checks.assign(**{c: checks[c].astype(object).where(checks[c].notna(), "").astype(str) for c in text})
    passed = _true(checks["passed"])
    ok = load_yaml("nominations.yml")["results"]["ok"]
    # passed on the proposing unit's reason although the collective misses the criteria (the award list's part III)
    explained = passed & ~checks["check_criteria"].isin(["", ok]) if "check_criteria" in checks else passed & False
    from sketket.analysis.nominations import submitted_direct_share

    # the share of the list submitted (as the .docx says it), not of every row proposed (held ones, a person
    # proposed by two units counted twice)
    direct, individuals = submitted_direct_share(checks)
    share = format_percent(100 * direct / individuals) if individuals else "–"
    below = checks["check_direct_share"].isin(["", ok]) if "check_direct_share" in checks else passed | True
    below_units = checks.loc[~below, "proposer_name"].nunique()
    own = int((passed & (checks["award_level"] == "unit")).sum()) if "award_level" in checks else 0
    parts = [para(f"{format_int(checks['proposer_name'].nunique())} đơn vị gửi danh sách đề nghị: "
             f"{format_int((checks['kind'] == 'collective').sum())} tập thể, "
             f"{format_int((checks['kind'] == 'individual').sum())} cá nhân; "
             f"{format_int(passed.sum())} đề nghị qua kiểm tra"
             + (f" (trong đó {format_int(explained.sum())} tập thể chưa đạt tiêu chí, đơn vị đề nghị có giải trình, "
                "để Hội đồng Thi đua - Khen thưởng xem xét)" if explained.any() else "")
             + (f", {format_int(own)} trong số đó là đề nghị Giấy khen thuộc thẩm quyền của đơn vị, không trình "
                "Thành phố" if own else "")
             + f", {format_int((~passed).sum())} chưa đủ điều kiện. "
             f"Trong danh sách trình Thành phố, người lao động trực tiếp chiếm {share} ({format_int(direct)}/"
             f"{format_int(individuals)}) số cá nhân (mức tối thiểu {format_percent(spec['min_pct'], 0)} mỗi đơn vị"
             + (f"; {format_int(below_units)} đơn vị dưới mức: {format_int((~below).sum())} cá nhân không phải "
                "lao động trực tiếp chưa đưa vào danh sách" if below_units else "") + ").")]
    held = checks[~passed]
    if not lists:
        return parts[0]
    parts.append(_held_nominations(held, ok, limit))
    awards = tables["awards"]
    if len(awards):
        short = awards[_true(awards["shortlisted"])]
        nominated = set(checks.loc[checks["kind"] == "collective", "unit_code"].astype(str))
        missing = short[~short["unit_code"].astype(str).isin(nominated)]
        if len(missing):
            frame = missing.assign(tier=missing["tier"].map(_tier_label))[["unit_name", "tier"]]
            parts.append(table_html(frame.head(limit), labels=column_labels(tables),
                                    caption="Đơn vị đạt mọi tiêu chí nhưng chưa được đề nghị khen thưởng")
                         + _more(len(missing) - limit, "danh sách đầy đủ trong awards.csv"))
    return "".join(parts)

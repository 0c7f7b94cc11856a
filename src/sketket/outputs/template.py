"""`sketket template`: the official blank Phụ lục I, II or III, optionally pre-filled with a unit's
sub-units from the registry (a district's communes, a department's Chi cục, an agency's branches)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from openpyxl import Workbook

from sketket import layout
from sketket.config import Plan
from sketket.dimensions import FORM_TIERS, TIER_FORM, TIER_LABELS, TIERS
from sketket.outputs._sheet import RowSpec, write_table
from sketket.registry import Registry, load_registry

SHEET_TITLE = "Phụ lục {form}"


class UnitError(ValueError):
    """A --unit that cannot head this form: unknown, a sub-unit, or a unit of another form."""


def b_label(form: str, n_units: int | None) -> str:
    """Row B's label; for Phụ lục III it states how many communes are listed."""
    if form == "III" and n_units is not None:
        return layout.COMMUNES_LABEL.format(n=n_units)
    return layout.ROW_B[form]


def template_rows(form: str, unit_name: str | None, sub_units: list[str] | None) -> list[RowSpec]:
    """Rows A, B, the numbered rows (the registry's sub-units, or the plan's placeholders) and Tổng cộng."""
    rows = [RowSpec("A", unit_name or layout.ROW_A[form], {}, "A"),
            RowSpec("B", b_label(form, None if sub_units is None else len(sub_units)), {}, "B")]
    if sub_units is None:
        names = [*layout.ROW_EXAMPLES[form], ""]
        stts = ["1", "2", "..."]
    else:
        names, stts = sub_units, [str(k) for k in range(1, len(sub_units) + 1)]
    rows += [RowSpec(s, n, {}, "unit") for s, n in zip(stts, names, strict=True)]
    rows.append(RowSpec("", layout.TOTAL_LABEL, {}, "total"))
    return rows


def resolve_unit(form: str, name: str, registry: Registry) -> tuple[str, list[str]]:
    """The registry name of the unit that submits `form`, and its sub-units' names, in registry order.

    Raises UnitError, in Vietnamese, for an unknown name (with close names), a sub-unit (naming the
    unit that submits its table) or a unit that reports in another form.
    """
    head_tier, sub_tier = FORM_TIERS[form]
    m = registry.match(name, head_tier)
    if m.matched:
        subs = registry.tier_units(sub_tier, parent_code=m.code)
        return m.registry_name, list(subs["name_with_type"])
    for tier in TIERS:
        if tier == head_tier:
            continue
        other = registry.match(name, tier)
        if not other.matched:
            continue
        other_form, section = TIER_FORM[tier]
        if section == "B":
            parent = registry.name_of(other.parent_code)
            raise UnitError(
                f"«{other.registry_name}» ({TIER_LABELS[tier]}) không tự gửi biểu: số liệu của đơn vị này "
                f"nằm trong biểu Phụ lục {other_form} do «{parent}» lập và gửi "
                f"(--form {other_form} --unit \"{parent}\")."
            )
        raise UnitError(
            f"«{other.registry_name}» ({TIER_LABELS[tier]}) báo cáo theo Phụ lục {other_form}, "
            f"không phải Phụ lục {form}: dùng --form {other_form}."
        )
    suggestions: list[str] = []
    for tier in (head_tier, sub_tier, *TIERS):
        suggestions += [s for s in registry.match(name, tier).suggestions if s not in suggestions]
    hint = f" Có phải: {', '.join(suggestions[:5])}?" if suggestions else ""
    raise UnitError(f"Không tìm thấy đơn vị «{name}» trong danh mục đơn vị.{hint}")


def write_template(form: str, out: Path, unit: str | None = None, registry: Registry | None = None,
                   plan: Plan | None = None) -> Path:
    """Write the official blank table of `form` to `out` (.xlsx); with `unit`, list its sub-units."""
    plan = plan or Plan.load()
    unit_name, subs = None, None
    if unit:
        unit_name, subs = resolve_unit(form, unit, registry or load_registry())
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET_TITLE.format(form=form)
    write_table(ws, form, template_rows(form, unit_name, subs), plan=plan, unit_block=unit_name or "")
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)
    return out


def cli_template(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from sketket.config import ConfigError
    from sketket.intake.ingest import run_registry
    from sketket.registry import RegistryError

    try:
        ctx, registry = run_registry(args)
    except (ConfigError, RegistryError) as exc:
        print(f"sketket template: {exc}", file=sys.stderr)
        return 2
    try:  # the project's plan (sketket.yml), the number and date given here replacing its own
        plan = Plan.load({**asdict(ctx.plan), "plan_number": args.plan_number, "plan_date": args.plan_date})
    except ValueError as exc:
        print(f"sketket template: ngày kế hoạch không hợp lệ ({exc}); cần dạng dd/mm/yyyy", file=sys.stderr)
        return 2
    try:
        if args.form == "khen-thuong":
            from sketket.outputs.nomination_template import write_nomination_template

            out = write_nomination_template(args.out, unit=args.unit, registry=registry, plan=plan)
            print(f"Đã ghi mẫu danh sách đề nghị khen thưởng: {out}")
            return 0
        out = write_template(args.form, args.out, unit=args.unit, registry=registry, plan=plan)
    except UnitError as exc:
        print(f"sketket template: {exc}", file=sys.stderr)
        return 2
    print(f"Đã ghi biểu mẫu Phụ lục {args.form}: {out}")
    return 0

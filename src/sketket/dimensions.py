"""The dimensions every table, chart and page shares, read once from config/dimensions.yml: the six tiers in
their order, their labels, forms and colours, the parent of each sub-unit tier, the city row, the families
(a first-level unit with its sub-units) and the scopes a figure can cover. Nothing else restates them."""

from __future__ import annotations

from sketket.config import load_yaml

_DATA = load_yaml("dimensions.yml")

TIERS: tuple[str, ...] = tuple(_DATA["tiers"])
TIER_LABELS: dict[str, str] = {t: spec["label"] for t, spec in _DATA["tiers"].items()}
TIER_COLORS: dict[str, str] = {t: spec["color"] for t, spec in _DATA["tiers"].items()}
# Which appendix table each tier is reported in, and in which section (A: the submitter, B: its sub-units).
TIER_FORM: dict[str, tuple[str, str]] = {t: (str(s["form"]), s["section"]) for t, s in _DATA["tiers"].items()}
FORM_TIERS: dict[str, tuple[str, str]] = {
    form: (next(t for t, (f, s) in TIER_FORM.items() if f == form and s == "A"),
           next(t for t, (f, s) in TIER_FORM.items() if f == form and s == "B"))
    for form in dict.fromkeys(f for f, _ in TIER_FORM.values())
}
PARENT_TIER: dict[str, str] = {t: s["parent"] for t, s in _DATA["tiers"].items() if "parent" in s}
CHILD_TIER: dict[str, str] = {parent: child for child, parent in PARENT_TIER.items()}
SUBMITTER_TIERS: tuple[str, ...] = tuple(t for t in TIERS if TIER_FORM[t][1] == "A")
CITY: str = _DATA["city"]["key"]
CITY_LABEL: str = _DATA["city"]["label"]
CITY_COLOR: str = _DATA["city"]["color"]
FAMILY_LABELS: dict[str, str] = dict(_DATA["families"])
SCOPES: dict[str, str] = dict(_DATA["scopes"])
DISPLAY_ORDER: tuple[str, ...] = tuple(_DATA["display_order"])


def tier_label(tier: str) -> str:
    """The Vietnamese name of a tier, the city's for "city", the key itself when unknown."""
    return CITY_LABEL if tier == CITY else TIER_LABELS.get(tier, tier)


def scope_label(scope: str, tier: str = "") -> str:
    """What a figure covers, in words: a tier, the city, a family of a first-level tier, or a unit's own counter."""
    if scope == "city":
        return CITY_LABEL
    if scope == "tier":
        return f"{TIER_LABELS.get(tier, tier)} (cả cấp)"
    if scope == "family":
        return FAMILY_LABELS.get(tier, SCOPES["family"])
    return SCOPES.get(scope, scope)

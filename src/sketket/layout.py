"""The official layout of Phụ lục I, II and III, as printed at the end of the plan.

One source of truth for the template writer, the reader and the consolidated workbook.
"""

from __future__ import annotations

from dataclasses import dataclass

FORMS: tuple[str, ...] = ("I", "II", "III")


@dataclass(frozen=True)
class Column:
    """One column of the table: its canonical name, header text (leaf row), group header, and kind."""

    name: str
    header: str
    group: str | None
    kind: str  # "label" | "text" | "area" | "count" | "percent"


GROUP_TTHC = "Số TTHC thực hiện theo cơ chế một cửa, cơ chế một cửa liên thông"
GROUP_RESULTS = (
    "Kết quả giải quyết TTHC theo cơ chế một cửa, cơ chế một cửa liên thông "
    "(số liệu từ {period_start} đến {period_end})"
)

_ALL_COLUMNS: tuple[Column, ...] = (
    Column("stt", "STT", None, "label"),
    Column("unit_name", "Tên đơn vị", None, "text"),
    Column("area_m2", "Diện tích của Bộ phận tiếp nhận và trả kết quả (m2)", None, "area"),
    Column("tthc_total", "Số TTHC thuộc thẩm quyền giải quyết của đơn vị", GROUP_TTHC, "count"),
    Column("tthc_one_stop", "Số TTHC đang thực hiện (1)", GROUP_TTHC, "count"),
    Column("tthc_one_stop_pct", "Tỷ lệ % số TTHC đang thực hiện (2)", GROUP_TTHC, "percent"),
    Column("dossiers_received", "Tổng số hồ sơ TTHC đã nhận", GROUP_RESULTS, "count"),
    Column("dossiers_on_time", "Tổng số hồ sơ TTHC được giải quyết đúng hạn", GROUP_RESULTS, "count"),
    Column("dossiers_overdue", "Tổng số hồ sơ TTHC quá hạn giải quyết", GROUP_RESULTS, "count"),
    Column("on_time_pct", "Tỷ lệ hồ sơ TTHC được giải quyết đúng hạn", GROUP_RESULTS, "percent"),
    Column("online_services_l34", "Số lượng dịch vụ công trực tuyến mức độ 3, 4", None, "count"),
    Column(
        "postal_tthc",
        "Số lượng TTHC tiếp nhận, trả kết quả qua dịch vụ bưu chính công ích",
        None,
        "count",
    ),
    Column("note", "Ghi chú", None, "text"),
)

# Canonical figure columns of appendix.csv, in order (the same for every form; III derives on-time).
FIGURES: tuple[str, ...] = (
    "area_m2",
    "tthc_total",
    "tthc_one_stop",
    "tthc_one_stop_pct",
    "dossiers_received",
    "dossiers_on_time",
    "dossiers_overdue",
    "on_time_pct",
    "online_services_l34",
    "postal_tthc",
)
COUNTS: tuple[str, ...] = tuple(c.name for c in _ALL_COLUMNS if c.kind == "count")
PERCENTS: tuple[str, ...] = ("tthc_one_stop_pct", "on_time_pct")
# Columns an official must fill for every unit row (others may be legitimately empty).
REQUIRED: tuple[str, ...] = ("tthc_total", "tthc_one_stop", "dossiers_received", "dossiers_overdue")


def columns(form: str) -> tuple[Column, ...]:
    """The columns of a form in printed order (Phụ lục III has no on-time column)."""
    if form not in FORMS:
        raise ValueError(f"Phụ lục không hợp lệ: {form!r} (chỉ có I, II, III)")
    if form == "III":
        return tuple(c for c in _ALL_COLUMNS if c.name != "dossiers_on_time")
    return _ALL_COLUMNS


TITLES: dict[str, str] = {
    "I": (
        "Kết quả thực hiện cơ chế một cửa, cơ chế một cửa liên thông\n"
        "tại các Sở, cơ quan tương đương Sở, Ban Quản lý các khu công nghiệp và chế xuất"
    ),
    "II": (
        "Kết quả thực hiện cơ chế một cửa, cơ chế một cửa liên thông "
        "tại các cơ quan ngành dọc đặt tại Thành phố"
    ),
    "III": "Kết quả thực hiện cơ chế một cửa, cơ chế một cửa liên thông tại cấp huyện và cấp xã",
}
SUBTITLE = "(Kèm theo Kế hoạch số {plan_number}/KH-UBND ngày {day} tháng {month} năm {year} của UBND Thành phố)"

# The template's placeholder labels of rows A and B, and of the first two numbered rows.
ROW_A: dict[str, str] = {"I": "Sở", "II": "Đặt tại Thành phố", "III": "Cấp huyện"}
ROW_B: dict[str, str] = {"I": "Đơn vị cấp 2 trực thuộc", "II": "Đặt tại cấp Huyện", "III": "Cấp xã (tổng số xã)"}
ROW_EXAMPLES: dict[str, tuple[str, str]] = {
    "I": ("Chi cục A", "Chi cục B"),
    "II": ("", ""),
    "III": ("Xã A", "Xã B"),
}
TOTAL_LABEL = "Tổng cộng"
UNIT_BLOCK = "CƠ QUAN, ĐƠN VỊ"
FORM_LABEL = "Phụ lục {form}"
FOOTNOTES: tuple[str, ...] = (
    "Ghi chú:",
    "- (1) là số TTHC thực tế được giải quyết theo cơ chế một cửa, cơ chế một cửa liên thông "
    "tại cơ quan, đơn vị;",
    "- (2) là tỷ lệ số TTHC thực tế được giải quyết theo cơ chế một cửa, cơ chế một cửa liên thông "
    "so với số TTHC thuộc thẩm quyền giải quyết của cơ quan, đơn vị.",
)
SIGNATURE_PREPARER = "Người lập biểu"
SIGNATURE_HEAD = "Thủ trưởng cơ quan, đơn vị"
SIGNATURE_DATE = "....., ngày      tháng      năm {year}"

# The city's consolidated workbook: the Sở Nội vụ's own header block, title and labels.
CONSOLIDATED_BLOCK: tuple[str, str] = ("UBND THÀNH PHỐ HÀ NỘI", "SỞ NỘI VỤ")
CONSOLIDATED_TITLE = "Tổng hợp {title}"
NOT_REPORTED = "Chưa gửi báo cáo"
NO_FIGURES = "Chưa có số liệu"
UNMATCHED_SUFFIX = " (tên chưa khớp danh mục)"  # a sub-unit row whose name the registry does not know
# row B of Phụ lục III once the communes (phường, xã, thị trấn) are counted
COMMUNES_LABEL = "Cấp xã ({n} đơn vị)"

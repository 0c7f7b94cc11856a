"""A notebook's parameters checked before anything is drawn: a value that cannot be used stops the notebook with a
Vietnamese sentence naming the parameter (shown without a Python traceback in JupyterLab; a papermill run fails,
so a scheduled run does not publish a page about the wrong unit or an empty folder)."""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd


class ParameterError(ValueError):
    """A parameter that cannot be used, said in Vietnamese."""

    def _render_traceback_(self) -> list[str]:  # IPython shows these lines instead of the traceback
        return [f"Tham số không dùng được: {self}"]


def text(value: object, name: str) -> str:
    """A text parameter (a unit's code, a date): refused when papermill made it a number ("-p unit_code 001"
    gives 1, the zeros lost), since the code it stood for cannot be told any more."""
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ParameterError(f"{name} = {value!r} được đọc thành số, không phải chữ (papermill -p đọc 001 thành 1); "
                             f"ghi -r {name} <giá trị> để giữ nguyên, ví dụ -r {name} 001")
    return value.strip()


# A unit's kind written before its name, with or without marks, "UBND" before it: optional in a name typed as
# a parameter ("Yên Thường" for "Xã Yên Thường"; "Quan Hoa" is a ward's name, not a kind and "Hoa": kept whole too).
_KIND = re.compile(r"^(?:ubnd\s+)?(?:xã|xa|phường|phuong|thị trấn|thi tran|quận|quan|huyện|huyen|thị xã|thi xa|"
                   r"sở|so)\s+")


def units_named(units: pd.DataFrame, asked: str) -> pd.DataFrame:
    """The rows of `units` (columns unit_code, unit_name) whose name is the one typed: with its marks first
    ("Xã Vạn Phúc" is not "Xã Vân Phúc"), then without; case, spaces and the kind optional; the whole name,
    never a word of it ("Thánh"). Empty when none, several when the name is ambiguous."""
    from sketket.clean import fold, nfc
    from sketket.registry import same_kind

    names = units["unit_name"].fillna("").astype(str)
    found = units.iloc[0:0]
    for norm in (lambda n: " ".join(nfc(n).casefold().split()), lambda n: fold(n).strip()):
        typed = norm(asked)
        bare = _KIND.sub("", typed)

        def same(name: str, norm=norm, typed=typed, bare=bare) -> bool:
            whole = norm(name)
            return typed in (whole, _KIND.sub("", whole)) or (bare != typed and bare == _KIND.sub("", whole))

        found = units[names.map(same)]
        # a kind typed is the unit's kind: "Xã Thanh Xuân" (of Sóc Sơn) is not Quận Thanh Xuân
        found = found[found["unit_name"].fillna("").astype(str).map(lambda n: same_kind(asked, n))]
        if len(found):
            return found
    return found


def folder(path: object, name: str = "processed_dir") -> Path:
    """A folder parameter that must exist: a relative path is from the folder the notebook runs in."""
    p = Path(str(path))
    if not p.is_dir():
        raise ParameterError(f"{name} = \"{path}\": không có thư mục {p.resolve()} (đường dẫn tương đối tính từ thư "
                             f"mục đang chạy {Path.cwd()}; chạy notebook trong thư mục notebooks/, papermill với "
                             "--cwd notebooks, hoặc ghi đường dẫn đầy đủ)")
    return p


def choice(value: object, name: str, allowed: list[str] | tuple[str, ...]) -> str:
    """A parameter that must be one of `allowed`."""
    v = text(value, name)
    if v not in allowed:
        raise ParameterError(f"{name} = \"{v}\" không có; chọn một trong: {', '.join(allowed)}")
    return v

"""A notebook's parameters checked before anything is drawn: a value that cannot be used stops the notebook with a
Vietnamese sentence naming the parameter (shown without a Python traceback in JupyterLab; a papermill run fails,
so a scheduled run does not publish a page about the wrong unit or an empty folder)."""

from __future__ import annotations

from pathlib import Path


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

"""One catalog of datasets: every table sketket writes, its layer, the stage that writes it, its columns and
types (declared once, in config/catalog.yml), and where it lives.

Every stage reads and writes its tables through a `Catalog` bound to a processed folder; no other module names
a processed file. Parquet is the working format between stages; datasets declared `export: csv` are also
written as UTF-8-with-BOM CSV for Excel users (text neutralised against formula injection), with the names and
columns of DESIGN.md. A schema check runs on save and on load and names the dataset, the column and the first
offending rows.

In a notebook::

    from sketket import catalog
    units = catalog.load("indicators_units", "../data/processed")

Why not pandera: its import costs about 0,9 s on the 2-core machine (pydantic, typeguard), which the ingest
benchmark cannot afford, and the checks needed here are types, allowed values and bounds; the declarations keep
pandera's shape (column → type, nullable, checks) should a later stage want it.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sketket.clean import excel_safe, nfc
from sketket.config import load_yaml

# pandas is imported where a table is built, not here: ingest's workers read the declared columns without it.
if TYPE_CHECKING:
    import pandas as pd

LAYERS = ("intermediate", "primary", "reporting")
# how `sketket datasets` heads each layer for the analyst
LAYER_LABELS = {"intermediate": "Dữ liệu đã đọc và kiểm tra (intermediate)",
                "primary": "Số liệu đã tính: chỉ số, xếp hạng, đối chiếu (primary)",
                "reporting": "Bảng để mở, đọc (reporting)"}
TYPES = ("str", "int", "float", "bool")
_PANDAS_TYPE = {"str": object, "int": "Int64", "float": "Float64", "bool": "boolean"}


class SchemaError(ValueError):
    """A table off its declared contract: names the dataset, the column and the first offending rows."""


class MissingDataset(FileNotFoundError):
    """A dataset that no stage has written in this folder yet."""


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    values: tuple[str, ...] | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Dataset:
    name: str
    layer: str
    stage: str
    description: str
    columns: tuple[Column, ...]
    csv: bool
    extra_columns: bool

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


@dataclass(frozen=True)
class Report:
    """A file or folder under the reports folder that a person opens (no schema)."""

    name: str
    path: str
    stage: str
    description: str


def _column(name: str, spec: Any) -> Column:
    if isinstance(spec, str):
        spec = {"type": spec}
    if spec.get("type") not in TYPES:
        raise ValueError(f"catalog.yml: cột {name}: kiểu {spec.get('type')!r} không thuộc {TYPES}")
    values = tuple(str(v) for v in spec["values"]) if "values" in spec else None
    return Column(name, spec["type"], values, spec.get("min"), spec.get("max"))


@cache
def _declarations() -> tuple[dict[str, Dataset], dict[str, Report], dict[str, Report]]:
    data = load_yaml("catalog.yml")
    groups = data.get("column_groups", {})
    datasets: dict[str, Dataset] = {}
    for name, spec in data["datasets"].items():
        cols: dict[str, Any] = {}
        if "columns_from" in spec:
            cols.update(groups[spec["columns_from"]])
        cols.update(spec.get("columns", {}))
        if "columns_then" in spec:
            cols.update(groups[spec["columns_then"]])
        if spec["layer"] not in LAYERS:
            raise ValueError(f"catalog.yml: {name}: tầng {spec['layer']!r} không thuộc {LAYERS}")
        datasets[name] = Dataset(
            name=name, layer=spec["layer"], stage=spec["stage"], description=spec.get("description", ""),
            columns=tuple(_column(c, s) for c, s in cols.items()), csv=spec.get("export") == "csv",
            extra_columns=bool(spec.get("extra_columns", False)),
        )
    files = {section: {name: Report(name, spec["path"], spec["stage"], spec.get("description", ""))
                       for name, spec in (data.get(section) or {}).items()} for section in ("reports", "records")}
    return datasets, files["reports"], files["records"]


def datasets() -> dict[str, Dataset]:
    """Every declared dataset, by name, in the catalog's order (the data flow's)."""
    return _declarations()[0]


def dataset(name: str) -> Dataset:
    try:
        return datasets()[name]
    except KeyError:
        raise KeyError(f"không có bộ dữ liệu {name!r} trong danh mục (catalog.yml): {sorted(datasets())}") from None


def columns(name: str) -> list[str]:
    """The declared columns of a dataset, in order."""
    return dataset(name).column_names


def reports() -> dict[str, Report]:
    return _declarations()[1]


def records() -> dict[str, Report]:
    """Files beside the datasets that record how a stage made them (catalog.yml `records`)."""
    return _declarations()[2]


# ---------------------------------------------------------------- types and checks


def conform(name: str, df: pd.DataFrame) -> pd.DataFrame:
    """The table with the declared columns first, in order (missing ones added empty), each of its declared type:
    text as NFC strings ("" when empty), counts as nullable integers, figures as nullable floats."""
    import pandas as pd

    ds = dataset(name)
    out = df.copy(deep=False)  # copy-on-write (pandas 3): what is changed below is never the caller's
    for col in ds.columns:
        if col.name not in out.columns:
            out[col.name] = pd.Series([None] * len(out), index=out.index, dtype=object)
        out[col.name] = _as_type(out[col.name], col.type)
    extra = [c for c in out.columns if c not in ds.column_names]
    return out[ds.column_names + (extra if ds.extra_columns else [])].reset_index(drop=True)


def _as_type(series: pd.Series, kind: str) -> pd.Series:
    import pandas as pd

    if kind == "str":
        if series.dtype == object and pd.api.types.infer_dtype(series, skipna=False) in ("string", "empty"):
            return series  # text already, none missing (a frame ingest built): one pass in C
        text = series.astype(object).where(series.notna(), "")
        # the usual case, text already: checked in C; otherwise (numbers read from a CSV by hand) value by value
        return text if pd.api.types.infer_dtype(text, skipna=False) in ("string", "empty") else text.map(_text)
    if kind == "bool":
        if not (pd.api.types.is_bool_dtype(series) or pd.api.types.is_numeric_dtype(series)):
            series = series.astype(object).map(lambda v: {"true": True, "false": False, "1": True, "0": False, "": None}.get(
                str(v).strip().lower(), v) if isinstance(v, str) else v)
        return series.astype("boolean")
    if series.dtype == {"int": "Int64", "float": "Float64"}[kind]:
        return series  # of its declared type already: whole numbers, since Int64 holds nothing else
    numbers = series
    if not pd.api.types.is_numeric_dtype(series):
        numbers = pd.to_numeric(series.astype(object).where(series.astype(object) != "", None), errors="coerce")
    if kind == "int":
        whole = numbers.dropna()
        if len(whole) and not (whole == whole.round()).all():
            return numbers.astype("Float64")  # the schema check names the fractional rows
        return numbers.round().astype("Int64")
    return numbers.astype("Float64")


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(value) if isinstance(value, str) else str(value)


def check(name: str, df: pd.DataFrame, *, where: str = "") -> None:
    """Raise SchemaError when the table is off its declared contract: a missing or undeclared column, a value of
    the wrong type, outside its allowed values or bounds."""

    ds = dataset(name)
    at = f" ({where})" if where else ""
    missing = [c for c in ds.column_names if c not in df.columns]
    if missing:
        raise SchemaError(f"Bộ dữ liệu {name}{at}: thiếu cột {missing}")
    if not ds.extra_columns:
        extra = [c for c in df.columns if c not in ds.column_names]
        if extra:
            raise SchemaError(f"Bộ dữ liệu {name}{at}: cột không khai báo trong catalog.yml: {extra}")
    for col in ds.columns:
        series = df[col.name]
        bad = _offending(series, col)
        if bad is not None and bad.any():
            rows = list(series.index[bad.to_numpy(dtype=bool)][:5])
            shown = ", ".join(f"dòng {r}: {series.loc[r]!r}" for r in rows)
            raise SchemaError(f"Bộ dữ liệu {name}{at}, cột {col.name}: {_expected(col)}; "
                              f"{int(bad.sum())} giá trị sai, đầu tiên: {shown}")


def _offending(series: pd.Series, col: Column) -> pd.Series | None:
    import pandas as pd

    if col.type == "str":
        if not (series.dtype == object or pd.api.types.is_string_dtype(series)):
            return pd.Series(True, index=series.index)
        if pd.api.types.infer_dtype(series, skipna=False) in ("string", "empty"):
            bad = pd.Series(False, index=series.index)
        else:
            bad = ~series.map(lambda v: isinstance(v, str))
        if col.values is not None:
            bad |= ~(series.isin(col.values) | (series == ""))
        return bad
    if col.type == "bool":
        return None if pd.api.types.is_bool_dtype(series) else pd.Series(True, index=series.index)
    if not pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        return pd.Series(True, index=series.index)
    values = series.astype("Float64")
    bad = pd.Series(False, index=series.index)
    if col.type == "int":
        bad |= (values.notna() & (values != values.round())).fillna(False)
    if col.min is not None:
        bad |= (values < col.min).fillna(False)
    if col.max is not None:
        bad |= (values > col.max).fillna(False)
    return bad


def _expected(col: Column) -> str:
    kind = {"str": "văn bản", "int": "số nguyên", "float": "số", "bool": "đúng/sai"}[col.type]
    parts = [f"cần {kind}"]
    if col.values is not None:
        parts.append("thuộc " + ", ".join(col.values))
    if col.min is not None:
        parts.append(f"≥ {col.min:g}")
    if col.max is not None:
        parts.append(f"≤ {col.max:g}")
    return " ".join(parts)


# ---------------------------------------------------------------- the catalog of one processed folder


def for_excel(df: pd.DataFrame) -> pd.DataFrame:
    """Text that a spreadsheet would run as a formula is neutralised (only columns holding such text change)."""
    import pandas as pd

    out = df.copy()
    for col in out.columns:
        kind = out[col].dtype
        if not (pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_bool_dtype(kind)) and any(excel_safe(v) is not v for v in out[col].drop_duplicates().tolist()):
            out[col] = out[col].map(excel_safe)
    return out


@dataclass(frozen=True)
class Catalog:
    """The datasets of one processed folder (and the reports of one reports folder)."""

    processed_dir: Path
    reports_dir: Path | None = None

    def parquet(self, name: str) -> Path:
        return Path(self.processed_dir) / f"{dataset(name).name}.parquet"

    def csv(self, name: str) -> Path:
        return Path(self.processed_dir) / f"{dataset(name).name}.csv"

    def report(self, name: str) -> Path:
        if self.reports_dir is None:
            raise ValueError("Catalog không có thư mục báo cáo (reports_dir)")
        return Path(self.reports_dir) / reports()[name].path

    def record(self, name: str) -> Path:
        """Where a record of how a stage made its datasets lies (catalog.yml `records`), beside them."""
        return Path(self.processed_dir) / records()[name].path

    def exists(self, name: str) -> bool:
        return self.parquet(name).is_file() or self.csv(name).is_file()

    def remove_stage(self, stage: str) -> list[str]:
        """Delete what `stage` wrote in this folder earlier (a run without that stage's input must not show the
        figures of an older run); the names of the datasets removed."""
        removed = []
        for name, ds in datasets().items():
            if ds.stage != stage:
                continue
            for path in (self.parquet(name), self.csv(name)):
                if path.is_file():
                    _LOADED.pop(path.absolute(), None)
                    path.unlink()
                    removed.append(name)
        for name, record in records().items():  # what says how those datasets were made goes with them
            if record.stage == stage and self.record(name).is_file():
                self.record(name).unlink()
                removed.append(name)
        return sorted(set(removed))

    def save(self, name: str, df: pd.DataFrame, *, csv_lines: Iterable[str] | None = None) -> list[Path]:
        """Check and write a dataset: Parquet, and the CSV export when declared. `csv_lines` lets ingest hand
        over CSV lines it built while reading (the same rows, already formatted)."""

        ds = dataset(name)
        table = conform(name, df)
        check(name, table, where="khi ghi")
        Path(self.processed_dir).mkdir(parents=True, exist_ok=True)
        written = [self.parquet(name)]
        _LOADED.pop(written[0].absolute(), None)
        _atomic(written[0], lambda tmp: _write_parquet(table, tmp))
        if ds.csv:
            written.append(self.csv(name))
            if csv_lines is not None:
                import csv as csvmod

                def lines(tmp: Path) -> None:
                    with open(tmp, "w", encoding="utf-8-sig", newline="") as f:
                        csvmod.writer(f, lineterminator="\n").writerow(table.columns)
                        f.writelines(csv_lines)
            else:
                def lines(tmp: Path) -> None:
                    for_excel(table).to_csv(tmp, index=False, encoding="utf-8-sig")
            _atomic(written[1], lines)
        return written

    def load(self, name: str, *, missing_ok: bool = True) -> pd.DataFrame:
        """A dataset as its stage wrote it, checked against its declaration. A dataset not written yet reads as an
        empty table with the declared columns (or raises MissingDataset when `missing_ok` is False)."""
        import pandas as pd

        path = self.parquet(name)
        stamp, key = _stamp(path), path.absolute()
        if stamp is not None and _LOADED.get(key, (None,))[0] == stamp:
            return _LOADED[key][1].copy(deep=False)  # copy-on-write: a caller's change stays its own
        if stamp is not None:
            table = pd.read_parquet(path)
        elif self.csv(name).is_file():  # a folder written by an older version, or by hand for a test
            table = pd.read_csv(self.csv(name), dtype=str, keep_default_na=False, encoding="utf-8-sig")
            table = table.apply(lambda col: col.map(nfc))  # typed by hand or by another program: NFC first
        elif missing_ok:
            return conform(name, pd.DataFrame())
        else:
            raise MissingDataset(f"chưa có bộ dữ liệu {name} trong {self.processed_dir}: "
                                 f"hãy chạy `sketket {dataset(name).stage}` trước")
        table = conform(name, table)
        check(name, table, where=f"khi đọc {path.name}")
        if stamp is not None:
            _LOADED[key] = (stamp, table)
            return table.copy(deep=False)
        return table

    def listing(self) -> pd.DataFrame:
        """Every declared dataset: layer, stage, rows and when it was written (empty when not yet)."""
        import pandas as pd

        rows = []
        for name, ds in datasets().items():
            path = self.parquet(name) if self.parquet(name).is_file() else self.csv(name)
            written, n = "", None
            if path.is_file():
                written = dt.datetime.fromtimestamp(path.stat().st_mtime).strftime("%d/%m/%Y %H:%M")
                n = _rows(path)
            rows.append({"dataset": name, "layer": ds.layer, "stage": ds.stage, "rows": n, "written": written,
                         "description": ds.description})
        return pd.DataFrame(rows).astype({"rows": "Int64"})


# Datasets read in this process, by Parquet file, with the file's (mtime, size) when read: the packs of a run
# execute one after another in the same kernel and read the same datasets; a file written since is read again.
_LOADED: dict[Path, tuple[tuple[int, int], pd.DataFrame]] = {}


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _rows(path: Path) -> int:
    import pandas as pd

    if path.suffix == ".parquet":
        import pyarrow.parquet as pq

        return int(pq.ParquetFile(path).metadata.num_rows)
    with open(path, encoding="utf-8-sig", newline="") as f:
        return max(0, len(pd.read_csv(f, dtype=str, usecols=[0])))


def _write_parquet(table: pd.DataFrame, path: Path) -> None:
    """What DataFrame.to_parquet(path, index=False) writes (the same schema and pandas metadata), converted
    on this thread: for a large table pyarrow would start a pool of threads to convert its columns, which
    costs more than it saves on text columns (they hold the GIL) — 0,06 s instead of 0,08–0,2 s for ingest's
    52.800-row appendix."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pandas(table, preserve_index=False, nthreads=1), path)


def _atomic(path: Path, write: Any) -> None:
    """Write beside the file, then replace it: a reader never sees half a table."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def load(name: str, processed_dir: str | Path) -> pd.DataFrame:
    """One dataset of a processed folder: `catalog.load("indicators_units", "../data/processed")`."""
    return Catalog(Path(processed_dir)).load(name)


def listing_text(cat: Catalog) -> str:
    """`sketket datasets`: the catalog as a person reads it."""
    from sketket.clean import format_int

    table = cat.listing()
    states = [f"{format_int(r.rows)} dòng, ghi lúc {r.written}" if r.written else "chưa có" for r in table.itertuples()]
    # columns as wide as their longest value: the descriptions start in one column
    widths = [max([len(str(v)) for v in values] + [1]) for values in (table["dataset"], table["stage"], states)]
    lines = [f"Danh mục dữ liệu trong {cat.processed_dir}:"]
    for layer in LAYERS:
        part = table[table["layer"] == layer]
        if part.empty:
            continue
        lines.append(f"[{LAYER_LABELS[layer]}]")
        for r in part.itertuples():
            state = (f"{format_int(r.rows)} dòng, ghi lúc {r.written}" if r.written else "chưa có")
            lines.append(f"  {r.dataset:<{widths[0]}} {r.stage:<{widths[1]}} {state:<{widths[2]}} {r.description}")
    return "\n".join(lines)


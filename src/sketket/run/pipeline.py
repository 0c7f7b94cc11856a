"""`sketket run`: from the raw folder to a folder of self-contained HTML packs.

The heavy work (ingest, indicators, awards, lessons) runs once, in this process, before any notebook; the
notebooks only read the processed tables and show them, so they are independent of each other and run in
parallel, one kernel per worker. Each run writes into reports/runs/<timestamp>/; only a run in which every
notebook succeeded replaces reports/index.html and reports/latest, so a failed run never leaves half a pack.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import dataclasses
import datetime as dt
import json
import logging
import multiprocessing
import os
import shutil
import sys
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from sketket.clean import slug
from sketket.config import ConfigError, Settings, load_yaml
from sketket.context import RunContext
from sketket.dimensions import TIER_LABELS, TIERS
from sketket.layout import FORM_LABEL, FORMS
from sketket.outputs.packs import DEMO_LABEL
from sketket.registry import Registry
from sketket.run.lifeline import RunLocked

log = logging.getLogger("sketket.run")

FORM_LABELS = {form: FORM_LABEL.format(form=form) for form in FORMS}
# Folder of each kind of output inside a run, and its heading in the index.
GROUPS: dict[str, str] = {  # in the order of the index
    "city": "Hội nghị sơ kết – Thành phố",
    "district": "Quận, huyện, thị xã",
    "department": "Sở, ban, ngành và Chi cục",
    "vertical": "Cơ quan ngành dọc đặt tại Thành phố",
    "analysis": "Phân tích cho chuyên viên",
}

HEADLINED = ("city", "district", "department", "vertical")  # groups whose index line shows headline figures
ANNEXES = ("12_city_annex.ipynb",)  # pages of long lists: no headline of their own


def _merge(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in (over or {}).items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _project_notebooks() -> Path:
    """The repository's notebooks/ folder (the package is installed editable from src/)."""
    return Path(__file__).resolve().parents[3] / "notebooks"


@dataclass(frozen=True)
class RunOptions:
    """What a run renders and how: config/run.yml overridden by the `run:` section of the config file."""

    workers: int
    kernel: str
    engine: str  # "warm" (one kernel kept per worker, see sketket.run.engine) or "papermill" (a kernel per notebook)
    notebooks_dir: Path
    cell_timeout: int
    keep_runs: int
    lock_wait: float
    demo_when_empty: bool
    demo_seed: int
    demo_scale: int
    packs: dict[str, Any]
    warm_up: str = ""  # code each worker's kernel runs before the first notebook (warm engine)

    @classmethod
    def load(cls, settings: Settings, config_path: Path | None = None, workers: int | None = None) -> RunOptions:
        where = config_where(config_path)
        run = settings.extra.get("run") or {}
        if not isinstance(run, dict):
            raise ConfigError(f"{where}: mục run cần các cặp khóa: giá trị (workers: 2, …)")
        data = _merge(load_yaml("run.yml"), run)
        base = config_path.resolve().parent if config_path else Path.cwd()
        notebooks = (base / data["notebooks"]).resolve() if data.get("notebooks") else _project_notebooks()

        def number(key: str, value: Any, kind: type = int, least: float = 0) -> Any:
            try:
                out = kind(value)
            except (TypeError, ValueError):
                out = None
            if out is None or isinstance(value, bool) or out < least:
                raise ConfigError(f"{where}: khóa run.{key} ghi {value!r}; cần một số"
                                  f"{' nguyên' if kind is int else ''} ≥ {least:g}")
            return out

        if not isinstance(data.get("packs"), dict):
            raise ConfigError(f"{where}: khóa run.packs cần các cặp tên: giá trị (city: true, districts: all, …)")
        known = load_yaml("run.yml")["packs"]
        for key, choice in data["packs"].items():
            if key not in known:
                raise ConfigError(f"{where}: khóa run.packs.{key} không có; cần một trong {', '.join(known)}")
            if key in _UNIT_PACKS and not (choice in (None, True, False, "all", "none") or isinstance(choice, list)):
                raise ConfigError(f"{where}: khóa run.packs.{key} ghi {choice!r}; cần all, none hoặc danh sách mã "
                                  "đơn vị ([\"001\", \"002\"])")
        return cls(
            workers=workers or (number("workers", data["workers"], int, 1) if data.get("workers") is not None
                                else max(1, os.cpu_count() or 1)),
            kernel=str(data["kernel"]),
            engine=_engine_choice(data["engine"], where),
            notebooks_dir=notebooks,
            cell_timeout=number("cell_timeout", data["cell_timeout"], int, 1),
            keep_runs=number("keep_runs", data["keep_runs"], int, 1),
            lock_wait=number("lock_wait", data.get("lock_wait", 0), float, 0),
            demo_when_empty=bool(data["demo"]["when_empty"]),
            demo_seed=number("demo.seed", data["demo"]["seed"], int, 0),
            demo_scale=number("demo.scale", data["demo"]["scale"], int, 1),
            packs=dict(data["packs"]),
            warm_up=str(data.get("warm_up") or ""),
        )


def config_where(config_path: Path | None) -> str:
    """How a message names the file the run's settings come from."""
    return f"tệp cấu hình {config_path}" if config_path else "config/run.yml"


ENGINES = ("warm", "papermill")


def _engine_choice(name: Any, where: str = "cấu hình") -> str:
    if name not in ENGINES:
        raise ConfigError(f"{where}: khóa run.engine ghi {name!r}; cần một trong {', '.join(ENGINES)}")
    return str(name)


@dataclass(frozen=True)
class Job:
    """One notebook execution: which notebook, with which parameters, rendered to which page."""

    group: str  # key of GROUPS
    notebook: str  # file name in the notebooks folder
    name: str  # output stem: <group>/<name>.html and notebooks/<name>.ipynb
    title: str  # page title (Vietnamese)
    parameters: dict[str, Any]
    scope: dict[str, str] = field(default_factory=dict)  # what the pack is about (tier, unit code…)

    @property
    def html(self) -> str:
        return f"{self.group}/{self.name}.html"


@dataclass
class JobResult:
    job: Job
    ok: bool
    seconds: float
    error: str = ""  # Vietnamese, names the notebook and the cell


# ---------------------------------------------------------------- environment and data


def ensure_kernel(name: str) -> None:
    """Install the `sketket` kernel into this environment when Jupyter cannot find it."""
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(name)
    except NoSuchKernel:
        from ipykernel.kernelspec import install

        install(prefix=sys.prefix, kernel_name=name, display_name="Python (sketket)")
        log.info("Đã cài kernel Jupyter %r vào %s", name, sys.prefix)


def has_submissions(raw_dir: Path) -> bool:
    """Whether the raw folder holds any file other than .gitkeep and hidden files."""
    if not raw_dir.is_dir():
        return False
    return any(path.is_file() and not path.name.startswith(".") for path in raw_dir.rglob("*"))


@dataclass
class DataInfo:
    """What a run was built from: shown in the index and every pack."""

    built_at: str  # ISO timestamp
    raw_dir: str
    demo: bool
    files: int
    files_ingested: int
    files_rejected: int
    plan: dict[str, str]
    files_skipped: int = 0
    registry: str = ""  # the project's registry file the units were matched against; empty: the package's


def source_folder(ctx: RunContext, opts: RunOptions) -> tuple[RunContext, bool]:
    """The folder a run reads: the raw folder when it holds submissions, else the demo city, generated once into
    its own folder (never into the raw folder, which holds only what units sent)."""
    raw = Path(ctx.raw_dir)
    if not raw.is_dir():
        raise ConfigError(f"Không có thư mục dữ liệu gốc {raw} (khóa paths.raw của tệp cấu hình); "
                          "cần tạo thư mục và đặt biểu các đơn vị gửi vào đó")
    if has_submissions(raw):
        return ctx, False
    if not opts.demo_when_empty:
        raise RuntimeError(f"Thư mục dữ liệu {raw} chưa có biểu nào và cấu hình không cho dùng dữ liệu minh họa")
    from sketket.demo.generate import COPY_REGISTRY, MANIFEST, write_demo

    demo = Path(ctx.demo_dir)
    if not (demo / MANIFEST).exists():  # the demo is deterministic: generated once, then reused
        _step("Tạo dữ liệu minh họa", write_demo, demo, seed=opts.demo_seed, scale=opts.demo_scale)
    registry = demo / COPY_REGISTRY if (demo / COPY_REGISTRY).exists() else ctx.registry_source
    log.info("Không có biểu nào trong %s: dùng %s (%s)", raw, DEMO_LABEL, demo)  # said before the steps that use it
    return RunContext(raw_dir=demo, processed_dir=ctx.processed_dir, reports_dir=ctx.reports_dir, plan=ctx.plan,
                      demo_dir=demo, dossiers_dir=demo / "ho-so", comments_dir=demo / "gop-y",
                      registry_source=registry,
                      config_file=ctx.config_file, extra=ctx.extra), True


def prepare_data(ctx: RunContext, opts: RunOptions, run_dir: Path) -> tuple[DataInfo, RunContext]:
    """Ingest, analyse and read the narrative reports once, in this process, before any notebook runs. Returns
    what the run was built from and the context the notebooks serve (the demo's when there were no submissions;
    the run's own reports folder)."""
    from sketket.analysis.analyse import analyse
    from sketket.intake.ingest import ingest

    ctx, demo = source_folder(ctx, opts)
    ctx = ctx.with_dirs(reports_dir=run_dir)
    Path(ctx.processed_dir).mkdir(parents=True, exist_ok=True)
    _step("Đọc và kiểm tra biểu (ingest)", ingest, ctx.raw_dir, ctx.processed_dir, registry=ctx.registry,
          set_aside=[(ctx.dossiers_dir, "dossier_logs"), (ctx.comments_dir, "comments")])
    _dossier_logs(ctx, demo)  # before analyse: a unit whose table differs from its log gets it in its return list
    _prepare_lessons(ctx)  # before analyse too: an award criterion reads what the units' reports say (checklist)
    _step("Chỉ số, xếp hạng, khen thưởng (analyse)", analyse, ctx)
    from sketket.outputs.draft import write_draft

    _step("Dự thảo báo cáo sơ kết (draft)", write_draft, ctx, ctx.catalog.report("draft"))
    _comment_round(ctx, demo)
    files = ctx.catalog.load("files")
    info = DataInfo(
        built_at=dt.datetime.now().isoformat(timespec="seconds"),
        raw_dir=project_path(Path(ctx.raw_dir)),
        demo=demo,
        files=len(files),
        files_ingested=int((files["status"] == "ingested").sum()),
        files_rejected=int((files["status"] == "rejected").sum()),
        plan=ctx.plan_dict(),
        files_skipped=int((files["status"] == "skipped").sum()),
        registry=str(Path(ctx.registry_path).resolve()) if ctx.registry_path else "",
    )
    return info, ctx


def project_path(path: Path) -> str:
    """A folder relative to where the run was started (the project), as the packs may show it; absolute when
    it lies elsewhere (the packs then show only its name)."""
    try:
        return path.resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path.resolve())


def _dossier_logs(ctx: RunContext, demo: bool) -> None:
    """The counters' dossier logs, when the run has some (paths.dossiers; the demo city makes its own):
    counted and reconciled with the tables in the processed folder."""
    logs = Path(ctx.dossiers_dir)
    if demo and not logs.exists():
        from sketket.demo.dossier_logs import write_demo_logs

        write_demo_logs(logs, ctx.catalog.load("appendix"))
    if has_submissions(logs):
        from sketket.analysis.dossier_counts import dossiers

        _step("Sổ theo dõi hồ sơ (dossiers)", dossiers, ctx, logs)
    else:  # no logs this time: the figures an earlier run counted from logs are not this run's
        gone = ctx.catalog.remove_stage("dossiers")  # and the settings they were counted with
        if gone:
            log.info("Không có sổ theo dõi hồ sơ trong %s: xóa số liệu sổ của lần chạy trước (%s)", logs,
                     ", ".join(gone))


def _comment_round(ctx: RunContext, demo: bool) -> None:
    """The units' replies to the draft, when the run has some (paths.comments; the demo city makes a few):
    the table of comments, acceptance and explanations, with who answered by the deadline."""
    folder = Path(ctx.comments_dir)
    if demo and not folder.exists():
        from sketket.demo.comments import write_demo_comments

        write_demo_comments(folder, ctx.plan.draft_deadline)
    if has_submissions(folder):
        from sketket.outputs.comments import read_replies, write_comments

        def round_table() -> Path:
            replies = read_replies(folder, ctx.registry)
            return write_comments(replies, ctx.registry.expected_submitters(), ctx.plan.draft_deadline,
                                  ctx.catalog.report("comments"), draft=ctx.catalog.report("draft"))

        _step("Tổng hợp ý kiến góp ý dự thảo (comments)", round_table)


def _prepare_lessons(ctx: RunContext) -> None:
    from sketket.analysis.checklist import write_checklist
    from sketket.analysis.lessons import write_lessons
    from sketket.analysis.tracking import write_tracking

    _step("Bài học kinh nghiệm (lessons)", write_lessons, ctx.processed_dir, registry=ctx.registry)
    _step("Tiêu chí Bộ phận một cửa (checklist)", write_checklist, ctx.processed_dir)
    _step("Theo dõi gửi báo cáo (tracking)", write_tracking, ctx.raw_dir, ctx.processed_dir, registry=ctx.registry,
          plan=ctx.plan)


def _step(label: str, func: Any, *args: Any, **kwargs: Any) -> Any:
    start = time.perf_counter()
    result = func(*args, **kwargs)
    log.info("%-45s %6.1f s", label, time.perf_counter() - start)
    return result


# ---------------------------------------------------------------- the notebooks to run


# run.packs key → (the packs' folder, the tier of the units they are for)
_UNIT_PACKS = {"districts": ("district", "huyen"), "departments": ("department", "so"),
               "verticals": ("vertical", "nganh_doc_tp")}


def check_pack_codes(opts: RunOptions, registry: Registry, where: str) -> None:
    """Refuse, before the run starts, a unit pack asked for a code the registry does not hold in that tier."""
    units = registry.units
    for key, (_, tier) in _UNIT_PACKS.items():
        choice = opts.packs.get(key)
        if isinstance(choice, list):
            codes = set(units.loc[units["tier"] == tier, "code"])
            unknown = [str(c) for c in choice if str(c) not in codes]
            if unknown:
                raise ConfigError(f"{where}: khóa run.packs.{key} ghi mã {', '.join(unknown)}, không có trong danh "
                                  f"mục đơn vị ({TIER_LABELS[tier]}); cần mã trong danh mục, ví dụ "
                                  f"{', '.join(sorted(codes)[:3])}")


def _selected(choice: Any, units: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    if choice in (None, False, [], "none"):
        return []
    if choice in (True, "all"):
        return list(units)
    wanted = {str(c) for c in choice}
    return [u for u in units if u[0] in wanted]


def plan_jobs(opts: RunOptions, registry: Registry, processed_dir: Path, context_file: Path) -> list[Job]:
    """Every notebook of a run, in dependency order (clean, indicators, lessons, city, districts, departments).
    The folders are given relative to the run's folder, where the kernels work: the executed copies kept under
    reports/ name no folder of the machine that ran them."""
    run_dir = Path(context_file).parent
    base = {"processed_dir": Path(os.path.relpath(processed_dir, run_dir)).as_posix(),
            "context_file": Path(context_file).name}
    packs = opts.packs
    jobs: list[Job] = []
    if packs.get("clean"):
        for form, label in FORM_LABELS.items():
            jobs.append(Job("analysis", "01_clean.ipynb", f"lam-sach-phu-luc-{form}",
                            f"Làm sạch và kiểm tra biểu – {label}", {**base, "form": form}, {"form": form}))
    if packs.get("indicators"):
        for tier in TIERS:
            jobs.append(Job("analysis", "02_indicators.ipynb", f"chi-so-{slug(tier)}",
                            f"Chỉ số – {TIER_LABELS[tier]}", {**base, "tier": tier}, {"tier": tier}))
    if packs.get("lessons"):
        jobs.append(Job("analysis", "03_lessons.ipynb", "bai-hoc-kinh-nghiem",
                        "Bài học kinh nghiệm, tồn tại, sáng kiến và kiến nghị",
                        base))
    if packs.get("city"):
        jobs.append(Job("city", "10_city_pack.ipynb", "thanh-pho-ha-noi",
                        "Hội nghị sơ kết cơ chế một cửa, một cửa liên thông – Thành phố Hà Nội", base))
        # the long lists the city pack links to instead of printing them
        jobs.append(Job("city", "12_city_annex.ipynb", "phu-luc-thanh-pho",
                        "Phụ lục: danh sách đầy đủ của tài liệu Hội nghị sơ kết", base))
    units = registry.units
    for key, (group, tier) in _UNIT_PACKS.items():
        members = units[units["tier"] == tier][["code", "name_with_type"]].itertuples(index=False, name=None)
        for code, name in _selected(packs.get(key), members):
            jobs.append(Job(group, "11_unit_pack.ipynb", f"{code}-{slug(name)}", f"{name} – sơ kết cơ chế một cửa",
                            {**base, "unit_code": code, "tier": tier}, {"unit_code": code}))
    return jobs


def declared_parameters(path: Path) -> set[str]:
    """The names a notebook's `parameters` cell assigns, read with json and ast: what papermill's inspection
    gives for these notebooks, without importing papermill into the run's process (1,5 s on its critical path;
    the workers import it)."""
    import ast

    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code" and "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell["source"] if isinstance(cell["source"], str) else "".join(cell["source"])
            names = set()
            for node in ast.parse(source).body:
                targets = node.targets if isinstance(node, ast.Assign) else (
                    [node.target] if isinstance(node, ast.AnnAssign) else [])
                names.update(t.id for t in targets if isinstance(t, ast.Name))
            return names
    return set()


def check_parameters(jobs: list[Job], notebooks_dir: Path) -> None:
    """Fail before running anything when a notebook is missing or lacks a parameter the run passes
    (papermill would only warn and run with the notebook's default)."""
    declared: dict[str, set[str]] = {}
    for job in jobs:
        if job.notebook not in declared:
            path = notebooks_dir / job.notebook
            if not path.exists():
                raise FileNotFoundError(f"Không có notebook {path}")
            declared[job.notebook] = declared_parameters(path)
        unknown = set(job.parameters) - declared[job.notebook]
        if unknown:
            raise ValueError(f"{job.notebook} không khai báo tham số {sorted(unknown)} trong ô `parameters`")


# ---------------------------------------------------------------- executing and rendering


def execute_job(job: Job, notebooks_dir: Path, run_dir: Path, kernel: str, timeout: int, engine: str) -> JobResult:
    """Run one notebook with papermill (on this process's warm kernel or a new one, see `engine`) and render it
    to HTML. Never raises: a failure is a result that names the notebook and the cell, and the executed notebook
    is kept next to the others."""
    import nbformat
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    from sketket.run.engine import WARM_ENGINE

    start = time.perf_counter()
    out_nb = run_dir / "notebooks" / f"{job.name}.ipynb"
    try:
        nb = pm.execute_notebook(
            str(notebooks_dir / job.notebook), str(out_nb), parameters=job.parameters, kernel_name=kernel,
            cwd=str(run_dir), progress_bar=False, request_save_on_cell_execute=False, log_output=False,
            execution_timeout=timeout, engine_name=WARM_ENGINE if engine == "warm" else None,
        )
        steady_injected_cell(nb)
        if relative_paths(nb, job):
            nbformat.write(nb, out_nb)
        render_html(nb, run_dir / job.html, job.title)
    except PapermillExecutionError as e:
        _keep_relative(out_nb, job)
        first_line = (e.source or "").strip().splitlines()[0] if (e.source or "").strip() else ""
        error = (f"{job.notebook} ({job.name}): lỗi ở ô chỉ số {e.cell_index} (In [{e.exec_count}]: {first_line!r}): "
                 f"{e.ename}: {e.evalue}; notebook đã chạy giữ tại {out_nb}")
        return JobResult(job, False, time.perf_counter() - start, error)
    except Exception as e:  # kernel died, timeout, unreadable notebook: still a named failure
        return JobResult(job, False, time.perf_counter() - start,
                         f"{job.notebook} ({job.name}): {type(e).__name__}: {e}")
    return JobResult(job, True, time.perf_counter() - start)


def relative_paths(nb: Any, job: Job) -> bool:
    """papermill records where it read and wrote the notebook as absolute paths: written relative to the run's
    folder instead (an executed copy names no folder of the machine). True when something changed."""
    meta = nb.metadata.get("papermill", {})
    wanted = {"input_path": f"notebooks/{job.notebook}", "output_path": f"notebooks/{job.name}.ipynb"}
    changed = any(meta.get(k) not in (None, v) for k, v in wanted.items())
    for key, value in wanted.items():
        if key in meta:
            meta[key] = value
    return changed


def _keep_relative(out_nb: Path, job: Job) -> None:
    """The failed notebook papermill kept, with its paths made relative too."""
    import nbformat

    try:
        nb = nbformat.read(out_nb, as_version=4)
    except (OSError, ValueError):
        return
    if relative_paths(nb, job):
        nbformat.write(nb, out_nb)


INJECTED_TAG = "injected-parameters"


def steady_injected_cell(nb: Any) -> None:
    """Give papermill's injected parameters cell a fixed id: papermill draws a random one, which the page
    carries, so that two runs of the same data would not give the same page."""
    for cell in nb.cells:
        if INJECTED_TAG in cell.get("metadata", {}).get("tags", []):
            cell["id"] = INJECTED_TAG


def templates_dir() -> Path:
    return Path(str(resources.files("sketket").joinpath("templates")))


@lru_cache(maxsize=1)
def _exporter() -> Any:
    from nbconvert import HTMLExporter

    exporter = HTMLExporter(
        template_name="sketket",
        extra_template_basedirs=[str(templates_dir())],
        exclude_input=True,
        exclude_input_prompt=True,
        exclude_output_prompt=True,
    )
    exporter.language_code = "vi"
    from nbconvert.preprocessors import TagRemovePreprocessor

    # a cell tagged "analyst" speaks to whoever opens the notebook (what the page is, how to run it by hand);
    # the page itself has its own title
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"analyst"}), enabled=True)
    return exporter


def render_html(nb: Any, out: Path, title: str) -> None:
    """A self-contained page: code hidden, warnings dropped, images inline, no script and no network request."""
    nb.metadata["title"] = title
    for cell in nb.cells:
        if cell.cell_type == "code":
            # warnings on stderr are for the analyst in the .ipynb, not for the leader reading the pack
            cell.outputs = [o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")]
    body, _ = _exporter().from_notebook_node(nb)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(body, encoding="utf-8")


def _kernel_stderr_to(path: Path) -> None:
    """In a worker: die with the run (a killed run leaves no worker and no kernel behind), and send what the
    kernels print on stderr (start-up notices) to a file, not the console; failures reach the run as results."""
    from sketket.run.lifeline import die_with_parent

    die_with_parent()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(fd, 2)
    os.close(fd)


def _worker_start(log_path: Path, engine: str, kernel: str, warm_up: str) -> None:
    """A worker's start: its stderr and lifeline, then (warm engine) its kernel started with the imports every
    notebook makes, so that this costs nothing on the run's clock while the run prepares its data."""
    _kernel_stderr_to(log_path)
    import gc

    import nbconvert  # noqa: F401  (imported here, while the run's own process prepares the data)
    import papermill  # noqa: F401

    _exporter()
    gc.freeze()  # the modules imported so far: never walked again by this worker's garbage collections
    if engine == "warm" and warm_up:
        from sketket.run.engine import KERNEL

        KERNEL.warm_up(kernel, 60, warm_up)


def notebook_pool(opts: RunOptions, run_dir: Path) -> cf.ProcessPoolExecutor:
    """The workers that will run the notebooks, started now: `sketket run` opens it before preparing the data
    (which uses one core), so that they import papermill and nbconvert and start their kernels on the other
    core meanwhile."""
    # fork: started before the data steps start any thread
    context = multiprocessing.get_context("fork" if "fork" in multiprocessing.get_all_start_methods() else None)
    pool = cf.ProcessPoolExecutor(max_workers=opts.workers, mp_context=context, initializer=_worker_start,
                                  initargs=(run_dir / "kernels.log", opts.engine, opts.kernel, opts.warm_up))
    pool.submit(os.getpid)  # with fork, the first task starts every worker
    return pool


def execute_all(jobs: list[Job], opts: RunOptions, run_dir: Path,
                pool: cf.ProcessPoolExecutor | None = None) -> list[JobResult]:
    """Run the notebooks, `opts.workers` at a time (in `pool` when the run started one), with a progress bar
    when the terminal is interactive."""
    from tqdm import tqdm

    (run_dir / "notebooks").mkdir(parents=True, exist_ok=True)
    results: list[JobResult] = []
    args = (opts.notebooks_dir, run_dir, opts.kernel, opts.cell_timeout, opts.engine)
    with (
        pool or notebook_pool(dataclasses.replace(opts, warm_up=""), run_dir) as pool,
        tqdm(total=len(jobs), desc="notebook", unit="nb", disable=not sys.stderr.isatty()) as bar,
    ):
        futures = [pool.submit(execute_job, job, *args) for job in jobs]
        for future in cf.as_completed(futures):
            result = future.result()
            results.append(result)
            bar.set_postfix_str(result.job.name, refresh=False)
            bar.update()
            if result.ok:
                log.info("%-45s %6.1f s", f"notebook {result.job.name}", result.seconds)
            else:
                log.error("LỖI %s", result.error)
    order = {job.name: i for i, job in enumerate(jobs)}
    return sorted(results, key=lambda r: order[r.job.name])


# ---------------------------------------------------------------- index and publishing


def write_index(path: Path, results: list[JobResult], info: DataInfo, processed_dir: Path, prefix: str = "") -> None:
    """The page listing every pack with its headline figures and what it was built from."""
    from sketket.outputs import packs

    tables = packs.load_tables(processed_dir)
    def headlined(r: JobResult) -> bool:
        return r.ok and r.job.group in HEADLINED and r.job.notebook not in ANNEXES

    entries = [
        packs.IndexEntry(
            group=GROUPS[r.job.group], title=r.job.title, href=prefix + r.job.html, ok=r.ok,
            cards=packs.headline(tables, **r.job.scope) if headlined(r)
            else [],
            scope=packs.headline_scope(tables, **r.job.scope) if headlined(r) else "",
        )
        # the conference pack first, the analysts' notebooks last
        for r in sorted(results, key=lambda r: list(GROUPS).index(r.job.group))
    ]
    html = packs.index_page(entries, info.__dict__, extra_files=_extra_files(path.parent, prefix))
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)


def _extra_files(run_dir: Path, prefix: str) -> list[tuple[str, str]]:
    """Workbooks analyse wrote into the run (the consolidated tables, return lists), as (label, href)."""
    from sketket.catalog import reports

    found = []
    consolidated, returns_dir = reports()["consolidated"].path, reports()["return_lists"].path
    if (run_dir / consolidated).exists():
        found.append(("Biểu tổng hợp Phụ lục I, II, III (Excel)", prefix + consolidated))
    returns = sorted((run_dir / returns_dir).glob("*.xlsx")) if (run_dir / returns_dir).is_dir() else []
    if returns:
        found.append((f"Danh sách trả lại để đơn vị sửa ({len(returns)} tệp, thư mục {returns_dir})",
                       prefix + returns_dir + "/"))
    for key, label in (("draft", "Dự thảo Báo cáo sơ kết của UBND Thành phố (Word)"),
                       ("comments", "Bảng tổng hợp ý kiến góp ý, tiếp thu, giải trình dự thảo (Excel)"),
                       ("nominations_list", "Danh sách đề nghị khen thưởng đã kiểm tra (Excel)"),
                       ("nominations_docx", "Danh sách đề nghị khen thưởng trình UBND Thành phố (Word)")):
        if (run_dir / reports()[key].path).exists():
            found.append((label, prefix + reports()[key].path))
    return found


INDEX_TITLE = "Sơ kết cơ chế một cửa, một cửa liên thông – Bộ tài liệu Hội nghị sơ kết"


def _link(path: Path, target: str) -> None:
    """Make `path` a symbolic link to `target`, replacing whatever is there in one rename."""
    if path.is_symlink() and os.readlink(path) == target:
        return
    tmp = path.with_name(f".{path.name}.{os.getpid()}.new")
    tmp.unlink(missing_ok=True)
    tmp.symlink_to(target, target_is_directory=not Path(target).suffix)
    if path.is_dir() and not path.is_symlink():  # a folder an older version copied here
        shutil.rmtree(path)
    os.replace(tmp, path)


def publish(run_dir: Path, reports_dir: Path, results: list[JobResult], info: DataInfo, processed_dir: Path) -> Path:
    """Make a complete run the latest in one atomic switch: reports/latest → this run. reports/index.html is a
    fixed page that opens latest/index.html (the run's own index, links relative to the run: they hold whether
    a browser resolves the link or not), and the consolidated workbook and return lists are fixed links through
    latest/, so a kill or a full disk at any moment leaves them all on the same complete run, old or new."""
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    from sketket.catalog import reports

    if not (run_dir / "index.html").is_file():
        write_index(run_dir / "index.html", results, info, processed_dir)
    for name in (reports()["consolidated"].path, reports()["return_lists"].path, reports()["draft"].path,
                 reports()["comments"].path):
        if (run_dir / name).exists():
            _link(reports_dir / name, f"latest/{name}")
        elif (reports_dir / name).is_symlink():  # an older run had it, this one has not (no replies yet)
            (reports_dir / name).unlink()
    env = Environment(loader=FileSystemLoader(templates_dir() / "sketket"), autoescape=select_autoescape())
    page = env.get_template("redirect.html.j2").render(target="latest/index.html", title=INDEX_TITLE)
    index = reports_dir / "index.html"
    if index.is_symlink() or not index.is_file() or index.read_text(encoding="utf-8") != page:
        tmp = index.with_name(f".index.html.{os.getpid()}.new")
        tmp.write_text(page, encoding="utf-8")
        os.replace(tmp, index)
    _link(reports_dir / "latest", run_dir.relative_to(reports_dir).as_posix())  # the switch
    return index


def prune_runs(reports_dir: Path, keep: int, current: Path | None = None) -> None:
    """Keep the `keep` newest runs (complete or failed) and the published one; delete the others and the
    leftovers of an interrupted publish, so that old runs never fill the disk."""
    runs_dir = reports_dir / "runs"
    if not runs_dir.is_dir():
        return
    latest = (reports_dir / "latest").resolve() if (reports_dir / "latest").is_symlink() else None
    runs = sorted(p for p in runs_dir.iterdir() if p.is_dir())
    for old in runs[: max(0, len(runs) - keep)]:
        if old != current and old.resolve() != latest:
            shutil.rmtree(old, ignore_errors=True)
    for leftover in reports_dir.glob(".*.new"):
        leftover.unlink(missing_ok=True)


def new_run_dir(reports_dir: Path) -> Path:
    if reports_dir.exists() and not reports_dir.is_dir():
        raise NotADirectoryError(f"{reports_dir} là một tệp, không phải thư mục: sửa paths.reports trong tệp cấu hình")
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = reports_dir / "runs" / stamp
    n = 1
    while run_dir.exists():  # two runs in the same second
        n += 1
        run_dir = reports_dir / "runs" / f"{stamp}-{n}"
    run_dir.mkdir(parents=True)
    return run_dir


def _log_to(run_dir: Path) -> logging.Handler:
    handler = logging.FileHandler(run_dir / "run.log", encoding="utf-8")
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)-7s %(message)s", "%d/%m/%Y %H:%M:%S"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)
    return handler


@dataclass
class RunReport:
    run_dir: Path
    results: list[JobResult]
    index: Path | None  # reports/index.html when the run was complete

    @property
    def ok(self) -> bool:
        return self.index is not None


def run(ctx: RunContext, opts: RunOptions) -> RunReport:
    """The whole pipeline; see the module docstring. One run at a time per reports folder (RunLocked)."""
    from sketket.run.lifeline import RunLock

    reports = Path(ctx.reports_dir).resolve()
    with RunLock(reports, wait=opts.lock_wait):
        prune_runs(reports, opts.keep_runs)  # failed runs too: old runs never fill the disk
        run_dir = new_run_dir(reports)
        return _run(ctx, opts, reports, run_dir)


def _prepare_and_execute(ctx: RunContext, opts: RunOptions, run_dir: Path, pool: cf.ProcessPoolExecutor
                         ) -> tuple[DataInfo, list[Job], list[JobResult]]:
    info, data_ctx = prepare_data(ctx, opts, run_dir)
    context_file = run_dir / "context.json"
    context_file.write_text(json.dumps(info.__dict__, ensure_ascii=False, indent=1), encoding="utf-8")
    processed = Path(ctx.processed_dir).resolve()
    jobs = plan_jobs(opts, data_ctx.registry, processed, context_file)
    check_parameters(jobs, opts.notebooks_dir)
    notebooks_start = time.perf_counter()
    results = execute_all(jobs, opts, run_dir, pool)
    log.info("%-45s %6.1f s", f"{len(jobs)} notebook", time.perf_counter() - notebooks_start)
    return info, jobs, results


def _run(ctx: RunContext, opts: RunOptions, reports: Path, run_dir: Path) -> RunReport:
    handler = _log_to(run_dir)
    try:
        start = time.perf_counter()
        log.info("Bắt đầu: dữ liệu %s, kết quả %s, %d luồng", ctx.raw_dir, run_dir, opts.workers)
        ensure_kernel(opts.kernel)
        pool = notebook_pool(opts, run_dir)
        try:
            info, jobs, results = _prepare_and_execute(ctx, opts, run_dir, pool)
        finally:
            pool.shutdown(cancel_futures=True)  # done already when the notebooks ran; not when a step failed
        processed = Path(ctx.processed_dir).resolve()
        write_index(run_dir / "index.html", results, info, processed)
        failed = [r for r in results if not r.ok]
        index = None
        if failed:
            log.error("%d/%d notebook lỗi: reports/index.html và reports/latest giữ bản trước", len(failed), len(jobs))
        else:
            index = publish(run_dir, reports, results, info, processed)
            prune_runs(reports, opts.keep_runs, run_dir)
        log.info("%-45s %6.1f s", "Tổng thời gian", time.perf_counter() - start)
        return RunReport(run_dir, results, index)
    except Exception as e:  # a failure before or around the notebooks (data, config): in the log too
        log.error("sketket run dừng: %s: %s", type(e).__name__, e)
        e.logged = True  # type: ignore[attr-defined]
        raise
    finally:
        log.removeHandler(handler)
        handler.close()


def cli_run(args: argparse.Namespace) -> int:
    """`sketket run [--config FILE] [--workers N]`: 0 when every pack rendered, 1 otherwise."""
    config = Path(args.config) if args.config else None
    settings = Settings.load(config)
    ctx = RunContext.load(config)
    ctx.check()
    opts = RunOptions.load(settings, config, getattr(args, "workers", None))
    check_pack_codes(opts, ctx.registry, config_where(config))
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter("%(message)s"))
    log.addHandler(console)
    try:
        report = run(ctx, opts)
    except RunLocked as e:
        print(f"sketket run: {e}", file=sys.stderr)
        return 2
    except Exception as e:  # logged to the console and the run's log when the run had started; else said here
        if not getattr(e, "logged", False):
            print(f"sketket run: lỗi: {type(e).__name__}: {e}", file=sys.stderr)
        return 1
    finally:
        log.removeHandler(console)
    for r in report.results:
        if not r.ok:
            print(f"LỖI: {r.error}", file=sys.stderr)
    print(f"Nhật ký: {report.run_dir / 'run.log'}")
    if report.ok:
        print(f"Bộ tài liệu HTML: {report.index}")
        return 0
    print(f"Chạy chưa trọn ({sum(not r.ok for r in report.results)} notebook lỗi); xem {report.run_dir / 'index.html'}")
    return 1

"""The `sketket` command. Each subcommand is a thin wrapper over one module's `cli_*` function."""

from __future__ import annotations

import argparse
import atexit
import os
import sys
from pathlib import Path

# argparse's own words (usage, headings, its error messages), in Vietnamese like the rest of the command
_ARGPARSE_WORDS = {
    "usage: ": "cách dùng: ",
    "positional arguments": "tham số",
    "options": "tùy chọn",
    "show this help message and exit": "in hướng dẫn này rồi thoát",
    "the following arguments are required: %s": "thiếu tham số bắt buộc: %s",
    "invalid choice: %(value)r (choose from %(choices)s)": "giá trị %(value)r không hợp lệ (chọn một trong %(choices)s)",
    "unrecognized arguments: %s": "không hiểu tham số: %s",
    "argument %(argument_name)s: %(message)s": "tham số %(argument_name)s: %(message)s",
    "invalid %(type)s value: %(value)r": "giá trị %(value)r không hợp lệ (cần kiểu %(type)s)",
    "expected one argument": "cần một giá trị",
    "expected at least one argument": "cần ít nhất một giá trị",
}
argparse._ = lambda text: _ARGPARSE_WORDS.get(text, text)  # argparse looks its `_` up at each message


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # usage errors exit 2, as DESIGN.md promises
        self.print_usage(sys.stderr)
        self.exit(2, f"sketket: lỗi cú pháp lệnh: {message}\n")


REGISTRY_HELP = "tệp CSV danh mục đơn vị (mặc định: danh mục Hà Nội 2017)"
PROCESSED_HELP = "thư mục dữ liệu đã xử lý (kết quả của sketket ingest)"


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sketket", description="Sơ kết cơ chế một cửa, một cửa liên thông – Hà Nội")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    p = sub.add_parser("template", help="biểu mẫu Phụ lục trống (kèm đơn vị trực thuộc)")
    p.add_argument("--form", required=True, choices=["I", "II", "III", "khen-thuong"],
                   help="Phụ lục I (Sở), II (cơ quan ngành dọc), III (quận, huyện, thị xã) hoặc danh sách khen thưởng")
    p.add_argument("--out", required=True, type=Path, help="tệp .xlsx sẽ ghi")
    p.add_argument("--unit", default=None, help="tên đơn vị: điền sẵn đơn vị trực thuộc")
    p.add_argument("--plan-number", default=None, help="số Kế hoạch in trên biểu (mặc định: config/plan.yml)")
    p.add_argument("--plan-date", default=None, help="ngày Kế hoạch, dd/mm/yyyy")
    p.add_argument("--registry", type=Path, default=None, help=REGISTRY_HELP)
    p.add_argument("--config", type=Path, default=None,
                   help="sketket.yml: Kế hoạch (plan:) và danh mục đơn vị (paths.registry) của dự án")

    p = sub.add_parser("ingest", help="đọc, làm sạch, kiểm tra mọi tệp đã nhận")
    p.add_argument("raw_dir", type=Path, help="thư mục các tệp đơn vị gửi (không bị sửa)")
    p.add_argument("--out", required=True, type=Path, help="thư mục dữ liệu đã xử lý sẽ ghi")
    p.add_argument("--registry", type=Path, default=None, help=REGISTRY_HELP)
    p.add_argument("--max-size-mb", type=float, default=20.0, help="tệp lớn hơn bị từ chối (MB, mặc định 20)")
    p.add_argument("--config", type=Path, default=None,
                   help="sketket.yml: danh mục đơn vị (paths.registry); thư mục sổ theo dõi hồ sơ và góp ý dự thảo "
                        "(paths.dossiers, paths.comments) để riêng")

    p = sub.add_parser("validate", help="kiểm tra một hoặc nhiều biểu trước khi gửi")
    p.add_argument("files", nargs="+", type=Path, help="các tệp biểu cần kiểm tra")
    p.add_argument("--all", action="store_true", help="in mọi phát hiện (mặc định: các phát hiện đầu mỗi tệp, số lượng ở validate_shown của config/ingest.yml)")
    p.add_argument("--registry", type=Path, default=None, help=REGISTRY_HELP)
    p.add_argument("--config", type=Path, default=None, help="sketket.yml: danh mục đơn vị (paths.registry) của dự án")

    p = sub.add_parser("demo", help="bộ dữ liệu minh họa của cả Thành phố")
    p.add_argument("--out", required=True, type=Path, help="thư mục sẽ ghi dữ liệu minh họa")
    p.add_argument("--seed", type=int, default=2017, help="hạt giống ngẫu nhiên: cùng số, cùng dữ liệu")
    p.add_argument("--scale", type=int, default=1, help="số bản sao của Thành phố (thử ở quy mô lớn)")

    p = sub.add_parser("analyse", help="chỉ số, xếp hạng, đề xuất khen thưởng, biểu tổng hợp")
    p.add_argument("processed_dir", type=Path, help=PROCESSED_HELP)
    p.add_argument("--reports", required=True, type=Path, help="thư mục báo cáo sẽ ghi")
    p.add_argument("--awards-config", type=Path, default=None, help="tiêu chí khen thưởng (mặc định config/awards.yml)")
    p.add_argument("--registry", type=Path, default=None, help=REGISTRY_HELP)
    p.add_argument("--config", type=Path, default=None, help="sketket.yml: kế hoạch (số, ngày, hạn) của lần sơ kết")

    p = sub.add_parser("datasets", help="danh mục dữ liệu đã xử lý: số dòng, lúc ghi")
    p.add_argument("processed_dir", type=Path, nargs="?", default=None, help=PROCESSED_HELP)
    p.add_argument("--config", type=Path, default=None, help="sketket.yml: thư mục dữ liệu (paths.processed)")

    p = sub.add_parser("draft", help="dự thảo Báo cáo sơ kết của UBND Thành phố (.docx)")
    p.add_argument("processed_dir", type=Path, help=PROCESSED_HELP)
    p.add_argument("--out", required=True, type=Path, help="tệp .docx sẽ ghi")
    p.add_argument("--config", type=Path, default=None, help="sketket.yml: kế hoạch (số, ngày, hạn) của lần sơ kết")

    p = sub.add_parser("comments", help="bảng tổng hợp ý kiến góp ý vào dự thảo báo cáo")
    p.add_argument("comments_dir", type=Path, help="thư mục văn bản góp ý các đơn vị gửi lại")
    p.add_argument("--out", required=True, type=Path, help="tệp .xlsx sẽ ghi")
    p.add_argument("--draft", type=Path, default=None, help="tệp dự thảo đã gửi lấy ý kiến (.docx)")
    p.add_argument("--config", type=Path, default=None, help="sketket.yml: hạn góp ý (draft_deadline)")
    p.add_argument("--registry", type=Path, default=None, help=REGISTRY_HELP)

    p = sub.add_parser("dossiers", help="sổ theo dõi hồ sơ của phần mềm một cửa: số liệu, đối chiếu với Phụ lục")
    p.add_argument("logs_dir", type=Path, help="thư mục các tệp xuất từ phần mềm một cửa")
    p.add_argument("--out", required=True, type=Path, help="thư mục dữ liệu đã xử lý (đối chiếu khi có Phụ lục)")
    p.add_argument("--config", type=Path, default=None, help="sketket.yml (kỳ sơ kết, danh mục đơn vị)")
    p.add_argument("--engine", choices=["duckdb", "spark"], default="duckdb",
                   help="duckdb (một máy, mặc định) hoặc spark (cần cài thêm pyspark)")

    p = sub.add_parser("run", help="toàn bộ quy trình qua các notebook tới reports/index.html")
    p.add_argument("--config", type=Path, default=None, help="sketket.yml: thư mục, kế hoạch, các trang cần dựng")
    p.add_argument("--workers", type=int, default=None, help="số notebook chạy song song (mặc định: số lõi)")
    return parser


def console() -> None:
    """The `sketket` command: main(), the exit handlers (logging, multiprocessing, finalizers of temporary
    folders), then the end of the process without Python's teardown, which frees every object one by one
    for the system to reclaim anyway: 0,2 s of the 5 s an ingest of 60 cities takes."""
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    atexit._run_exitfuncs()  # what a normal exit runs first; the one entry point that runs them all
    os._exit(code)


def main(argv: list[str] | None = None) -> int:
    from sketket.config import ConfigError

    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except BrokenPipeError:  # `sketket validate … | head`: the reader has what it wanted, nothing went wrong
        _silence_stdout()
        return 0
    except ConfigError as e:  # one sentence naming the file and the key, no traceback
        print(f"sketket {args.command}: lỗi cấu hình: {e}", file=sys.stderr)
        return 2
    except OSError as e:  # a folder given where a file stands, no permission, a full disk: one sentence, no traceback
        print(f"sketket {args.command}: {disk_error_text(e)}", file=sys.stderr)
        return 2


def _silence_stdout() -> None:
    """Standard output closed by its reader: what is still buffered goes nowhere (else the exit's flush
    raises again)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def disk_error_text(exc: OSError) -> str:
    """An error of the disk in Vietnamese, naming the path."""
    where = f" {exc.filename}" if exc.filename else ""
    if isinstance(exc, (FileExistsError, NotADirectoryError)):
        return f"không tạo được thư mục{where}: đã có một tệp cùng tên ở đó (cần một thư mục; đổi tên hoặc chọn chỗ khác)"
    if isinstance(exc, IsADirectoryError):
        return f"không ghi được{where}: đó là một thư mục (cần tên một tệp)"
    if isinstance(exc, PermissionError):
        return f"không có quyền đọc hoặc ghi{where}"
    if isinstance(exc, FileNotFoundError):
        return f"không có{where}"
    return f"lỗi đĩa ở{where}: {exc.strerror or type(exc).__name__}"


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "template":
        from sketket.outputs.template import cli_template

        return cli_template(args)
    if args.command == "ingest":
        from sketket.intake.ingest import cli_ingest

        return cli_ingest(args)
    if args.command == "validate":
        from sketket.intake.ingest import cli_validate

        return cli_validate(args)
    if args.command == "demo":
        from sketket.demo.generate import cli_demo

        return cli_demo(args)
    if args.command == "analyse":
        from sketket.analysis.analyse import cli_analyse

        return cli_analyse(args)
    if args.command == "dossiers":
        from sketket.analysis.dossier_counts import cli_dossiers

        return cli_dossiers(args)
    if args.command == "datasets":
        return _datasets(args)
    if args.command == "draft":
        from sketket.outputs.draft import cli_draft

        return cli_draft(args)
    if args.command == "comments":
        from sketket.outputs.comments import cli_comments

        return cli_comments(args)
    if args.command == "run":
        from sketket.run.pipeline import cli_run

        return cli_run(args)
    return 2


def _datasets(args: argparse.Namespace) -> int:
    """`sketket datasets [PROCESSED_DIR] [--config FILE]`: what an analyst can load, and when it was written."""
    from sketket.catalog import listing_text
    from sketket.context import RunContext

    config = args.config or (Path("sketket.yml") if Path("sketket.yml").is_file() else None)
    ctx = RunContext.load(config, processed=args.processed_dir)
    if not Path(ctx.processed_dir).is_dir():
        print(f"sketket datasets: không có thư mục {ctx.processed_dir}", file=sys.stderr)
        return 2
    print(listing_text(ctx.catalog))
    return 0


if __name__ == "__main__":
    console()

"""The command line with a user's own registry (another period or province): it replaces the default."""

import subprocess
import sys

import pandas as pd
import pytest
from _workbooks import figures

from sketket.cli import main
from sketket.outputs.writer import write_filled


@pytest.fixture()
def own_registry(tmp_path):
    path = tmp_path / "danh-muc.csv"
    pd.DataFrame([
        {"code": "900", "tier": "huyen", "name": "Huyện Thử Nghiệm", "parent_code": ""},
        {"code": "90001", "tier": "xa", "name": "Xã Một", "parent_code": "900"},
        {"code": "90002", "tier": "xa", "name": "Xã Hai", "parent_code": "900"},
    ]).to_csv(path, index=False, encoding="utf-8-sig")
    return path


def _table(raw):
    raw.mkdir()
    write_filled("III", raw / "pl3.xlsx", {"unit_name": "UBND huyện Thử Nghiệm", **figures("III", 500, 5)},
                 [{"unit_name": "X. Một", **figures("III", 100, 1)}, {"unit_name": "xã Hai", **figures("III", 50, 0)}])
    return raw / "pl3.xlsx"


def test_ingest_with_a_user_registry(tmp_path, own_registry):
    _table(tmp_path / "raw")
    assert main(["ingest", str(tmp_path / "raw"), "--out", str(tmp_path / "out"),
                 "--registry", str(own_registry)]) == 0
    app = pd.read_csv(tmp_path / "out" / "appendix.csv", dtype=str, keep_default_na=False, encoding="utf-8-sig")
    assert list(app["unit_code"]) == ["900", "90001", "90002"]
    findings = pd.read_csv(tmp_path / "out" / "findings.csv", dtype=str, encoding="utf-8-sig")
    assert "unit_unmatched" not in set(findings["rule"])


def test_the_default_registry_does_not_know_those_units(tmp_path):
    _table(tmp_path / "raw")
    assert main(["ingest", str(tmp_path / "raw"), "--out", str(tmp_path / "out")]) == 0
    findings = pd.read_csv(tmp_path / "out" / "findings.csv", dtype=str, encoding="utf-8-sig")
    assert (findings["rule"] == "unit_unmatched").sum() >= 1


def test_validate_with_a_user_registry_and_a_missing_registry(tmp_path, own_registry, capsys):
    table = _table(tmp_path / "raw")
    assert main(["validate", str(table), "--registry", str(own_registry)]) == 0
    assert main(["ingest", str(tmp_path / "raw"), "--out", str(tmp_path / "out"),
                 "--registry", str(tmp_path / "missing.csv")]) == 2
    assert "missing.csv" in capsys.readouterr().err


def test_the_command_runs_the_exit_handlers_and_keeps_the_exit_code(tmp_path):
    """`sketket` ends without Python's teardown (console()), but after every exit handler and with its
    output flushed."""
    code = ("import atexit, sys; from sketket.cli import console; atexit.register(print, 'handlers run'); "
            f"sys.argv = ['sketket', 'datasets', {str(tmp_path / 'missing')!r}]; print('before', end=''); console()")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stdout == "beforehandlers run\n"
    assert "không có thư mục" in done.stderr


def test_usage_help_and_usage_errors_are_in_vietnamese(capsys):
    with pytest.raises(SystemExit) as done:
        main(["ingest", "--help"])
    out = capsys.readouterr().out
    assert done.value.code == 0 and out.startswith("cách dùng: sketket ingest")
    assert "tùy chọn:" in out and "in hướng dẫn này rồi thoát" in out and "danh mục đơn vị" in out
    assert "usage" not in out and "show this help" not in out
    with pytest.raises(SystemExit) as done:
        main(["template", "--form", "IV", "--out", "x.xlsx"])
    err = capsys.readouterr().err
    assert done.value.code == 2 and "tham số --form: giá trị 'IV' không hợp lệ" in err


def test_an_output_folder_where_a_file_stands_is_one_sentence_not_a_traceback(tmp_path, capsys):
    """`--out` naming an existing file (or a file under one): exit 2 and a sentence naming the path, for every
    command that writes a folder."""
    from sketket.cli import main

    logs = tmp_path / "logs"
    logs.mkdir()
    (logs / "a.csv").write_text("Mã hồ sơ;Ngày tiếp nhận\nA1;03/04/2017\n", encoding="utf-8")
    taken = tmp_path / "taken"
    taken.write_text("x", encoding="utf-8")
    for argv in (["ingest", str(logs), "--out", str(taken)], ["dossiers", str(logs), "--out", str(taken)],
                 ["dossiers", str(logs), "--out", str(taken / "sub")]):
        assert main(argv) == 2, argv
        err = capsys.readouterr().err
        assert f"sketket {argv[0]}: không tạo được thư mục {taken}" in err and "đã có một tệp cùng tên" in err, err
        assert "Traceback" not in err


def test_output_cut_short_by_its_reader_is_no_disk_error(tmp_path):
    """`sketket validate … | head -2` ended with "lỗi đĩa ở: Broken pipe": the reader closing the pipe is not an
    error of the disk, and says nothing."""
    from pathlib import Path

    sketket = Path(sys.executable).with_name("sketket")
    for k in range(3):
        assert subprocess.run([str(sketket), "template", "--form", "III", "--out", str(tmp_path / f"t{k}.xlsx")],
                              capture_output=True).returncode == 0
    shell = f"'{sketket}' validate '{tmp_path}'/*.xlsx --all | head -1"
    done = subprocess.run(["bash", "-c", shell], capture_output=True, text=True)
    assert done.stdout.startswith("Tệp t0.xlsx") and done.stderr == ""


def test_python_dash_m_sketket_is_the_sketket_command(tmp_path):
    """`python -m sketket` (a shell without the venv's scripts on PATH) runs the same command, exit code too."""
    import subprocess
    import sys

    ok = subprocess.run([sys.executable, "-m", "sketket", "--help"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0 and "cách dùng: sketket" in ok.stdout
    bad = subprocess.run([sys.executable, "-m", "sketket", "ingest", str(tmp_path / "khong-co"), "--out",
                          str(tmp_path / "out")], capture_output=True, text=True, check=False)
    assert bad.returncode == 2


def test_template_ingest_and_validate_take_the_projects_plan_and_registry(tmp_path, capsys):
    """`--config sketket.yml` was read by ingest only for its folders: the blank forms printed the package's
    period, and ingest and validate matched units against the 2017 registry, whatever paths.registry said."""
    import openpyxl

    from sketket.registry import load_registry

    reg = load_registry().units[["code", "tier", "name", "parent_code"]].copy()
    reg.loc[reg["code"] == "S02", "name"] = "Sở Tư pháp và Pháp chế"  # the project's own name for S02
    reg.to_csv(tmp_path / "danh-muc.csv", index=False)
    (tmp_path / "sketket.yml").write_text(
        "paths:\n  registry: danh-muc.csv\nplan:\n  period_end: 2017-06-30\n", encoding="utf-8")
    config = str(tmp_path / "sketket.yml")
    assert main(["template", "--form", "I", "--out", str(tmp_path / "mau.xlsx"), "--config", config]) == 0
    cells = [c for row in openpyxl.load_workbook(tmp_path / "mau.xlsx").active.iter_rows(values_only=True)
             for c in row if isinstance(c, str)]
    assert any("đến 30/06/2017" in c for c in cells)
    raw = tmp_path / "raw"
    raw.mkdir()
    write_filled("I", raw / "tu-phap.xlsx", {"unit_name": "Sở Tư pháp và Pháp chế", **figures("I", 100, 1)}, [])
    assert main(["ingest", str(raw), "--out", str(tmp_path / "out"), "--config", config]) == 0
    appendix = pd.read_csv(tmp_path / "out" / "appendix.csv", dtype=str, encoding="utf-8-sig")
    assert appendix.loc[0, "unit_code"] == "S02"
    capsys.readouterr()
    assert main(["validate", str(raw / "tu-phap.xlsx"), "--config", config]) == 0
    assert "không có trong danh mục" not in capsys.readouterr().out
    assert main(["validate", str(raw / "tu-phap.xlsx")]) == 0  # a warning only: unknown to the 2017 registry
    assert "không có trong danh mục" in capsys.readouterr().out
    assert main(["ingest", str(raw), "--out", str(tmp_path / "out2"), "--registry", str(tmp_path / "khong-co.csv")]) == 2


def test_a_unit_pack_looks_units_up_in_the_runs_registry(tmp_path, own_registry):
    """The pages of a run made with the project's registry (context.json's `registry`) name a commune's district
    and the unit a pack is about from that registry, not from the package's Hanoi 2017 one."""
    from sketket.outputs import packs
    from sketket.params import ParameterError

    _table(tmp_path / "raw")
    out = tmp_path / "out"
    assert main(["ingest", str(tmp_path / "raw"), "--out", str(out), "--registry", str(own_registry)]) == 0
    assert main(["analyse", str(out), "--reports", str(tmp_path / "reports"), "--registry", str(own_registry)]) == 0
    families = pd.read_csv(out / "indicators_families.csv", dtype={"tier": str}, encoding="utf-8-sig")
    # a registry without departments or agencies: their rows say none expected (analyse used to fail on them)
    assert families.set_index("tier").loc[["so", "huyen"], "units_expected"].tolist() == [0, 3]
    tables = packs.load_tables(out, {"registry": str(own_registry)})
    assert packs.unit_choice(tables, "thu nghiem").code == "900"
    with pytest.raises(ParameterError, match="là Xã Một, đơn vị trực thuộc Huyện Thử Nghiệm"):
        packs.unit_choice(tables, "90001")
    with pytest.raises(ParameterError, match="không phải mã hay tên"):  # the package's registry knows no 90001
        packs.unit_choice(packs.load_tables(out), "90001")

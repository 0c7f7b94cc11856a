"""The warm engine: one kernel reused between notebooks, each notebook seeing a fresh namespace; a kernel that
failed a cell or died is replaced; errors surface exactly as with papermill's own engine."""

import os
from pathlib import Path

import nbformat
import papermill as pm
import pytest

from sketket.run.engine import KERNEL, WARM_ENGINE

pytestmark = pytest.mark.slow

PROBE = (
    "import os, sys\n"
    "print('pid', os.getpid())\n"
    "print('cwd', os.getcwd())\n"
    "print('seen', 'leaked' in globals(), 'pandas' in sys.modules)\n"
    "leaked = label"
)


def write_notebook(path: Path, *cells: str) -> Path:
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "sketket", "display_name": "Python (sketket)", "language": "python"}
    params = nbformat.v4.new_code_cell('label = ""')
    params.metadata["tags"] = ["parameters"]
    nb.cells = [params, *(nbformat.v4.new_code_cell(c) for c in cells)]
    nbformat.write(nb, path)
    return path


def run(src: Path, out: Path, label: str, cwd: Path | None = None, engine: str | None = WARM_ENGINE, timeout=30):
    return pm.execute_notebook(str(src), str(out), parameters={"label": label}, kernel_name="sketket",
                               engine_name=engine, cwd=str(cwd) if cwd else None, progress_bar=False,
                               request_save_on_cell_execute=False, execution_timeout=timeout)


def probe(nb) -> dict[str, list[str]]:
    """What the PROBE cell printed, by first word."""
    text = "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))
    return {line.split()[0]: line.split()[1:] for line in text.splitlines()}


@pytest.fixture
def fresh_kernel():
    KERNEL.discard()
    KERNEL.starts = 0
    yield
    KERNEL.discard()


def test_successive_notebooks_share_the_kernel_but_not_their_variables(tmp_path, fresh_kernel):
    src = write_notebook(tmp_path / "a.ipynb", "import pandas", PROBE, "x = 1\nx")
    (tmp_path / "elsewhere").mkdir()
    first = run(src, tmp_path / "1.ipynb", "một")
    second = run(src, tmp_path / "2.ipynb", "hai", cwd=tmp_path / "elsewhere")
    assert probe(first)["seen"] == ["False", "True"] and probe(second)["seen"] == ["False", "True"]
    assert probe(first)["pid"] == probe(second)["pid"] and KERNEL.starts == 1
    assert probe(first)["cwd"] == [os.getcwd()] and probe(second)["cwd"] == [str(tmp_path / "elsewhere")]
    # as papermill's own engine records it: injected parameters, counters from 1, metadata
    for nb in (first, second):
        assert [c.execution_count for c in nb.cells] == [1, 2, 3, 4, 5]
        assert "injected-parameters" in nb.cells[1].metadata.tags and nb.metadata.papermill.parameters
        assert nb.cells[4].outputs[0]["data"]["text/plain"] == "1"
    assert 'label = "hai"' in second.cells[1].source


def test_a_failed_cell_raises_like_papermill_and_the_next_notebook_gets_a_new_kernel(tmp_path, fresh_kernel):
    ok = write_notebook(tmp_path / "ok.ipynb", PROBE)
    bad = write_notebook(tmp_path / "bad.ipynb", PROBE, "raise ValueError('thiếu cột')")
    before = probe(run(ok, tmp_path / "1.ipynb", "a"))["pid"]
    errors = []
    for engine in (WARM_ENGINE, None):
        with pytest.raises(pm.PapermillExecutionError) as e:
            run(bad, tmp_path / f"failed-{engine}.ipynb", "b", engine=engine)
        errors.append((e.value.cell_index, e.value.exec_count, e.value.ename, e.value.evalue))
    assert errors[0] == errors[1] == (3, 4, "ValueError", "thiếu cột")
    kept = nbformat.read(tmp_path / f"failed-{WARM_ENGINE}.ipynb", as_version=4)
    assert any(o.get("ename") == "ValueError" for c in kept.cells if c.cell_type == "code" for o in c.outputs)
    after = probe(run(ok, tmp_path / "3.ipynb", "c"))
    assert after["pid"] != before and after["seen"] == ["False", "False"] and KERNEL.starts == 2


def test_a_dead_kernel_is_replaced(tmp_path, fresh_kernel):
    src = write_notebook(tmp_path / "a.ipynb", PROBE)
    before = probe(run(src, tmp_path / "1.ipynb", "a"))["pid"]
    os.kill(int(before[0]), 9)
    after = probe(run(src, tmp_path / "2.ipynb", "b"))["pid"]
    assert after != before and KERNEL.starts == 2


def test_a_cell_that_times_out_leaves_its_kernel_behind(tmp_path, fresh_kernel):
    src = write_notebook(tmp_path / "a.ipynb", PROBE, "import time\nif label == 'slow':\n    time.sleep(30)")
    before = probe(run(src, tmp_path / "1.ipynb", "a"))["pid"]
    with pytest.raises(TimeoutError):
        run(src, tmp_path / "2.ipynb", "slow", timeout=1)
    after = probe(run(src, tmp_path / "3.ipynb", "c"))
    assert after["pid"] != before and after["seen"] == ["False", "False"] and KERNEL.starts == 2


def test_a_notebook_that_breaks_the_reset_leaves_its_kernel_behind(tmp_path, fresh_kernel):
    src = write_notebook(tmp_path / "a.ipynb", PROBE, "if label == 'break':\n    get_ipython().reset = None")
    before = probe(run(src, tmp_path / "1.ipynb", "break"))["pid"]
    after = probe(run(src, tmp_path / "2.ipynb", "b"))
    assert after["pid"] != before and after["seen"] == ["False", "False"] and KERNEL.starts == 2


def test_matplotlib_figures_and_settings_do_not_carry_over(tmp_path, fresh_kernel):
    src = write_notebook(
        tmp_path / "a.ipynb",
        "import matplotlib\nimport matplotlib.pyplot as plt\n"
        "print('state', len(plt.get_fignums()), matplotlib.rcParams['font.size'])\n"
        "plt.figure()\nmatplotlib.rcParams['font.size'] = 31",
    )
    first, second = run(src, tmp_path / "1.ipynb", "a"), run(src, tmp_path / "2.ipynb", "b")
    assert probe(first)["state"] == probe(second)["state"] == ["0", "10.0"]


def test_a_kernel_warmed_up_before_the_first_notebook_serves_it_with_its_imports_but_no_variables(
        tmp_path, fresh_kernel):
    assert KERNEL.warm_up("sketket", 60, "import fractions\nleftover = 1")
    assert KERNEL.starts == 1
    src = write_notebook(tmp_path / "a.ipynb",
                         "import sys\nprint('warm', 'fractions' in sys.modules, 'leftover' in globals())")
    out = probe(run(src, tmp_path / "1.ipynb", "một"))
    assert out["warm"] == ["True", "False"] and KERNEL.starts == 1


def test_a_warm_up_that_fails_keeps_no_kernel_and_the_notebook_starts_its_own(tmp_path, fresh_kernel):
    assert not KERNEL.warm_up("sketket", 60, "import no_such_module_here")
    assert KERNEL._client is None
    src = write_notebook(tmp_path / "a.ipynb", PROBE)
    assert probe(run(src, tmp_path / "1.ipynb", "một"))["seen"] == ["False", "False"] and KERNEL.starts == 2

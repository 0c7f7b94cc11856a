"""The project's own set-up: dependency lists agree, the Jupyter kernel is registered."""

import re
import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~ \[;]", requirement.strip(), maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_agrees_with_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = {_name(r): r.replace(" ", "") for r in project["dependencies"]}
    declared.update({_name(r): r.replace(" ", "") for r in project["optional-dependencies"]["dev"]})
    env = yaml.safe_load((ROOT / "environment.yml").read_text(encoding="utf-8"))
    conda = {
        _name(d): d.replace(" ", "")
        for d in env["dependencies"]
        if isinstance(d, str) and _name(d) not in {"python", "pip"}
    }
    assert conda == declared


def test_sketket_kernel_is_registered():
    from jupyter_client.kernelspec import KernelSpecManager

    specs = KernelSpecManager().find_kernel_specs()
    assert "sketket" in specs, "make install registers the `sketket` kernel inside .venv"


def test_layout_folders_exist_in_a_clone():
    for folder in ["notebooks", "src/sketket", "data/raw", "data/processed", "reports", "tests"]:
        assert (ROOT / folder).is_dir(), folder
    assert (ROOT / "environment.yml").is_file()

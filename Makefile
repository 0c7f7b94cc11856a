# `make` alone prints the help. Everything runs in .venv, created on first use.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CONFIG ?= sketket.yml
# sketket's bytecode, as pip writes it for a package it installs (an editable install leaves that to the
# first import, which PYTHONDONTWRITEBYTECODE forbids): each process and notebook kernel then starts ~0,1 s sooner.
COMPILE = $(BIN)/python -m compileall -q src/sketket

.DEFAULT_GOAL := help
.PHONY: help install report test test-fast lint lab clean bench datasets

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[dev]'
	$(COMPILE)
	$(BIN)/python -m ipykernel install --sys-prefix --name sketket --display-name "Python (sketket)" >/dev/null
	touch $(STAMP)

install: $(STAMP) ## create .venv, install sketket and register the `sketket` Jupyter kernel

report: $(STAMP) ## run the whole pipeline (demo data when data/raw holds no submissions)
	@$(COMPILE)
	MPLBACKEND=Agg $(BIN)/sketket run --config $(CONFIG)

test: $(STAMP) ## lint and run the tests
	$(BIN)/ruff check src tests bench
	MPLBACKEND=Agg $(BIN)/pytest

test-fast: $(STAMP) ## the edit-test loop: ruff and every test but notebooks and browser
	$(BIN)/ruff check src tests bench
	MPLBACKEND=Agg $(BIN)/pytest -m "not slow"

datasets: $(STAMP) ## list the processed datasets, their rows and when each was written
	$(BIN)/sketket datasets --config $(CONFIG)

lint: $(STAMP) ## ruff only
	$(BIN)/ruff check src tests bench

lab: $(STAMP) ## open the notebooks in JupyterLab with the sketket kernel
	cd notebooks && ../$(BIN)/jupyter lab $$([ "$$(id -u)" = 0 ] && echo --allow-root)  # root: a container

bench: $(STAMP) ## the benchmarks recorded in the README
	@$(COMPILE)
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/analyse.py
	$(BIN)/python bench/lessons.py
	$(BIN)/python bench/run.py

clean: ## delete generated data and reports (raw data is kept)
	rm -rf data/processed/* reports/* data/demo
	touch data/processed/.gitkeep reports/.gitkeep

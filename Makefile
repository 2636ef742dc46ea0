# Two commands do everything on a fresh machine (each creates .venv when it is missing):
#   make serve   build the sample blog and preview it at http://127.0.0.1:8000/
#   make test    lint, type-check and run every test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: serve build test lint golden bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --editable .
	$(BIN)/python -m compileall -q storyblog
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --editable '.[test]'
	$(BIN)/python -m compileall -q storyblog
	touch $(VENV)/.installed $@

serve: $(VENV)/.installed
	$(BIN)/python build.py --serve

build: $(VENV)/.installed
	$(BIN)/python build.py

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest

# Rewrite tests/golden/ from tests/fixtures/golden-blog/ after an intended change to the output.
golden: $(VENV)/.installed-test
	$(BIN)/python tests/test_golden.py

# Time builds against Pelican's and Hugo's (takes minutes); corpora are kept in bench/.work/.
# Options (bench/benchmark.py --help): make bench BENCH_ARGS="--sizes 1000 --runs 2"
bench: $(VENV)/.installed
	$(BIN)/python bench/benchmark.py $(BENCH_ARGS)

clean:
	rm -rf site .cache

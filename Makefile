# gancourse: two commands for a fresh machine.
#   make lab   set everything up, open the course in JupyterLab
#   make test  set everything up, run lint, unit tests and every notebook
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8888
# Jupyter refuses to run as root without this flag (containers, CI machines).
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider
export PYTHONHASHSEED := 0
# Notebook tests: the live training view (notebook 03) trains straight to its final frame.
notebooks-test: export GANCOURSE_HEADLESS := 1

.PHONY: setup lab test lint unit notebooks-test notebooks checkpoints benchmarks constraints slides clean help

help:
	@echo "make lab    set up (first time only) and open the course in JupyterLab"
	@echo "make test   set up (first time only) and run lint, unit tests and all notebooks"
	@echo "make notebooks    re-run every notebook in place (refresh committed outputs)"
	@echo "make checkpoints  re-train the shipped checkpoints in data/ (long)"
	@echo "make benchmarks   print the benchmark tables"
	@echo "make slides       static reveal.js slides of every notebook in build/slides/ (offline)"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "gancourse needs Python >= 3.10; found " + sys.version.split()[0] + ". Run with PYTHON=python3.11 make ...")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -c constraints.txt -e '.[dev,bm3d,teaching]'
	touch $(STAMP)

setup: $(STAMP)

lab: setup
	@echo "Opening JupyterLab on notebooks/ ; open the http://127.0.0.1:$(PORT)/lab?token=... URL printed below."
	$(BIN)/jupyter lab --notebook-dir=notebooks --no-browser --ip=127.0.0.1 --port=$(PORT) --ServerApp.open_browser=False $(ROOT_FLAG)

lint: setup
	$(BIN)/ruff check gancourse tests notebooks benchmarks scripts

unit: setup
	$(BIN)/python -m pytest tests -q

notebooks-test: setup
	$(BIN)/python -m pytest $(NBVAL) notebooks -q

test: lint unit notebooks-test

# Re-run every notebook top to bottom in a fresh kernel and save the outputs in place.
notebooks: setup
	$(BIN)/python scripts/run_notebooks.py notebooks/*.ipynb notebooks/solutions/*.ipynb

checkpoints: setup
	$(BIN)/python scripts/train_checkpoints.py

benchmarks: setup
	$(BIN)/python benchmarks/notebook_times.py
	$(BIN)/python benchmarks/bench_threads.py

constraints: setup
	{ sed -n '1,/^# Regenerate/p' constraints.txt; $(BIN)/python -m pip freeze --exclude-editable | grep -v '^gancourse' | sed 's/^torch==\([0-9.]*\)+cpu/torch==\1/'; } > constraints.txt.new && mv constraints.txt.new constraints.txt

# Lecture slides: reveal.js and MathJax pinned in slides/package.json, installed beside the
# slides (no CDN); open build/slides/index.html from disk.
slides/node_modules/.package-lock.json: slides/package.json slides/package-lock.json
	npm ci --prefix slides --no-audit --no-fund

slides: setup slides/node_modules/.package-lock.json
	$(BIN)/python scripts/build_slides.py --out build/slides

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache gancourse.egg-info

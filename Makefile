# procrisk: two commands do all set-up on a fresh machine with Python 3.11+.
#   make demo   create .venv if missing, install, score the sample data, start the dashboard on localhost
#   make test   create .venv if missing, install, run the whole test suite (lint and layering included)

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_WS ?= demo-workspace
PORT   ?= 8501

.PHONY: demo test install lint bench clean system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

lint: install
	$(BIN)/ruff check src tests bench app.py
	$(BIN)/lint-imports

system-deps:
	bash scripts/ci-browser-deps.sh
	bash scripts/ci-report-deps.sh

test: install lint system-deps
	$(BIN)/python -m pytest

demo: install
	rm -rf $(DEMO_WS)
	$(BIN)/procrisk --workspace $(DEMO_WS) ingest sample_data/contract_register.xlsx sample_data/supplier_questionnaire.xlsx sample_data/ocds_release_package.json
	$(BIN)/procrisk --workspace $(DEMO_WS) score
	PROCRISK_WORKSPACE=$(DEMO_WS) $(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --server.headless true

bench: install
	$(BIN)/python bench/ingest.py
	$(BIN)/python bench/score.py
	$(BIN)/python bench/report.py
	$(BIN)/python bench/dashboard.py

clean:
	rm -rf $(VENV) $(DEMO_WS) .pytest_cache .ruff_cache

# Two commands: `make demo` and `make test`. Both create .venv if missing and install Chorus.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.chorus-installed
DEMO_DIR ?= demo

.PHONY: demo test lint bench clean help

help:
	@echo "make demo   create .venv, install, write a demo program under $(DEMO_DIR)/ and run every job"
	@echo "make test   create .venv, install, run the whole test suite"
	@echo "make lint   ruff check and format check"
	@echo "make bench  print the benchmark tables (benchmarks/)"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
	  { echo "Chorus needs Python 3.11 or newer; $(PYTHON) is $$($(PYTHON) --version 2>&1)"; exit 1; }
	@echo "==> creating the virtual environment in $(VENV) (if missing)"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "==> installing Chorus and its test tools into $(VENV)"
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

demo: $(STAMP)
	@echo "==> running the demo in $(DEMO_DIR)/"
	$(BIN)/chorus demo --dir $(DEMO_DIR)

test: $(STAMP)
	@echo "==> running the test suite"
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(STAMP)
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache

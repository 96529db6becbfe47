# The two commands of the README:
#   make course   set up (a virtual environment in .venv) and open the course in JupyterLab
#   make test     set up and run every test: unit tests, notebooks (nbval), browser tests
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
NBVAL  := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:python

.PHONY: setup data course test test-unit test-notebooks test-browser bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[course,dev]"
	touch $@

data: setup
	$(PY) -m microgpt.data

course: setup data
	$(BIN)/jupyter lab notebooks/00_start_here.ipynb

test: setup data
	$(PY) -m pytest tests
	$(PY) -m pytest notebooks $(NBVAL) -n 2 --dist loadfile

test-unit: setup data
	$(PY) -m pytest tests -m "not browser"

test-notebooks: setup data
	$(PY) -m pytest notebooks $(NBVAL) -n 2 --dist loadfile

bench: setup data
	$(PY) benchmarks/bench_train.py

clean:
	rm -rf $(VENV) .pytest_cache tests/output

# The two commands of the README:
#   make course   set up (a virtual environment in .venv) and open the course in JupyterLab
#   make test     set up and run every test: unit tests, doctests, notebooks (nbval), browser tests
# and, while editing:
#   make test-fast  unit tests and doctests without notebooks, browser and `slow` tests
#   make lint       ruff (configured in pyproject.toml) on the package, tests, scripts, notebooks
PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
PY      := $(BIN)/python
DOCTEST := --doctest-modules microgpt
NBVAL   := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:python

.PHONY: setup data course lint test test-fast test-unit test-notebooks test-browser bench clean

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

lint: setup
	$(BIN)/ruff check .

test: setup data
	$(PY) -m pytest tests
	$(PY) -m pytest $(DOCTEST)
	$(PY) -m pytest notebooks $(NBVAL) -n 2 --dist loadfile

test-fast: setup data
	$(PY) -m pytest tests -m "not browser and not slow"
	$(PY) -m pytest $(DOCTEST)

test-unit: setup data
	$(PY) -m pytest tests -m "not browser"
	$(PY) -m pytest $(DOCTEST)

test-notebooks: setup data
	$(PY) -m pytest notebooks $(NBVAL) -n 2 --dist loadfile

test-browser: setup data
	$(PY) -m pytest tests -m browser

bench: setup data
	$(PY) benchmarks/bench_train.py

clean:
	rm -rf $(VENV) .pytest_cache tests/output

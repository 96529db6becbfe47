# The two commands of the README:
#   make course   set up (a virtual environment in .venv) and open the course in JupyterLab
#   make test     set up and run every test: unit tests, doctests, notebooks (nbval), browser tests
# and, while editing:
#   make test-fast  unit tests and doctests without notebooks, browser and `slow` tests
#   make lint       ruff (configured in pyproject.toml) on the package, tests, scripts, notebooks
# and, for a classroom (classroom/README.md):
#   make proxy      configurable-http-proxy from npm into .cache/chp/ (the hub's proxy; the
#                   classroom tests need it)
#   make hub        JupyterHub for a class on this machine (set MICROGPT_HUB_PASSWORD first)
#   make bench-classroom  10 learners on a real hub (LEARNERS=30 for a class of 30)
PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
PY      := $(BIN)/python
DOCTEST := --doctest-modules microgpt
CHP     := .cache/chp/node_modules/.bin/configurable-http-proxy
LEARNERS ?= 10
NBVAL   := --nbval --nbval-current-env --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:python

.PHONY: setup data course lint test test-fast test-unit test-notebooks test-browser bench clean proxy hub bench-classroom site

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[course,dev]"
	touch $@

data: setup
	$(PY) -m microgpt.data

# jupyter/overrides.json: the course's JupyterLab defaults (no news pop-up over the notebook);
# --allow-root only when run as root (containers, some classrooms), where Jupyter refuses without it
course: setup data
	$(BIN)/jupyter lab --LabApp.app_settings_dir="$(CURDIR)/jupyter" \
		$(if $(filter 0,$(shell id -u)),--allow-root) notebooks/00_start_here.ipynb

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

# the course as a static JupyterLite site in site/ (scripts/build_site.py; npm for Pyodide's core)
# (its build tools, the `site` extra, come with `dev`)
site: setup data
	$(PY) scripts/build_site.py --output site

proxy: $(CHP)

$(CHP):
	npm install --prefix .cache/chp --no-audit --no-fund --loglevel=error configurable-http-proxy@5

hub: setup data proxy
	$(BIN)/jupyterhub -f classroom/jupyterhub_config.py

bench-classroom: setup data proxy
	$(PY) benchmarks/bench_classroom.py --learners $(LEARNERS)

clean:
	rm -rf $(VENV) .pytest_cache tests/output

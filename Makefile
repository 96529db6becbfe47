# The two commands of the README:
#   make course   set up (a virtual environment in .venv) and open the course in JupyterLab
#   make test     set up and run every test: unit tests, doctests, notebooks (nbval), browser tests
#                 (every stage runs; a summary at the end says what failed and what was skipped)
# and, while editing:
#   make test-fast  unit tests and doctests without notebooks, browser and `slow` tests
#   make lint       ruff (configured in pyproject.toml) on the package, tests, scripts, notebooks
# and, for a classroom (classroom/README.md):
#   make proxy      configurable-http-proxy from npm into .cache/chp/ (the hub's proxy; the
#                   classroom tests need it)
#   make classroom-env  the classroom's own environment in /opt/microgpt-classroom (root's,
#                   outside any home folder, so every learner's Unix user can run it)
#   make hub        JupyterHub for a class on this machine, as root (classroom/README.md)
#   make bench-classroom  10 learners on a real hub (LEARNERS=30 for a class of 30)
PYTHON  ?= python3
VENV    ?= .venv
BIN     := $(VENV)/bin
PY      := $(BIN)/python
DOCTEST := --doctest-modules microgpt
CHP     := .cache/chp/node_modules/.bin/configurable-http-proxy
LEARNERS ?= 10
CLASS_ENV ?= /opt/microgpt-classroom
CLASS_PYTHON ?= /usr/bin/python3

.PHONY: setup data course lint test test-fast test-unit test-notebooks test-browser bench clean proxy classroom-env hub bench-classroom site

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[course,dev]"
	touch $@

data: setup
	$(PY) -m microgpt.data

# jupyter/overrides.json: the course's JupyterLab defaults (no news pop-up over the notebook;
# closing a notebook shuts its kernel down); jupyter/jupyter_server_config.json (read through
# JUPYTER_CONFIG_PATH): a kernel left idle with no notebook open stops after 20 minutes.
# default_url: the browser, and every link JupyterLab prints, open chapter 00 (not the Launcher).
# --allow-root only when run as root (containers, some classrooms), where Jupyter refuses without it
CHAPTER0 := /lab/tree/notebooks/00_start_here.ipynb
course: setup data
	@echo "make course: if no browser opens, open the link below that ends in" \
		"$(CHAPTER0)?token=...; Ctrl-C twice stops JupyterLab"
	JUPYTER_CONFIG_PATH="$(CURDIR)/jupyter" $(BIN)/jupyter lab \
		--LabApp.app_settings_dir="$(CURDIR)/jupyter" --LabApp.default_url=$(CHAPTER0) \
		$(if $(filter 0,$(shell id -u)),--allow-root)

lint: setup
	$(BIN)/ruff check .

# tests/stages.py runs the three stages (pytest tests, the doctests, nbval on the chapters as
# committed: tests/committed.py), each even if one before failed, and ends with a summary
# (what failed, what was skipped and why); the hub's proxy first, for the classroom tests
test: setup data
	@$(MAKE) --no-print-directory proxy || echo "make test: could not install the hub's proxy \
	(needs npm and its registry): the classroom tests will skip; \`make proxy\` enables them"
	$(PY) tests/stages.py tests doctests notebooks

test-fast: setup data
	$(PY) -m pytest tests -m "not browser and not slow"
	$(PY) -m pytest $(DOCTEST)

test-unit: setup data
	$(PY) -m pytest tests -m "not browser"
	$(PY) -m pytest $(DOCTEST)

test-notebooks: setup data
	$(PY) tests/stages.py notebooks

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

# the classroom's environment: a Python outside root's home (learners' Unix users run it)
classroom-env: $(CLASS_ENV)/.installed

$(CLASS_ENV)/.installed: pyproject.toml
	$(CLASS_PYTHON) -m venv $(CLASS_ENV)
	$(CLASS_ENV)/bin/python -m pip install --quiet --upgrade pip
	$(CLASS_ENV)/bin/python -m pip install --quiet ".[course,classroom]"
	touch $@

hub: data proxy classroom-env
	$(CLASS_ENV)/bin/jupyterhub -f classroom/jupyterhub_config.py

bench-classroom: setup data proxy classroom-env
	$(PY) benchmarks/bench_classroom.py --learners $(LEARNERS)

clean:
	rm -rf $(VENV) .pytest_cache tests/output

# One command each to run, test, lint and benchmark the dashboard. The first run creates .venv and installs.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run test lint styles bench bench-smoke bench-report mutation clean

run: $(VENV)/.installed
	$(PY) main.py

test: $(VENV)/.installed
	$(PY) -m pytest -q --durations=25

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy

# The pages' Tailwind stylesheet, aod_ui/static/styles.css, built from the class names in aod_ui (needs Node.js and
# npm; commit the result: running the dashboard needs neither)
styles: $(VENV)/.installed
	$(PY) -m tools.styles

bench: $(VENV)/.installed
	$(PY) -m bench

bench-smoke: $(VENV)/.installed
	$(PY) -m bench --quick --soak 0.3 --out /tmp/aod-ui-bench-quick

bench-report: $(VENV)/.installed
	$(PY) -m bench.report

# Mutation testing of the core, one module at a time (slow: see docs/testing.md). MODULES=path/to/module.py ... to
# measure some; the report in docs/testing.md is rewritten from the results either way.
mutation: $(VENV)/.installed
	$(PY) tools/mutation.py run $(MODULES)

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Python 3.11 or newer is needed (found: $$($(PYTHON) --version))."; exit 1; }
	@$(PYTHON) -m venv $(VENV) || \
		{ echo "Could not create a virtualenv. On Debian/Ubuntu: sudo apt-get install python3-venv"; exit 1; }
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[test]'
	@touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache screenshots .mutation

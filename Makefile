# Greenslot: `make demo` serves the demo city, `make test` runs every test.
# Both create .venv with the pinned dependencies on first use; only Python >= 3.11 is needed.

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
HOST ?= 127.0.0.1

.PHONY: setup demo test test-shifted lint serve clean-db

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.lock
	touch $@

setup: $(VENV)/.installed

demo: setup
	$(PY) manage.py migrate --noinput
	PORT=$(PORT) $(PY) manage.py load_demo_city
	$(PY) manage.py widget_demo_key
	$(PY) manage.py collectstatic --noinput --verbosity 0
	@echo ""
	@echo "  Shopper page   http://$(HOST):$(PORT)/"
	@echo "  Widget demo    http://$(HOST):$(PORT)/widget/demo/"
	@echo "  Admin          http://$(HOST):$(PORT)/admin/   (login: admin / greenslot-demo)"
	@echo "  API docs       http://$(HOST):$(PORT)/api/docs/"
	@echo "  Route plans    http://$(HOST):$(PORT)/staff/plans/   (staff)"
	@echo "  Dashboards     http://$(HOST):$(PORT)/staff/dashboards/   (staff)"
	@echo ""
	$(PY) manage.py runserver $(HOST):$(PORT)

# The fault tests stop and restart PostgreSQL and kill servers; they run in their own pytest
# process, after everything else, so no other test shares a connection with those outages.
test: setup
	$(PY) -m pytest -m "not faults" $(PYTEST_ARGS)
	$(PY) -m pytest -m faults $(PYTEST_ARGS)

# The suite again with the machine's clock a year or more ahead (libfaketime): a test that still
# passes only because of today's date fails here. Browser and fault tests sit this run out.
SHIFT ?= +400d
test-shifted: setup
	@command -v faketime >/dev/null || { echo "test-shifted needs libfaketime (apt-get install faketime)"; exit 2; }
	faketime -f "$(SHIFT)" $(PY) -m pytest -m "not faults and not browser" -p no:cacheprovider $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

clean-db:
	rm -f greenslot.sqlite3 greenslot.sqlite3-*

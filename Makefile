# People's Grid: `make run` serves the demo city, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export PORT

.PHONY: run dev test lint format bench messages lock browser-deps clean prod-check

$(VENV)/.installed-base: requirements/base.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/base.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed-base requirements/dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	touch $@

# The demo as people meet it, served without the autoreloader (`make dev` reloads on edits).
# seed_demo puts the demo's sites on PORT, so applicants' e-mails link there; staff's e-mails
# link to WAGTAILADMIN_BASE_URL. The periodic jobs (deadline check, e-mail retries) run beside
# the server for as long as it serves, as the timers of deploy/ do in production.
run: export WAGTAILADMIN_BASE_URL ?= http://127.0.0.1:$(PORT)
run: $(VENV)/.installed-base
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo --logins
	$(PY) manage.py run_periodic_jobs & jobs=$$!; trap 'kill $$jobs 2>/dev/null' EXIT; \
	$(PY) manage.py runserver $(if $(RELOAD),,--noreload) 127.0.0.1:$(PORT)

dev: RELOAD = 1
dev: run

# On every core (pytest-xdist); TEST_WORKERS=0 runs the suite in this one process.
TEST_WORKERS ?= auto
test: $(VENV)/.installed-dev browser-deps
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

browser-deps:
	@.ci/browser-deps

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The production recipe (docs/deploy.md) end to end on this machine: a fresh PostgreSQL
# database, a Redis of its own, two gunicorn servers and a task worker; see deploy/prod_check.py.
prod-check: $(VENV)/.installed-base
	$(PY) deploy/prod_check.py

bench: $(VENV)/.installed-dev
	$(PY) -m bench $(BENCH_ARGS)

# Regenerate the translation catalogues after changing user-facing strings, then translate
# the new entries in */locale/zh_Hans/LC_MESSAGES/django.po.
messages: $(VENV)/.installed-dev
	for app in grid sms forms workflows open311 pages daily returns dashboards demo; do \
		(cd $$app && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete); done
	cd site && ../$(PY) ../manage.py makemessages -l zh_Hans --no-obsolete
	$(PY) manage.py compilemessages --ignore=.venv

# Recompile the pinned requirements from requirements/*.in (needs pip-tools).
lock:
	cd requirements && pip-compile --strip-extras --no-emit-index-url --no-emit-find-links base.in -o base.txt
	cd requirements && pip-compile --strip-extras --no-emit-index-url --no-emit-find-links dev.in -o dev.txt

clean:
	rm -rf $(VENV) var static_collected

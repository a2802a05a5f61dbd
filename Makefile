# The two commands: `make run` (embedded demo on http://127.0.0.1:8000) and `make test`.
# Everything they need is installed from this repository's files.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000

# A Python >= 3.12 interpreter: the one pyenv selects from .python-version, else python3.13,
# python3.12, python3. scripts/find_python.sh explains what to install when none fits.
PYTHON ?= $(shell scripts/find_python.sh)

.PHONY: run test venv dev-venv messages migrate demo lint format check-deploy clean help

help:
	@echo "make run   - install, migrate, load the demo and serve on http://$(HOST):$(PORT)"
	@echo "make test  - install the test dependencies and run the whole suite"

$(VENV)/.runtime-installed: requirements.txt
	@test -n "$(PYTHON)" || { scripts/find_python.sh >/dev/null; exit 1; }
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	@touch $@

$(VENV)/.dev-installed: $(VENV)/.runtime-installed requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $@

venv: $(VENV)/.runtime-installed
dev-venv: $(VENV)/.dev-installed

messages: venv
	@command -v msgfmt >/dev/null || { echo "msgfmt not found: install GNU gettext (Debian: apt-get install gettext)"; exit 1; }
	DJANGO_DEBUG=1 $(PY) manage.py compilemessages --ignore=.venv -v0

migrate: messages
	DJANGO_DEBUG=1 $(PY) manage.py migrate --noinput -v0

demo: migrate
	DJANGO_DEBUG=1 $(PY) manage.py load_demo
	@# No beat runs in the embedded profile: seal what the demo load recorded, once.
	DJANGO_DEBUG=1 $(PY) manage.py seal_audit

run: demo
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	DJANGO_DEBUG=1 $(PY) manage.py runserver $(HOST):$(PORT) --noreload

test: dev-venv messages
	$(PY) -m pytest $(PYTEST_ARGS)

lint: dev-venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: dev-venv
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-deploy: venv
	scripts/check_deploy.sh

clean:
	rm -rf $(VENV) var/staticfiles .pytest_cache

# ServicePact — `make demo` runs the product with demo data, `make test` runs every check.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
SP := $(BIN)/servicepact
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint typecheck imports pytest test-browser test-postgres test-api-fuzz bench clean messages gettext

# The .mo files are built from the committed .po catalogues (Babel; no gettext needed).
PO := $(wildcard src/servicepact/locale/*/LC_MESSAGES/django.po)
MO := $(PO:.po=.mo)

install: $(STAMP) $(MO)

%.mo: %.po $(STAMP)
	$(BIN)/python -m servicepact.core.catalogue compile --if-stale

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "$(PYTHON) not found; set PYTHON=/path/to/python3.11+"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

var:
	mkdir -p var

demo: install var
	DEBUG=1 $(SP) migrate --noinput
	DEBUG=1 $(SP) seed-demo
	@echo ""
	@echo "ServicePact demo: http://$(HOST):$(PORT)/   (Ctrl-C to stop; the worker stops with it)"
	@# The worker (SLA alerts, notifications, month close) runs beside the server and is
	@# stopped when the server exits, however it exits.
	DEBUG=1 $(SP) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	DEBUG=1 $(SP) runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

# The whole package, strict, with the django-stubs and pydantic plugins (pyproject [tool.mypy]).
# The plugin loads the settings, which need a key: the development one (nothing runs).
typecheck: export SERVICEPACT_INSECURE_DEV_KEY ?= 1
typecheck: install
	$(BIN)/mypy --strict src/servicepact

imports: install
	$(BIN)/lint-imports

# makemessages and the catalogue test (docs/i18n.md) need xgettext: installed when missing
# and we may (root, apt-get), else a clear message.
gettext:
	@command -v xgettext >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq gettext >/dev/null; \
	  else echo "xgettext not found: install GNU gettext (apt-get install gettext)"; exit 1; fi; }

# The browser tests run in CI (.ci/run) and with `make test-browser`; `make test` runs the rest.
test: lint typecheck imports gettext
	$(BIN)/pytest -q -m "not browser"

test-browser: install node_modules/axe-core/axe.min.js
	$(BIN)/pytest -q -m browser

# axe-core for the accessibility browser test (package.json / package-lock.json).
node_modules/axe-core/axe.min.js: package-lock.json
	npm ci --no-audit --no-fund
	touch $@

test-postgres: install
	DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test} $(BIN)/pytest -q -m "not browser"

# Schemathesis against /api/v1/openapi.json, as staff and as a contact (docs/api.md).
test-api-fuzz: install
	SERVICEPACT_FUZZ=1 $(BIN)/pytest -q -m schemathesis tests/api_fuzz

# Benchmarks run without DEBUG (like production) on the development key (the scripts also default it).
bench: export SERVICEPACT_INSECURE_DEV_KEY ?= 1
bench: install
	$(BIN)/python bench/sla_engine.py --quick
	@for b in bench/*.py; do [ "$$b" = bench/sla_engine.py ] || $(BIN)/python $$b --quick; done

messages: install gettext
	cd src/servicepact && DEBUG=1 ../../$(SP) makemessages -l zh_Hans --ignore "*/tests/*"
	$(BIN)/python -m servicepact.core.catalogue compile

clean:
	rm -rf $(VENV) var artifacts .pytest_cache .mypy_cache .ruff_cache

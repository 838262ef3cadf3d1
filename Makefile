# Weizheng: the two set-up commands are `make demo` and `make test` (see README.md).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
MOCK_PORT ?= 8001

.PHONY: install migrate demo test test-sqlite test-postgres lint format bench messages clean

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Weizheng needs Python 3.11 or newer"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

migrate: install
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compilemessages --ignore=.venv --verbosity 0 || true

demo: migrate
	PORT=$(PORT) MOCK_PORT=$(MOCK_PORT) $(PY) manage.py demo_load
	PORT=$(PORT) MOCK_PORT=$(MOCK_PORT) bash scripts/demo.sh

test: install
	bash scripts/test.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

bench: install
	bash scripts/bench.sh

# Refresh the catalogues; Chinese for new strings comes from weizheng/<app>/i18n/zh_Hans.po.
messages: install
	$(PY) scripts/merge_translations.py

clean:
	rm -rf var/test-*.sqlite3* .pytest_cache

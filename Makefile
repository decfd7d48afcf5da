# The two commands of the README: `make run` and `make test`. Each bootstraps itself:
# virtual environment, Python packages, system packages, translations, database, course.

SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
COURSE := $(VENV)/bin/course
PYTHON ?= python3
PORT ?= 8000
export PORT

# What WeasyPrint and the certificates need (Pango, HarfBuzz's subsetter, a CJK font, poppler).
RUN_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-noto-cjk poppler-utils
# What the test suite adds: a browser, QR decoding, PostgreSQL for the second CI stage, load tools,
# and Redis and nginx for the cluster stage (started on loopback by the tests, never as services).
TEST_PACKAGES := chromium zbar-tools postgresql wrk redis-server nginx

.PHONY: run test setup test-setup system-run system-test python translations node db content demo serve clean

run: setup db content demo
	@$(COURSE) serve --port $(PORT)

test: test-setup
	@$(PY) -m pytest $(PYTEST_ARGS)

setup: system-run python translations

test-setup: setup system-test node

system-run:
	@bash .ci/system-packages $(RUN_PACKAGES)

system-test:
	@bash .ci/system-packages $(TEST_PACKAGES)

python: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c "import ensurepip, venv" 2>/dev/null || bash .ci/system-packages python3-venv
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

# Catalogues are kept as translations/zh_CN and translations/en; Babel looks Chinese up under its
# canonical name zh_Hans_CN, so the zh_CN catalogue is compiled to that folder as well.
translations: python
	@$(VENV)/bin/pybabel -q compile -d course/translations -D messages
	@mkdir -p course/translations/zh_Hans_CN/LC_MESSAGES
	@$(VENV)/bin/pybabel -q compile -D messages -l zh_Hans_CN \
	  -i course/translations/zh_CN/LC_MESSAGES/messages.po \
	  -o course/translations/zh_Hans_CN/LC_MESSAGES/messages.mo

node: node_modules/axe-core/axe.min.js

node_modules/axe-core/axe.min.js: package.json package-lock.json
	@command -v npm >/dev/null || bash .ci/system-packages npm
	@npm ci --no-audit --no-fund --silent
	@touch $@

db: setup
	@$(VENV)/bin/flask --app course db upgrade

content: db
	@for folder in content/*/; do [ -f "$$folder/course.yaml" ] && $(COURSE) content import "$$folder"; done; true

demo: db
	@$(COURSE) demo
	@for folder in content/*/; do [ -f "$$folder/course.yaml" ] && \
	  $(COURSE) authoring add-instructor "$$(basename $$folder)" instructor@demo.example.com >/dev/null 2>&1; done; true

clean:
	rm -rf $(VENV) node_modules

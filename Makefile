# The two quickstart commands are `make run` and `make test`; both set up first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: setup run report test lint format browser docs clean spark-setup spark-up spark-down

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $@

## Build the warehouse from the bundled sample (or SEGMENTS_RAW_DIR) and render the report.
run: setup
	$(BIN)/customer-segments run

report: setup
	$(BIN)/customer-segments report

## Lint, then every test (unit, real dbt builds, the report in headless Chromium).
test: setup browser lint
	$(BIN)/pytest

lint: setup
	$(BIN)/ruff check python tests benchmarks
	$(BIN)/ruff format --check python tests benchmarks

format: setup
	$(BIN)/ruff check --fix python tests benchmarks
	$(BIN)/ruff format python tests benchmarks

## Debian's Chromium for the browser tests (Playwright cannot download a browser here).
browser:
	@test -x /usr/bin/chromium || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else \
	    echo "Install Chromium at /usr/bin/chromium (Debian: sudo apt-get install chromium) for the browser tests."; \
	  fi; }

## Apache Spark (README "Run on Spark"): the extra, and a local standalone cluster
## (master and one worker on 127.0.0.1; needs Java 17).
spark-setup: setup
	$(BIN)/python -m pip install --quiet -e ".[test,spark]"

spark-up: setup
	PYTHON=$(BIN)/python scripts/spark-cluster.sh start

spark-down:
	scripts/spark-cluster.sh stop

docs: setup
	$(BIN)/dbt docs generate

clean:
	rm -rf target logs reports/*.html warehouse.duckdb spark-warehouse spark-metastore

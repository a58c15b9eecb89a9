# The README's commands. Only Python 3.11, make and git are needed: uv is installed
# into .tools/ from PyPI, then the environment in .venv/ comes from uv.lock.
SHELL := /bin/bash
PYTHON ?= python3.11
UV_VERSION := 0.13.9
TOOLS := .tools
UV := $(TOOLS)/bin/uv
VENV := .venv
BIN := $(VENV)/bin
LANDING ?= data/landing
WAREHOUSE ?= $(CURDIR)/warehouse/usage_billing.duckdb
# The sample ends on 2026-10-31: a fixed as-of after it makes the demo repeatable.
DEMO_AS_OF ?= 2026-11-03T00:00:00Z
DAGSTER_HOME ?= $(CURDIR)/.dagster_home
# pytest-xdist workers, one per core; a test file's tests share a worker (and its
# module fixtures, which run the pipeline once for many tests)
TEST_WORKERS ?= auto
export DO_NOT_TRACK := 1
export GX_ANALYTICS_ENABLED := false
export USAGE_BILLING_WAREHOUSE := $(WAREHOUSE)
export USAGE_BILLING_LANDING_DIR := $(abspath $(LANDING))

.PHONY: env demo test test-spark ui lint docs bench bench-generate clean

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"

$(VENV)/.synced: $(UV) uv.lock pyproject.toml
	$(UV) sync --frozen --python $(PYTHON)
	touch $@

env: $(VENV)/.synced

demo: env
	@# the sample is deterministic: generate it once, re-runs reuse the same bytes
	test -f $(LANDING)/_generator_summary.json || $(BIN)/usage-billing generate --out $(LANDING) --overwrite
	$(BIN)/usage-billing run --landing $(LANDING) --warehouse $(WAREHOUSE) --as-of $(DEMO_AS_OF)

test: env chromium
	$(BIN)/ruff check orchestration expectations tests tests_spark benchmarks
	$(BIN)/ruff format --check orchestration expectations tests tests_spark benchmarks
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile --no-loadscope-reorder --durations=25

# The Spark target (issue 8): dbt-spark and local pyspark in their own environment
# (.venv-spark, from the lock's `spark` group): every model built twice (two runs) on
# DuckDB and on Spark from one ingested sample and compared row by row, then the dbt
# tests on Spark (tests_spark/, about 30 minutes). Needs Java 17.
SPARK_BIN := .venv-spark/bin
test-spark: $(UV)
	UV_PROJECT_ENVIRONMENT=.venv-spark $(UV) sync --frozen --python $(PYTHON) --group spark
	$(SPARK_BIN)/python -m pytest tests_spark -p no:cacheprovider

# The browser tests (tests/browser.py) drive Debian's headless Chromium: install it when
# missing, if apt-get is there and we are root; otherwise those tests skip, saying why.
chromium:
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || { \
	  if command -v apt-get >/dev/null && [ "$$(id -u)" = 0 ]; then \
	    DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver \
	      || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver; }; \
	  else echo "WARNING: chromium is missing and cannot be installed here: browser tests will skip"; fi; }

lint: env
	$(BIN)/ruff check orchestration expectations tests tests_spark benchmarks
	$(BIN)/python -m pytest tests/test_sql_lint.py

$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp orchestration/dagster.yaml $@

ui: env $(DAGSTER_HOME)/dagster.yaml
	DAGSTER_HOME=$(DAGSTER_HOME) $(BIN)/dagster dev -m orchestration.definitions -h 127.0.0.1 -p 3000

docs: env
	$(BIN)/dbt docs generate --profiles-dir . --static

# The pipeline benchmark (issue 8): 10M events is the CI size; BENCH_EVENTS=100000000 on request.
BENCH_EVENTS ?= 10000000
BENCH_DAYS ?= 90
bench: env
	nice -n 10 $(BIN)/usage-billing bench --events $(BENCH_EVENTS) --days $(BENCH_DAYS)

bench-generate: env
	$(BIN)/python benchmarks/bench_generate.py --out /tmp/usage-billing-bench --events-per-day 10

clean:
	rm -rf target logs .dagster_home warehouse

# The finance and growth dashboard on the published copy of $(WAREHOUSE)
# (<its folder>/published/<its file name>, written by every run after its checks pass).
.PHONY: dashboard
dashboard: env
	$(BIN)/streamlit run dashboard/app.py --server.address 127.0.0.1 --server.port 8501 \
		--server.headless true --browser.gatherUsageStats false --client.toolbarMode viewer \
		-- --warehouse $(WAREHOUSE)

# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install run test lint format migrate db-status clean bench fuzz restore-drill

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (set PYTHON=/path/to/python3.11)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: embedded PostgreSQL unless DATABASE_URL is set, migrate, demo data, serve
## (and the Telegram bot by polling when TELEGRAM_BOT_TOKEN is set).
run: install
	$(BIN)/python -m app migrate
	$(BIN)/python -m app seed-demo
	@if [ -n "$$TELEGRAM_BOT_TOKEN" ]; then \
		$(BIN)/python -m app bot & trap 'kill $$!' EXIT INT TERM; \
		$(BIN)/python -m app serve; \
	else \
		$(BIN)/python -m app serve; \
	fi

## bench: HTTP scenarios against B0 (/health/live) and B1 (pgbench of their SQL), with
## wrk and hey (apt-get install wrk hey); uvicorn, then Granian.
## BENCH_DATABASE_URL names the PostgreSQL server (default 127.0.0.1:5432).
bench: install
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	$(BIN)/python bench/http_baselines.py --server uvicorn
	$(BIN)/python bench/http_baselines.py --server granian

## fuzz: Schemathesis, all checks, against the real server on a scratch database of the
## PostgreSQL server named by FUZZ_DATABASE_URL (default 127.0.0.1:5432).
FUZZ_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
fuzz: install
	$(BIN)/python .ci/fuzz.py "$(FUZZ_DATABASE_URL)" --max-examples $${FUZZ_MAX_EXAMPLES:-25}

## restore-drill: dump a scratch database with a known encrypted row, restore it into
## another, check db-status and read the row back with the keyring (docs/operations.md,
## "Back up and restore"); RESTORE_DRILL_DATABASE_URL names the server (default
## 127.0.0.1:5432), PG_BIN the directory of pg_dump/pg_restore if not those on PATH.
RESTORE_DRILL_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/postgres
restore-drill: install
	$(BIN)/python scripts/restore_drill.py "$(RESTORE_DRILL_DATABASE_URL)"

## lint: ruff, mypy --strict, squawk (migrations), hadolint (Containerfile).
## Each linter runs even when an earlier one fails; the last line counts them.
LINTERS := "ruff check ." "ruff format --check ." "mypy app" \
	"squawk --reporter gcc migrations/*.sql" "hadolint Containerfile"
lint: install
	@passed=0; failed=0; \
	for linter in $(LINTERS); do \
		echo "$$ $$linter"; \
		if $(BIN)/$$linter; then passed=$$((passed + 1)); else failed=$$((failed + 1)); fi; \
	done; \
	echo "lint: $$passed passed, $$failed failed"; \
	test $$failed -eq 0

## test: lint, then the whole suite with coverage against real PostgreSQL
## (embedded by default, or the server in TEST_DATABASE_URL).
## TEST_WORKERS: pytest-xdist processes (each with its own template database). The suite
## mostly waits on servers and subprocesses, so more workers than cores still pays.
TEST_WORKERS ?= 4
test: lint
	$(BIN)/pytest -n $(TEST_WORKERS) --cov --cov-report=term

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: install
	$(BIN)/python -m app migrate

db-status: install
	$(BIN)/python -m app db-status

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage

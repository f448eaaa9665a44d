# The two commands a newcomer needs: `make run` and `make test` (see README.md).
PYTHON ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install lock pin-base-image run test lint format migrate db-status clean bench fuzz \
	restore-drill eval

PIP := $(BIN)/python -m pip --disable-pip-version-check

## install: the locked versions (requirements/dev.txt, hashes checked), then the project
## itself, editable, built offline by the locked setuptools. pip installs the locked uv
## (its hashes taken from the lock), and uv installs the rest: the same hashes checked,
## ten times faster than pip.
$(STAMP): pyproject.toml requirements/dev.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "Python 3.11 is required (set PYTHON=/path/to/python3.11)")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	awk '/^uv==/{p=1;print;next} p&&/^ /{print;next} {p=0}' requirements/dev.txt > $(VENV)/uv-lock.txt
	$(PIP) install --quiet --require-hashes -r $(VENV)/uv-lock.txt
	$(BIN)/uv pip install --quiet --require-hashes --python $(BIN)/python -r requirements/dev.txt
	$(PIP) install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

install: $(STAMP)

## lock: regenerate requirements/*.txt from pyproject.toml with uv (hashes, every
## platform, Python 3.11, PyPI only); versions already locked stay unless UPGRADE=1
## (or UPGRADE_PACKAGE=name to move one). docs/operations.md, "Dependencies and the lock files".
UV_COMPILE = $(BIN)/uv pip compile --quiet --no-config --index-url https://pypi.org/simple \
	--generate-hashes --python-version 3.11 --universal --custom-compile-command "make lock" \
	$(if $(UPGRADE),--upgrade) $(if $(UPGRADE_PACKAGE),--upgrade-package $(UPGRADE_PACKAGE))
lock: install
	$(UV_COMPILE) pyproject.toml --extra dev --extra embedded -o requirements/dev.txt
	$(UV_COMPILE) pyproject.toml --extra redis --extra otel --extra assistants -c requirements/dev.txt -o requirements/runtime.txt
	$(UV_COMPILE) pyproject.toml --extra bench -c requirements/dev.txt -o requirements/bench.txt
	$(BIN)/python -c 'import tomllib; print(*tomllib.load(open("pyproject.toml", "rb"))["build-system"]["requires"], sep="\n")' \
		| $(UV_COMPILE) - -c requirements/dev.txt -o requirements/build.txt

## pin-base-image: rewrite the Containerfile's PYTHON_IMAGE with the digest the registry
## serves now (needs docker buildx, skopeo or crane and a reachable registry).
pin-base-image:
	scripts/pin-base-image Containerfile

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

## eval: the assistants' Russian golden set against the model the environment names
## (LLM_PROVIDER=openai, LLM_BASE_URL, LLM_API_KEY(_FILE), LLM_MODEL); not part of CI.
## EVAL_ARGS, e.g. "--only concierge --json eval.json".
eval: install
	$(BIN)/python scripts/eval_assistants.py $(EVAL_ARGS)

## bench: every issue-23 measurement in one command (docs/performance.md): the resident
## memory of the api, worker and bot processes (bench/memory.py); HTTP scenarios against
## B0 (/health/live) and B1 (pgbench of their SQL) with wrk and hey (apt-get install wrk
## hey), uvicorn then Granian, with uvicorn also S1 and S2 against the Django + DRF peer
## in bench/peers (our content memory off); one API process against two
## (bench/processes.py); each request path's cost as the data grows (bench/volume.py).
## BENCH_ARGS=--quick: short runs, the volumes 10x and 100x only (under five minutes).
## BENCH_DATABASE_URL names the PostgreSQL server (default 127.0.0.1:5432).
bench: install
	$(PIP) install --quiet --require-hashes -r requirements/bench.txt
	$(BIN)/python bench/memory.py
	$(BIN)/python bench/http_baselines.py --server uvicorn --peers $(BENCH_ARGS)
	$(BIN)/python bench/http_baselines.py --server granian $(BENCH_ARGS)
	$(BIN)/python bench/processes.py $(BENCH_ARGS)
	$(BIN)/python bench/volume.py $(BENCH_ARGS)

## bench-volume: each request path's plans (fails on a Seq Scan over a table of more
## than 10,000 rows) and p50/p99 at 10x, 100x and 1000x the demo (bench/volume.py);
## VOLUME_ARGS=--quick for 10x and 100x only.
.PHONY: bench-volume
bench-volume: install
	$(BIN)/python bench/volume.py $(VOLUME_ARGS)

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
## TEST_TIMEOUT: seconds the suite may take before it is interrupted (SIGINT: pytest
## prints what ran and fails), so a hung test fails the run instead of stalling it; a
## test running over 5 minutes also gets every thread's stack printed (pyproject.toml).
TEST_WORKERS ?= 4
TEST_TIMEOUT ?= 1200
test: lint
	timeout --signal=INT --kill-after=60 $(TEST_TIMEOUT) \
		$(BIN)/pytest -n $(TEST_WORKERS) --cov --cov-report=term --durations=15

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

migrate: install
	$(BIN)/python -m app migrate

db-status: install
	$(BIN)/python -m app db-status

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .coverage build *.egg-info

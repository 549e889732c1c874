# Every target installs what it needs into .venv first, so a fresh clone needs only `make demo`
# and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
# pytest-xdist workers: one more than the cores, so a core is not idle while a test waits on a
# server or a subprocess (2 cores: -n 3 finished a fresh clone ~10 s sooner than -n 2, for ~13 s
# more CPU, in two interleaved pairs); `make pytest PYTEST_WORKERS=0` runs in one process.
PYTEST_WORKERS ?= $(shell $(PYTHON) -c "import os; print((os.cpu_count() or 1) + 1)")
STAMP  := $(VENV)/.stamp-install
UV     := $(VENV)/tools/bin/uv

.PHONY: install redis demo static test test-fast pytest pytest-fast typecheck lint generate check-generated schema sandbox bench bench-record soak clean

install: $(STAMP)

# The installer is uv (from PyPI, kept inside .venv): it resolves and downloads in parallel, a
# fresh install (empty cache) took 11 s (uv itself 1.8 s, the rest 9.3 s) where pip took ~16 s (docs/design.md, "uv installs").
# --compile-bytecode: where PYTHONDONTWRITEBYTECODE is set (our CI) nothing would cache the
# compiled dependencies, and every test subprocess would compile them again. pip is installed
# too: the wheel tests use this venv's pip to install the built wheel as a user does.
$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv --without-pip $(VENV)
	@test -x $(UV) || $(PYTHON) -m pip install --quiet --disable-pip-version-check \
		--root-user-action=ignore --target $(VENV)/tools uv
	$(UV) pip install --quiet --compile-bytecode --python $(PY) -e ".[dev]" "pip>=24"
	@touch $(STAMP)

# The main job: a local Dxtra on a free port, driven through DxtraClient.
demo: $(STAMP)
	$(PY) examples/demo.py

# Regenerate generated/ from schema/ + queries/ (the only writer of generated/).
generate: $(STAMP)
	$(PY) -m dxtra_typed.codegen generate

# Regenerate into a temp folder and fail on any difference with generated/.
check-generated: $(STAMP)
	$(PY) -m dxtra_typed.codegen check

# Rewrite schema/schema.graphql from the sandbox's table model (the reconstructed schema).
schema: $(STAMP)
	$(PY) -m dxtra_typed.sandbox.schema > schema/schema.graphql

sandbox: $(STAMP)
	$(VENV)/bin/dxtra-typed sandbox

# Benchmarks (not tests): canned loopback server, interleaved contenders. Writes bench/out/
# (ignored), so the working tree stays clean; bench-record rewrites the committed bench/results.*.
bench: $(STAMP)
	$(PY) bench/run.py

bench-record: $(STAMP)
	$(PY) bench/run.py --record

# Reliability (not a test): ≤ 90 s mixed workload with injected faults, then a store audit.
soak: $(STAMP)
	$(PY) bench/soak.py --seconds 60

# The fleet token-store tests start their own redis-server on a loopback port. Debian's package
# is installed when the binary is missing and we may (CI runs as root with Debian's registry);
# otherwise say so, and those tests skip (or fail under CI=true).
redis:
	@if command -v redis-server >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "installing Debian's redis-server (for the fleet token-store tests)"; \
		apt-get -o DPkg::Lock::Timeout=300 update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
			--no-install-recommends redis-server >/dev/null; \
	else echo "note: redis-server not found; the Redis token-store tests will skip (apt-get install redis-server)"; fi

# Every test, spread over the cores (tests use free ports and their own tmp dirs).
# Bytecode for the checkout first: the tests start hundreds of Python processes (CLI, sandbox,
# user projects) that import dxtra_typed, and where PYTHONDONTWRITEBYTECODE is set (as on our
# CI) none of them would save its compiled modules, so each recompiled src/ from source.
# compileall skips what is up to date; stale .pyc files are never used (mtime check).
# The run itself may write bytecode (env -u): the test modules' rewritten bytecode and the user
# projects the tests generate are then compiled once, not in every worker and subprocess
# (a fresh clone's pytest: ~8 s less CPU, ~4 s sooner; __pycache__ is ignored by git).
pytest: $(STAMP) redis
	@$(PY) -m compileall -q -j 0 src generated
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal

# The everyday loop: every test but the `slow` and `wheel` tiers, in parallel.
pytest-fast: $(STAMP)
	env -u PYTHONDONTWRITEBYTECODE $(PY) -m pytest -n $(PYTEST_WORKERS) --dist worksteal \
		-m "not slow and not wheel"

typecheck: $(STAMP)
	$(PY) -m mypy src tests examples bench generated tools

lint: $(STAMP)
	$(PY) -m ruff check src tests examples bench tools
	$(PY) -m ruff format --check src tests examples bench tools

# The static checks (check-generated, mypy, ruff: one process, ~30 s from a cold mypy cache)
# run beside pytest: xdist's workers leave a core idle while the last slow tests finish. Their
# output is held in a temporary file and printed after pytest's; either failing fails `test`.
static: $(STAMP)
	$(MAKE) --no-print-directory check-generated
	$(MAKE) --no-print-directory typecheck
	$(MAKE) --no-print-directory lint

test: $(STAMP) redis
	@log=$$(mktemp); \
	$(MAKE) --no-print-directory static >"$$log" 2>&1 & static=$$!; \
	$(MAKE) --no-print-directory pytest; tests=$$?; \
	wait $$static; checks=$$?; \
	echo "--- make static (check-generated, typecheck, lint), run beside pytest:"; \
	cat "$$log"; rm -f "$$log"; \
	if [ $$checks -ne 0 ]; then echo "make static failed"; fi; \
	[ $$tests -eq 0 ] && [ $$checks -eq 0 ]

# The quick everyday check: the fast tiers, the types and the lint (CI runs `make test`).
test-fast: $(STAMP)
	$(MAKE) --no-print-directory pytest-fast
	$(MAKE) --no-print-directory typecheck
	$(MAKE) --no-print-directory lint

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache bench/out

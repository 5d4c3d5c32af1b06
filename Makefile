# Two commands on a fresh machine:
#   make demo   set up, then audit the bundled sample ledgers with Prefect's local mode, in the
#               demo data directory (var/demo), and make a demo user for the review app
#   make test   set up, then run the test suite
# and, after make demo, make review-demo opens the review app on the demo's findings.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
# test files run side by side on this many processes (make test TEST_WORKERS=0: in this one)
TEST_WORKERS ?= 2
STAMP := $(VENV)/.installed

.PHONY: demo review-demo test setup system-deps lint clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

# Debian packages the browser tests need (headless Chromium and CJK fonts); skipped when present.
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'Noto.*CJK'; then \
		echo "installing chromium and fonts-noto-cjk with apt-get"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk; \
	fi

demo: setup
	$(BIN)/sanzi-audit demo

review-demo: setup
	$(BIN)/sanzi-audit serve-review --demo

test: setup system-deps
	$(BIN)/python -m pytest -q -n $(TEST_WORKERS) --dist loadfile

lint: setup
	$(BIN)/ruff check .

clean:
	rm -rf var/runs var/demo .pytest_cache

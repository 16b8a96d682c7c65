# Two commands for a newcomer: `make demo` (the offline tour) and `make test` (the whole suite,
# starting every server it needs).  Everything installs into .venv from the lock of tested versions.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The suite runs on pytest-xdist workers (its CLI runs and servers mostly wait on I/O); `soak` and
# `fuzz` tests are the long runs `make soak` and `make fuzz` are for.
PYTEST_WORKERS ?= 2
FAST := -n $(PYTEST_WORKERS)

.PHONY: install demo test soak lint typecheck lock clean eval-detection

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/citewatch demo

test: $(STAMP)
	tools/ensure-chromium.sh
	tools/with-postgres.sh $(BIN)/python -m pytest $(FAST)

soak: $(STAMP)
	tools/with-postgres.sh $(BIN)/python -m pytest -m soak

lint: $(STAMP)
	$(BIN)/ruff check citewatch crawler archive scheduler tests
	$(BIN)/ruff format --check citewatch crawler archive scheduler tests

typecheck: $(STAMP)
	$(BIN)/mypy

# Change detection on the real-world page set (real pages from PyPI sdists, cached on first use):
# recall per edit kind, false alerts, CPU per judged pair; fails under 95 % recall or on any false alert.
eval-detection: $(STAMP)
	$(BIN)/python benchmarks/eval_detection.py

# Re-pin after changing dependencies in pyproject.toml (then run `make test`).
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock

clean:
	rm -rf $(VENV) citewatch-data .pytest_cache .mypy_cache .ruff_cache

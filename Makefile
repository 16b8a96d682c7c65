# Two commands for a newcomer: `make demo` (the offline tour) and `make test` (the whole suite,
# starting every server it needs).  Everything installs into .venv from the lock of tested versions.
#
# Browser captures (issue 10) record through warcprox, which runs as a sidecar process from its own
# venv, .venv-warcprox, pinned by requirements-warcprox.lock (warcprox==2.13.1 and the exact pins of a
# fresh venv's `pip freeze`).  It cannot live in .venv: warcprox pins cryptography<46, and the
# pyOpenSSL that Scrapy uses needs cryptography>=49.  Every target that needs .venv builds it too
# (about 7 s); crawler/browser/recorder.py starts it and says "run make install" when it is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
WARCPROX_VENV ?= .venv-warcprox
WARCPROX_STAMP := $(WARCPROX_VENV)/.installed
# pywb, the local Memento archive the Memento-in tests recover dead sources from (and the replay
# tests replay our WARCs in): its own venv too, pinned by requirements-pywb.lock (pywb==2.9.1 and a
# fresh venv's `pip freeze`), since pywb pins redis 2.10 and an old Werkzeug/gevent.  Installing it
# takes about 32 s; tests/archive/export/pywb_server.py finds it here.
PYWB_VENV ?= .venv-pywb
PYWB_STAMP := $(PYWB_VENV)/.installed
# ReplayWeb.page, for the test that plays our WACZ exports in it (npm's package: ui.js and sw.js).
RWP_VERSION := 2.5.3
RWP_DIR := .replaywebpage
RWP_STAMP := $(RWP_DIR)/.installed-$(RWP_VERSION)

# The suite runs on pytest-xdist workers; `soak` and `fuzz` tests are the long runs `make soak` and
# `make fuzz` are for.  Four workers on two cores: its CLI runs and servers mostly wait (timeouts,
# sockets, child processes), and on 2 cores the whole suite took 5:49 with 2 workers, 4:08-4:21
# with 4, using about 1.1 cores either way.
PYTEST_WORKERS ?= 4
FAST := -n $(PYTEST_WORKERS) --maxschedchunk=1

.PHONY: install demo test soak lint typecheck lock clean eval-detection fuzz bench bench-catalog bench-catalog-pg

# Order-only: a change to requirements-warcprox.lock rebuilds only .venv-warcprox (via `install`/`test`).
$(STAMP): pyproject.toml requirements.lock | $(WARCPROX_STAMP)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c requirements.lock -e '.[test]'
	touch $(STAMP)

# --no-deps: the lock lists every package of warcprox's venv, so pip installs exactly those.
$(WARCPROX_STAMP): requirements-warcprox.lock
	rm -rf $(WARCPROX_VENV)
	$(PYTHON) -m venv $(WARCPROX_VENV)
	$(WARCPROX_VENV)/bin/python -m pip install --quiet --no-deps -r requirements-warcprox.lock
	touch $(WARCPROX_STAMP)

$(PYWB_STAMP): requirements-pywb.lock
	rm -rf $(PYWB_VENV)
	$(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet --no-deps -r requirements-pywb.lock
	touch $(PYWB_STAMP)

$(RWP_STAMP):
	rm -rf $(RWP_DIR) && mkdir -p $(RWP_DIR)
	cd $(RWP_DIR) && npm pack --silent replaywebpage@$(RWP_VERSION) >/dev/null && tar xzf replaywebpage-$(RWP_VERSION).tgz
	touch $(RWP_STAMP)

install: $(STAMP) $(WARCPROX_STAMP) $(PYWB_STAMP) $(RWP_STAMP)

demo: $(STAMP)
	$(BIN)/citewatch demo

test: $(STAMP) $(WARCPROX_STAMP) $(PYWB_STAMP) $(RWP_STAMP)
	tools/ensure-chromium.sh
	tools/with-postgres.sh $(BIN)/python -m pytest $(FAST)

soak: $(STAMP)
	tools/with-postgres.sh $(BIN)/python -m pytest -m soak -s -q

lint: $(STAMP)
	$(BIN)/ruff check citewatch crawler archive scheduler tests benchmarks
	$(BIN)/ruff format --check citewatch crawler archive scheduler tests benchmarks

typecheck: $(STAMP)
	$(BIN)/mypy

# Change detection on the real-world page set (real pages from PyPI sdists, cached on first use):
# recall per edit kind, false alerts, CPU per judged pair; fails under 95 % recall or on any false alert.
eval-detection: $(STAMP)
	$(BIN)/python benchmarks/eval_detection.py

# The crawl benchmark (issue 8; benchmarks/README.md): plain Scrapy, wget --warc-file, citewatch ingest
# and citewatch crawl --all side by side on a local site (20 loopback hosts x 50 pages of ~20 kB) at 0
# and 50 ms server latency, R = 3 interleaved repeats: about 15 minutes on 2 cores.  Prints a Markdown
# table and the issue's target checks, writes benchmarks/results/crawl_bench-*.json; fails only if a
# run failed or a WARC is invalid.  `make bench BENCH_ARGS=--quick` is a 30-second smoke run;
# `BENCH_ARGS="-r 5 --latency-ms 50"` and the other options are in `crawl_bench.py --help`.
# Then detect_cost.py: detection's CPU per capture (first, unchanged, changed page), a few seconds.
# Then scale_bench.py (issue 9): the same 1,000 pages at 50 ms crawled through Redis by one worker and
# by two (a daemon dispatching, PostgreSQL from tools/with-postgres.sh as the catalog), R = 3, about
# 5 minutes; `BENCH_ARGS=--quick` makes it a smoke run too, `SCALE_BENCH_ARGS` takes its own options.
BENCH_ARGS ?=
SCALE_BENCH_ARGS ?= $(filter --quick,$(BENCH_ARGS))

bench: $(STAMP)
	$(BIN)/python benchmarks/crawl_bench.py $(BENCH_ARGS)
	$(BIN)/python benchmarks/detect_cost.py
	tools/with-postgres.sh $(BIN)/python benchmarks/scale_bench.py $(SCALE_BENCH_ARGS)

# The catalog at 1,000,000 sources, 3,000,000 captures, 1,000,000 citations, 100,000 changes (issue 8):
# built once by plain SQL through the catalog's own migrations and cached under the temp dir (about
# 3 minutes and 2.3 GB on SQLite), then the due query, every UI page and API route, replay lookups and
# the CLI listings are timed; results go to benchmarks/results/.  A quick run: `make bench-catalog
# SCALE=0.01`.  The -pg target does the same on a throwaway PostgreSQL (built again on every run).
SCALE ?= 1
bench-catalog: $(STAMP)
	$(BIN)/python benchmarks/catalog_scale.py --scale $(SCALE)

bench-catalog-pg: $(STAMP)
	tools/with-postgres.sh $(BIN)/python benchmarks/catalog_scale.py --backend postgresql --scale $(SCALE)

# Fuzzing at length (`make test` runs each atheris target for a few seconds): the property tests
# with the "fuzz" hypothesis profile, then each atheris target for FUZZ_SECONDS, growing its corpus
# in FUZZ_DIR and saving any crashing input there. One target: `make fuzz FUZZ_TARGETS=warc_reader`.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= warc_reader replay_rewrite
FUZZ_DIR ?= .fuzz

fuzz: $(STAMP)
	HYPOTHESIS_PROFILE=fuzz $(BIN)/python -m pytest -q $$(find tests -name 'test_*properties.py' | sort)
	for target in $(FUZZ_TARGETS); do \
	  mkdir -p $(FUZZ_DIR)/$$target/corpus && \
	  $(BIN)/python -m tests.fuzz $$target $(FUZZ_DIR)/$$target/corpus tests/fuzz/corpus/$$target \
	    tests/fixtures/fuzz/$$target -max_total_time=$(FUZZ_SECONDS) -timeout=30 -max_len=65536 \
	    -print_final_stats=1 -artifact_prefix=$(FUZZ_DIR)/$$target/ || exit 1; \
	done

# Re-pin after changing dependencies in pyproject.toml (then run `make test`).
lock: $(STAMP)
	$(BIN)/python -m pip freeze --exclude-editable | grep -v '^-e ' > requirements.lock

clean:
	rm -rf $(VENV) $(WARCPROX_VENV) $(PYWB_VENV) citewatch-data .pytest_cache .mypy_cache .ruff_cache

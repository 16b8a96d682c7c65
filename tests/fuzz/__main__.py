"""Run one atheris fuzz target: ``python -m tests.fuzz TARGET [libFuzzer options] [corpus dirs]``.

The target's module is imported inside ``atheris.instrument_imports()`` so libFuzzer gets coverage
feedback from the Python code under test: only the packages that parse the input (instrumenting
everything a target pulls in, FastAPI and SQLAlchemy included, takes minutes at start-up). C
extensions (lxml, zlib, brotli) are not instrumented. This runs in its own process, so the
pytest process never loads atheris.
"""

from __future__ import annotations

import importlib
import sys

# Each target and the packages whose code decides what its input does.
TARGETS = {
    "warc_reader": ("tests.fuzz.warc_reader", "archive.warc", "warcio"),
    "replay_rewrite": ("tests.fuzz.replay_rewrite", "archive.web.replay.rewrite", "archive.text", "urllib"),
}


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.exit(f"usage: python -m tests.fuzz {{{','.join(TARGETS)}}} [libFuzzer options] [corpus dirs]")
    import atheris

    with atheris.instrument_imports(include=TARGETS[argv[1]]):
        target = importlib.import_module(f"tests.fuzz.{argv[1]}")
    atheris.Setup([argv[0], *argv[2:]], target.check)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)

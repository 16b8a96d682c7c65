"""Run one atheris fuzz target: ``python -m tests.fuzz TARGET [libFuzzer options] [corpus dirs]``.

The target's module, and everything it imports for the first time, is imported inside
``atheris.instrument_imports()`` so libFuzzer gets coverage feedback from the Python code under
test (our modules, warcio, urllib...). C extensions (lxml, zlib, brotli) are not instrumented.
This runs in its own process: instrumentation slows every later import, so the pytest process
never loads atheris.
"""

from __future__ import annotations

import importlib
import sys

TARGETS = ("warc_reader", "replay_rewrite")


def main(argv: list[str]) -> None:
    if len(argv) < 2 or argv[1] not in TARGETS:
        sys.exit(f"usage: python -m tests.fuzz {{{','.join(TARGETS)}}} [libFuzzer options] [corpus dirs]")
    import atheris

    with atheris.instrument_imports():
        target = importlib.import_module(f"tests.fuzz.{argv[1]}")
    atheris.Setup([argv[0], *argv[2:]], target.check)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv)

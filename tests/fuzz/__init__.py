"""Fuzzing: Hypothesis strategies for hostile input and coverage-guided atheris targets.

Each target module (``warc_reader``, ``replay_rewrite``) defines ``check(data: bytes)``: it feeds
the bytes to the code under test and raises only when that code breaks its contract. Run one with
``python -m tests.fuzz TARGET [libFuzzer options] [corpus dirs]`` (see ``__main__``); the pytest
suite runs each briefly from its seed corpus and replays every crash fixture in-process.

Nothing here imports the code under test at package import: atheris must see it imported first.
"""

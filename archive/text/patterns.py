"""Users' ignore patterns: regular expressions that can never hang a crawl.

A pattern such as ``(a+)+$`` backtracks exponentially on the wrong text: with Python's ``re`` one
such ignore rule stops change detection for good.  Patterns are run by the ``regex`` package,
whose matching takes a timeout, and a new rule is tried first on test texts of a megabyte each
(prose, and long runs of the characters the pattern names): one that needs more than 100 ms on
any of them is refused with a reason.  A rule stored before that check existed is still bounded
at run time: past its time limit it is skipped for that text, with a warning.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterator, Sequence

import regex

_log = logging.getLogger(__name__)

FLAGS = regex.MULTILINE | regex.V0  # V0: the semantics of Python's re, which users write for
PROBE_SECONDS = 0.1
APPLY_SECONDS = 1.0
PROBE_CHARS = 1_000_000
_PROSE = (
    "The ministry said on 3 May 2026 at 14:05 that 1,204 civilians were evacuated (see p. 12).\n"
    "Visitors today: 98311 - updated 5 minutes ago; token=9f8e7d6c5b4a3928 <b>bold</b> & more...\n"
)


class InvalidPattern(ValueError):
    """An ignore pattern that does not compile, or is too slow to run safely."""

    def __init__(self, pattern: str, reason: str) -> None:
        super().__init__(f"ignore pattern {pattern!r} {reason}")
        self.pattern = pattern
        self.reason = reason


@functools.lru_cache(maxsize=256)
def _compile(pattern: str) -> regex.Pattern[str]:
    try:
        return regex.compile(pattern, FLAGS)
    except (regex.error, ValueError, OverflowError, RecursionError) as exc:
        raise InvalidPattern(pattern, f"does not compile ({exc})") from exc


def _probes(pattern: str) -> Iterator[str]:
    yield (_PROSE * (PROBE_CHARS // len(_PROSE) + 1))[:PROBE_CHARS]
    # Long runs of one character, and a character that breaks the run at the end: the text on
    # which nested repetition ("(a+)+$", "(\w+\s?)*$") backtracks without end.
    named = {c for c in pattern if c.isalnum()} | {"a", "1", " ", "\n"}
    for char in sorted(named):
        yield char * PROBE_CHARS + "!"
    yield "a " * (PROBE_CHARS // 2) + "!"


def check_pattern(pattern: str) -> None:
    """Raise `InvalidPattern` unless ``pattern`` compiles and stays fast on every test text."""
    compiled = _compile(pattern)
    for probe in _probes(pattern):
        try:
            compiled.sub("", probe, timeout=PROBE_SECONDS)
        except TimeoutError:
            raise InvalidPattern(
                pattern,
                f"takes more than {PROBE_SECONDS * 1000:.0f} ms on a test text of {len(probe):,} characters "
                "(catastrophic backtracking: nested repetition such as (a+)+); write it without nesting",
            ) from None


def remove_matches(text: str, patterns: Sequence[str]) -> str:
    """``text`` without what ``patterns`` match (multi-line mode); a pattern that does not compile,
    or runs past its time limit on this text, is skipped with a warning."""
    for pattern in patterns:
        try:
            text = _compile(pattern).sub("", text, timeout=APPLY_SECONDS)
        except InvalidPattern as error:
            _log.warning("ignored %s", error)
        except TimeoutError:
            _log.warning(
                "ignore pattern %r ran past %.1f s on a text of %d characters and was not applied; "
                "replace it with a simpler one",
                pattern,
                APPLY_SECONDS,
                len(text),
            )
    return text

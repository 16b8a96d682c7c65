"""Main text of archived payloads, its normalisation, word diffs and quote matching.

Pure functions on ``bytes``/``str``, shared by change detection (scheduler/detect) and the
browsing UI: neither may import the crawler or the scheduler.
"""

from archive.text.diff import TextDiff, word_diff
from archive.text.extract import main_text
from archive.text.normalise import normalise
from archive.text.quotes import contains_quote

__all__ = ["TextDiff", "contains_quote", "main_text", "normalise", "word_diff"]

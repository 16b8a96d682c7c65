"""Main text of archived payloads, its normalisation, word diffs and quote matching.

Pure functions on ``bytes``/``str``, shared by change detection (scheduler/detect) and the
browsing UI: neither may import the crawler or the scheduler.

`main_text` is loaded on first use (`archive.exports`): it brings in trafilatura, lxml and pypdf,
which a command only listing the catalog must not pay for because it reaches a light submodule
such as `archive.text.patterns` or `archive.text.characters`.
"""

from typing import TYPE_CHECKING

from archive.exports import lazy_exports
from archive.text.diff import TextDiff, word_diff
from archive.text.normalise import normalise
from archive.text.quotes import contains_quote

if TYPE_CHECKING:
    from archive.text.extract import main_text

__all__ = ["TextDiff", "contains_quote", "main_text", "normalise", "word_diff"]

__getattr__, __dir__ = lazy_exports(__name__, {"main_text": "archive.text.extract"})

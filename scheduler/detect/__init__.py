"""Change detection: is a new capture of a source an edit, a deletion, a move, or only noise?

The policy lives here; the text work it relies on (main text, normalisation, diffs, quote
matching) is in :mod:`archive.text`, shared with the browsing UI.
"""

from scheduler.detect.classify import detect
from scheduler.detect.model import IgnoreRules, Observation, Verdict

__all__ = ["IgnoreRules", "Observation", "Verdict", "detect"]

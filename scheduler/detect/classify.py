"""The detection policy: what a new capture of a source means, compared with the previous one."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property

from archive.text import TextDiff, contains_quote, normalise, word_diff
from archive.text.patterns import remove_matches
from scheduler.detect.model import (
    DELETED,
    EDITED,
    LIVE,
    REDIRECTED,
    RESTORED,
    UNREACHABLE,
    IgnoreRules,
    Observation,
    Verdict,
)
from scheduler.detect.redirects import is_generic, is_home, moved, same_url
from scheduler.detect.sentences import sentences
from scheduler.detect.soft404 import like_probe, might_be_soft_404, says_not_found
from scheduler.detect.status import describe_failure, is_failure, is_gone
from scheduler.detect.volatile import NOISE_SELECTORS, mask

_QUOTE_IN_SUMMARY = 80
_MOVED_MIN_WORDS = 4


def main_text(
    payload: bytes,
    content_type: str | None,
    *,
    url: str | None,
    ignore_selectors: Sequence[str],
    furniture_selectors: Sequence[str],
) -> str:
    """`archive.text.main_text`, imported on first use: it loads trafilatura (~0.15 s of CPU), which
    a crawl whose pages are all unchanged, or first captures without a soft-404 sign, never needs."""
    from archive.text.extract import main_text as extract

    return extract(
        payload,
        content_type,
        url=url,
        ignore_selectors=ignore_selectors,
        furniture_selectors=furniture_selectors,
    )


@dataclass
class _Page:
    """The texts of one capture, each computed once and only if a rule needs it."""

    observation: Observation
    rules: IgnoreRules
    _cache: dict[str, str] = field(default_factory=dict)

    @cached_property
    def text(self) -> str:
        """Main text, normalised, with the user's patterns removed."""
        obs = self.observation
        if obs.body is None:
            return ""
        extracted = main_text(
            obs.body,
            obs.content_type,
            url=obs.final_url or obs.url,
            ignore_selectors=self.rules.selectors,
            furniture_selectors=NOISE_SELECTORS,
        )
        return normalise(remove_matches(normalise(extracted), self.rules.patterns))

    @cached_property
    def masked(self) -> str:
        """The text with its volatile fragments masked: what is compared."""
        return mask(self.text)


def page_text(observation: Observation, rules: IgnoreRules) -> str:
    """A capture's main text as detection compares it (normalised, the user's patterns removed)."""
    return _Page(observation, rules).text


def _healthy(observation: Observation) -> bool:
    return observation.status is not None and 200 <= observation.status < 300 and observation.body is not None


def _soft_404(page: _Page, probe: Observation | None, rules: IgnoreRules) -> bool:
    obs = page.observation
    if obs.body is None:
        return False
    if probe is not None and _healthy(probe) and like_probe(page.text, _Page(probe, rules).text):
        return True
    return says_not_found(obs.body, obs.content_type, page.text)


def _dead_end(target: str, probe: Observation | None) -> str | None:
    """Why a redirect target means the page is gone, or None if it is a real page."""
    if is_home(target):
        return "redirected to the site's home page"
    if is_generic(target, probe):
        return "redirected to a generic page"
    return None


def _initial_state(page: _Page, probe: Observation | None, rules: IgnoreRules) -> str:
    current = page.observation
    if is_failure(current):
        return UNREACHABLE
    if is_gone(current):
        return DELETED
    if moved(current) and _dead_end(current.final_url or current.url, probe) is not None:
        return DELETED
    if _healthy(current) and _first_needs_reading(current, probe) and _soft_404(page, probe, rules):
        return DELETED
    return LIVE


def _first_needs_reading(current: Observation, probe: Observation | None) -> bool:
    """Whether a first capture's text is worth extracting to rule out a soft 404: the site's answer
    for a missing URL is at hand to compare with, or the page itself gives a cheap sign."""
    return probe is not None or (current.body is not None and might_be_soft_404(current.body))


def first_capture_soft_404(body: bytes, content_type: str | None, url: str) -> bool:
    """Whether a source's first capture, a 200, is a soft 404 as `detect` will judge it (with no
    probe of its host yet): what the crawl asks before it looks for a memento of the page."""
    observation = Observation(
        url=url,
        status=200,
        final_url=url,
        redirects=(),
        payload_digest=None,
        content_type=content_type,
        body=body,
        error_kind=None,
    )
    return _first_needs_reading(observation, None) and _soft_404(
        _Page(observation, IgnoreRules()), None, IgnoreRules()
    )


def _vanished(quotes: Sequence[str], before: _Page | None, after: _Page | None) -> tuple[str, ...]:
    """The quotes that ``before`` contained and ``after`` no longer does."""
    if before is None or not quotes:
        return ()
    after_text = after.text if after is not None else ""
    return tuple(q for q in quotes if contains_quote(before.text, q) and not contains_quote(after_text, q))


def _deleted(previous_state: str, reason: str, removed_quotes: tuple[str, ...]) -> Verdict:
    if previous_state == DELETED:
        return Verdict(None, DELETED, f"still deleted ({reason})")
    return Verdict(DELETED, DELETED, f"deleted: {reason}", removed_quotes=removed_quotes)


def shorten_quote(quote: str) -> str:
    """A quote on one line, cut to fit a summary."""
    quote = " ".join(quote.split())
    return quote if len(quote) <= _QUOTE_IN_SUMMARY else quote[: _QUOTE_IN_SUMMARY - 1].rstrip() + "…"


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


def _edit_summary(diff: TextDiff, removed_quotes: tuple[str, ...]) -> str:
    parts: list[str] = []
    if removed_quotes:
        shown = ", ".join(f'"{shorten_quote(q)}"' for q in removed_quotes)
        label = "quoted passage" if len(removed_quotes) == 1 else f"{len(removed_quotes)} quoted passages"
        parts.append(f"{label} removed: {shown}")
    parts.append(f"{_plural(len(diff.removed), 'passage')} removed, {len(diff.added)} added")
    return "edited: " + "; ".join(parts)


def _moved_passage(passage: str, other: str) -> bool:
    """Whether a diff passage still appears, whole, in the other text: moved, not edited.

    Only passages of a few words count: "3" is in any text, and a changed number is an edit.
    """
    if len(passage.split()) < _MOVED_MIN_WORDS or passage.endswith("…"):
        return False
    return re.search(rf"(?<!\w){re.escape(passage.casefold())}(?!\w)", other.casefold()) is not None


def _content_diff(before: str, after: str) -> TextDiff | None:
    """The edit between two masked texts, or None if they differ only by order or case."""
    if before.casefold() == after.casefold():
        return None
    old_lines, new_lines = before.casefold().split("\n"), after.casefold().split("\n")
    if Counter(old_lines) == Counter(new_lines):
        return None  # lines shuffled (a "related" list, rotating teasers)
    if Counter(sentences(before.casefold())) == Counter(sentences(after.casefold())):
        return None
    diff = word_diff(before, after)
    removed = tuple(p for p in diff.removed if not _moved_passage(p, after))
    added = tuple(p for p in diff.added if not _moved_passage(p, before))
    if not removed and not added:
        return None
    return TextDiff(added=added, removed=removed, similarity=diff.similarity)


def _readable_diff(before: str, after: str, *, fallback: TextDiff) -> TextDiff:
    """The edit as the reader should see it: passages of the real text, not of the masked one
    (no ``<time>`` placeholders), minus passages that are nothing but noise (a ticking clock)."""

    decisive = [p.casefold() for p in (*fallback.removed, *fallback.added)]

    def substantive(passage: str) -> bool:
        # Masked on its own, "17:00" looks like a clock; but if the masked comparison itself
        # found it changed, it stood in a sentence ("between 10:00 and 17:00"): it is the edit.
        if any(passage.casefold() in found for found in decisive):
            return True
        return bool(re.sub(r"<[a-z]+>|\W", "", mask(passage)))

    diff = word_diff(before, after)
    removed = tuple(p for p in diff.removed if substantive(p) and not _moved_passage(p, after))
    added = tuple(p for p in diff.added if substantive(p) and not _moved_passage(p, before))
    if not removed and not added:
        return fallback
    return TextDiff(
        added=tuple(_in_context(p, after, "{+", "+}") for p in added),
        removed=tuple(_in_context(p, before, "[-", "-]") for p in removed),
        similarity=diff.similarity,
    )


CONTEXT_WORDS = 5


def _in_context(passage: str, text: str, opening: str, closing: str) -> str:
    """``passage`` with a few words on each side, marked like ``git diff --word-diff``: a reader
    of "- 101" cannot tell what changed, "operation evacuated [-101-] civilians from" can."""
    words = text.split()
    wanted = passage.rstrip("…").split()
    size = len(wanted)
    for start in range(len(words) - size + 1):
        if words[start : start + size] == wanted:
            head = words[max(0, start - CONTEXT_WORDS) : start]
            tail = words[start + size : start + size + CONTEXT_WORDS]
            lead = "… " if start > CONTEXT_WORDS else ""
            trail = " …" if start + size + CONTEXT_WORDS < len(words) else ""
            return f"{lead}{' '.join([*head, opening + passage + closing, *tail])}{trail}"
    return passage


# A browser capture's rendered main text this short, after one with text, is a blank page: the
# statement's script or API failed and the reader sees nothing (an empty app, "Loading…").
BLANK_WORDS = 3
HAD_TEXT_WORDS = 10


def _rendered_blank(current: Observation, page: _Page, before: _Page | None) -> bool:
    if current.mode != "browser" or before is None:
        return False
    return len(page.text.split()) <= BLANK_WORDS and len(before.text.split()) >= HAD_TEXT_WORDS


def detect(
    previous: Observation | None,
    current: Observation,
    *,
    previous_state: str,
    consecutive_failures: int,
    probe: Observation | None = None,
    quotes: Sequence[str] = (),
    rules: IgnoreRules = IgnoreRules(),  # noqa: B008 - frozen, so a shared default is safe
    failure_threshold: int = 3,
) -> Verdict:
    """What ``current`` means for its source, given the ``previous`` capture and state.

    ``previous`` should be the last capture that had content (a failed one gives nothing to
    compare with); ``consecutive_failures`` counts ``current`` if it failed; ``probe`` is a fetch
    of a non-existent URL of the same host in the same crawl (soft-404 and generic-redirect
    evidence); ``quotes`` are the passages the citing articles quoted from this source.
    Only changes worth a journalist's attention get a ``kind``: noise, a single failed fetch and
    repeats of an already reported state give ``kind=None``.
    """
    page = _Page(current, rules)
    if previous is None:
        if is_failure(current) and consecutive_failures < failure_threshold:
            # Never fetched yet: one failure says nothing about the source (offline, a blip).
            return Verdict(
                None, previous_state, f"fetch failed ({describe_failure(current)}), not captured yet"
            )
        return Verdict(None, _initial_state(page, probe, rules), "first capture")
    before = _Page(previous, rules) if _healthy(previous) else None

    if is_failure(current):
        reason = describe_failure(current)
        if consecutive_failures >= failure_threshold and previous_state != UNREACHABLE:
            return Verdict(
                UNREACHABLE,
                UNREACHABLE,
                f"unreachable: {consecutive_failures} failed fetches in a row ({reason})",
            )
        return Verdict(None, previous_state, f"fetch failed ({reason}), {consecutive_failures} in a row")

    gone_quotes = _vanished(quotes, before, None) if previous_state != DELETED else ()
    if is_gone(current):
        return _deleted(previous_state, f"HTTP {current.status}", gone_quotes)

    target = current.final_url or current.url
    if moved(current):
        dead_end = _dead_end(target, probe)
        if dead_end is not None:
            return _deleted(previous_state, f"{dead_end} {target}", gone_quotes)
        if not (moved(previous) and same_url(previous.final_url, target)):
            return Verdict(
                REDIRECTED,
                REDIRECTED,
                f"redirected to {target}",
                removed_quotes=_vanished(quotes, before, None),
            )

    if not _healthy(current):
        return Verdict(None, previous_state, f"no content to compare (HTTP {current.status})")
    if _soft_404(page, probe, rules):
        return _deleted(
            previous_state, "the page now says it was not found (soft 404)", _vanished(quotes, before, None)
        )
    if _rendered_blank(current, page, before):
        return _deleted(
            previous_state,
            "the page renders nothing now (blank in the browser)",
            _vanished(quotes, before, None),
        )

    if previous_state in (DELETED, UNREACHABLE) or (previous_state == REDIRECTED and not moved(current)):
        summary = f"restored: back with HTTP {current.status} after being {previous_state}"
        return Verdict(RESTORED, LIVE, summary, removed_quotes=_vanished(quotes, before, page))

    if before is None:
        return Verdict(None, previous_state, "no previous content to compare")
    if current.payload_digest is not None and current.payload_digest == previous.payload_digest:
        return Verdict(None, previous_state, "unchanged (same payload)")
    diff = _content_diff(before.masked, page.masked)
    if diff is None:
        return Verdict(None, previous_state, "unchanged text (noise only)")
    removed_quotes = _vanished(quotes, before, page)
    shown = _readable_diff(before.text, page.text, fallback=diff)
    return Verdict(
        EDITED,
        EDITED,
        _edit_summary(shown, removed_quotes),
        added=shown.added,
        removed=shown.removed,
        removed_quotes=removed_quotes,
    )

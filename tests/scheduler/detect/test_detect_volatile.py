"""mask(): volatile fragments become placeholders; content numbers, names and dates stay."""

from __future__ import annotations

import pytest

from archive.text.patterns import remove_matches
from scheduler.detect.volatile import mask


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("Last updated: 2026-11-25 14:03 UTC", "Last updated: <time>"),
        ("Page generated on 25 November 2026, 14:03. Next", "Page generated on <time>. Next"),
        ("Retrieved 3 May 2026", "Retrieved <time>"),
        ("Updated 5 minutes ago", "Updated <time>"),
        ("Updated 2 hours ago by staff", "Updated <time> by staff"),
        ("It is 12:34:56 or 3pm or 4 p.m.", "It is <time> or <time> or <time>"),
        ("1,234 views", "<count>"),
        ("13.01.2026 | 13:08 Uhr", "<time> | <time> Uhr"),
        ("Tuesday, 14 March 2023 09:41", "<time> <time>"),
        ("2023-03-14 09:41:07", "<time> <time>"),
        ("Views: 1234 - 12 comments - 3.4k shares", "<count> - <count> - <count>"),
        ("5 min read", "<count>"),
        ("id 550e8400-e29b-41d4-a716-446655440000 hash 3f2a9c1b7d8e4f60a1b2", "id <token> hash <token>"),
        ("key dGhpcyBpcyBhIHRlc3Q5OTk5OTk5OTk5OQ==", "key <token>"),
        ("/app.js?v=1764079380&x=1", "/app.js?v=<token>&x=1"),
        ("csrf_token: abc123", "csrf_token: <token>"),
        ("© 2026 Ministry", "© <time> Ministry"),
        ("Advertisement\nReal text\nSponsored", "Real text"),
    ],
)
def test_masked(text: str, masked: str) -> None:
    assert mask(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "101 civilians were killed on 3 May 2026",
        "Published 3 May 2026 by Minister Anna Jones",
        "Tuesday, 14 March 2023",
        "The ministry updated the guidance",
        "Rindfleischetikettierungsüberwachungsaufgabenübertragungsgesetz",
        "Population 40,000",
    ],
)
def test_content_is_kept(text: str) -> None:
    assert mask(text) == text


def test_user_patterns_and_invalid_ones() -> None:
    assert remove_matches("Weather: sunny\nText", (r"^Weather:.*$", "([")) == "\nText"

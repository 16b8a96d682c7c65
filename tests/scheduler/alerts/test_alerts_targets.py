"""Routing alerts to targets, masking their secrets, and the retry schedule."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from archive.catalog import ArticleRef
from scheduler.alerts import Backoff, mask, targets_for

T0 = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


def test_targets_are_global_then_tags_deduped_in_order() -> None:
    articles = [
        ArticleRef(1, "One", "one.md", ("climate", "eu")),
        ArticleRef(2, "Two", "two.md", ("eu", "untagged-desk")),
    ]
    tag_urls = {"climate": ["matrix://climate", "json://g/all"], "eu": ["mailto://eu@x.example"]}
    assert targets_for(articles, global_urls=["json://g/all", "slack://a/b/c"], tag_urls=tag_urls) == [
        "json://g/all",
        "slack://a/b/c",
        "matrix://climate",
        "mailto://eu@x.example",
    ]
    assert targets_for([], global_urls=[], tag_urls=tag_urls) == []


@pytest.mark.parametrize(
    ("url", "secret", "kept"),
    [
        ("json://user:s3cretpass@127.0.0.1:8080/hook", "s3cretpass", "json://user:"),
        (
            "mailto://me:hunter2hunter2@mail.example?to=desk@news.example",
            "hunter2hunter2",
            "desk%40news.example",
        ),
        (
            "slack://T1A2B3C4/B5D6E7F8/abcdEFGH1234ijklMNOP5678",
            "abcdEFGH1234ijklMNOP5678",
            "slack://T1A2B3C4/",
        ),
        (
            "tgram://123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/-1001234",
            "AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw",
            "tgram://",
        ),
        ("https://hooks.example/notify?token=abc123&room=desk", "abc123", "room=desk"),
        (
            "discord://112233445566778899/Zx9yW8vU7tS6rQ5pO4nM3lK2jI1hG0fE",
            "Zx9yW8vU7tS6rQ5pO4nM3lK2jI1hG0fE",
            "discord://",
        ),
    ],
)
def test_mask_hides_secrets(url: str, secret: str, kept: str) -> None:
    masked = mask(url)
    assert secret not in masked
    assert kept in masked


def test_mask_leaves_plain_urls_alone() -> None:
    assert mask("json://127.0.0.1:8080/api/alerts") == "json://127.0.0.1:8080/api/alerts"
    assert mask("mailto://desk@news.example") == "mailto://desk@news.example"


def test_backoff_doubles_caps_and_gives_up() -> None:
    backoff = Backoff()
    assert [backoff.retry_at(n, T0) for n in (1, 2, 3)] == [
        T0 + timedelta(minutes=1),
        T0 + timedelta(minutes=2),
        T0 + timedelta(minutes=4),
    ]
    assert backoff.retry_at(8, T0) is None
    capped = Backoff(base=timedelta(hours=1), factor=10, max=timedelta(hours=6), max_attempts=1000)
    assert capped.retry_at(3, T0) == T0 + timedelta(hours=6)
    assert capped.retry_at(999, T0) == T0 + timedelta(hours=6)  # no overflow

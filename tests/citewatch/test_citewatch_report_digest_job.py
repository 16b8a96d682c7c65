"""The daemon's report-digest job runs every alert_seconds but sends in a period's first run only:
between periods it must not open the catalog."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from citewatch import jobs
from citewatch.app import report_digest_due
from citewatch.config import load_settings

MIDNIGHT = datetime(2026, 11, 30, tzinfo=UTC)


def test_a_digest_is_due_just_after_a_period_ends_and_only_with_tag_urls() -> None:
    settings = load_settings(alert_tag_urls={"relief": ["json://127.0.0.1:9/"]}, alert_seconds=30)
    assert report_digest_due(settings, MIDNIGHT + timedelta(seconds=5)) == (
        MIDNIGHT - timedelta(days=1),
        MIDNIGHT,
    )
    assert report_digest_due(settings, MIDNIGHT + timedelta(minutes=5)) is None
    assert report_digest_due(load_settings(alert_seconds=30), MIDNIGHT + timedelta(seconds=5)) is None


def test_between_periods_the_job_opens_no_catalog(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "never-created"
    monkeypatch.setenv("CITEWATCH_HOME", str(home))
    monkeypatch.setenv("CITEWATCH_ALERT_TAG_URLS", '{"relief": ["json://127.0.0.1:9/"]}')
    monkeypatch.setenv("CITEWATCH_ALERT_SECONDS", "0.001")  # a 1 ms window: never now
    assert jobs.report_digests() == "no digest due"
    assert not home.exists()

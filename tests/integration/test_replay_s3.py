"""Replay from an S3 store (a real SeaweedFS) reads one record by a ranged GET, never a whole WARC."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from citewatch.app import App
from citewatch.config import load_settings
from tests.fixtures.site import TestSite
from tests.integration.conftest import Citewatch
from tests.integration.test_store_and_recovery import s3_env, statements_article
from tests.seaweed import SeaweedFS


def test_replay_uses_ranged_reads(
    tmp_path: Path, site: TestSite, cw: Citewatch, seaweed: SeaweedFS, monkeypatch: pytest.MonkeyPatch
) -> None:
    seaweed.client().create_bucket(Bucket="replay")
    cw.env.update(s3_env(seaweed, "replay"))
    cw.json("ingest", str(statements_article(tmp_path, site, 4)))
    for key, value in cw.environ().items():
        if key.startswith(("CITEWATCH_", "AWS_")):
            monkeypatch.setenv(key, value)
    app = App(load_settings())
    gets: list[dict[str, Any]] = []
    app.store.client.meta.events.register(  # type: ignore[attr-defined]
        "before-call.s3.GetObject", lambda params, **_: gets.append(dict(params["headers"]))
    )
    source = next(s for s in app.catalog.list_sources() if s.url.endswith("/statements/1"))
    capture = app.catalog.captures_for(source.url)[0]
    warc_size = app.catalog.warc(capture.warc_name or "")

    with TestClient(app.web_app(), base_url="http://127.0.0.1:8080") as client:
        response = client.get(f"/captures/{capture.id}")
        assert response.status_code == 200
        stamp = capture.captured_at.strftime("%Y%m%d%H%M%S")
        replay = client.get(f"/replay/{stamp}/{source.url}")

    assert replay.status_code == 200
    assert "Statement 1" in replay.text or "statement 1" in replay.text.lower()
    assert gets, "replay did not read from the store"
    ranges = [h.get("Range") or h.get("range") for h in gets]
    assert all(r and r.startswith("bytes=") for r in ranges), ranges
    start, end = (int(x) for x in ranges[-1].removeprefix("bytes=").split("-"))
    assert end - start + 1 == capture.length
    assert warc_size is not None and warc_size.size is not None and capture.length < warc_size.size
    assert os.environ["CITEWATCH_STORE"].startswith("s3://")

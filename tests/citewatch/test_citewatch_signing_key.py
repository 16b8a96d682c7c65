"""The archive's WACZ signing key through the composition root: where it lives, and the UI showing it."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient

from citewatch.app import App
from citewatch.config import Settings


def test_the_ui_citewatch_serves_shows_the_archives_key(tmp_path: Path) -> None:
    """Through the composition root, as `citewatch serve` builds it: the key in the data directory."""
    application = App(Settings(home=tmp_path / "home", ui_base_url="http://testserver/"))
    with TestClient(application.web_app()) as client:
        assert client.get("/api/keys").status_code == 404  # serving alone makes no key
        public = application.signing_key().public
        assert client.get("/api/keys").json()["fingerprint"] == public.fingerprint
    assert application.signing_key_path == tmp_path / "home" / "keys" / "wacz-signing-key.pem"

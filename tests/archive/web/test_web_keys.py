"""The signing key page and ``/api/keys``: the public part of the key that signs WACZ exports."""

from __future__ import annotations

import os
from pathlib import Path

from fastapi.testclient import TestClient

from archive.export.keys import PublicKey, load_key, load_or_create_key
from archive.web.routes.keys import build_keys_router
from tests.archive.web.web_site import Site, site_fixture  # noqa: F401 - fixtures


def _client(site: Site, key_file: Path) -> TestClient:
    def public_key() -> PublicKey | None:
        key = load_key(key_file)
        return key.public if key is not None else None

    app = site.app()
    app.include_router(build_keys_router(public_key))
    return TestClient(app)


def test_the_page_shows_the_public_key_and_its_fingerprint(site: Site, tmp_path: Path) -> None:
    key_file = tmp_path / "keys" / "wacz-signing-key.pem"
    with _client(site, key_file) as client:
        assert client.get("/api/keys").status_code == 404
        assert "no signing key yet" in client.get("/keys").text
        public = load_or_create_key(key_file).public

        page = client.get("/keys")
        api = client.get("/api/keys").json()

    assert page.status_code == 200
    assert (
        public.fingerprint in page.text and public.spki_b64 in page.text and "BEGIN PUBLIC KEY" in page.text
    )
    assert "PRIVATE" not in page.text
    assert api == {"public_key": public.spki_b64, "fingerprint": public.fingerprint, "pem": public.pem}


def test_a_key_others_can_read_is_reported(site: Site, tmp_path: Path) -> None:
    key_file = tmp_path / "wacz-signing-key.pem"
    load_or_create_key(key_file)
    os.chmod(key_file, 0o644)
    with _client(site, key_file) as client:
        page = client.get("/keys")
        assert page.status_code == 503 and "readable by others; run chmod 600" in page.text

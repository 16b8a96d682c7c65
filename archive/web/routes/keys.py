"""The archive's public signing key (``/keys`` and ``/api/keys``): what a reader of an exported WACZ
compares the package's ``publicKey`` with, since an anonymous signature proves only that the holder
of *some* key signed it.  The key comes from the composition root (`citewatch.app.App`), which
keeps the private part in the data directory; the UI only ever sees the public part.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import HTMLResponse

from archive.export.errors import SigningKeyError
from archive.export.keys import PublicKey
from archive.web.context import Web

NO_KEY = "this archive has no signing key yet: the first export (or citewatch signing-key) makes it"


def build_keys_router(public_key: Callable[[], PublicKey | None]) -> APIRouter:
    """The ``/keys`` page and ``/api/keys``; ``public_key()`` gives the key, None while there is none."""
    router = APIRouter()

    def current() -> PublicKey | None:
        try:
            return public_key()
        except SigningKeyError as exc:  # e.g. a key file others can read: say so, sign nothing
            raise HTTPException(503, str(exc)) from exc

    @router.get("/keys", response_class=HTMLResponse, tags=["pages"], include_in_schema=False)
    def keys_page(request: Request, web: Web) -> HTMLResponse:
        """The public key that signs this archive's WACZ exports, and how to check a package."""
        return web.render(request, "keys.html", key=current(), no_key=NO_KEY)

    @router.get("/api/keys", tags=["api"])
    def api_keys() -> dict[str, str]:
        """The public key that signs WACZ exports: ``public_key`` as packages carry it (base64
        SubjectPublicKeyInfo), its ``fingerprint`` and ``pem``; 404 while there is none."""
        key = current()
        if key is None:
            raise HTTPException(404, NO_KEY)
        return {"public_key": key.spki_b64, "fingerprint": key.fingerprint, "pem": key.pem}

    return router

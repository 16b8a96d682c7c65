"""Our WACZ exports play in ReplayWeb.page (issue 11, item 6): its own ui.js and sw.js (npm package
`replaywebpage`, fetched by `make install` into .replaywebpage/), served on loopback with the
package, opened in Debian's chromium through Playwright; the archived page's text must show.

Before the fix every local zip header carried a Zip64 field the central directory lacked, and
ReplayWeb.page's reader (it trusts the central directory) stopped every page with
"Unexpected Loading Error".
"""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import threading
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Page, sync_playwright

from tests.fixtures.site import TestSite
from tests.integration.conftest import REPO, Citewatch
from tests.integration.test_browser_sources import SITE_HOST

RWP = REPO / ".replaywebpage" / "package"
STATEMENT = "The ministry said every family in the valley will receive clean water by June."
MOVED = "The statement moved here: the bridge opens in May, the ministry said."
GONE = "This statement was withdrawn by the ministry."

# The replay/ service worker's scope, as ReplayWeb.page registers it.
SW_ACTIVE = """async () => {
    const reg = await navigator.serviceWorker.getRegistration("/replay/");
    return !!(reg && reg.active && reg.active.state === "activated");
}"""


def played_text(page: Page, embed_url: str, wanted: str, timeout: float = 45) -> str:
    """The text ReplayWeb.page shows in its replay frame at `embed_url`, once it holds `wanted`
    (or the last text seen when `timeout` seconds pass).

    ReplayWeb.page creates its replay iframe as soon as its service worker is *registered* and
    reloads it at most three times, 100 ms apart, until the worker controls it; on a slow machine
    the worker (1.2 MB of script) is not active by then and the frame keeps the web server's own
    answer for /replay/. A reader would reload the page; so does this, once the worker is active.
    """
    page.goto(embed_url)
    page.wait_for_function(SW_ACTIVE, timeout=timeout * 1000)
    shown = ""
    deadline = time.monotonic() + timeout
    # Reload until the frame is the worker's, not the web server's answer for /replay/ (on a
    # loaded machine one reload after activation was seen not to be enough, in CI).
    while time.monotonic() < deadline:
        page.reload()
        shown = shown_text(page, wanted, min(15.0, max(1.0, deadline - time.monotonic())))
        if wanted in shown:
            return shown
    return shown


def shown_text(page: Page, wanted: str, timeout: float = 45) -> str:
    """The text of whichever frame of `page` holds `wanted` first (or the last text seen)."""
    shown = ""
    deadline = time.monotonic() + timeout
    while wanted not in shown and time.monotonic() < deadline:
        for frame in page.frames:
            try:
                shown = frame.evaluate("() => document.body ? document.body.innerText : ''")
            except Exception:  # a frame navigating away
                continue
            if wanted in shown:
                return shown
        time.sleep(0.2)
    return shown


def _page(title: str, text: str) -> str:
    head = f"<!doctype html><html><head><title>{title}</title></head>"
    return f"{head}<body><main><p>{text}</p></main></body></html>"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def player(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A loopback web root with ReplayWeb.page's ui.js at / and its sw.js at /replay/."""
    assert (RWP / "ui.js").exists(), "ReplayWeb.page is not installed here: run make install"
    root = tmp_path / "www"
    (root / "replay").mkdir(parents=True)
    shutil.copy(RWP / "ui.js", root / "ui.js")
    shutil.copy(RWP / "sw.js", root / "replay" / "sw.js")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", root
    finally:
        server.shutdown()


# The verification records wabac.js (ReplayWeb.page's replay engine) wrote for each package it
# loaded: its own check of the signedData, kept in the collection's IndexedDB ("db:" + id).  Its
# API's summary counts a signature as valid whatever the check said, so the record is read itself.
WABAC_VERIFICATION = """async () => {
    const reply = await fetch("/replay/w/api/coll-index");
    const {colls} = await reply.json();
    const request = (r) => new Promise((ok, bad) => {
        r.onsuccess = () => ok(r.result);
        r.onerror = () => bad(r.error);
    });
    const found = {};
    for (const coll of colls) {
        const db = await request(indexedDB.open("db:" + coll.id));
        const rows = await request(db.transaction("verification").objectStore("verification").getAll());
        db.close();
        found[coll.sourceUrl.split("/").pop()] = Object.fromEntries(rows.map((r) => [r.id, r]));
    }
    return found;
}"""


def _embed(root: Path, name: str, source: str, url: str) -> str:
    (root / name).write_text(
        '<!doctype html><html><head><meta charset="utf-8"><script src="/ui.js"></script></head><body>'
        f'<replay-web-page style="display:block;width:1000px;height:700px" source="/{source}" '
        f'url="{url}" replayBase="/replay/" embed="replayonly"></replay-web-page></body></html>',
        encoding="utf-8",
    )
    return name


def _with_other_signature(package: Path, out: Path) -> None:
    """``package`` with one character of its signature changed, re-zipped (every CRC right)."""
    with zipfile.ZipFile(package) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "datapackage-digest.json":
                digest = json.loads(data)
                sig = digest["signedData"]["signature"]
                digest["signedData"]["signature"] = ("B" if sig[0] == "A" else "A") + sig[1:]
                data = json.dumps(digest, indent=2).encode()
            dst.writestr(info, data)


def test_an_exported_package_plays_in_replaywebpage(
    tmp_path: Path, site: TestSite, cw: Citewatch, player: tuple[str, Path]
) -> None:
    """One signed export holding a plain page, a 301 to another page and a 410 page plays each in
    ReplayWeb.page, whose own check of the signature passes; with the signature changed it fails."""
    base, root = player
    site.set_page("/statement", _page("Water", STATEMENT))
    site.set_page("/new", _page("Bridge", MOVED))
    site.set_page("/old", _page("Moved", "Moved."), status=301, headers=[("Location", "/new")])
    site.set_page("/gone", _page("Withdrawn", GONE), status=410)
    urls = {path: site.url(path, host=SITE_HOST) for path in ("/statement", "/old", "/gone")}
    article = tmp_path / "water.md"
    article.write_text("".join(f"[{path}]({url})\n" for path, url in urls.items()), encoding="utf-8")
    (created,) = cw.json("ingest", str(article))
    exported = cw.json("export", str(created["article_id"]), "--wacz", str(root / "archive.wacz"))
    assert exported["signed"] is True
    _with_other_signature(root / "archive.wacz", root / "resigned.wacz")
    wanted = {"/statement": STATEMENT, "/old": MOVED, "/gone": GONE}
    shown: dict[str, str] = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=["--no-sandbox"])
        page = browser.new_page()
        # One page, one collection: the embed's url attribute moves it from page to page.
        shown["/statement"] = played_text(
            page, f"{base}/{_embed(root, 'play.html', 'archive.wacz', urls['/statement'])}", STATEMENT
        )
        for path in ("/old", "/gone"):
            page.evaluate(
                "(url) => document.querySelector('replay-web-page').setAttribute('url', url)", urls[path]
            )
            shown[path] = shown_text(page, wanted[path])
        # The same package with its signature changed, as a second collection.
        shown["resigned"] = played_text(
            page, f"{base}/{_embed(root, 'resigned.html', 'resigned.wacz', urls['/statement'])}", STATEMENT
        )
        # The API answers only inside the service worker's scope: ask from the replay frame.
        frame = next(f for f in page.frames if f.url.startswith(f"{base}/replay/"))
        verification = frame.evaluate(WABAC_VERIFICATION)
        browser.close()
    assert STATEMENT in shown["/statement"], "ReplayWeb.page did not show the archived page"
    assert MOVED in shown["/old"], "asked for the redirected URL, ReplayWeb.page did not show its target"
    assert GONE in shown["/gone"], "ReplayWeb.page did not show the archived 410 page"
    # wabac.js checked our signature with WebCrypto, with the public key the package carries: ours.
    signed = verification["archive.wacz"]
    assert signed["signature"]["matched"] is True, signed
    assert signed["publicKey"]["expected"] == exported["public_key"]
    assert signed["datapackageHash"]["expected"].startswith("sha256:")
    # The same package with its signature changed still plays, but wabac.js's check fails.
    assert STATEMENT in shown["resigned"]
    assert verification["resigned.wacz"]["signature"]["matched"] is False

"""No page the UI serves makes the browser fetch anything from another origin: a CDN script tells
a third party who reads the archive and when, and runs whatever it sends."""

from __future__ import annotations

import re
from urllib.parse import urljoin, urlsplit

from fastapi.routing import iter_route_contexts
from fastapi.testclient import TestClient
from lxml import html
from starlette.routing import Route

from archive.warc.writer import WarcWriter
from tests.archive.browser_capture import record_browser_capture
from tests.archive.web.web_site import BASE_URL, STATEMENT, T0, Site, site_fixture  # noqa: F401 - fixtures

# Attributes through which a page makes the browser load something.
LOADING = {"script": ("src",), "link": ("href",), "img": ("src", "srcset"), "iframe": ("src",),
           "frame": ("src",), "source": ("src", "srcset"), "video": ("src", "poster"), "audio": ("src",),
           "embed": ("src",), "object": ("data",), "input": ("src",), "track": ("src",)}  # fmt: skip
CSS_URL = re.compile(r"""url\(\s*['"]?([^'")\s]+)|@import\s+['"]([^'"]+)""")


def _off_site(page_url: str, document: str) -> list[str]:
    own = urlsplit(page_url).netloc
    found = []
    tree = html.document_fromstring(document)
    for tag, attributes in LOADING.items():
        for element in tree.iter(tag):
            if tag == "link" and (element.get("rel") or "").lower() in ("alternate", "canonical", "self"):
                continue  # links a reader may follow, not loads
            for name in attributes:
                for value in (element.get(name) or "").split(","):
                    url = value.strip().split(" ")[0]
                    if url and urlsplit(urljoin(page_url, url)).netloc not in ("", own):
                        found.append(f"<{tag} {name}={url}>")
    for style in [*tree.iter("style"), *tree.xpath("//*[@style]")]:
        text = style.text or "" if style.tag == "style" else style.get("style", "")
        for match in CSS_URL.finditer(text):
            url = match.group(1) or match.group(2)
            if urlsplit(urljoin(page_url, url)).netloc not in ("", own):
                found.append(f"css {url}")
    return found


def test_no_page_loads_anything_from_another_origin(site: Site) -> None:
    ids = {"article_id": site.ids["article"], "source_id": site.ids["statement"],
           "capture_id": site.ids["v1"], "change_id": site.ids["edited"],
           "before_id": site.ids["v1"], "after_id": site.ids["v2"], "tag": "politics"}  # fmt: skip
    # A browser capture, for the routes that serve what only those have (its screenshot).
    writer = WarcWriter(site.spool, fsync=False)
    browser = record_browser_capture(
        site.catalog,
        writer,
        url="http://portal.example/",
        at=T0,
        text="Rendered.",
        source_id=None,
        role="article",
    )
    writer.close()
    app = site.app()
    pages = 0
    with TestClient(app) as client:
        for context in iter_route_contexts(app.routes):
            # Every GET route, FastAPI's own pages (Route, not APIRoute) included.
            if not isinstance(context.original_route, Route) or "GET" not in (context.methods or ()):
                continue
            path = re.sub(r"\{(\w+)\}", lambda m: str(ids[m.group(1)]), context.path or "")
            if path.endswith("/screenshot.png"):
                path = path.replace(f"/{ids['capture_id']}/", f"/{browser.capture_id}/")
            # The Memento routes take the archived URL; a TimeGate answers with a redirect to replay.
            path = path.replace("{url:path}", STATEMENT)
            timegate = path.startswith("/timegate/")
            response = client.get(path, follow_redirects=not timegate)
            assert response.status_code == (302 if timegate else 200), path
            if response.headers.get("content-type", "").startswith("text/html"):
                pages += 1
                assert _off_site(BASE_URL.rstrip("/") + path, response.text) == [], path
                assert "script-src 'self'" in response.headers["content-security-policy"], path
    assert pages >= 10  # every browsing page, the error-free diff, and the API docs


def test_the_api_docs_are_served_offline(site: Site) -> None:
    with TestClient(site.app()) as client:
        page = client.get("/docs")
        assert page.status_code == 200
        assert 'src="/static/swagger/swagger-ui-bundle.js"' in page.text
        assert "<script>" not in page.text  # no inline script: the UI's CSP applies as everywhere
        for asset in ("/static/swagger/swagger-ui-bundle.js", "/static/swagger/swagger-ui.css",
                      "/static/swagger-init.js"):  # fmt: skip
            assert client.get(asset).status_code == 200, asset
        assert "validatorUrl: null" in client.get("/static/swagger-init.js").text
        assert client.get("/openapi.json").json()["info"]["title"] == "citewatch"
        assert client.get("/redoc").status_code == 404  # ReDoc would need a CDN

"""What every route needs — the catalog, its queries, the record reader, the token, templates —
held by the app (``app.state.web``), never in module globals."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlencode

import jinja2
from fastapi import Depends, Request
from markupsafe import Markup
from starlette.responses import HTMLResponse
from starlette.templating import Jinja2Templates

from archive.catalog import CaptureView, Catalog
from archive.links.memento import replayed_url
from archive.text.characters import inert
from archive.web.evidence import RecordReader
from archive.web.hosts import HostPolicy
from archive.web.paths import replay_path
from archive.web.queries import WebQueries
from archive.web.rows import IngestRow, Page

if TYPE_CHECKING:  # the export package is slow to import, and the UI needs only the type
    from archive.export.keys import SigningKey

TEMPLATES_DIR = Path(__file__).resolve().parent / "templates"


@dataclass(frozen=True)
class WebContext:
    """The browsing UI's dependencies, built once by `archive.web.app.create_app`."""

    catalog: Catalog
    queries: WebQueries
    read_record: RecordReader
    admin_token: str | None
    submit_ingest: Callable[[str], object] | None
    ingest_jobs: Callable[[], Sequence[IngestRow]] | None
    cluster_status: Callable[[], Mapping[str, Any]] | None
    clock: Callable[[], datetime]
    templates: Jinja2Templates
    hosts: HostPolicy
    # A capture's decoded payload, for the link-health reports (None: no reports).
    read_payload: Callable[[CaptureView], bytes | None] | None = None
    # The archive's WACZ signing key, for the WACZ downloads (None: they go unsigned).
    signing_key: Callable[[], SigningKey] | None = None
    # A link's canonical URL (href, base) as ingest computes it: the crawler's, handed in by the
    # composition root (archive/ never imports the crawler); None: archived pages get no robust links.
    canonical: Callable[[str, str | None], str | None] | None = None

    def render(self, request: Request, name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        """Render template ``name`` with ``context`` (everything autoescaped)."""
        context.setdefault("actions_enabled", self.admin_token is not None)
        return self.templates.TemplateResponse(request, name, context, status_code=status_code)


def web_context(request: Request) -> WebContext:
    """FastAPI dependency: the app's `WebContext`."""
    context = request.app.state.web
    if not isinstance(context, WebContext):  # pragma: no cover - create_app always sets it
        raise RuntimeError("the app was not built by archive.web.create_app")
    return context


Web = Annotated[WebContext, Depends(web_context)]


def when(moment: datetime | None) -> str:
    """A datetime as the UI shows it: UTC, to the second."""
    if moment is None:
        return "—"
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def short_digest(digest: str | None) -> str:
    """The first characters of a payload digest, enough to tell captures apart."""
    if not digest:
        return "—"
    return digest.split(":", 1)[-1][:12]


def http_url(url: str | None) -> str:
    """``url`` if it is an http(s) URL, else "": archived or user-given URLs never become
    ``javascript:`` links."""
    if not url:
        return ""
    scheme = url.split(":", 1)[0].strip().lower()
    return url if scheme in ("http", "https") and ":" in url else ""


def pager_url(request: Request, items: Page[Any], direction: str, param: str = "page") -> str:
    """The URL of the page before (``direction="prev"``) or after ``items``: by number near the top
    of the list, by cursor below (`archive.web.paging`).  ``param`` names the list's page parameter
    (``changes_page``: its cursors are ``changes_after`` and ``changes_before``)."""
    prefix = param.removesuffix("page")
    after, before = f"{prefix}after", f"{prefix}before"
    params = [(k, v) for k, v in request.query_params.multi_items() if k not in (param, after, before)]
    number = items.next_page if direction == "next" else items.prev_page
    if number is not None:
        params.append((param, str(number)))
    elif direction == "next":
        params.append((after, str(items.next_after)))
    else:
        params.append((before, str(items.prev_before)))
    return f"{request.url.path}?{urlencode(params)}"


def shown(value: Any) -> Any:
    """Every ``{{ expression }}`` of a template, as the page shows it: a string with its bidi
    overrides made visible marks and its control characters dropped (`inert`), before escaping.
    Markup (a macro's output) was made of finalized expressions already."""
    if isinstance(value, str) and not isinstance(value, Markup):
        return inert(value)
    return value


def build_templates() -> Jinja2Templates:
    """The UI's Jinja2 templates: autoescaped always, undefined names are errors."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        finalize=shown,
    )
    env.filters["when"] = when
    env.filters["short_digest"] = short_digest
    env.filters["http_url"] = http_url
    env.globals["replay_path"] = replay_path
    env.globals["replayed_url"] = replayed_url
    env.globals["pager_url"] = pager_url
    return Jinja2Templates(env=env)

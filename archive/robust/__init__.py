"""Robust Links (https://robustlinks.mementoweb.org/spec/) for an article: each cited link also names
our capture of its source (``data-versionurl``) and that capture's date (``data-versiondate``), so a
reader whose link has rotted can still reach what the article cited.

Pure functions on an article's bytes; which links are cited and which capture is their version is
the caller's to say (a ``decide(href, base)`` callable), so this package needs neither the crawler's
link extraction nor the catalog.  Citation exports (CSL-JSON, BibTeX) live beside them.
"""

from archive.robust.html import decorate_html
from archive.robust.links import Decorated, RobustAttributes, Version
from archive.robust.markdown import decorate_markdown

__all__ = ["Decorated", "RobustAttributes", "Version", "decorate_html", "decorate_markdown"]

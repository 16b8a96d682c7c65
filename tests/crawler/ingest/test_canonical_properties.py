"""Property tests (hypothesis): canonical_url takes any string and is idempotent.

Any string in, ``None`` or a canonical URL out, never an exception; a canonical URL is absolute
http(s) with a host, printable ASCII, and canonical_url leaves it as it is (with any base).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from hypothesis import given
from hypothesis import strategies as st

from crawler.ingest import canonical_url
from tests.fuzz.strategies import URLISH, hostile_text

# URL syntax in pieces, so that most examples come near enough to a URL to reach every branch.
URL_PIECES = (
    *URLISH,
    *("a", "b.example", ".", "..", "/", "%2e", "%2E%2e", "[", "]", ":80", "@", "?", "&", "=", "#!"),
    *("utm_source=1", "xn--", "-", "~", " ", "\u3002", "\uff0e", "ß", "İ", "ﬁ", "\xa0", "\x08", "\x7f"),
)
URLS = st.one_of(
    st.lists(st.one_of(st.sampled_from(URL_PIECES), hostile_text(4)), max_size=15).map("".join),
    hostile_text(),
)
ABSOLUTE = st.builds(lambda host, rest: f"http://{host}/{rest}", URLS, URLS)


def assert_canonical(url: str) -> None:
    parts = urlsplit(url)
    assert parts.scheme in ("http", "https") and parts.hostname, url
    assert url.isascii() and not any(ord(c) <= 0x20 or ord(c) == 0x7F for c in url), url
    assert not parts.fragment or parts.fragment.startswith(("!", "/")), url


@given(url=st.one_of(URLS, ABSOLUTE), base=st.one_of(st.none(), URLS, ABSOLUTE))
def test_none_or_a_canonical_url_and_idempotent(url: str, base: str | None) -> None:
    once = canonical_url(url, base)
    if once is None:
        return
    assert_canonical(once)
    assert canonical_url(once) == once
    assert canonical_url(once, base) == once  # an absolute URL does not depend on the base

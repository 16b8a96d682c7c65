"""Whether a page needs a browser: the look at its HTTP capture, and the decision after a visit."""

from __future__ import annotations

from crawler.browser.need import Signs, decide, http_signs, rendered_words

HTML = "text/html; charset=utf-8"
PROSE = (
    "The transport agency said the old bridge over the river will reopen to traffic on Monday after "
    "eight months of repairs to its steel frame and deck. Heavy lorries will still be diverted "
    "through the northern bypass until the load tests are complete, the agency said on Friday."
)


def page(body: str, head: str = "") -> bytes:
    return f"<!doctype html><html><head><title>T</title>{head}</head><body>{body}</body></html>".encode()


def test_an_empty_shell_with_scripts_is_a_candidate() -> None:
    signs = http_signs(page('<main id="app">Loading…</main>', '<script src="/app.js"></script>'), HTML)
    assert signs.candidate and "nearly empty" in signs.reason and signs.http_words < 5


def test_a_noscript_asking_for_javascript_is_a_candidate_even_with_text() -> None:
    body = f"<main><p>{PROSE}</p></main><noscript>Please enable JavaScript to read this statement.</noscript>"
    signs = http_signs(page(body), HTML)
    assert signs.candidate and "<noscript>" in signs.reason


def test_server_rendered_pages_and_non_html_are_not_candidates() -> None:
    assert not http_signs(page(f"<main><p>{PROSE}</p></main>", "<script>var a = 1;</script>"), HTML).candidate
    # Nearly empty, but nothing could fill it in.
    assert not http_signs(page("<main>Soon.</main>"), HTML).candidate
    assert not http_signs(b"%PDF-1.7 ...", "application/pdf").candidate
    assert not http_signs(None, HTML).candidate
    assert not http_signs(b"\x00\xff" * 100, HTML).candidate


def test_the_browser_is_kept_only_when_it_rendered_much_more_text() -> None:
    signs = Signs(True, "its main text is nearly empty (1 word) but it ships 1 script(s)", 1)
    mode, reason = decide(signs, 58)
    assert mode == "browser" and "58 words" in reason and "against 1 over HTTP" in reason
    assert decide(signs, 15)[0] == "http"  # not 20 more words
    assert decide(Signs(True, "noscript", 40), 70)[0] == "http"  # not twice as many
    assert decide(Signs(True, "noscript", 40), 80)[0] == "browser"


def test_rendered_words_reads_the_dom_like_change_detection() -> None:
    dom = f"<!DOCTYPE html><html><body><nav>Home About</nav><main><p>{PROSE}</p></main></body></html>"
    assert rendered_words(dom) == len(PROSE.split())
    assert rendered_words(None) == 0 and rendered_words("") == 0


def test_an_empty_application_root_amid_server_rendered_furniture_is_a_candidate() -> None:
    furniture = (
        "<header><nav><a href='/'>Ministry of Water</a> <a href='/press'>Press</a></nav></header>"
        f"<div class='cookies'><p>{PROSE}</p></div><div id='root'></div>"
    )
    signs = http_signs(page(furniture, '<script src="/static/main.js"></script>'), HTML)
    assert signs.candidate and "#root" in signs.reason, signs
    angular = http_signs(
        page("<app-root ng-version='17.0.0'></app-root>", "<script src='m.js'></script>"), HTML
    )
    assert angular.candidate
    # The same root filled in by the server is a server-rendered page.
    filled = page(
        f"<div id='root'><main><p>{PROSE}</p><p>{PROSE}</p></main></div>", "<script src='m.js'></script>"
    )
    assert not http_signs(filled, HTML).candidate


def test_text_without_spaces_between_words_is_not_taken_for_an_empty_page() -> None:
    statement = "部長は本日、谷のすべての家族が六月までにきれいな水を受け取ると発表した。" * 3
    signs = http_signs(page(f"<main><p>{statement}</p></main>", "<script src='/a.js'></script>"), HTML)
    assert not signs.candidate and signs.http_words > 40
    assert rendered_words(f"<html><body><main><p>{statement}</p></main></body></html>") > 40

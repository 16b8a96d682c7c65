"""detect(): each rule of the policy, in order."""

from __future__ import annotations

import hashlib

from scheduler.detect import IgnoreRules, Observation, Verdict, detect

URL = "https://www.example.gov/news/statement-halvar"
STATEMENT = (
    "<html><head><title>Statement on Halvar | Ministry</title></head><body><nav><a href='/'>Home</a></nav>"
    "<main><h1>Statement on Halvar</h1><p>The ministry confirms that 101 civilians were killed on 3 May 2026."
    "</p><p>An independent investigation led by Judge Peter Morel will report within 30 days.</p>"
    "<p class='stamp'>Page generated at {clock}</p></main><footer>Contact</footer></body></html>"
)
QUOTE = "101 civilians were killed"


def page(html: str = STATEMENT, *, clock: str = "14:03", url: str = URL, status: int = 200) -> Observation:
    body = html.replace("{clock}", clock).encode()
    return Observation(
        url, status, url, (), "sha1:" + hashlib.sha1(body).hexdigest(), "text/html", body, None
    )


def failed(kind: str = "timeout", status: int | None = None) -> Observation:
    return Observation(URL, status, None if status is None else URL, (), None, None, None, kind)


def redirected(target: str, status: int = 200, html: str = STATEMENT) -> Observation:
    body = html.replace("{clock}", "10:00").encode()
    return Observation(URL, status, target, ((URL, 301),), "sha1:x" + target, "text/html", body, None)


def run(previous: Observation | None, current: Observation, state: str = "live", **kwargs: object) -> Verdict:
    failures = kwargs.pop("consecutive_failures", 0)
    return detect(previous, current, previous_state=state, consecutive_failures=failures, **kwargs)  # type: ignore[arg-type]


# 1. first capture
def test_first_capture_sets_the_state_without_a_change() -> None:
    assert run(None, page()) == Verdict(None, "live", "first capture")
    assert run(None, page(status=404)).state == "deleted"
    assert run(None, failed(), state="pending").state == "pending", "one failure is not 'unreachable'"
    assert run(None, failed(), state="pending", consecutive_failures=3).state == "unreachable"
    assert run(None, redirected("https://www.example.gov/")).state == "deleted"
    assert run(None, redirected("https://www.example.gov/news/new-home-of-statement")).state == "live"


# 2. failures
def test_a_single_failure_then_recovery_is_no_change_at_all() -> None:
    first = run(page(), failed(), consecutive_failures=1)
    assert first.kind is None and first.state == "live"
    back = run(page(), page(), state=first.state)
    assert back.kind is None and back.state == "live"


def test_unreachable_only_after_the_threshold_and_only_once() -> None:
    assert run(page(), failed(status=503), consecutive_failures=2).kind is None
    verdict = run(page(), failed(status=503), consecutive_failures=3)
    assert verdict.kind == "unreachable" and verdict.state == "unreachable"
    assert "HTTP 503" in verdict.summary
    again = run(page(), failed(), state="unreachable", consecutive_failures=4)
    assert again.kind is None and again.state == "unreachable"
    assert run(page(), failed(status=429), consecutive_failures=5, failure_threshold=5).kind == "unreachable"


def test_failures_keep_the_previous_state() -> None:
    assert run(page(), failed(), state="edited", consecutive_failures=1).state == "edited"
    assert run(page(), failed(status=403), state="deleted", consecutive_failures=1).state == "deleted"


# 3. 404 / 410
def test_gone_statuses_are_deleted_once_with_the_quotes_that_vanished() -> None:
    verdict = run(page(), page(status=404), quotes=[QUOTE, "never on the page at all"])
    assert verdict.kind == "deleted" and verdict.summary == "deleted: HTTP 404"
    assert verdict.removed_quotes == (QUOTE,)
    assert run(page(), page(status=410)).kind == "deleted"
    again = run(page(status=404), page(status=404), state="deleted")
    assert again.kind is None and again.state == "deleted"


# 4. redirects
def test_redirect_to_home_or_generic_pages_is_deleted() -> None:
    for target in (
        "https://www.example.gov/",
        "https://www.example.gov",
        "https://example.gov/index.html",
        "https://www.example.gov/en/",
        "https://www.example.gov/home",
        "https://www.example.gov/login?next=/news/statement-halvar",
        "https://www.example.gov/search?q=halvar",
        "https://www.example.gov/errors/404",
    ):
        verdict = run(page(), redirected(target))
        assert verdict.kind == "deleted", target
        assert target in verdict.summary


def test_redirect_to_where_the_probe_went_is_deleted() -> None:
    probe = Observation(
        "https://www.example.gov/zz-random",
        200,
        "https://www.example.gov/news",
        (("x", 302),),
        None,
        None,
        b"",
        None,
    )
    assert run(page(), redirected("https://www.example.gov/news"), probe=probe).kind == "deleted"
    assert run(page(), redirected("https://www.example.gov/news")).kind == "redirected"


def test_redirect_to_a_specific_page_is_reported_once_per_target() -> None:
    target = "https://www.example.gov/archive/2026/statement-halvar"
    verdict = run(page(), redirected(target))
    assert verdict == Verdict("redirected", "redirected", f"redirected to {target}")
    same = run(redirected(target), redirected(target), state="redirected")
    assert same.kind is None and same.state == "redirected"
    other = run(redirected(target), redirected(target + "-v2"), state="redirected")
    assert other.kind == "redirected"


def test_https_upgrade_or_trailing_slash_is_not_a_redirect() -> None:
    previous = page()
    for target in (URL.replace("https://www.", "http://"), URL + "/"):
        assert run(previous, redirected(target)).kind is None


# 5. soft 404
NOT_FOUND = (
    "<html><head><title>Page not found - Ministry</title></head><body><main><h1>Page not found</h1>"
    "<p>Try the search.</p></main></body></html>"
)


def test_soft_404_by_its_wording() -> None:
    verdict = run(page(), page(NOT_FOUND), quotes=[QUOTE])
    assert verdict.kind == "deleted" and "soft 404" in verdict.summary
    assert verdict.removed_quotes == (QUOTE,)
    assert run(page(NOT_FOUND), page(NOT_FOUND), state="deleted").kind is None


def test_soft_404_by_the_probe() -> None:
    missing = (
        "<html><body><article><h1>Oops</h1><p>There is nothing at {path}. Our site was reorganised; "
        "please use the menu to continue browsing our news and reports.</p></article></body></html>"
    )
    current = page(missing.replace("{path}", "/news/statement-halvar"))
    probe = page(missing.replace("{path}", "/zz-random-qq"), url="https://www.example.gov/zz-random-qq")
    assert run(page(), current, probe=probe).kind == "deleted"
    assert run(page(), current).kind == "edited"  # without the probe it is only an edit
    # A probe that got a real 404 says nothing about a 200 page.
    probe_404 = page(missing.replace("{path}", "/zz"), status=404, url="https://www.example.gov/zz")
    assert run(page(), current, probe=probe_404).kind == "edited"


def test_a_statement_that_mentions_not_found_is_not_a_soft_404() -> None:
    html = STATEMENT.replace(
        "Judge Peter Morel", "Judge Peter Morel, whose report on the missing files not found"
    )
    assert run(page(), page(html)).kind == "edited"


# 6. restored
def test_coming_back_is_restored() -> None:
    for state in ("deleted", "unreachable"):
        verdict = run(page(status=404), page(), state=state)
        assert verdict.kind == "restored" and verdict.state == "live"
    assert run(redirected("https://www.example.gov/x/y"), page(), state="redirected").kind == "restored"


# 7. content
def test_same_digest_is_no_change() -> None:
    assert run(page(), page(), state="edited") == Verdict(None, "edited", "unchanged (same payload)")


def test_noise_is_not_an_edit() -> None:
    assert run(page(clock="14:03"), page(clock="16:59")).kind is None


def test_number_change_is_an_edit_with_its_quote() -> None:
    verdict = run(page(), page(STATEMENT.replace("101", "91")), quotes=[QUOTE])
    assert verdict.kind == "edited" and verdict.state == "edited"
    # Shown in context, marked like `git diff --word-diff`.
    assert verdict.removed == ("… Halvar The ministry confirms that [-101-] civilians were killed on 3 …",)
    assert len(verdict.added) == 1 and "that {+91+} civilians" in verdict.added[0]
    assert verdict.removed_quotes == (QUOTE,)
    assert (
        verdict.summary
        == 'edited: quoted passage removed: "101 civilians were killed"; 1 passage removed, 1 added'
    )


def test_edit_without_quotes_summary() -> None:
    verdict = run(page(), page(STATEMENT.replace("3 May", "4 May")), quotes=[QUOTE])
    assert verdict.summary == "edited: 1 passage removed, 1 added"
    assert verdict.removed_quotes == ()


def test_reordered_paragraphs_are_not_an_edit() -> None:
    first = "<p>The ministry confirms that 101 civilians were killed on 3 May 2026.</p>"
    second = "<p>An independent investigation led by Judge Peter Morel will report within 30 days.</p>"
    html = STATEMENT.replace(first, "FIRST").replace(second, "SECOND")
    before = page(html.replace("FIRST", first).replace("SECOND", second))
    after = page(html.replace("FIRST", second).replace("SECOND", first))
    assert run(before, after).kind is None


def test_ignore_rules_apply() -> None:
    html = STATEMENT.replace("<footer>", "<div class='weather'>Sunny, {clock}</div><footer>")
    rules = IgnoreRules(selectors=(".stamp",), patterns=(r"within \d+ days",))
    before = page(html.replace("30 days", "31 days"))
    after = page(html.replace("30 days", "14 days"))
    assert run(before, after).kind == "edited"
    assert run(before, after, rules=rules).kind is None


def test_no_previous_content_is_no_change() -> None:
    assert run(failed(), page(), consecutive_failures=0).kind is None


# Facts inside the statement's sentences are content, even when they look like clocks or counters.
FACT = (
    "<html><head><title>Curfew</title></head><body><main><h1>Curfew order</h1>"
    "<p>The governor announced that the curfew starts at {time} every night, and that "
    "{visitors} visitors attended the briefing, after the order was reviewed on {day} 2026 "
    "by the council.</p>"
    "<p>{views} views</p></main></body></html>"
)


def fact(
    time: str = "22:00", visitors: str = "3,000", day: str = "3 March", views: str = "1,204"
) -> Observation:
    html = FACT.format(time=time, visitors=visitors, day=day, views=views)
    return page(html)


def test_times_counts_and_dates_inside_sentences_are_edits() -> None:
    assert run(fact(), fact(time="20:00")).kind == "edited"
    assert run(fact(), fact(visitors="300")).kind == "edited"
    assert run(fact(), fact(day="3 April")).kind == "edited"


def test_a_counter_on_its_own_line_is_still_noise() -> None:
    assert run(fact(), fact(views="98,311")).kind is None


# Browser captures: what the reader saw after rendering.
SHELL = (
    "<html><head><title>Statement on Halvar | Ministry</title></head><body><nav><a href='/'>Home</a></nav>"
    "<main id='app'>{clock}</main><footer>Contact</footer></body></html>"
)


def rendered(html: str, clock: str = "14:03") -> Observation:
    observed = page(html, clock=clock)
    return Observation(
        observed.url,
        200,
        URL,
        (),
        observed.payload_digest,
        "text/html; charset=utf-8",
        observed.body,
        None,
        "browser",
    )


def test_a_page_that_renders_blank_after_its_statement_is_deleted() -> None:
    for blank in ("", "Loading…", "Please wait"):
        verdict = run(rendered(STATEMENT), rendered(SHELL, clock=blank), quotes=(QUOTE,))
        assert (verdict.kind, verdict.state) == ("deleted", "deleted"), (blank, verdict)
        assert "blank" in verdict.summary and verdict.removed_quotes == (QUOTE,)
    # Over HTTP an empty main text is an edit (the shell of a page is not what its reader sees).
    assert run(page(STATEMENT), page(SHELL, clock="Loading…")).kind == "edited"
    # A page that keeps some text of its own is compared as usual.
    shorter = STATEMENT.replace(
        "<p>An independent investigation led by Judge Peter Morel will report within 30 days.</p>", ""
    )
    assert run(rendered(STATEMENT), rendered(shorter)).kind == "edited"

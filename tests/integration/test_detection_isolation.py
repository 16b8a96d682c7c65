"""Hostile input never costs an edit: a page that cannot be judged stops nothing, and is judged later.

Before, one control character in a cited page made text extraction raise: `crawl --all` exited 1,
no change was recorded for any source of the run, and the next crawl compared against the
already-edited captures, so every edit of that run was lost for good.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.fixtures.site import TestSite
from tests.integration.conftest import Citewatch
from tests.integration.test_change_detection import page


def cite(tmp_path: Path, cw: Citewatch, name: str, url: str) -> None:
    article = tmp_path / f"{name}.md"
    article.write_text(f"# {name}\n\nSee [the statement]({url}).\n", encoding="utf-8")
    cw.json("ingest", str(article))


def test_control_characters_in_an_edited_page_lose_no_edit(
    tmp_path: Path, site: TestSite, cw: Citewatch
) -> None:
    cw.config(autothrottle=False, download_timeout=3.0, requisites=False)
    site.robots_txt = "User-agent: *\nAllow: /\n"
    site.set_page("/s/hostile", page("Statement", ["The ministry evacuated 101 civilians on 3 May."]))
    site.set_page("/s/innocent", page("Statement", ["The envoy arrives on Monday."]))
    hostile, innocent = site.url("/s/hostile"), site.url("/s/innocent")
    cite(tmp_path, cw, "both", hostile)
    cite(tmp_path, cw, "other", innocent)
    # Both are edited; the hostile page now carries raw control bytes inside its main text.
    site.set_page(
        "/s/hostile",
        page("Statement", ["The ministry evacuated 91 civilians on 3 May. \x01Alarm\x1b[31m raised\x00."]),
    )
    site.set_page("/s/innocent", page("Statement", ["The envoy arrives on Tuesday."]))

    summary = cw.json("crawl", "--all")

    assert summary["changes"] == 2
    kinds = {c["url"]: c["kind"] for c in cw.json("changes")}
    assert kinds == {hostile: "edited", innocent: "edited"}
    assert cw.json("changes", "--uncompared") == []


def test_a_capture_that_cannot_be_judged_is_retried_and_stops_no_other(
    tmp_path: Path, site: TestSite, cw: Citewatch
) -> None:
    cw.config(autothrottle=False, download_timeout=3.0, requisites=False)
    site.robots_txt = "User-agent: *\nAllow: /\n"
    site.set_page("/s/a", page("Statement A", ["The ministry evacuated 101 civilians on 3 May."]))
    site.set_page("/s/b", page("Statement B", ["The envoy arrives on Monday."]))
    a, b = site.url("/s/a"), site.url("/s/b")
    cite(tmp_path, cw, "a", a)  # one crawl, so one WARC file, per source
    cite(tmp_path, cw, "b", b)
    [first_a] = cw.json("captures", a)
    # The WARC holding A's first capture becomes unreadable (a store outage, a lost object).
    warc = cw.home / "archive" / "warcs" / first_a["warc"]
    hidden = tmp_path / "hidden.warc.gz"
    shutil.move(warc, hidden)
    site.set_page("/s/a", page("Statement A", ["The ministry evacuated 91 civilians on 3 May."]))
    site.set_page("/s/b", page("Statement B", ["The envoy arrives on Tuesday."]))

    summary = cw.json("crawl", "--all")

    assert summary["changes"] == 1
    assert [(c["url"], c["kind"]) for c in cw.json("changes")] == [(b, "edited")]
    [waiting] = cw.json("changes", "--uncompared")
    assert waiting["url"] == a and waiting["retrying"] and waiting["attempts"] == 1
    shown = cw.run("changes").stdout
    assert f"could not compare: {waiting['reason']}" in shown and a in shown
    assert cw.json("captures", a)[-1]["could_not_compare"] == waiting["reason"]

    # The store is back: the next crawl judges the waiting capture first, against the last judged
    # one, and reports A's edit exactly once; the new, unchanged capture is no change.
    shutil.move(hidden, warc)
    summary = cw.json("crawl", "--all")

    assert summary["changes"] == 1
    changes = cw.json("changes")
    assert sorted((c["url"], c["kind"]) for c in changes) == [(a, "edited"), (b, "edited")]
    edit = next(c for c in changes if c["url"] == a)
    assert any("101" in passage for passage in edit["removed"])
    assert cw.json("changes", "--uncompared") == []
    assert {s["url"]: s["state"] for s in cw.json("sources")} == {a: "edited", b: "edited"}

"""A synthetic catalog of realistic shape, written by plain SQL (for `catalog_scale.py`).

Rows are made in the order a real catalog grows them: articles are ingested over 540 days and
bring in the sources they cite; every 6 hours a crawl round captures the sources that are due, so
the captures of one source are spread over the whole table (not one block per source), a few hot
sources are captured thousands of times and most sources one to three times.  Every capture has
its WARC name, offset and length, payload digest (a revisit repeats the previous one), final URL
and redirects; changes come from the captures that changed, each with its alert and deliveries.
Nothing here imports citewatch: the rows are the columns of catalog revision 0003, which every
commit the benchmark compares has, so one built catalog serves them all.

Deterministic: the same `Scale` and seed give the same rows.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
from array import array
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

# The moment the benchmark asks "what is due now": every capture is before it.
T_REF = datetime(2026, 12, 1, tzinfo=UTC)
DAYS = 540
ROUND = timedelta(hours=6)
ROUNDS = DAYS * 4
T_START = T_REF - timedelta(days=DAYS)
GENERATOR_VERSION = 3

TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "article": ("id", "origin", "title", "kind", "tags", "ingested_at", "updated_at", "capture_id"),
    "source": (
        "id",
        "url",
        "created_at",
        "state",
        "last_status",
        "last_captured_at",
        "next_due_at",
        "consecutive_failures",
        "paused",
        "ignore_rules",
    ),
    "citation": ("id", "article_id", "source_id", "label", "sentence", "quotes", "position"),
    "capture": (
        "id",
        "source_id",
        "parent_id",
        "role",
        "url",
        "final_url",
        "captured_at",
        "status",
        "content_type",
        "payload_digest",
        "warc_name",
        "offset",
        "length",
        "record_type",
        "error_kind",
        "error",
        "redirects",
        "body_length",
        "record_id",
        "judged_at",
        "judge_error",
        "judge_attempts",
    ),
    "warc_file": ("name", "state", "store_key", "size", "sha256", "created_at", "stored_at"),
    "change": (
        "id",
        "source_id",
        "kind",
        "detected_at",
        "before_capture_id",
        "after_capture_id",
        "summary",
        "added",
        "removed",
        "removed_quotes",
    ),
    "alert": ("id", "change_id", "created_at", "title", "text"),
    "delivery": (
        "id",
        "alert_id",
        "target",
        "state",
        "attempts",
        "next_attempt_at",
        "claimed_at",
        "last_error",
        "delivered_at",
    ),
}

WORDS = [
    "ministry",
    "health",
    "energy",
    "climate",
    "statistics",
    "transport",
    "budget",
    "finance",
    "defence",
    "education",
    "water",
    "housing",
    "police",
    "court",
    "council",
    "agency",
    "commission",
    "office",
    "parliament",
    "senate",
    "report",
    "statement",
    "press",
    "release",
    "update",
    "policy",
    "review",
    "plan",
    "data",
    "survey",
    "election",
    "results",
    "programme",
    "strategy",
    "coastal",
    "flood",
    "vaccine",
    "tariff",
    "subsidy",
    "emissions",
    "grid",
    "rail",
    "airport",
    "hospital",
    "school",
    "tax",
    "pension",
]
TLDS = ("gov", "gov.uk", "org", "com", "de", "fr", "int", "eu", "gouv.fr", "gc.ca", "gov.au", "net")
SECTIONS = ("news", "media", "press", "en/newsroom", "publications", "documents", "about/statements")
TAGS = ("climate", "elections", "health", "tech", "local", "investigation", "factcheck")
CONTENT_TYPES = ("text/html; charset=utf-8", "text/html", "application/pdf", "text/html; charset=iso-8859-1")
ASSETS = (
    ("static/site.css", "text/css"),
    ("static/app.js", "application/javascript"),
    ("img/logo.png", "image/png"),
)
DELIVERY_TARGETS = (
    "json://hooks.newsroom.example/citewatch",
    "mailto://desk:secret@mail.example?to=desk@example",
)


@dataclass(frozen=True)
class Scale:
    """How big a catalog to build (the defaults are issue 8's target)."""

    sources: int = 1_000_000
    captures: int = 3_000_000
    citations: int = 1_000_000
    changes: int = 100_000
    articles: int = 50_000
    hot: int = 100
    seed: int = 8

    def scaled(self, factor: float) -> Scale:
        def n(x: int, least: int) -> int:
            return max(least, round(x * factor))

        return Scale(
            n(self.sources, 200),
            n(self.captures, 600),
            n(self.citations, 200),
            n(self.changes, 20),
            n(self.articles, 10),
            n(self.hot, 3),
            self.seed,
        )

    def key(self) -> str:
        raw = f"{GENERATOR_VERSION}:{self.sources}:{self.captures}:{self.citations}:{self.changes}:"
        raw += f"{self.articles}:{self.hot}:{self.seed}"
        return hashlib.sha1(raw.encode()).hexdigest()[:12]


@dataclass(frozen=True)
class RealRecord:
    """A record written to a real WARC (the sample source's captures point at these)."""

    warc_name: str
    offset: int
    length: int


@dataclass
class Landmarks:
    """Ids and URLs worth asking for: what the timed requests and commands look up."""

    hot_source_id: int = 0
    hot_source_url: str = ""
    small_source_id: int = 0
    small_source_url: str = ""
    hot_capture_id: int = 0
    hot_revisit_at: str = ""
    hot_change_id: int = 0
    diff_before_id: int = 0
    diff_after_id: int = 0
    article_id: int = 0
    requisite_url: str = ""
    never_captured_url: str = ""
    counts: dict[str, int] = field(default_factory=dict)


Emit = Callable[[str, tuple[Any, ...]], None]


def digest(*parts: object) -> str:
    raw = hashlib.sha1(":".join(map(str, parts)).encode()).digest()
    return "sha1:" + base64.b32encode(raw).decode()


class Generator:
    """Makes the rows of every table and hands them to ``emit(table, row)`` in insertable order."""

    def __init__(self, scale: Scale, real: dict[str, RealRecord]) -> None:
        self.s = scale
        self.rng = random.Random(scale.seed)
        self.real = real
        self.marks = Landmarks()
        self.article_urls: dict[int, str] = {}
        self.hosts = [self._host(i) for i in range(max(10, scale.sources // 20))]

    # -- shapes -----------------------------------------------------------------------------

    def _host(self, i: int) -> str:
        rng = self.rng
        words = rng.sample(WORDS, 2)
        return f"www.{words[0]}-{words[1]}{i}.{rng.choice(TLDS)}"

    def _slug(self, n: int) -> str:
        return "-".join(self.rng.choice(WORDS) for _ in range(n))

    def _url(self, sid: int, host: str, when: datetime) -> str:
        shape = self.rng.randrange(8)
        if shape == 0:
            return f"https://{host}/press-releases/{when:%Y/%m}/{self._slug(5)}-{sid}"
        if shape == 1:
            return f"https://{host}/{self.rng.choice(SECTIONS)}/{self._slug(4)}-{sid}.html"
        if shape == 2:
            return f"https://{host}/statements/{sid}"
        if shape == 3:
            return f"https://{host}/?p={sid}"
        if shape == 4:
            return f"https://{host}/documents/{when:%Y}/{self._slug(3)}-{sid}.pdf"
        if shape == 5:
            return f"https://{host}/item?id={sid}&lang=en"
        if shape == 6:
            return f"https://{host}/en/{self._slug(2)}/{sid}/"
        return f"https://{host}/news/{when:%Y-%m-%d}/{self._slug(6)}-{sid}"

    def _pick_host(self) -> int:
        # A few hosts hold a large share of the sources (ministries, wire services), most hold few.
        return int(len(self.hosts) * self.rng.random() ** 3)

    # -- the catalog --------------------------------------------------------------------------

    def run(self, emit: Emit) -> Landmarks:
        s, rng = self.s, self.rng
        # Articles, by round of ingestion, each bringing its new sources.
        article_round = sorted(rng.randrange(ROUNDS - 8) for _ in range(s.articles))
        weights = [rng.expovariate(1.0) + 0.05 for _ in range(s.articles)]
        total = sum(weights)
        new_per_article = [int(s.sources * w / total) for w in weights]
        for i in range(s.sources - sum(new_per_article)):
            new_per_article[i % s.articles] += 1
        orphans = max(int(0.05 * s.sources), s.sources - s.citations)
        extra = max(0, s.citations - (s.sources - orphans))

        source_article = array("i", [0]) * (s.sources + 1)
        source_round = array("i", [0]) * (s.sources + 1)
        sid = 0
        for aid, (r, n) in enumerate(zip(article_round, new_per_article, strict=True), start=1):
            for _ in range(n):
                sid += 1
                source_article[sid], source_round[sid] = aid, r
        # Hot sources: among the first tenth of the sources (cited early, watched long).
        stride = max(1, s.sources // 10 // s.hot)
        hot = [1 + i * stride for i in range(s.hot)]
        self._source_round = source_round
        hot_rank = {h: rank for rank, h in enumerate(hot, start=1)}
        self.urls = [""]
        self.source_host = array("i", [0]) * (s.sources + 1)
        for i in range(1, s.sources + 1):
            h = self._pick_host()
            self.source_host[i] = h
            self.urls.append(self._url(i, self.hosts[h], T_START + ROUND * source_round[i]))
        orphan = set(rng.sample(range(1, s.sources + 1), orphans)) - set(hot)
        self._citations(emit, source_article, orphan, hot, extra, article_round)

        # Plan the capture rounds of every source.
        per_round: list[array[int]] = [array("i") for _ in range(ROUNDS)]
        hot_top = max(50, int(20_000 * s.captures / 3_000_000))
        pending = set()
        for i in range(1, s.sources + 1):
            start = source_round[i]
            if i in hot_rank:
                n = max(50, int(hot_top / hot_rank[i] ** 0.7))
                span = ROUNDS - start - 1
                for k in range(n):
                    per_round[start + (k * span) // n].append(i)
                continue
            if rng.random() < 0.03:
                pending.add(i)
                continue
            n = rng.choices((1, 2, 3), (40, 35, 25))[0]
            r = start
            for _ in range(n):
                if r >= ROUNDS:
                    break
                per_round[r].append(i)
                r += rng.randint(4, 200)
        source_events = sum(len(x) for x in per_round)
        probes = min(30_000, s.sources // 30)
        requisites = max(0, s.captures - source_events - s.articles - probes)
        self.p_requisite = requisites / max(1, source_events) / 1.5
        self.p_probe = probes / max(1, s.sources)
        # Edits: ~12 % of re-captures changed; turn enough of them into changes to reach the target.
        recaptures = max(1, source_events - (s.sources - len(pending)))
        self.p_edit_change = min(1.0, max(0.05, (s.changes - 0.06 * s.sources * 0.4) / (0.12 * recaptures)))
        self._captures(emit, per_round, article_round, pending, hot)
        self.marks.never_captured_url = f"https://{self.hosts[0]}/this/page/was/never/captured?at=all"
        return self.marks

    def _citations(
        self,
        emit: Emit,
        source_article: array[int],
        orphan: set[int],
        hot: list[int],
        extra: int,
        article_round: list[int],
    ) -> None:
        s, rng = self.s, self.rng
        by_article: dict[int, list[int]] = {}
        for sid in range(1, s.sources + 1):
            if sid not in orphan:
                by_article.setdefault(source_article[sid], []).append(sid)
        zipf = [1 / r for r in range(1, len(hot) + 1)]
        added = 0
        while added < extra:
            aid = rng.randrange(1, s.articles + 1)
            h = rng.choices(hot, zipf)[0]
            cited = by_article.setdefault(aid, [])
            if h not in cited and source_article[h] <= aid:
                cited.append(h)
                added += 1
        cid = 0
        biggest = max(by_article, key=lambda a: len(by_article[a]))
        self.marks.article_id = biggest
        for aid in range(1, s.articles + 1):
            for position, sid in enumerate(by_article.get(aid, ()), start=1):
                cid += 1
                quotes = json.dumps([f"We will {self._slug(6)} by {2026 + cid % 3}"] if cid % 3 == 0 else [])
                emit(
                    "citation",
                    (
                        cid,
                        aid,
                        sid,
                        self._slug(3).replace("-", " "),
                        f"As the {self._slug(8)} said.",
                        quotes,
                        position,
                    ),
                )
        self.marks.counts["citation"] = cid
        self.article_round = article_round

    def _captures(
        self,
        emit: Emit,
        per_round: list[array[int]],
        article_round: list[int],
        pending: set[int],
        hot: list[int],
    ) -> None:
        s, rng = self.s, self.rng
        n = s.sources + 1
        version = array("i", [0]) * n  # payload version; 0: no response yet
        last_id = array("i", [0]) * n  # last capture with an HTTP status (what detection compares with)
        count = array("i", [0]) * n
        fails = array("b", [0]) * n
        last_status = array("h", [0]) * n
        last_at = array("d", [0.0]) * n
        state = bytearray(n)  # index into STATES
        fate = bytearray(n)  # 0 lives on, 1 is deleted at its last capture, 2 redirected
        planned = array("i", [0]) * n
        for r in per_round:
            for sid in r:
                planned[sid] += 1
        for sid in range(1, n):
            if planned[sid] >= 2 and sid not in hot:
                u = rng.random()
                fate[sid] = 1 if u < 0.03 else 2 if u < 0.05 else 0
        small = next(i for i in range(1, n) if planned[i] == 3 and fate[i] == 0 and i not in hot)
        sample = hot[0]
        self.marks.hot_source_id, self.marks.hot_source_url = sample, self.urls[sample]
        self.marks.small_source_id, self.marks.small_source_url = small, self.urls[small]

        cap_id = change_id = delivery_id = 0
        warc = _WarcNamer(emit)
        articles_next = 0
        article_capture: dict[int, int] = {}
        hot_ids: list[int] = []
        for r in range(ROUNDS):
            start = T_START + ROUND * r
            warc.new_round(start)
            while articles_next < len(article_round) and article_round[articles_next] == r:
                articles_next += 1
                cap_id += 1
                name, offset, length = warc.place(rng.randint(20_000, 90_000))
                news = f"https://news{articles_next % 300}.example.com"
                url = f"{news}/{start:%Y/%m}/{self._slug(5)}-{articles_next}"
                emit(
                    "capture",
                    _capture(
                        cap_id,
                        None,
                        None,
                        "article",
                        url,
                        url,
                        start,
                        200,
                        CONTENT_TYPES[0],
                        digest("a", articles_next),
                        name,
                        offset,
                        length,
                        "response",
                        judged=None,
                    ),
                )
                article_capture[articles_next] = cap_id
                self.article_urls[articles_next] = url
            events = per_round[r]
            step = ROUND / max(1, len(events) + 1)
            order = list(events)
            rng.shuffle(order)
            for k, sid in enumerate(order, start=1):
                when = start + step * k
                count[sid] += 1
                url = self.urls[sid]
                final_url, redirects, status, record_type = url, "[]", 200, "response"
                error_kind = error = None
                kind = None
                ctype = CONTENT_TYPES[sid % 4]
                last = count[sid] == planned[sid]
                if version[sid] == 0:
                    if rng.random() < 0.02:
                        record_type, status, error_kind, error = (
                            "metadata",
                            None,
                            "timeout",
                            "Connection timed out",
                        )
                    else:
                        version[sid] = 1
                elif last and fate[sid] == 1:
                    status, kind = 404, "deleted"
                    version[sid] = 1_000_000 + sid % 20  # one of the few "not found" pages
                elif last and fate[sid] == 2:
                    host = self.hosts[self.source_host[sid]]
                    final_url = f"https://{host}/archive/moved-{sid}"
                    redirects = json.dumps([{"url": url, "status": 301}])
                    version[sid] += 1
                    kind = "redirected"
                else:
                    u = rng.random()
                    if u < 0.05:
                        record_type, status, error_kind, error = (
                            "metadata",
                            None,
                            "timeout",
                            "Connection timed out",
                        )
                    elif u < 0.17:
                        version[sid] += 1
                        if rng.random() < self.p_edit_change:
                            kind = "edited"
                    else:
                        record_type = "revisit"
                if record_type == "metadata":
                    fails[sid] = min(fails[sid] + 1, 100)
                    if fails[sid] == 3 and last_id[sid]:
                        kind = "unreachable"
                elif fails[sid] >= 3 and last_id[sid] and kind is None:
                    kind = "restored"
                if record_type != "metadata":
                    fails[sid] = 0
                payload = None if record_type == "metadata" else digest("p", sid, version[sid])
                if version[sid] >= 1_000_000:
                    payload = digest("notfound", version[sid])
                length = 600 if record_type == "revisit" else rng.randint(2_000, 60_000)
                if record_type == "metadata":
                    length = 400
                name, offset, length = warc.place(length)
                if sid == sample and record_type != "metadata":
                    rec = self.real["revisit" if record_type == "revisit" else f"v{version[sid] % 2}"]
                    name, offset, length = rec.warc_name, rec.offset, rec.length
                cap_id += 1
                emit(
                    "capture",
                    _capture(
                        cap_id,
                        sid,
                        None,
                        "source",
                        url,
                        final_url,
                        when,
                        status,
                        ctype,
                        payload,
                        name,
                        offset,
                        length,
                        record_type,
                        error_kind=error_kind,
                        error=error,
                        redirects=redirects,
                        judged=when,
                    ),
                )
                if sid == sample:
                    hot_ids.append(cap_id)
                    if record_type == "revisit":
                        self.marks.hot_revisit_at = f"{when:%Y%m%d%H%M%S}"
                if kind is not None and last_id[sid]:
                    change_id += 1
                    delivery_id = self._change(
                        emit, change_id, delivery_id, sid, kind, last_id[sid], cap_id, when
                    )
                    if sid == sample and kind == "edited":
                        self.marks.hot_change_id = change_id
                        self.marks.diff_before_id, self.marks.diff_after_id = last_id[sid], cap_id
                    state[sid] = STATES.index(kind if kind != "restored" else "live")
                elif status is not None and state[sid] in (0, STATES.index("unreachable")):
                    state[sid] = STATES.index("live")
                if status is not None:
                    last_id[sid] = cap_id
                last_status[sid] = status or 0
                last_at[sid] = when.timestamp()
                parent = cap_id
                if record_type == "response" and rng.random() < self.p_probe and count[sid] == 1:
                    cap_id += 1
                    host = self.hosts[self.source_host[sid]]
                    name, offset, length = warc.place(900)
                    emit(
                        "capture",
                        _capture(
                            cap_id,
                            sid,
                            None,
                            "probe",
                            f"https://{host}/citewatch-probe-{sid:x}",
                            f"https://{host}/citewatch-probe-{sid:x}",
                            when,
                            404,
                            ctype,
                            digest("probe", host),
                            name,
                            offset,
                            length,
                            "response",
                            judged=None,
                        ),
                    )
                if record_type != "metadata" and rng.random() < self.p_requisite:
                    host = self.hosts[self.source_host[sid]]
                    for asset, atype in rng.sample(ASSETS, rng.randint(1, 2)):
                        cap_id += 1
                        aurl = f"https://{host}/{asset}"
                        name, offset, length = warc.place(rng.randint(1_000, 40_000))
                        emit(
                            "capture",
                            _capture(
                                cap_id,
                                None,
                                parent,
                                "requisite",
                                aurl,
                                aurl,
                                when,
                                200,
                                atype,
                                digest("asset", host, asset, r // 120),
                                name,
                                offset,
                                length,
                                "response",
                                judged=None,
                            ),
                        )
                        if self.source_host[sid] == 0 and asset == ASSETS[0][0]:
                            self.marks.requisite_url = aurl
        warc.close()
        # The last few source captures wait for change detection, as after a crawl.
        self.unjudged_from = max(1, cap_id - 40)
        self.marks.counts.update(capture=cap_id, change=change_id, delivery=delivery_id)
        self.marks.hot_capture_id = hot_ids[len(hot_ids) // 2]
        self._sources(emit, pending, state, last_status, last_at, count)
        self._articles(emit, article_capture)

    def _change(
        self,
        emit: Emit,
        change_id: int,
        delivery_id: int,
        sid: int,
        kind: str,
        before: int,
        after: int,
        when: datetime,
    ) -> int:
        detected = when + timedelta(seconds=30)
        url = self.urls[sid]
        removed = [f"The {self._slug(7).replace('-', ' ')}."] if kind == "edited" else []
        added = [f"The {self._slug(7).replace('-', ' ')}."] if kind == "edited" else []
        quotes = [f"We will {self._slug(5)}"] if kind == "edited" and change_id % 4 == 0 else []
        summary = {
            "edited": f"{len(removed)} passage(s) removed, {len(added)} added",
            "deleted": "the page answers 404 Not Found",
            "redirected": "the page now redirects elsewhere",
            "unreachable": "3 failed fetches in a row (timeout)",
            "restored": "the page answers again",
        }[kind]
        emit(
            "change",
            (
                change_id,
                sid,
                kind,
                detected,
                before,
                after,
                summary,
                json.dumps(added),
                json.dumps(removed),
                json.dumps(quotes),
            ),
        )
        emit("alert", (change_id, change_id, detected, f"{kind}: {url}", f"{summary}\n{url}"))
        targets = DELIVERY_TARGETS if change_id % 3 == 0 else DELIVERY_TARGETS[:1]
        for target in targets:
            delivery_id += 1
            u = self.rng.random()
            if u < 0.005:
                row = (
                    delivery_id,
                    change_id,
                    target,
                    "failed",
                    5,
                    None,
                    None,
                    "HTTP 500 from the hook",
                    None,
                )
            elif u < 0.006:
                row = (
                    delivery_id,
                    change_id,
                    target,
                    "pending",
                    1,
                    detected + timedelta(hours=1),
                    None,
                    "timed out",
                    None,
                )
            else:
                row = (
                    delivery_id,
                    change_id,
                    target,
                    "delivered",
                    1,
                    None,
                    None,
                    None,
                    detected + timedelta(seconds=5),
                )
            emit("delivery", row)
        return delivery_id

    def _sources(
        self,
        emit: Emit,
        pending: set[int],
        state: bytearray,
        last_status: array[int],
        last_at: array[float],
        count: array[int],
    ) -> None:
        rng = self.rng
        due = 0
        for sid in range(1, self.s.sources + 1):
            created = T_START + ROUND * self.source_round(sid)
            if count[sid] == 0:
                st, status, at, next_due = "pending", None, None, created
            else:
                st = STATES[state[sid]] if state[sid] else "pending"
                status = last_status[sid] or None
                at = datetime.fromtimestamp(last_at[sid], UTC)
                if rng.random() < 0.12:
                    next_due = T_REF - timedelta(seconds=rng.randrange(3 * 86_400))
                else:
                    next_due = T_REF + timedelta(seconds=rng.randrange(1, 30 * 86_400))
            if next_due <= T_REF:
                due += 1
            paused = rng.random() < 0.001
            failures = 3 if st == "unreachable" else 0
            emit("source", (sid, self.urls[sid], created, st, status, at, next_due, failures, paused, "{}"))
        self.marks.counts["due"] = due
        self.marks.counts["source"] = self.s.sources

    def source_round(self, sid: int) -> int:
        return self._source_round[sid]

    def _articles(self, emit: Emit, article_capture: dict[int, int]) -> None:
        for aid in range(1, self.s.articles + 1):
            when = T_START + ROUND * self.article_round[aid - 1]
            tags = json.dumps(self.rng.sample(TAGS, self.rng.randint(1, 2)) if aid % 20 == 0 else [])
            title = f"{self._slug(6).replace('-', ' ').capitalize()} ({aid})"
            emit(
                "article",
                (aid, self.article_urls[aid], title, "html", tags, when, when, article_capture[aid]),
            )
        self.marks.counts["article"] = self.s.articles


STATES = ("pending", "live", "edited", "deleted", "redirected", "unreachable")


def _capture(
    cid: int,
    sid: int | None,
    parent: int | None,
    role: str,
    url: str,
    final_url: str,
    when: datetime,
    status: int | None,
    ctype: str,
    payload: str | None,
    name: str,
    offset: int,
    length: int,
    record_type: str,
    *,
    judged: datetime | None,
    error_kind: str | None = None,
    error: str | None = None,
    redirects: str = "[]",
) -> tuple[Any, ...]:
    record_id = f"<urn:uuid:{hashlib.md5(str(cid).encode()).hexdigest()}>"
    body = None if record_type == "metadata" else max(0, length * 3)
    return (
        cid,
        sid,
        parent,
        role,
        url,
        final_url,
        when,
        status,
        ctype if status else None,
        payload,
        name,
        offset,
        length,
        record_type,
        error_kind,
        error,
        redirects,
        body,
        record_id,
        judged,
        None,
        0,
    )


class _WarcNamer:
    """Names WARC files as the writer does (a new one every ~1,000 records or each crawl) and
    places records at increasing offsets; emits the ``warc_file`` rows."""

    PER_FILE = 1_000

    def __init__(self, emit: Emit) -> None:
        self._emit = emit
        self._name = ""
        self._offset = self._records = self._seq = 0
        self._start = T_START

    def new_round(self, start: datetime) -> None:
        self.close()
        self._start, self._seq = start, 0

    def place(self, length: int) -> tuple[str, int, int]:
        if not self._name or self._records >= self.PER_FILE:
            self.close()
            self._seq += 1
            self._name = f"citewatch-{self._start:%Y%m%d%H%M%S}000-{self._seq:05d}.warc.gz"
            self._offset, self._records = 300, 0
        at = self._offset
        self._offset += length
        self._records += 1
        return self._name, at, length

    def close(self) -> None:
        if self._name:
            stored = self._start + timedelta(hours=1)
            sha = hashlib.sha256(self._name.encode()).hexdigest()
            self._emit(
                "warc_file",
                (self._name, "stored", f"warcs/{self._name}", self._offset, sha, self._start, stored),
            )
        self._name = ""


def generate(scale: Scale, real: dict[str, RealRecord], emit: Emit) -> Landmarks:
    """Make every row of a catalog of ``scale`` and hand each to ``emit(table, row)``."""
    gen = Generator(scale, real)
    gen.article_urls = {}
    return gen.run(emit)

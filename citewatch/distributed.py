"""The command line's side of a scale-out deployment (``CITEWATCH_REDIS_URL`` set).

`ingest` and `crawl` do not crawl in the command's own process then: they lease the sources in
the catalog, queue them for the workers (ahead of the daemon's routine re-crawls), and wait
until the workers have captured and judged them, so that they print what they print without
Redis.  Nothing is lost if the command is interrupted: queued sources are captured anyway, and a
lease nobody takes expires and is dispatched again by the daemon.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from citewatch.errors import ClusterUnavailable

if TYPE_CHECKING:
    import redis

    from citewatch.app import App, CrawlOutcome
    from citewatch.config import Settings

logger = logging.getLogger(__name__)

POLL_SECONDS = 0.5
# A queued round with no live worker for this long fails the command (the work stays queued).
NO_WORKER_SECONDS = 60.0
# Workers stamp captures with their own clocks: allow them to be this far behind ours.
CLOCK_SLACK = timedelta(seconds=5)


def connect(settings: Settings) -> redis.Redis:
    """A client for the deployment's Redis, checked with a PING (one clear line if unreachable)."""
    import redis as redis_module

    from crawler.cluster.keys import connect as connect_url

    url = settings.redis_url
    if url is None:
        raise ClusterUnavailable("CITEWATCH_REDIS_URL is not set: this is a single-machine citewatch")
    try:
        client = connect_url(url)
        client.ping()
    except (redis_module.RedisError, ValueError) as exc:
        raise ClusterUnavailable(
            f"cannot reach Redis at {redacted(url)} ({str(exc).splitlines()[0]}); check that it runs "
            "and CITEWATCH_REDIS_URL"
        ) from exc
    return client


def redacted(url: str) -> str:
    """The URL without its password, for messages and `status`: the password of the authority
    becomes ``***``, and a ``password=`` query parameter (redis-py reads one, e.g. for a
    ``unix://`` socket) is dropped."""
    from urllib.parse import parse_qsl, urlencode, urlsplit

    parts = urlsplit(url)
    netloc = parts.netloc
    if parts.password is not None:
        host = parts.hostname or ""
        netloc = f"{parts.username or ''}:***@{host}" + (f":{parts.port}" if parts.port else "")
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    query = urlencode([(k, v) for k, v in pairs if k.lower() != "password"])
    if netloc == parts.netloc and len(query) == len(parts.query):
        return url
    # Not urlunsplit: it drops the "//" of ``unix:///path`` (an empty authority).
    return f"{parts.scheme}://{netloc}{parts.path}" + (f"?{query}" if query else "")


def crawl_through_workers(
    app: App,
    *,
    source_ids: Sequence[int],
    article_urls: Sequence[str] = (),
    say: Callable[[str], None] | None = None,
) -> CrawlOutcome:
    """Queue these sources (and article pages) for the workers and wait until they are captured
    and judged; the outcome counts them as a local crawl would."""
    from archive.catalog.batches import in_chunks
    from citewatch.app import CrawlOutcome
    from citewatch.sink import CrawlTally
    from crawler.cluster.heartbeat import live_workers
    from crawler.cluster.queue import Entry, push
    from crawler.model import ROLE_ARTICLE
    from scheduler.dispatch import dispatch

    s = app.settings
    client = connect(s)
    since = app.clock() - CLOCK_SLACK
    lease_for = timedelta(seconds=s.lease_seconds)
    # At the front of the queue, past its limit: someone waits for these.  A source leased
    # already (by the daemon) is in the queue already and is not queued twice.
    push(client, [Entry(url=u, role=ROLE_ARTICLE) for u in article_urls], urgent=True)
    ids = sorted(set(source_ids))
    for chunk in in_chunks(ids):  # a transaction and a push per chunk, however many there are
        dispatch(
            app.catalog,
            client,
            lease_for=lease_for,
            queue_limit=None,
            due_only=False,
            source_ids=chunk,
            urgent=True,
        )
    waiting = set(ids)
    articles: dict[str, int] = {}
    failed_articles: dict[str, str] = {}
    last_word = last_worker = time.monotonic()
    while True:
        for url in article_urls:
            if url not in articles and url not in failed_articles:
                _article_outcome(app, url, since, articles, failed_articles, waiting)
        progress = app.catalog.round_progress(sorted(waiting), since)
        if (
            len(articles) + len(failed_articles) == len(article_urls)
            and progress.captured >= waiting
            and not progress.unjudged
        ):
            break
        now = time.monotonic()
        if live_workers(client):
            last_worker = now
        elif now - last_worker > NO_WORKER_SECONDS:
            raise ClusterUnavailable(
                f"no worker has been seen for {NO_WORKER_SECONDS:.0f} s while "
                f"{len(waiting - progress.captured)} source(s) wait: start `citewatch worker` "
                "(what is queued stays queued)"
            )
        if say is not None and now - last_word >= 5:
            say(f"workers captured {len(progress.captured)} of {len(waiting)} source(s)")
            last_word = now
        time.sleep(POLL_SECONDS)
    changes = [c.id for c in app.catalog.iter_changes(since=since) if c.source_id in waiting]
    tally = CrawlTally(
        captured=len(progress.captured - progress.failed),
        failed=len(progress.failed),
        article_ids=[articles[u] for u in article_urls if u in articles],
        failed_articles=list(failed_articles.items()),
    )
    return CrawlOutcome(tally=tally, stats=None, upload=None, article_ids=tally.article_ids, changes=changes)


def _article_outcome(
    app: App,
    url: str,
    since: datetime,
    articles: dict[str, int],
    failed: dict[str, str],
    waiting: set[int],
) -> None:
    """Whether a worker has captured the article page at ``url``: its article (whose sources are
    then waited for too), or why it is not one."""
    found = app.catalog.articles_for_origins([url])
    if url in found:
        view = app.catalog.get_article(found[url])
        if view is not None and (view.capture_id is not None or not view.citations):
            articles[url] = found[url]
            waiting.update(c.source_id for c in view.citations)
            return
    page = app.catalog.page_captured_since(url, since)
    if page is not None and url not in found:
        if page.error or (page.status or 0) >= 400:
            failed[url] = page.error or f"HTTP {page.status}"
        else:
            failed[url] = "no article could be read from the page"

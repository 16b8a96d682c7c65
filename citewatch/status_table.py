"""``citewatch status`` for a person: a summary, then the live workers and the busiest hosts.

Worker ids, host names and the dispatcher's owner come from Redis, which every worker writes to:
they are shown as plain text (no Rich markup) with control characters and bidi overrides made
inert, as every other listing does.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console
from rich.table import Table
from rich.text import Text

from archive.text.characters import inert
from citewatch.status import ClusterStatus


def _plain(value: object) -> Text:
    return Text(inert("-" if value is None else str(value)))


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC") if moment is not None else "-"


def print_status(console: Console, status: ClusterStatus) -> None:
    """The status as a few labelled lines and two tables (workers, hosts)."""
    summary = Table.grid(padding=(0, 2))
    summary.add_column(style="bold")
    summary.add_column()
    summary.add_row("checked", _when(status.checked_at))
    leases = status.leases
    cluster = status.cluster
    if cluster is None:
        summary.add_row(
            "deployment",
            "single machine (CITEWATCH_REDIS_URL is not set): `citewatch daemon` crawls due sources itself",
        )
        summary.add_row("overdue", f"{leases.overdue} source(s) due, waiting for the next crawl")
        if leases.leased or leases.expired:
            summary.add_row("leased", f"{leases.leased} source(s), {leases.expired} lease(s) expired")
        console.print(summary)
        return
    summary.add_row("deployment", _plain(f"distributed over Redis at {status.redis}"))
    summary.add_row("queue", f"{cluster.queue} request(s) waiting for a worker")
    summary.add_row(
        "sources",
        f"{leases.leased} leased, {leases.expired} with an expired lease (dispatched again), "
        f"{leases.overdue} overdue",
    )
    if cluster.dispatcher is None:
        summary.add_row("dispatcher", "none: no daemon dispatches due sources (start `citewatch daemon`)")
    else:
        left = f"lease {cluster.dispatcher.ttl_seconds:.0f} s left"
        summary.add_row("dispatcher", Text.assemble(_plain(cluster.dispatcher.owner), f" ({left})"))
    summary.add_row("workers", f"{len(cluster.workers)} heard from in the last minute")
    console.print(summary)
    if cluster.workers:
        workers = Table("worker", "host", "pid", "state", "captured", "round", "last seen", box=None)
        for w in cluster.workers:
            workers.add_row(
                _plain(w.id),
                _plain(w.host),
                _plain(w.pid),
                _plain(w.state),
                _plain(w.captured),
                _plain(w.round),
                f"{w.age_seconds:.0f} s ago",
            )
        console.print(workers)
    if cluster.host_count:
        shown = len(cluster.hosts)
        more = f", the busiest {shown} shown" if shown < cluster.host_count else ""
        console.print(Text(f"requests per host: {cluster.host_count} host(s) in the last two minutes{more}"))
        hosts = Table("host", "this minute", "last minute", box=None)
        for h in cluster.hosts:
            hosts.add_row(_plain(h.host), str(h.requests_this_minute), str(h.requests_last_minute))
        console.print(hosts)
    else:
        console.print(Text("requests per host: none in the last two minutes"))

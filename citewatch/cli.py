"""The command line (see ../shared/CLI.md for the contract scripts rely on).

Lists go to stdout, as a table or, with ``--json``, as exactly one JSON document; logs and
progress go to stderr.  Every failure ends with one line on stderr saying what to do, and a
non-zero exit status.
"""

from __future__ import annotations

import itertools
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, NoReturn

import typer
from rich.console import Console

from archive.text.characters import inert, xml_safe_data
from citewatch import __version__
from citewatch.errors import BadInput, NothingArchived
from citewatch.render import (
    SET_BY_USER,
    alert_json,
    article_json,
    capture_json,
    change_json,
    mode_json,
    source_json,
    uncompared_json,
)

if TYPE_CHECKING:
    from archive.catalog.repository import Catalog
    from archive.catalog.views import SourceMode, SourceSummary, UncomparedCapture
    from archive.index.reindex import ReindexReport
    from citewatch.app import App, CrawlOutcome

EXIT_FAILURE = 1
# A command given an id that does not exist (`citewatch report 999`).
EXIT_USAGE = 2
# The errors whose message is the whole story for the user, as (module, class).  They are looked up
# among the modules already imported: an error class never imported was never raised, and importing
# the crawler or the object stores only to name their errors would slow every command down.  For the
# same reason the catalog, the settings (pydantic) and the app are imported inside the commands that
# use them: `--help` and `--version` need none of them.
USER_ERRORS = (
    ("citewatch.errors", "CitewatchError"),
    ("crawler.ingest.errors", "IngestError"),
    ("archive.catalog.errors", "CatalogError"),
    ("archive.store.errors", "StoreError"),
    ("archive.warc.errors", "WarcError"),
    ("archive.export.errors", "ExportError"),
)

app = typer.Typer(
    name="citewatch",
    help="Keep the receipts: archive every source an article cites, and watch it for changes.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
err = Console(stderr=True)
# Streamed tables (`print_table`): each column as wide as its widest possible value (a state, a
# status, a time, a SHA-1 digest) so that every chunk lines up with the first.
SOURCE_COLUMNS = (
    ("state", 11),
    ("mode", 7),
    ("captures", 8),
    ("last status", 11),
    ("last captured", 19),
    ("url", 0),
)
CAPTURE_COLUMNS = (("captured", 19), ("status", 6), ("type", 8), ("digest", 37), ("warc", 0), ("offset", 6))
JsonOpt = Annotated[bool, typer.Option("--json", help="Print exactly one JSON document on stdout.")]


def fail(message: str) -> NoReturn:
    """One line on stderr, non-zero exit."""
    err.print(f"citewatch: error: {inert(message)}", markup=False, highlight=False, soft_wrap=True)
    raise typer.Exit(EXIT_FAILURE)


def echo(text: str) -> None:
    """A line on stdout for a person: titles, URLs, quotes and reasons come from hostile pages, so
    control characters are dropped and bidi overrides shown as marks (`inert`), as in the web UI."""
    typer.echo(inert(text))


def is_user_error(exc: BaseException) -> bool:
    for module, name in USER_ERRORS:
        loaded = sys.modules.get(module)
        if loaded is not None and isinstance(exc, getattr(loaded, name)):
            return True
    return False


@contextmanager
def user_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        if not is_user_error(exc):
            raise
        fail(str(exc).splitlines()[0] if str(exc) else exc.__class__.__name__)


# Article ids are INTEGERs: 32-bit on PostgreSQL, 64-bit on SQLite, whose driver raised OverflowError
# on a larger number (`report 99999999999999999999999`) instead of finding no article; the smaller
# range holds for both catalogs.
MAX_ID = 2**31 - 1


def article_id_param(param: typer.CallbackParam, value: int | None) -> int | None:
    """Callback of every option or argument naming an article: an id no article can have is a
    usage error (exit 2, as an unknown id), one line, before anything is opened."""
    if value is not None and not 1 <= value <= MAX_ID:
        named = f"{param.opts[0]} " if param.param_type_name == "option" and param.opts else ""
        err.print(
            f"citewatch: error: {named}{value} is not an article id (ids run from 1 to {MAX_ID}); "
            "`citewatch ingest --json` shows article ids",
            markup=False,
            highlight=False,
            soft_wrap=True,
        )
        raise typer.Exit(EXIT_USAGE)
    return value


ArticleIdArg = Annotated[
    int, typer.Argument(help="The article's id (see `citewatch ingest --json`).", callback=article_id_param)
]


def output_file_param(param: typer.CallbackParam, value: Path | None) -> Path | None:
    """Callback of every option naming a file to write: a directory, or a path under a file, fails
    at once with one line (not a traceback after the work is done).  A missing directory is made
    when the file is written; a place the file system refuses (read-only, /proc) fails then."""
    if value is None:
        return None
    name = (param.opts or [param.name or "output"])[0]
    try:
        if value.is_dir():
            fail(f"{name} {value}: it is a directory; give the path of a file to write in it")
        for parent in value.parents:
            if parent.exists():
                if not parent.is_dir():
                    fail(f"{name} {value}: {parent} is not a directory; choose another path")
                break
    except OSError as exc:
        fail(f"{name} {value}: cannot use it ({exc.strerror or exc}); choose another path")
    return value


def open_app() -> App:
    from citewatch.app import App
    from citewatch.config import load_settings

    return App(load_settings())


def open_reader(*, say_so: bool = True) -> App | None:
    """The app for a command that only reads, or None (said on stderr) when nothing is archived yet.

    Looking never creates the data directory or a catalog: a mistyped CITEWATCH_HOME must not
    leave an empty archive behind that later commands would take for the real one.
    """
    from citewatch.app import App
    from citewatch.config import load_settings

    try:
        return App(load_settings(), read_only=True)
    except NothingArchived as exc:
        if say_so:
            err.print(f"citewatch: {exc}", markup=False, highlight=False, soft_wrap=True)
        return None


def emit_json(doc: Any) -> None:
    # Without the characters XML forbids: a lone surrogate cannot even be written as UTF-8.
    sys.stdout.write(json.dumps(xml_safe_data(doc), ensure_ascii=False, indent=2, default=str) + "\n")


def emit_json_list(items: Iterable[Any]) -> None:
    """`emit_json` of a list, written item by item as they come: the same bytes as
    ``emit_json(list(items))``, but the first item is out at once and memory stays flat however
    long the list (a million sources took 64 s and 2.8 GB before printing anything)."""
    out = sys.stdout
    opening = "[\n  "
    for item in items:
        out.write(opening + _indented_json(xml_safe_data(item)))
        if opening != ",\n  ":
            out.flush()
            opening = ",\n  "
    out.write("[]\n" if opening == "[\n  " else "\n]\n")


def _indented_json(item: Any) -> str:
    """``json.dumps(item, indent=2)`` as an element of a list (one level in), the same text, with
    the scalars of a flat object encoded by the C encoder (``indent`` makes json use its pure
    Python one: most of the time of a long listing)."""
    if not isinstance(item, dict) or not item:
        # json.dumps escapes newlines inside strings: every newline in its text is indentation.
        return json.dumps(item, ensure_ascii=False, indent=2, default=str).replace("\n", "\n  ")
    fields = []
    for key, value in item.items():
        if isinstance(value, dict | list | tuple) and value:
            text = json.dumps(value, ensure_ascii=False, indent=2, default=str).replace("\n", "\n    ")
        else:
            text = json.dumps(value, ensure_ascii=False, default=str)
        fields.append(f"    {json.dumps(str(key), ensure_ascii=False)}: {text}")
    return "{\n" + ",\n".join(fields) + "\n  }"


# Rows per streamed table: each chunk is printed as soon as it is read (see `print_table`).
TABLE_CHUNK = 500


def print_table(columns: Sequence[tuple[str, int]], rows: Iterable[Sequence[str]]) -> None:
    """A table on stdout, printed ``TABLE_CHUNK`` rows at a time as the rows come, so a long listing
    starts at once and memory stays flat.  The columns are ``(header, min_width)``: the widths every
    chunk shares, so the chunks line up as one table (the last column takes what is left)."""
    from rich.table import Column, Table

    console = Console()
    chunk: list[Sequence[str]] = []
    header = True

    def flush() -> None:
        nonlocal header
        table = Table(*(Column(h, min_width=w) for h, w in columns), box=None, show_header=header)
        for row in chunk:
            table.add_row(*row)
        console.print(table)
        chunk.clear()
        header = False

    for row in rows:
        chunk.append(row)
        if len(chunk) >= TABLE_CHUNK:
            flush()
    if chunk or header:
        flush()


def _log_each_cycle() -> None:
    """A daemon or worker logs each job and round at INFO; framework chatter stays filtered unless
    -v was given."""
    root = logging.getLogger()
    root.setLevel(min(root.level, logging.INFO))
    for handler in root.handlers:
        handler.setLevel(min(handler.level, logging.INFO))


def _say(line: str) -> None:
    err.print(inert(line), markup=False, highlight=False)


def _warn(message: str) -> None:
    """One warning line on stderr, never wrapped (scripts grep these)."""
    err.print(f"citewatch: warning: {inert(message)}", markup=False, highlight=False, soft_wrap=True)


def _report_crawl(outcome: CrawlOutcome) -> None:
    """Tell the user about problems that did not stop the crawl, and fail if the archive is incomplete."""
    stats = outcome.stats
    if stats is not None:
        err.print(
            f"captured {outcome.tally.captured} source(s), {outcome.tally.failed} failed, "
            f"{outcome.tally.requisites} page requisite(s)"
            + (
                f", {outcome.tally.recovered} recovered from Memento archives"
                if outcome.tally.recovered
                else ""
            )
            + f"; {stats.responses} responses in "
            f"{stats.elapsed:.1f}s ({stats.responses_per_second:.1f}/s)",
            highlight=False,
        )
    if outcome.upload is not None and not outcome.upload.ok:
        fail(
            f"{outcome.upload.error}; the WARCs are kept in the spool and will be uploaded by the next "
            "run (check the store, then run `citewatch crawl --due`)"
        )
    if outcome.tally.unrecorded:
        fail(
            f"{outcome.tally.unrecorded} capture(s) could not be written to the catalog (see the warnings "
            "above); their WARC records are kept, and the next citewatch command puts them back into the "
            "catalog (`citewatch reindex` does it for the whole archive)"
        )
    if stats is not None and stats.internal_errors:
        fail(
            f"{stats.internal_errors} fetched page(s) hit an internal error (see the warnings above) and may "
            "be missing from the catalog or lack their requisites; their WARC records are kept: run the "
            "crawl again, and report the error"
        )


@app.command()
def ingest(
    src: Annotated[list[str], typer.Argument(help="Article files (.txt, .md, .html, .pdf) or http(s) URLs.")],
    no_crawl: Annotated[
        bool, typer.Option("--no-crawl", help="Only record the citations; capture later.")
    ] = False,
    all_links: Annotated[bool, typer.Option("--all-links", help="Keep every link of an HTML page.")] = False,
    tag: Annotated[
        list[str] | None,
        typer.Option("--tag", help="Tag the articles (repeatable); alerts can be routed by tag."),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Extract the sources an article cites and capture each one now."""
    from citewatch.inputs import parse_article_inputs
    from citewatch.progress import CrawlProgress

    with user_errors():
        inputs = parse_article_inputs(src)
        if no_crawl and any(i.is_url for i in inputs):
            raise BadInput("an article given by URL must be fetched to find its sources; drop --no-crawl")
        application = open_app()
        views = application.ingest_files(inputs, all_links=all_links)
        ids = [v.id for v in views]
        if not no_crawl and application.settings.redis_url:
            from citewatch.distributed import crawl_through_workers

            if all_links and any(i.is_url for i in inputs):
                raise BadInput(
                    "--all-links for an article URL is not supported with CITEWATCH_REDIS_URL yet: "
                    "save the page and ingest the file, or run without Redis"
                )
            cited = [t.source_id for t in application.source_targets(views) if t.source_id is not None]
            outcome = crawl_through_workers(
                application, source_ids=cited, article_urls=[i.origin for i in inputs if i.is_url], say=_say
            )
        elif not no_crawl:
            targets = itertools.chain(application.article_targets(inputs), application.source_targets(views))
            with CrawlProgress(err) as progress:
                outcome = application.crawl(targets, all_links=all_links, progress=progress.update)
        if not no_crawl:
            ids += outcome.article_ids
            for url, reason in outcome.tally.failed_articles:
                err.print(inert(f"citewatch: warning: could not ingest {url}: {reason}"), markup=False)
        if tag:
            application.tag_articles(ids, tag)
        articles = [a for a in (application.catalog.get_article(i) for i in ids) if a is not None]
        for a in articles:
            if not a.citations:
                err.print(inert(f"citewatch: warning: no cited source found in {a.origin}"), markup=False)
        if as_json:
            emit_json([article_json(a) for a in articles])
        else:
            for a in articles:
                echo(f"article {a.id}: {a.title or a.origin} ({len(a.citations)} sources)")
                for c in a.citations:
                    echo(f"  {c.url}")
        if not no_crawl:
            _report_crawl(outcome)
        if any(i.is_url for i in inputs) and len(articles) < len(inputs):
            fail("some article URLs could not be fetched or read (see the warnings above); retry them later")


@app.command()
def crawl(
    due: Annotated[
        bool, typer.Option("--due", help="Sources whose re-crawl time has come (default).")
    ] = False,
    all_sources: Annotated[bool, typer.Option("--all", help="Every watched source.")] = False,
    source: Annotated[
        list[str] | None, typer.Option("--source", help="Only this watched URL (repeatable).")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Capture watched sources now."""
    from citewatch.progress import CrawlProgress

    with user_errors():
        if sum([due, all_sources, bool(source)]) > 1:
            raise BadInput("choose one of --due, --all or --source")
        application = open_app()
        targets = application.due_targets(due_only=not (all_sources or source), urls=source)
        if application.settings.redis_url:
            from citewatch.distributed import crawl_through_workers

            ids = [t.source_id for t in targets if t.source_id is not None]
            outcome = crawl_through_workers(application, source_ids=ids, say=_say)
        else:
            with CrawlProgress(err) as progress:
                outcome = application.crawl(targets, progress=progress.update)
        summary = {
            "captured": outcome.tally.captured,
            "failed": outcome.tally.failed,
            "changes": len(outcome.changes),
            "recovered": outcome.tally.recovered,
        }
        if as_json:
            emit_json(summary)
        else:
            echo(f"captured {summary['captured']}, failed {summary['failed']}, changes {summary['changes']}")
        _report_crawl(outcome)


@app.command()
def sources(as_json: JsonOpt = False) -> None:
    """Watched sources and their state."""
    with user_errors():
        reader = open_reader()
        rows = reader.catalog.iter_sources() if reader is not None else iter(())
        if as_json:
            catalog = reader.catalog if reader is not None else None
            emit_json_list(_with_recoveries(rows, catalog))
            return
        if reader is None:
            return
        print_table(
            SOURCE_COLUMNS,
            (
                (
                    s.state,
                    s.effective_mode,
                    str(s.captures),
                    str(s.last_status or "-"),
                    _when(s.last_captured_at),
                    inert(s.url),
                )
                for s in rows
            ),
        )


def _with_recoveries(rows: Iterator[SourceSummary], catalog: Catalog | None) -> Iterator[dict[str, Any]]:
    """`source_json` of each source, with its memento recovered from an archive (a few hundred
    sources looked up at a time, so the listing still streams)."""
    while chunk := list(itertools.islice(rows, 500)):
        found = catalog.recoveries_for([s.id for s in chunk]) if catalog is not None else {}
        yield from (source_json(s, found.get(s.id)) for s in chunk)


@app.command()
def captures(
    url: Annotated[str, typer.Argument(help="A watched source URL.")], as_json: JsonOpt = False
) -> None:
    """A source's timeline of captures."""
    from archive.catalog.errors import UnknownSource

    with user_errors():
        canonical = _canonical_or_fail(url)
        reader = open_reader(say_so=False)
        if reader is None:
            raise UnknownSource(canonical)
        rows = reader.catalog.iter_captures(canonical)
        if as_json:
            emit_json_list(capture_json(c) for c in rows)
            return
        print_table(
            CAPTURE_COLUMNS,
            (
                (
                    _when(c.captured_at),
                    str(c.status) if c.status is not None else inert(c.error_kind or "error"),
                    c.record_type,
                    c.payload_digest or "-",
                    c.warc_name or "-",
                    str(c.offset if c.offset is not None else "-"),
                )
                for c in rows
            ),
        )


@app.command()
def changes(
    since: Annotated[
        str | None, typer.Option("--since", help="Only changes detected at or after this ISO 8601 time.")
    ] = None,
    uncompared: Annotated[
        bool,
        typer.Option("--uncompared", help="List the captures change detection could not compare instead."),
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Detected changes, newest first, and the captures that could not be compared."""
    with user_errors():
        moment = _parse_since(since) if since else None
        reader = open_reader()
        catalog = reader.catalog if reader is not None else None
        failures = catalog.uncompared_captures(since=moment) if catalog is not None else []
        if uncompared:
            if as_json:
                emit_json([uncompared_json(u) for u in failures])
            else:
                _print_uncompared(failures)
            return
        rows = catalog.iter_changes(since=moment) if catalog is not None else iter(())
        if as_json:
            emit_json_list(change_json(c) for c in rows)
            return
        for c in rows:
            echo(f"{_when(c.detected_at)}  {c.kind:<11} {c.url}")
            echo(f"    {c.summary}")
            for quote in c.removed_quotes:
                echo(f'    quote gone: "{quote}"')
        _print_uncompared(failures)


def _print_uncompared(failures: list[UncomparedCapture]) -> None:
    if not failures:
        return  # without importing change detection (trafilatura, Apprise) only to name a constant
    from scheduler.changes import MAX_JUDGE_ATTEMPTS

    for u in failures:
        echo(f"{_when(u.captured_at)}  {'?':<11} {u.url}")
        echo(f"    could not compare: {u.reason}")
        if u.given_up:
            echo(
                f"    gave up after {u.attempts} attempts; "
                "later captures are compared with the last one judged"
            )
        else:
            echo(
                f"    attempt {u.attempts} of {MAX_JUDGE_ATTEMPTS}; the next crawl tries again "
                "(later captures of this source wait for it)"
            )


@app.command()
def alerts(as_json: JsonOpt = False) -> None:
    """Alerts and their delivery state."""
    with user_errors():
        reader = open_reader()
        rows = reader.catalog.iter_alerts() if reader is not None else iter(())
        if as_json:
            emit_json_list(alert_json(a) for a in rows)
            return
        for a in rows:
            states = (
                ", ".join(f"{ch.target_masked}: {ch.state} ({ch.attempts})" for ch in a.channels)
                or "no channel"
            )
            echo(f"change {a.change_id}  {a.kind:<11} {a.url}  [{states}]")


@app.command()
def status(as_json: JsonOpt = False) -> None:
    """Queue length, leased and overdue sources, live workers and per-host rates (with Redis)."""
    from citewatch.render import status_json
    from citewatch.status import gather_status
    from citewatch.status_table import print_status

    with user_errors():
        from citewatch.app import utc_now
        from citewatch.config import load_settings

        reader = open_reader()  # nothing archived yet (said on stderr): nothing leased or due
        settings = reader.settings if reader is not None else load_settings()
        report = gather_status(settings, reader.catalog if reader is not None else None, utc_now())
        if as_json:
            emit_json(status_json(report))
        else:
            print_status(Console(), report)


@app.command()
def ignore(
    url: Annotated[str, typer.Argument(help="A watched source URL.")],
    selector: Annotated[
        str | None, typer.Option("--selector", help="CSS selector of page parts to ignore (clocks, widgets).")
    ] = None,
    pattern: Annotated[
        str | None, typer.Option("--regex", help="Regular expression of text to ignore when comparing.")
    ] = None,
) -> None:
    """Add an ignore rule to a source: matching parts never count as an edit."""
    from archive.catalog.errors import UnknownSource
    from citewatch.app import App, has_catalog
    from citewatch.config import load_settings

    with user_errors():
        if (selector is None) == (pattern is None):
            raise BadInput("give exactly one of --selector or --regex")
        canonical = _canonical_or_fail(url)
        settings = load_settings()
        if not has_catalog(settings):
            raise UnknownSource(canonical)  # nothing is watched yet; and nothing gets created
        App(settings).catalog.add_ignore_rule(canonical, selector=selector, pattern=pattern)
        echo(f"ignore rule added to {url}")


@app.command()
def mode(
    url: Annotated[
        str | None,
        typer.Argument(metavar="URL", help="A watched source URL (left out with --tag).", show_default=False),
    ] = None,
    new_mode: Annotated[
        str | None,
        typer.Argument(
            metavar="MODE",
            help="http, browser or auto; left out: show the current one.",
            show_default=False,
        ),
    ] = None,
    tag: Annotated[
        str | None,
        typer.Option(
            "--tag", help="Every source cited by an article with this tag: `mode --tag TAG [MODE]`."
        ),
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Show or set how a source is captured: over HTTP, with a browser (pages that need JavaScript),
    or auto (citewatch decides, and says why)."""
    from archive.catalog.errors import UnknownSource
    from archive.catalog.views import SOURCE_MODES
    from citewatch.app import App, has_catalog
    from citewatch.config import load_settings

    with user_errors():
        if tag is not None:
            # `mode --tag TAG MODE`: the one argument is the mode.
            if new_mode is not None or (url is not None and url not in SOURCE_MODES and "://" in url):
                raise BadInput(
                    "give either a URL or --tag, not both: `citewatch mode --tag TAG [http|browser|auto]`"
                )
            wanted, canonical = url, None
        elif url is None:
            raise BadInput("give a watched source URL or --tag TAG: `citewatch mode URL [http|browser|auto]`")
        else:
            wanted, canonical = new_mode, _canonical_or_fail(url)
        if wanted is not None and wanted not in SOURCE_MODES:
            raise BadInput(f"unknown mode {wanted!r}: give http, browser or auto")
        settings = load_settings()
        if not has_catalog(settings):  # nothing is watched yet; and nothing gets created
            raise UnknownSource(canonical) if canonical is not None else _unknown_tag(tag or "")
        catalog = App(settings, read_only=wanted is None).catalog
        if canonical is not None:
            view = catalog.source_mode(canonical) if wanted is None else catalog.set_mode(canonical, wanted)
            if as_json:
                emit_json(mode_json(view))
            else:
                echo(_mode_line(view))
            return
        assert tag is not None
        views = catalog.modes_for_tag(tag) if wanted is None else catalog.set_mode_for_tag(tag, wanted)
        if not views:
            raise _unknown_tag(tag)
        if as_json:
            emit_json([mode_json(v) for v in views])
        else:
            for v in views:
                echo(_mode_line(v))


def _unknown_tag(tag: str) -> BadInput:
    return BadInput(
        f"no watched source is cited by an article tagged {tag!r}; tag articles with "
        f"`citewatch ingest --tag {tag} FILE`, or give a source URL"
    )


def _mode_line(view: SourceMode) -> str:
    if view.mode != "auto":
        return f"{view.url}  {view.mode} ({SET_BY_USER})"
    if view.detected_mode is None:
        return f"{view.url}  auto: http until a capture checks whether it needs a browser"
    reason = view.reason or "no reason recorded"
    return f"{view.url}  auto: {view.detected_mode} ({reason}; checked {_when(view.checked_at)})"


@app.command()
def daemon() -> None:
    """Run the scheduler until stopped: re-crawl due sources (with CITEWATCH_REDIS_URL: queue them
    for the workers), deliver alerts, upload the spool, audit fixity (`verify`) daily."""
    from citewatch.app import App
    from citewatch.config import load_settings
    from citewatch.jobs import daemon_jobs, stop_running_crawl, verify_delay
    from scheduler.daemon import Daemon

    with user_errors():
        settings = load_settings()
        App(settings)  # migrate the catalog and recover the spool before the first job
        _log_each_cycle()
        if settings.redis_url:
            from citewatch.distributed import connect
            from citewatch.jobs import distributed_jobs, stop_dispatching

            connect(settings)  # unreachable: say so now, in one line, not in every job's log
            Daemon(db_url=None, jobs=distributed_jobs(settings), on_stop=stop_dispatching).run()
            return
        jobs = daemon_jobs(
            dispatch_seconds=settings.dispatch_seconds,
            alert_seconds=settings.alert_seconds,
            upload_seconds=settings.upload_seconds,
            verify_seconds=settings.verify_seconds,
            verify_delay=verify_delay(settings),
        )
        Daemon(db_url=settings.db_url, jobs=jobs, on_stop=stop_running_crawl).run()


@app.command()
def worker(
    once: Annotated[bool, typer.Option("--once", help="One round, then exit.")] = False,
) -> None:
    """With CITEWATCH_REDIS_URL: take due sources from the shared queue and capture them, until stopped."""
    from citewatch.config import load_settings
    from citewatch.worker import run_worker

    with user_errors():
        settings = load_settings()
        _log_each_cycle()
        code = run_worker(settings, once=once)
    raise typer.Exit(code)


@app.command()
def serve(
    host: Annotated[
        str, typer.Option("--host", help="Address to bind; loopback unless you mean it.")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", help="TCP port.")] = 8080,
) -> None:
    """The archive browsing web UI (read-only unless CITEWATCH_ADMIN_TOKEN is set)."""
    from citewatch.server import serve_app

    with user_errors():
        application = open_app()
        web = application.web_app(bind_host=host, port=port)  # refuses a weak admin token
        settings = application.settings
        if host not in ("127.0.0.1", "localhost", "::1"):
            err.print(
                f"citewatch: warning: serving on {host}: anyone who can reach it can browse the archive"
            )
            if not settings.ui_base_url and not settings.allowed_hosts:
                err.print(
                    "citewatch: warning: only loopback names and the bind address are answered; set "
                    "CITEWATCH_UI_BASE_URL (or CITEWATCH_ALLOWED_HOSTS) to the name readers use"
                )
        err.print(f"citewatch: serving the archive on http://{host}:{port}/", highlight=False)
        serve_app(
            web,
            host=host,
            port=port,
            max_connections=settings.ui_max_connections,
            max_connections_per_client=settings.ui_max_connections_per_client,
            request_timeout=settings.ui_request_timeout,
        )


@app.command()
def export(
    article_id: ArticleIdArg,
    wacz: Annotated[
        Path, typer.Option("--wacz", help="Where to write the WACZ package.", callback=output_file_param)
    ],
    unsigned: Annotated[
        bool, typer.Option("--unsigned", help="Do not sign it (no signing key needed or made).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """One article's sources and captures as a WACZ package (for ReplayWeb.page and other players)."""
    from citewatch.app import unknown_article

    with user_errors():
        reader = open_reader(say_so=False)
        if reader is None:
            raise unknown_article(article_id)
        from archive.export.errors import ExportError, SigningKeyError  # slow to import

        try:
            report = reader.export_wacz(article_id, wacz, signed=not unsigned)
        except SigningKeyError as exc:  # e.g. a data directory it may read but not write
            raise BadInput(f"{exc}; or export with --unsigned") from exc
        except ExportError as exc:  # nothing archived for it yet, a record that does not match, ...
            raise BadInput(str(exc)) from exc
        doc: dict[str, Any] = {"path": str(report.path), "bytes": report.bytes, "records": report.records}
        key = report.public_key
        doc["signed"] = key is not None
        doc["public_key"] = key.spki_b64 if key is not None else None
        doc["fingerprint"] = key.fingerprint if key is not None else None
        if as_json:
            emit_json(doc)
        else:
            echo(f"wrote {report.path} ({report.bytes:,} bytes, {report.records} records)")
            if key is not None:
                echo(f"signed with this archive's key {key.fingerprint} (see `citewatch signing-key`)")


@app.command("signing-key")
def signing_key(as_json: JsonOpt = False) -> None:
    """The public key that signs this archive's WACZ exports (made now if there is none yet).

    Publish it (or its fingerprint) where readers of your exports can find it: a signature proves
    only that a package is unchanged since the holder of this key signed it.
    """
    from citewatch.app import SIGNING_KEY_FILE
    from citewatch.config import load_settings

    with user_errors():
        from archive.export.keys import load_or_create_key

        path = load_settings().home_dir / SIGNING_KEY_FILE
        key = load_or_create_key(path).public
        if as_json:
            emit_json({"public_key": key.spki_b64, "fingerprint": key.fingerprint, "pem": key.pem})
        else:
            echo(f"fingerprint: {key.fingerprint}")
            typer.echo(key.pem, nl=False)


@app.command("verify-wacz")
def verify_wacz(
    package: Annotated[Path, typer.Argument(help="The .wacz file to check.")],
    ours: Annotated[
        bool, typer.Option("--ours", help="Fail unless it was signed with this archive's own key.")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Check a WACZ package: every file against datapackage.json, that file against its digest, and
    the digest's signature (WACZ Signing and Verification spec); exit 1 on any mismatch."""
    from citewatch.app import SIGNING_KEY_FILE
    from citewatch.config import load_settings

    with user_errors():
        from archive.export.errors import SigningKeyError
        from archive.export.keys import load_key
        from archive.export.verification import verify_wacz as check_package

        try:
            own = load_key(load_settings().home_dir / SIGNING_KEY_FILE)
        except SigningKeyError:
            if ours:
                raise
            own = None  # checking a package needs no key of ours; only --ours does
        if ours and own is None:
            raise BadInput("this archive has no signing key yet, so no package can be its own; drop --ours")
        report = check_package(package, trusted_keys=[own.public] if ours and own is not None else None)
        key = report.public_key
        is_ours = None if own is None or key is None else key == own.public
        if as_json:
            emit_json(
                {
                    "path": str(package),
                    "ok": report.ok,
                    "signed": report.signed,
                    "files": report.files,
                    "public_key": key.spki_b64 if key is not None else None,
                    "fingerprint": key.fingerprint if key is not None else None,
                    "key_is_ours": is_ours,
                    "created": report.created,
                    "software": report.software,
                    "problems": list(report.problems),
                }
            )
        elif report.ok:
            whose = {True: "this archive's key", False: "a key that is not this archive's", None: "a key"}[
                is_ours
            ]
            assert key is not None  # ok implies signed
            echo(
                f"{package}: OK: {report.files} file(s) match datapackage.json, which matches its digest, "
                f"signed with {whose} {key.fingerprint} ({report.created}, {report.software})"
            )
        else:
            for problem in report.problems:
                err.print(
                    f"citewatch: {package}: {inert(problem)}", markup=False, highlight=False, soft_wrap=True
                )
        if not report.ok:
            raise typer.Exit(EXIT_FAILURE)


@app.command()
def report(
    article_id: ArticleIdArg,
    wacz: Annotated[
        Path | None,
        typer.Option(
            "--wacz",
            help="Also write exactly the captures the report names as a WACZ.",
            callback=output_file_param,
        ),
    ] = None,
    base_url: Annotated[
        str | None, typer.Option("--base-url", help="Public address of the UI for the report's links.")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Link health of one article, worst first: each source's state and whether each quote still
    stands (present, changed, gone).  An unknown article id exits with status 2."""
    from citewatch.app import unknown_article

    with user_errors():
        reader = open_reader(say_so=False)
        if reader is None or reader.catalog.get_article(article_id) is None:
            message = f"citewatch: error: {unknown_article(article_id)}"
            err.print(message, markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(EXIT_USAGE)
        from archive.report import report_json
        from citewatch.report_table import print_report

        result = reader.report(article_id)
        doc = report_json(result, base_url=base_url or reader.settings.ui_base_url or "")
        if wacz is not None:
            from archive.export.errors import ExportError

            try:
                written = reader.export_report_wacz(result, wacz)
            except ExportError as exc:  # nothing archived for it yet, a record that does not match, ...
                raise BadInput(str(exc)) from exc
            key = written.public_key
            doc["wacz"] = {
                "path": str(written.path),
                "bytes": written.bytes,
                "records": written.records,
                "signed": key is not None,
                "fingerprint": key.fingerprint if key is not None else None,
            }
        if as_json:
            emit_json(doc)
        else:
            print_report(Console(), result)
            if wacz is not None:
                w = doc["wacz"]
                echo(f"wrote {w['path']} ({w['bytes']:,} bytes, {w['records']} records)")


@app.command()
def robustify(
    file: Annotated[Path, typer.Argument(help="An HTML (.html) or Markdown (.md) article.")],
    base_url: Annotated[
        str | None,
        typer.Option("--base-url", help="The archive's public address (default: the ui_base_url setting)."),
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option(
            "--output", "-o", help="Write the article here instead of stdout.", callback=output_file_param
        ),
    ] = None,
    all_links: Annotated[
        bool, typer.Option("--all-links", help="Every link counts as cited, as `ingest --all-links`.")
    ] = False,
    strict: Annotated[
        bool, typer.Option("--strict", help="Exit 1 if a cited link has no capture to point to.")
    ] = False,
) -> None:
    """Print the article with Robust Links (data-versionurl, data-versiondate) on every cited link.

    Every other byte of the file stays as it was.  A cited link with no capture yet is left as it
    is, with a warning (and exit 1 under --strict).
    """
    from citewatch.robustify import NotAnArticleForLinks, robustify_file

    with user_errors():
        from citewatch.config import load_settings

        base = base_url or load_settings().ui_base_url
        if not base:
            raise BadInput(
                "robust links need the archive's public address: pass --base-url "
                "https://archive.example/ or set CITEWATCH_UI_BASE_URL"
            )
        if not base.lower().startswith(("http://", "https://")):
            raise BadInput(f"--base-url {base!r} is not an http(s) URL, e.g. https://archive.example/")
        if not file.is_file():
            raise BadInput(f"{file}: no such file; give an .html or .md article")
        reader = open_reader(say_so=False)
        try:
            done = robustify_file(
                file,
                base_url=base,
                catalog=None if reader is None else reader.catalog,
                now=datetime.now(UTC),
                all_links=all_links,
            )
        except NotAnArticleForLinks as exc:
            err.print(f"citewatch: error: {inert(str(exc))}", markup=False, highlight=False, soft_wrap=True)
            raise typer.Exit(2) from None
        for url in done.uncaptured:
            _warn(f"not captured yet: {url} (run `citewatch ingest {file}`)")
        for url in done.unusable:
            _warn(f"no capture of {url} shows the page (run `citewatch crawl --source {url}`)")
        if output is None:
            sys.stdout.flush()
            sys.stdout.buffer.write(done.data)
            sys.stdout.buffer.flush()
        else:
            partial = output.with_name(output.name + ".partial")
            try:
                partial.write_bytes(done.data)
                partial.replace(output)
            except OSError as exc:
                raise BadInput(f"{output}: cannot write it ({exc.strerror}); choose another -o path") from exc
        if strict and (done.uncaptured or done.unusable):
            raise typer.Exit(EXIT_FAILURE)


@app.command()
def reindex(as_json: JsonOpt = False) -> None:
    """Put back into the catalog the captures of every WARC file it lacks (a lost or partial catalog).

    Reads every WARC in the spool and the store; safe to run again.  Sources come back from the
    captures' notes; articles ingested from files, tags, changes and alerts are not in the WARCs.
    """
    with user_errors():
        application = open_app()

        def progress(name: str, report: ReindexReport) -> None:
            err.print(
                f"{name}: {report.records} capture(s), {report.added} put back",
                markup=False,
                highlight=False,
                soft_wrap=True,
            )

        total = application.reindex(progress=progress)
        doc = {
            "warcs": total.warcs,
            "records": total.records,
            "added": total.added,
            "known": total.known,
            "skipped": total.skipped,
            "sources_added": total.sources_added,
            "changes": len(application.reindex_changes),
        }
        if as_json:
            emit_json(doc)
        else:
            echo(
                f"{total.warcs} WARC file(s), {total.records} capture(s): {total.added} put back into the "
                f"catalog, {total.known} already there; {total.sources_added} source(s) added; "
                f"{len(application.reindex_changes)} past change(s) found again (as captured, no alerts)"
            )


@app.command()
def verify(
    article: Annotated[
        int | None,
        typer.Option(
            "--article", help="Only the records of this article's captures.", callback=article_id_param
        ),
    ] = None,
    log: Annotated[
        bool, typer.Option("--log", help="Walk the hash-linked capture log (alone, or with --article).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Audit the archive's fixity: every WARC file (sha256, size), every record's digests, every
    catalog row against its record, and the capture log.  Exit 1 with the list of mismatches."""
    from citewatch.app import unknown_article

    with user_errors():
        reader = open_reader(say_so=not as_json)
        if reader is None:
            if article is not None:
                raise unknown_article(article)
            report_doc: dict[str, Any] = {"checked": 0, "ok": True, "bad": []}
            if as_json:
                emit_json(report_doc)
            return

        report = reader.verify(article_id=article, log=log, progress=_say)
        if as_json:
            emit_json(report.as_dict())
        else:
            for problem in report.bad:
                echo(problem.line())
            for note in report.skipped:
                err.print(f"citewatch: skipped {note}", markup=False, highlight=False, soft_wrap=True)
            verdict = "all good" if report.ok else f"{len(report.bad)} problem(s)"
            echo(
                f"checked {report.warcs} WARC file(s), {report.records} record(s), {report.rows} catalog "
                f"row(s), {report.log_entries} log entries: {verdict}"
                + (f"; log head {report.log_head}" if report.log_head else "")
            )
    if not report.ok:
        raise typer.Exit(EXIT_FAILURE)


@app.command()
def demo(
    keep: Annotated[bool, typer.Option("--keep", help="Keep the demo's data directory afterwards.")] = False,
) -> None:
    """The offline tour: serve sample statements on loopback, ingest an article citing them, crawl, show."""
    from citewatch.demo import run_demo

    with user_errors():
        raise typer.Exit(run_demo(keep=keep, console=Console(), err=err))


def _parse_since(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise BadInput(
            f"--since {text!r} is not an ISO 8601 time, e.g. 2026-11-25 or 2026-11-25T14:00Z"
        ) from exc
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _canonical_or_fail(url: str) -> str:
    from crawler.ingest.canonical import canonical_url

    canonical = canonical_url(url)
    if canonical is None:
        raise BadInput(f"{url!r} is not an http(s) URL; see `citewatch sources` for watched URLs")
    return canonical


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S") if moment else "-"


def _version(value: bool) -> None:
    if value:
        typer.echo(f"citewatch {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    verbose: Annotated[
        int, typer.Option("--verbose", "-v", count=True, help="More log output on stderr.")
    ] = 0,
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version.")
    ] = False,
) -> None:
    level = logging.WARNING if verbose == 0 else logging.INFO if verbose == 1 else logging.DEBUG
    handler = logging.StreamHandler(sys.stderr)
    handler.setLevel(level)
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if verbose == 0:
        handler.addFilter(_QuietFrameworks())
    logging.basicConfig(level=level, handlers=[handler])
    logging.getLogger("tldextract").setLevel(logging.CRITICAL)
    # "discarding data" for every page with little main text (a JavaScript shell): not news to a user.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)


class _QuietFrameworks(logging.Filter):
    """Scrapy and Twisted log every per-URL failure with a traceback; citewatch reports those as
    captures already, so without -v only their critical messages reach the terminal."""

    def filter(self, record: logging.LogRecord) -> bool:
        noisy = record.name.startswith(("scrapy", "twisted", "py.warnings", "pypdf"))
        return not noisy or record.levelno >= logging.CRITICAL


def main(argv: list[str] | None = None) -> None:
    """Console-script entry point."""
    run: Callable[..., Any] = app
    run(args=argv)


if __name__ == "__main__":
    main()

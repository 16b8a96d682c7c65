"""``citewatch report`` for a person: one line per citation, worst first, then what each problem is.

URLs, labels and quotes come from articles and hostile pages: shown as plain text (no Rich markup),
with control characters and bidi overrides made inert, as every other listing does.
"""

from __future__ import annotations

from datetime import UTC, datetime

from rich.console import Console
from rich.text import Text

from archive.report import ArticleReport, CitationHealth
from archive.text.characters import inert


def _when(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M") if moment is not None else "-"


def _quotes(c: CitationHealth) -> str:
    counts: dict[str, int] = {}
    for q in c.quotes:
        counts[q.status] = counts.get(q.status, 0) + 1
    return ", ".join(f"{n} {status}" for status, n in counts.items()) or "no quotes"


def print_report(console: Console, report: ArticleReport) -> None:
    """The report as a table of citations, then each quote of the citations with problems."""
    console.print(Text(inert(f"{report.title or report.origin} (article {report.article_id})")))
    # Plain fixed-width lines, never wrapped: a folded URL cannot be copied (a Rich table folds it
    # into its last column's few characters on an 80-column terminal).
    rows = [("severity", "state", "changed", "quotes", "url")]
    rows += [(c.severity_label, c.state, _when(c.changed_at), _quotes(c), c.url) for c in report.citations]
    for severity, state, changed, quotes, url in rows:
        line = f"{severity:<15} {state:<15} {changed:<17} {quotes:<22} {url}"
        console.print(Text(inert(line)), soft_wrap=True)
    for c in report.problems:
        lines = [f"{c.severity_label}: {c.url} ({c.state})"]
        if c.redirected_to:
            lines.append(f"  redirected to {c.redirected_to}")
        if c.capture is not None and c.capture.recovered_from:
            lines.append(f"  recovered from {c.capture.recovered_from} ({_when(c.capture.memento_datetime)})")
        if c.note:
            lines.append(f"  {c.note}")
        for q in c.quotes:
            lines.append(f"  [{q.status}] \u201c{q.text}\u201d")
            if q.removed or q.added:
                lines.append(
                    f"    removed: {' | '.join(q.removed) or '-'}; added: {' | '.join(q.added) or '-'}"
                )
        # Not wrapped: a URL or quote cut across lines cannot be copied or searched for.
        console.print(Text(inert("\n".join(lines))), soft_wrap=True)

"""The SRC arguments of `citewatch ingest`, checked before anything is written: all or nothing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from citewatch.errors import BadInput
from crawler.ingest import kind_for


@dataclass(frozen=True)
class ArticleInput:
    """One SRC argument of `ingest`, checked: a readable file or an http(s) URL."""

    origin: str
    path: Path | None = None

    @property
    def is_url(self) -> bool:
        return self.path is None


def parse_article_inputs(sources: Sequence[str]) -> list[ArticleInput]:
    """Validate every SRC before anything is written: all or nothing."""
    inputs: list[ArticleInput] = []
    for src in sources:
        parts = urlsplit(src)
        if parts.scheme and len(parts.scheme) > 1:  # one letter would be a Windows drive
            if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
                raise BadInput(
                    f"{src!r} is not an http(s) URL; give an http:// or https:// article URL or a file"
                )
            inputs.append(ArticleInput(origin=src))
            continue
        path = Path(src).expanduser()
        if not path.exists():
            raise BadInput(
                f"{src}: no such file; give an existing .txt, .md, .html or .pdf file, or an http(s) URL"
            )
        if not path.is_file():
            raise BadInput(f"{src}: is not a regular file; give a .txt, .md, .html or .pdf article")
        kind_for(path.name)  # raises UnsupportedArticle for unknown extensions
        inputs.append(ArticleInput(origin=str(path.resolve()), path=path))
    return inputs

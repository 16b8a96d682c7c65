"""Where an alert goes: the global targets plus those of the tags of the articles citing the source."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from archive.catalog import ArticleRef, mask_url


def targets_for(
    articles: Sequence[ArticleRef], *, global_urls: Sequence[str], tag_urls: Mapping[str, Sequence[str]]
) -> list[str]:
    """The global Apprise URLs, then those of every tag of the citing articles; each URL once, in order.

    A newsroom routes by tag (``climate`` -> the climate desk's Matrix room) and sees everything
    through the global targets.  Tags without configured URLs are simply not routed.
    """
    urls = list(global_urls)
    for article in articles:
        for tag in article.tags:
            urls.extend(tag_urls.get(tag, ()))
    return list(dict.fromkeys(u for u in urls if u.strip()))


def mask(url: str) -> str:
    """``url`` safe to display: passwords, tokens and secret query values hidden."""
    return mask_url(url)

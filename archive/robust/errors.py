"""What can go wrong when writing robust links into an article."""

from __future__ import annotations


class RobustLinksError(ValueError):
    """Base class: the article cannot be given robust links as it is."""


class UndecodableArticle(RobustLinksError):
    """A UTF-16/32 article whose bytes do not decode: writing into it would garble it."""

    def __init__(self, encoding: str) -> None:
        super().__init__(
            f"the article declares {encoding} but its bytes are not valid {encoding}; "
            "save it as UTF-8 and try again"
        )
        self.encoding = encoding

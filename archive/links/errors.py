"""What goes wrong reading links."""

from __future__ import annotations


class MalformedLinks(ValueError):
    """A ``Link`` header or link-format document that does not follow RFC 8288's syntax."""

    def __init__(self, text: str, position: int, problem: str) -> None:
        excerpt = text[max(0, position - 20) : position + 20]
        super().__init__(f"not a valid list of links at character {position} ({excerpt!r}): {problem}")

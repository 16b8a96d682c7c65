"""Text normalisation: the same words written the same way, whatever the typography."""

from __future__ import annotations

import re
import unicodedata

# NFKC already folds ligatures, full-width forms and non-breaking spaces; these are the
# typographic characters it leaves alone.
_TRANSLATE = str.maketrans(
    {
        "\u2018": "'",
        "\u2019": "'",
        "\u201a": "'",
        "\u201b": "'",
        "\u2032": "'",
        "\u00b4": "'",
        "`": "'",
        "\u201c": '"',
        "\u201d": '"',
        "\u201e": '"',
        "\u201f": '"',
        "\u2033": '"',
        "\u00ab": '"',
        "\u00bb": '"',
        "\u2039": "'",
        "\u203a": "'",
        "\u2010": "-",
        "\u2011": "-",
        "\u2012": "-",
        "\u2013": "-",
        "\u2014": "-",
        "\u2015": "-",
        "\u2212": "-",
        "\u2026": "...",
        "\u00ad": None,  # soft hyphen
        "\u200b": None,  # zero-width space
        "\u200c": None,
        "\u200d": None,
        "\u2060": None,
        "\ufeff": None,
    }
)
_TYPOGRAPHIC = re.compile("[" + "".join(re.escape(chr(code)) for code in _TRANSLATE) + "]")
_LINE_BREAKS = re.compile(r"\r\n|\r|\n|\u2028|\u2029|\x0b|\x0c|\x85")


def normalise(text: str) -> str:
    """Normalise ``text`` for comparison.

    NFKC, typographic quotes, apostrophes, dashes and ellipses to ASCII, whitespace collapsed to
    single spaces within each line, lines stripped and empty lines dropped.
    """
    if text.isascii():  # most pages: NFKC changes nothing, and of the table only ` applies
        folded = text.replace("`", "'")
    else:
        # One regular-expression pass finds the few characters to replace: str.translate with a
        # table looks every character up, ten times slower on a page of text.
        folded = _TYPOGRAPHIC.sub(_replace, unicodedata.normalize("NFKC", text))
    # str.split() splits on exactly the characters \s matches (str.isspace), and drops the ends.
    lines = (" ".join(line.split()) for line in _LINE_BREAKS.split(folded))
    return "\n".join(line for line in lines if line)


def _replace(match: re.Match[str]) -> str:
    return match.group().translate(_TRANSLATE)

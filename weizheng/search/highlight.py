"""Highlighted titles and snippets: escaped text with the matched words wrapped in <mark>.

Computed in Python from the stored text (both databases alike). Nothing the user typed is ever
written out unescaped: the only markup is our own <mark> around escaped text.
"""

from __future__ import annotations

import re
from functools import lru_cache

from django.utils.html import escape

SNIPPET_LENGTH = 120
# Characters shown before the first matched word, so it is read in context.
LEAD = 24
# Look at no more matches than this when choosing where the snippet starts (long bodies).
MAX_CANDIDATES = 200


@lru_cache(maxsize=256)
def _pattern(tokens: tuple[str, ...]) -> re.Pattern[str] | None:
    parts = []
    for token in sorted(set(tokens), key=lambda t: (-len(t), t)):
        if not token:
            continue
        if token.isascii() and token.isalnum():
            # Latin words and numbers match whole ("fund" not inside "refunding").
            parts.append(rf"(?<![0-9a-z]){re.escape(token)}(?![0-9a-z])")
        else:
            parts.append(re.escape(token))
    if not parts:
        return None
    return re.compile("|".join(parts), re.IGNORECASE)


def mark(text: str, tokens: list[str] | tuple[str, ...]) -> str:
    """The whole text escaped, every occurrence of a token wrapped in <mark>."""
    pattern = _pattern(tuple(tokens))
    if pattern is None:
        return str(escape(text))
    out: list[str] = []
    position = 0
    for match in pattern.finditer(text):
        out.append(escape(text[position : match.start()]))
        out.append(f"<mark>{escape(match.group())}</mark>")
        position = match.end()
    out.append(escape(text[position:]))
    return "".join(out)


def _best_start(text: str, pattern: re.Pattern[str], length: int) -> int:
    """Where the window with the most distinct matched words begins (the first such)."""
    matches = []
    for index, match in enumerate(pattern.finditer(text)):
        if index >= MAX_CANDIDATES:
            break
        matches.append((match.start(), match.group().lower()))
    if not matches:
        return 0
    best_start, best_count = matches[0][0], 0
    for i, (start, _word) in enumerate(matches):
        window_end = start + length - LEAD
        distinct = {word for position, word in matches[i:] if position < window_end}
        if len(distinct) > best_count:
            best_start, best_count = start, len(distinct)
    return max(0, best_start - LEAD)


def snippet(text: str, tokens: list[str] | tuple[str, ...], length: int = SNIPPET_LENGTH) -> str:
    """About `length` characters of the text around the matched words, highlighted."""
    text = " ".join(text.split())
    if not text:
        return ""
    pattern = _pattern(tuple(tokens))
    start = _best_start(text, pattern, length) if pattern is not None else 0
    # Never start a snippet inside a latin word or a number.
    while 0 < start < len(text) and text[start - 1].isascii() and text[start - 1].isalnum():
        start -= 1
    end = min(len(text), start + length)
    piece = mark(text[start:end], tokens)
    return ("…" if start > 0 else "") + piece + ("…" if end < len(text) else "")

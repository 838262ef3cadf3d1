"""The full text of an item as safe HTML: a small allow-list sanitiser on the standard library's
html.parser, and the plain text the search index gets.

Anything not on the list is dropped (its text kept, escaped); <script>, <style> and the like are
dropped with their content; links keep only http(s), mailto and site-relative targets and open
with rel="noopener". Text without any tag is taken as paragraphs separated by blank lines.
"""

from __future__ import annotations

import re
from html import escape
from html.parser import HTMLParser

ALLOWED_TAGS = {
    "p",
    "br",
    "h2",
    "h3",
    "h4",
    "strong",
    "b",
    "em",
    "i",
    "u",
    "ul",
    "ol",
    "li",
    "blockquote",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "a",
    "span",
    "div",
    "hr",
}
VOID_TAGS = {"br", "hr"}
# Dropped with everything inside them.
DROP_WITH_CONTENT = {
    "script",
    "style",
    "iframe",
    "object",
    "embed",
    "template",
    "noscript",
    "svg",
    "math",
    "head",
    "title",
    "textarea",
    "select",
}
ALLOWED_ATTRIBUTES = {
    "a": {"href", "title"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
SAFE_URL = re.compile(r"^(https?://|mailto:|/(?!/)|#)", re.IGNORECASE)
BLOCK_TAGS = {
    "p",
    "h2",
    "h3",
    "h4",
    "li",
    "blockquote",
    "tr",
    "div",
    "br",
    "hr",
    "table",
    "ul",
    "ol",
}
HAS_TAG = re.compile(r"<[a-zA-Z/!][^>]*>")
# h1 becomes h2: the page's own title is the only h1.
RENAMED = {"h1": "h2", "h5": "h4", "h6": "h4"}


class _Sanitizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        tag = RENAMED.get(tag, tag)
        if tag in DROP_WITH_CONTENT:
            if tag not in VOID_TAGS:
                self.dropping += 1
            return
        if self.dropping or tag not in ALLOWED_TAGS:
            return
        kept = []
        for name, value in attrs:
            if name not in ALLOWED_ATTRIBUTES.get(tag, set()) or value is None:
                continue
            value = value.strip()
            if name == "href" and not SAFE_URL.match(value):
                continue
            if name in ("colspan", "rowspan") and not value.isdigit():
                continue
            kept.append(f' {name}="{escape(value, quote=True)}"')
        if tag == "a":
            kept.append(' rel="noopener noreferrer"')
        self.out.append(f"<{tag}{''.join(kept)}>")
        if tag not in VOID_TAGS:
            self.open.append(tag)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        tag = RENAMED.get(tag, tag)
        if tag not in VOID_TAGS and tag in ALLOWED_TAGS and not self.dropping:
            self.handle_endtag(tag)

    def handle_endtag(self, tag: str) -> None:
        tag = RENAMED.get(tag, tag)
        if tag in DROP_WITH_CONTENT:
            self.dropping = max(0, self.dropping - 1)
            return
        if self.dropping or tag not in self.open:
            return
        # Close whatever was left open inside it, so the output is always well nested.
        while self.open:
            last = self.open.pop()
            self.out.append(f"</{last}>")
            if last == tag:
                break

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.out.append(escape(data, quote=False))

    def result(self) -> str:
        self.close()
        while self.open:
            self.out.append(f"</{self.open.pop()}>")
        return "".join(self.out)


def sanitize_html(text: str) -> str:
    """Safe HTML for the full text; plain text becomes paragraphs."""
    text = (text or "").replace("\r\n", "\n").strip()
    if not text:
        return ""
    if not HAS_TAG.search(text):
        paragraphs = [p.strip() for p in re.split(r"\n\s*\n", text) if p.strip()]
        return "".join(
            "<p>" + "<br>".join(escape(line, quote=False) for line in p.split("\n")) + "</p>"
            for p in paragraphs
        )
    parser = _Sanitizer()
    parser.feed(text)
    return parser.result()


class _TextOnly(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.dropping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in DROP_WITH_CONTENT:
            self.dropping += 1
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in DROP_WITH_CONTENT:
            self.dropping = max(0, self.dropping - 1)
        elif tag in BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self.dropping:
            self.parts.append(data)


def plain_text(html_or_text: str) -> str:
    """The words of the full text, one block per line (for search and summaries)."""
    parser = _TextOnly()
    parser.feed(html_or_text or "")
    parser.close()
    lines = (
        re.sub(r"[ \t\u3000]+", " ", line).strip() for line in "".join(parser.parts).split("\n")
    )
    return "\n".join(line for line in lines if line)

"""A strict, fast parser for the flat ``<xml>`` documents WeChat posts.

Built directly on expat: WeChat XML never needs a DTD, so any DOCTYPE or entity declaration is
refused outright (billion laughs, XXE), and we skip ElementTree's tree building on the hot path.
"""

from __future__ import annotations

from typing import Any
from xml.parsers import expat

from .errors import TooLargeError, XMLError

__all__ = ["parse_xml", "XMLValue"]

# A leaf is its exact text; an element with children is a dict; repeated children are a list.
XMLValue = str | dict[str, Any] | list[Any]

DEFAULT_MAX_BYTES = 1_048_576
DEFAULT_MAX_DEPTH = 6
_UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _forbid_dtd(*_args: object) -> None:
    raise XMLError("forbidden_dtd")


def _forbid_external(*_args: object) -> int:
    raise XMLError("forbidden_dtd")


def parse_xml(
    body: bytes | str,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
) -> dict[str, Any]:
    """Parse a WeChat ``<xml>`` body into a dict of the root's children.

    Leaves map to their exact text (CDATA and text joined, nothing stripped); elements with
    children map to dicts; ``item`` children are always a list, other repeated names become a
    list on repetition. Raises TooLargeError, or XMLError with reason ``forbidden_dtd``,
    ``too_deep`` or ``malformed_xml``.
    """
    if isinstance(body, str):
        body = body.encode("utf-8", "surrogatepass")
    if len(body) > max_bytes:
        raise TooLargeError("too_large", f"{len(body)} bytes > {max_bytes}")
    if not body:
        raise XMLError("malformed_xml", "empty body")
    if body[:2] in _UTF16_BOMS:
        # expat honours a UTF-16 byte-order mark even when told UTF-8.
        raise XMLError("malformed_xml", "not UTF-8")

    # Forcing UTF-8 makes expat reject any other encoding (WeChat only sends UTF-8) instead of
    # trusting the XML declaration.
    parser = expat.ParserCreate(encoding="UTF-8")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    parser.StartDoctypeDeclHandler = _forbid_dtd
    parser.EntityDeclHandler = _forbid_dtd
    parser.UnparsedEntityDeclHandler = _forbid_dtd
    parser.NotationDeclHandler = _forbid_dtd
    parser.ExternalEntityRefHandler = _forbid_external
    parser.buffer_text = True

    # Each frame: [name, children dict or None (a leaf so far), text parts].
    stack: list[list[Any]] = []
    root: list[dict[str, Any]] = []

    def start(name: str, _attrs: dict[str, str]) -> None:
        if len(stack) >= max_depth:
            raise XMLError("too_deep", f"deeper than {max_depth}")
        if not stack and name != "xml":
            raise XMLError("malformed_xml", f"root is <{name}>, not <xml>")
        stack.append([name, None, []])

    def end(_name: str) -> None:
        name, children, parts = stack.pop()
        if not stack:
            root.append(children or {})
            return
        value: XMLValue = children if children is not None else "".join(parts)
        parent = stack[-1]
        siblings = parent[1]
        if siblings is None:
            siblings = parent[1] = {}
        previous = siblings.get(name)
        if name == "item":
            # Always a list, so a one-picture PicList looks like a three-picture one.
            if previous is None:
                siblings[name] = [value]
            else:
                previous.append(value)
        elif previous is None:
            siblings[name] = value
        elif isinstance(previous, list):
            previous.append(value)
        else:
            # Some events repeat a name (subscribe_msg_popup_event's <List>); keep them all.
            siblings[name] = [previous, value]

    def text(data: str) -> None:
        if stack:
            stack[-1][2].append(data)

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text

    try:
        parser.Parse(body, True)
    except expat.ExpatError as exc:
        raise XMLError("malformed_xml", str(exc)) from None
    if not root:
        raise XMLError("malformed_xml", "no <xml> root")
    return root[0]

"""Open311's two formats. JSON: the value as is (lists of objects). XML: a root element with one
child element per item, fields as elements in the spec's order, null as an empty element, true
and false in lower case; ElementTree escapes text, and the declaration names UTF-8."""

from __future__ import annotations

import json
import re
from typing import Any
from xml.etree import ElementTree as ET  # noqa: S405 - writing only, nothing is parsed

from django.http import HttpResponse

# Characters XML 1.0 cannot carry at all (control characters but tab and line breaks).
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return NOT_XML.sub("", str(value))


def _fill(parent: ET.Element, value: Any, item_tags: dict[str, str]) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            element = ET.SubElement(parent, key)
            _fill(element, child, item_tags)
    elif isinstance(value, list):
        tag = item_tags[parent.tag]
        for child in value:
            _fill(ET.SubElement(parent, tag), child, item_tags)
    else:
        parent.text = _text(value)


def to_xml(value: Any, *, root: str, item_tags: dict[str, str]) -> bytes:
    """`value` under `root`; a list's items are named by `item_tags[<list's tag>]`."""
    element = ET.Element(root)
    _fill(element, value, item_tags)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + body).encode("utf-8")


# The element names of list items, by the list's own element.
ITEM_TAGS = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "jurisdictions": "jurisdiction",
}


def respond(value: Any, *, fmt: str, root: str, status: int = 200) -> HttpResponse:
    if fmt == "xml":
        body = to_xml(value, root=root, item_tags=ITEM_TAGS)
    else:
        body = json.dumps(value, ensure_ascii=False).encode("utf-8")
    return HttpResponse(body, status=status, content_type=FORMATS[fmt])


def errors(status: int, description: str, *, fmt: str) -> HttpResponse:
    """The spec's error list: [{"code": 403, "description": "…"}] / <errors><error>…"""
    return respond(
        [{"code": status, "description": description}], fmt=fmt, root="errors", status=status
    )

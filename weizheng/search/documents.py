"""What goes into the index and what a search gives back (re-exported by `api`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Document:
    """An object to index. `key` is unique across the deployment, e.g. "content.policy:42"."""

    key: str
    account_id: int
    language: str  # "zh-hans" or "en"
    title: str
    body: str  # plain text
    # Filterable and counted: kind, issuer, year, topic, validity; other keys are kept and
    # returned with the hit.
    facets: dict[str, str | int] = field(default_factory=dict)
    url: str = ""  # the H5 path of the item, e.g. "/h5/police/policies/42/"
    published_at: datetime | None = None


@dataclass(frozen=True)
class Hit:
    key: str
    title_html: str  # escaped title, matched words in <mark>
    snippet_html: str  # escaped ~120 characters of the body around the matches, in <mark>
    score: float  # higher is better; comparable within one result list only
    url: str
    facets: dict[str, Any]
    published_at: datetime | None
    title: str = ""  # the plain title (WeChat replies, alt texts)


@dataclass(frozen=True)
class SearchResults:
    hits: list[Hit]
    total: int
    terms: list[str]  # the words searched for, synonyms included
    # {"issuer": {"国务院办公厅": 3, ...}, "year": {"2013": 1}, ...}: within the query's matches,
    # each facet counted under the other facets' filters (so a chosen filter's siblings stay).
    facet_counts: dict[str, dict[str, int]]
    # True when no entry had every word and these are entries with some of them.
    is_partial: bool = False
    # True when the query matched more than backends.FACET_CAP entries: `total` and the facet
    # counts are then those of the first FACET_CAP + 1 matches (lower bounds, "2,000+").
    facets_capped: bool = False

"""Reads of the search index: ranked, filtered, counted, highlighted."""

from __future__ import annotations

from collections import Counter
from typing import Any

from weizheng.core.errors import AppError

from . import segment
from .backends import FACET_CAP, get_backend
from .documents import Hit, SearchResults
from .highlight import mark, snippet
from .models import FACET_COLUMNS, SearchEntry
from .query import ParsedQuery, check_query, parse_query

MAX_LIMIT = 100


def _filters(facets: dict[str, str | int] | None) -> dict[str, Any]:
    """Facet filters as column values; an empty value is no filter."""
    filters: dict[str, Any] = {}
    for name, value in (facets or {}).items():
        if name not in FACET_COLUMNS:
            raise ValueError(f"unknown facet {name!r}: filter on {', '.join(FACET_COLUMNS)}")
        if value is None or value == "":
            continue
        if name == "year":
            try:
                filters[name] = int(value)
            except (TypeError, ValueError):
                filters[name] = -1  # not a year: matches nothing, as it should
        else:
            filters[name] = str(value)
    return filters


def _count(
    combinations: list[tuple[tuple[Any, ...], int]], filters: dict[str, Any]
) -> tuple[int, dict[str, dict[str, int]]]:
    """Total under every filter, and each facet's counts under the other facets' filters."""
    index = {column: i for i, column in enumerate(FACET_COLUMNS)}
    total = 0
    counts: dict[str, Counter[str]] = {column: Counter() for column in FACET_COLUMNS}
    for values, matches in combinations:
        failing = [c for c, wanted in filters.items() if values[index[c]] != wanted]
        if not failing:
            total += matches
        for column in FACET_COLUMNS:
            if failing and failing != [column]:
                continue
            value = values[index[column]]
            if value not in (None, ""):
                counts[column][str(value)] += matches
    return total, {
        column: dict(counter.most_common()) for column, counter in counts.items() if counter
    }


def _hits(ranked: list[tuple[int, float]], query: ParsedQuery) -> list[Hit]:
    entries = SearchEntry.objects.in_bulk([entry_id for entry_id, _ in ranked])
    tokens = query.tokens
    hits = []
    for entry_id, score in ranked:
        entry = entries.get(entry_id)
        if entry is None:  # removed between the two queries
            continue
        hits.append(
            Hit(
                key=entry.key,
                title_html=mark(entry.title, tokens),
                snippet_html=snippet(entry.body, tokens),
                score=score,
                url=entry.url,
                facets=entry.facets,
                published_at=entry.published_at,
                title=entry.title,
            )
        )
    return hits


def _without_single_characters(parsed: ParsedQuery) -> ParsedQuery:
    groups = tuple(
        group for word, group in zip(parsed.words, parsed.groups, strict=True) if len(word) > 1
    )
    words = tuple(word for word in parsed.words if len(word) > 1)
    return ParsedQuery(text=parsed.text, words=words, groups=groups)


def search_entries(
    *,
    account_id: int,
    query: str,
    language: str | None = None,
    facets: dict[str, str | int] | None = None,
    limit: int = 10,
    offset: int = 0,
    parsed: ParsedQuery | None = None,
) -> SearchResults:
    """Every word must match (a word matches through its synonyms too); when no entry has them
    all, entries with some of them, marked `is_partial`. `parsed`: the query already parsed
    (`parse_query` of the checked query), so a caller that needed it first does not parse twice."""
    text = check_query(query)
    filters = _filters(facets)
    limit = max(1, min(limit, MAX_LIMIT))
    offset = max(0, offset)
    if parsed is None:
        parsed = parse_query(text, account_id=account_id)
    if not parsed.groups:  # only words such as 的 or 怎么办
        return SearchResults(hits=[], total=0, terms=[], facet_counts={})
    backend = get_backend()
    language = (language or "").lower() or None
    expression = backend.expression(parsed, match_all=True)
    combinations, capped = backend.combinations(
        expression, account_id=account_id, language=language
    )
    match_all = True
    # Nothing has every word: entries with some of them, leaving out one-character words (号,
    # 丢), which would match nearly everything and rank nothing.
    some = _without_single_characters(parsed)
    if not combinations and some.groups and (len(some.groups) > 1 or some != parsed):
        match_all = False
        expression = backend.expression(some, match_all=False)
        combinations, capped = backend.combinations(
            expression, account_id=account_id, language=language
        )
    total, facet_counts = _count(combinations, filters)
    ranked = []
    # Capped: the counts are those of the first matches only, and a filtered total of 0 among
    # them proves nothing; rank anyway.
    if (total or capped) and (offset < total or capped):
        ranked = backend.ranked(
            expression,
            account_id=account_id,
            language=language,
            filters=filters,
            limit=limit,
            offset=offset,
            many=capped,
        )
    if capped:
        total = max(min(total, FACET_CAP), min(FACET_CAP, offset + len(ranked)))
    return SearchResults(
        hits=_hits(ranked, parsed),
        total=total,
        terms=parsed.terms,
        facet_counts=facet_counts,
        is_partial=not match_all,
        facets_capped=capped,
    )


def _title_has(title: str, alternatives) -> bool:
    return any(all(token in title for token in alternative) for alternative in alternatives)


def confident_results(*, account_id: int, text: str, limit: int = 3) -> SearchResults | None:
    """Results for a chat message that was not a search command, only when they surely answer
    it: every word of the message (stop words aside, 2 characters or more in all) is in the
    first hit's title, directly or through a synonym. Otherwise None, and the default reply
    answers. A greeting or a question about something else must not get a list of policies."""
    try:
        checked = check_query(text)
    except AppError:
        return None
    parsed = parse_query(checked, account_id=account_id)
    if not parsed.groups or sum(len(word) for word in parsed.words) < 2:
        return None
    results = search_entries(account_id=account_id, query=checked, limit=limit, parsed=parsed)
    if results.is_partial or not results.hits:
        return None
    title = segment.normalise(results.hits[0].title)
    if not all(_title_has(title, group) for group in parsed.groups):
        return None
    return results


def example_queries(*, account_id: int, limit: int = 4) -> list[str]:
    """Searches worth suggesting on the account's search page: its commonest topics (what it has
    published about), so an example never comes back empty."""
    from django.db.models import Count

    from .models import SearchEntry

    return list(
        SearchEntry.objects.filter(account_id=account_id)
        .exclude(topic="")
        .values("topic")
        .annotate(n=Count("pk"))
        .order_by("-n", "topic")
        .values_list("topic", flat=True)[:limit]
    )

"""Writes to the search index: entries in and out, synonyms, re-segmentation."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from . import segment
from .documents import Document
from .models import FACET_COLUMNS, SearchEntry, Synonym
from .query import forget_synonyms

# PostgreSQL refuses a tsvector over 1 MB; a body this long is indexed from its beginning.
MAX_INDEXED_CHARACTERS = 100_000
BATCH_SIZE = 500

_UPDATED_FIELDS = [
    "account",
    "language",
    "title",
    "body",
    "title_tokens",
    "body_tokens",
    "facets",
    *FACET_COLUMNS,
    "url",
    "published_at",
    "indexed_at",
]


def _facet_columns(facets: dict[str, Any]) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    for column in FACET_COLUMNS:
        value = facets.get(column)
        if column == "year":
            try:
                columns[column] = None if value is None or value == "" else int(value)
            except (TypeError, ValueError):
                columns[column] = None
        else:
            columns[column] = "" if value is None else str(value)
    return columns


def _entry(doc: Document, now) -> SearchEntry:
    if not doc.key or len(doc.key) > 200:
        raise ValueError(f"a search document needs a key of 1 to 200 characters: {doc.key!r}")
    body = doc.body[:MAX_INDEXED_CHARACTERS]
    return SearchEntry(
        key=doc.key,
        account_id=doc.account_id,
        language=(doc.language or "").lower(),
        title=doc.title,
        body=body,
        title_tokens=segment.index_text(doc.title),
        body_tokens=segment.index_text(body),
        facets=dict(doc.facets or {}),
        **_facet_columns(doc.facets or {}),
        url=doc.url,
        published_at=doc.published_at,
        indexed_at=now,
    )


def do_index_documents(*, docs: Iterable[Document]) -> int:
    """Insert or replace the documents' entries by key (the last of a repeated key wins).

    Runs in the caller's transaction when there is one, so the index follows the caller's write.
    """
    now = timezone.now()
    entries = {doc.key: doc for doc in docs}
    rows = [_entry(doc, now) for doc in entries.values()]
    if not rows:
        return 0
    with transaction.atomic():
        SearchEntry.objects.bulk_create(
            rows,
            batch_size=BATCH_SIZE,
            update_conflicts=True,
            unique_fields=["key"],
            update_fields=_UPDATED_FIELDS,
        )
    return len(rows)


def do_remove_documents(*, keys: Iterable[str]) -> int:
    """Remove entries by key; returns how many there were."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return 0
    with transaction.atomic():
        removed, _ = SearchEntry.objects.filter(key__in=wanted).delete()
    return removed


def do_add_synonym(*, term: str, synonym: str, account_id: int | None = None) -> Synonym:
    """Declare two terms synonymous for one account (or, without one, for every account)."""
    term, synonym = segment.normalise(term).strip(), segment.normalise(synonym).strip()
    if not term or not synonym or term == synonym:
        raise ValueError("a synonym needs two different terms")
    with transaction.atomic():
        found = Synonym.objects.filter(
            account_id=account_id, term=synonym, synonym=term
        ).first()  # the pair declared the other way round already
        if found:
            return found
        pair, _ = Synonym.objects.get_or_create(account_id=account_id, term=term, synonym=synonym)
    forget_synonyms()
    return pair


def do_resegment_entries(*, batch_size: int = BATCH_SIZE) -> int:
    """Segment every entry's stored text again (after the user dictionary changed)."""
    count = 0
    last_id = 0
    while True:
        with transaction.atomic():
            batch = list(
                SearchEntry.objects.filter(id__gt=last_id)
                .order_by("id")
                .only("id", "title", "body")[:batch_size]
            )
            if not batch:
                return count
            for entry in batch:
                entry.title_tokens = segment.index_text(entry.title)
                entry.body_tokens = segment.index_text(entry.body)
            SearchEntry.objects.bulk_update(batch, ["title_tokens", "body_tokens"])
        count += len(batch)
        last_id = batch[-1].id


def do_optimize_index() -> None:
    """Merge the SQLite full-text index into one b-tree after a bulk import (faster queries).

    PostgreSQL needs nothing from us: autovacuum merges the GIN index's pending list."""
    from django.db import connection

    from .schema import FTS_TABLE

    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('optimize')"  # noqa: S608
            )

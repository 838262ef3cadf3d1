"""The search interface the other apps use; the backend (SQLite FTS5 or PostgreSQL) is chosen
from the database connection.

    from weizheng.search.api import Document, index_documents, remove_documents, search

    with transaction.atomic():
        policy.save()
        index_documents([Document(key=f"content.policy:{policy.pk}", account_id=..., ...)])

Call `index_documents` inside the transaction of the write it follows: the index then changes
with the row or not at all. Titles and bodies are plain text (strip HTML before).
"""

from __future__ import annotations

from collections.abc import Iterable

from .actions import do_index_documents, do_remove_documents
from .documents import Document, Hit, SearchResults
from .query import MAX_QUERY_LENGTH, check_query
from .selectors import search_entries

__all__ = [
    "MAX_QUERY_LENGTH",
    "Document",
    "Hit",
    "SearchResults",
    "check_query",
    "index_documents",
    "remove_documents",
    "search",
]


def index_documents(docs: Iterable[Document]) -> int:
    """Insert or replace entries by key; returns how many were written."""
    return do_index_documents(docs=docs)


def remove_documents(keys: Iterable[str]) -> int:
    """Remove entries by key; returns how many existed."""
    return do_remove_documents(keys=keys)


def search(
    *,
    account_id: int,
    query: str,
    language: str | None = None,
    facets: dict[str, str | int] | None = None,
    limit: int = 10,
    offset: int = 0,
) -> SearchResults:
    """Rank an account's entries for a query; AppError for an empty or over-long query."""
    return search_entries(
        account_id=account_id,
        query=query,
        language=language,
        facets=facets,
        limit=limit,
        offset=offset,
    )

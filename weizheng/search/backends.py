"""The two full-text backends behind one interface, chosen from the connection's vendor.

Each answers two questions about a parsed query within an account (and a language): which
entries rank first (a page of ids and scores, with the facet filters applied) and how the matches
spread over the facet columns (one GROUP BY; totals and filter counts are summed from it).
Both read only the pre-segmented columns; everything language-specific happened in Python.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction

from .models import FACET_COLUMNS
from .query import ParsedQuery
from .schema import ENTRY_TABLE, FTS_TABLE, VECTOR_COLUMN

# A match in the title counts this many times a match in the body.
TITLE_WEIGHT = 5.0
# A repealed document still answers (citizens look up old rules) but below the ones in force.
REPEALED_FACTOR = 0.5
_DEMOTION = f"(CASE WHEN e.validity = 'repealed' THEN {REPEALED_FACTOR} ELSE 1.0 END)"


@dataclass(frozen=True)
class Page:
    ranked: list[tuple[int, float]]  # (entry id, score: higher is better)
    combinations: list[tuple[tuple[Any, ...], int]]  # (facet column values, matches)


def _where(account_id: int, language: str | None, filters: dict[str, Any]) -> tuple[str, list[Any]]:
    clauses = ["e.account_id = %s"]
    params: list[Any] = [account_id]
    if language:
        clauses.append("e.language = %s")
        params.append(language)
    for column, value in filters.items():
        if column not in FACET_COLUMNS:  # the columns are named in SQL: only known ones
            raise ValueError(f"unknown facet {column!r}")
        clauses.append(f"e.{column} = %s")
        params.append(value)
    return " AND ".join(clauses), params


_COMBINATION_COLUMNS = ", ".join(f"e.{column}" for column in FACET_COLUMNS)


class Backend:
    vendor = ""

    def _execute(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def expression(self, query: ParsedQuery, *, match_all: bool) -> str:
        raise NotImplementedError

    def _from(self) -> str:
        raise NotImplementedError

    def _score(self) -> str:
        raise NotImplementedError

    def ranked(
        self,
        expression: str,
        *,
        account_id: int,
        language: str | None,
        filters: dict[str, Any],
        limit: int,
        offset: int,
    ) -> list[tuple[int, float]]:
        where, params = _where(account_id, language, filters)
        sql = (
            f"SELECT e.id, {self._score()} AS score FROM {self._from()} "  # noqa: S608
            f"AND {where} ORDER BY score DESC, e.id LIMIT %s OFFSET %s"
        )
        rows = self._execute(sql, [expression, *params, limit, offset])
        return [(row[0], float(row[1])) for row in rows]

    def combinations(
        self, expression: str, *, account_id: int, language: str | None
    ) -> list[tuple[tuple[Any, ...], int]]:
        where, params = _where(account_id, language, {})
        sql = (
            f"SELECT {_COMBINATION_COLUMNS}, COUNT(*) FROM {self._from()} "  # noqa: S608
            f"AND {where} GROUP BY {_COMBINATION_COLUMNS}"
        )
        rows = self._execute(sql, [expression, *params])
        return [(tuple(row[:-1]), row[-1]) for row in rows]


class SqliteBackend(Backend):
    """FTS5 with its bm25() (negated: FTS5 ranks better matches lower)."""

    vendor = "sqlite"

    def expression(self, query: ParsedQuery, *, match_all: bool) -> str:
        def quoted(token: str) -> str:
            return '"' + token.replace('"', '""') + '"'

        groups = []
        for group in query.groups:
            alternatives = [" AND ".join(quoted(t) for t in alt) for alt in group]
            groups.append("(" + " OR ".join(f"({a})" for a in alternatives) + ")")
        return (" AND " if match_all else " OR ").join(groups)

    def _from(self) -> str:
        return (
            f"{FTS_TABLE} JOIN {ENTRY_TABLE} e ON e.id = {FTS_TABLE}.rowid "
            f"WHERE {FTS_TABLE} MATCH %s"
        )

    def _score(self) -> str:
        return f"-bm25({FTS_TABLE}, {TITLE_WEIGHT}, 1.0) * {_DEMOTION}"


class PostgresBackend(Backend):
    """tsvector @@ tsquery through the GIN index; ts_rank_cd with the title weighted A, the body
    B, normalised by document length (1 + log of its number of words)."""

    vendor = "postgresql"

    def _execute(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        # A query matching much of a large index is estimated expensive enough for PostgreSQL to
        # JIT-compile it, which costs more (100 ms and up) than running it; never worth it here.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL jit = off")
            cursor.execute(sql, params)
            return cursor.fetchall()

    # Weights of D, C, B, A: the body (B) counts 1/TITLE_WEIGHT of the title (A).
    WEIGHTS = "{0, 0, %s, 1.0}" % (1.0 / TITLE_WEIGHT)  # noqa: UP031

    def expression(self, query: ParsedQuery, *, match_all: bool) -> str:
        def quoted(token: str) -> str:
            return "'" + token.replace("'", "''").replace("\\", "\\\\") + "'"

        groups = []
        for group in query.groups:
            alternatives = [" & ".join(quoted(t) for t in alt) for alt in group]
            groups.append("(" + " | ".join(f"({a})" for a in alternatives) + ")")
        return (" & " if match_all else " | ").join(groups)

    def _from(self) -> str:
        return (
            f"{ENTRY_TABLE} e, to_tsquery('simple'::regconfig, %s) q WHERE e.{VECTOR_COLUMN} @@ q"
        )

    def _score(self) -> str:
        return f"ts_rank_cd('{self.WEIGHTS}'::float4[], e.{VECTOR_COLUMN}, q, 1) * {_DEMOTION}"


def get_backend() -> Backend:
    vendor = connection.vendor
    if vendor == "sqlite":
        return SqliteBackend()
    if vendor == "postgresql":
        return PostgresBackend()
    raise NotImplementedError(f"search has no backend for {vendor}")

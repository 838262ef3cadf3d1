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
from .schema import ENTRY_TABLE, FTS_TABLE, TITLE_VECTOR_COLUMN, VECTOR_COLUMN

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


# Matches counted exactly, at most: past this, the counts are those of the first FACET_CAP + 1
# matches (lower bounds) and the results say so (`facets_capped`). A popular subject matches
# tens of thousands of entries at 100,000; counting them all is what made search slow (issue #4).
FACET_CAP = 2000
# Past FACET_CAP matches, the ranking scores a pool of candidates instead of every match.
CANDIDATES = 400


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
        many: bool = False,
    ) -> list[tuple[int, float]]:
        """The page of ranked ids. `many`: the matches are past FACET_CAP, and a backend may rank
        a pool of candidates (see each backend) rather than every match."""
        if many:
            pooled = self._ranked_pool(
                expression,
                account_id=account_id,
                language=language,
                filters=filters,
                limit=limit,
                offset=offset,
            )
            if pooled is not None:
                return pooled
        return self._ranked_all(
            expression,
            account_id=account_id,
            language=language,
            filters=filters,
            limit=limit,
            offset=offset,
        )

    def _ranked_pool(
        self,
        expression: str,
        *,
        account_id: int,
        language: str | None,
        filters: dict[str, Any],
        limit: int,
        offset: int,
    ) -> list[tuple[int, float]] | None:
        return None

    def _ranked_all(
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
    ) -> tuple[list[tuple[tuple[Any, ...], int]], bool]:
        """How the matches spread over the facet columns, and whether there were more than
        FACET_CAP of them (then only the first FACET_CAP + 1 are counted)."""
        where, params = _where(account_id, language, {})
        sql = (
            f"SELECT {_COMBINATION_COLUMNS}, COUNT(*) FROM ("  # noqa: S608
            f"SELECT {_COMBINATION_COLUMNS} FROM {self._from()} AND {where} LIMIT %s"
            f") e GROUP BY {_COMBINATION_COLUMNS}"
        )
        rows = self._execute(sql, [expression, *params, FACET_CAP + 1])
        combinations = [(tuple(row[:-1]), row[-1]) for row in rows]
        return combinations, sum(count for _, count in combinations) > FACET_CAP


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

    def _ranked_pool(
        self,
        expression: str,
        *,
        account_id: int,
        language: str | None,
        filters: dict[str, Any],
        limit: int,
        offset: int,
    ) -> list[tuple[int, float]] | None:
        """Title matches first: bm25 over every match costs about 1 ms per thousand (75 ms for a
        word in nearly every document). Past FACET_CAP matches, the candidates are the best
        CANDIDATES matches in the title (FTS5's column filter; bm25 of their title hits), read
        from the FTS index alone, then filtered and demoted through the entry table. When the
        title has fewer matches than the page asks, body matches follow: the first CANDIDATES
        in the index (bm25 computed for those only), ranked among themselves. None (rank every
        match) when even that leaves the page short. Not exact: a body-only match could outrank
        a title match, but titles weigh 5 times more."""
        want = offset + limit
        title_pool = self._execute(
            f"SELECT rowid, -bm25({FTS_TABLE}, {TITLE_WEIGHT}, 1.0) AS raw "  # noqa: S608
            f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s ORDER BY raw DESC LIMIT %s",
            [f"title_tokens : ({expression})", CANDIDATES],
        )
        ranked = self._demoted(dict(title_pool), account_id, language, filters)
        if len(ranked) >= want:
            return ranked[offset:want]
        if len(title_pool) == CANDIDATES:  # a filter the best title matches do not meet
            return None
        body_pool = self._execute(
            f"SELECT rowid, -bm25({FTS_TABLE}, {TITLE_WEIGHT}, 1.0) "  # noqa: S608
            f"FROM {FTS_TABLE} WHERE {FTS_TABLE} MATCH %s LIMIT %s",
            [expression, CANDIDATES + len(title_pool)],
        )
        in_title = {entry_id for entry_id, _ in title_pool}
        body = dict((i, raw) for i, raw in body_pool if i not in in_title)
        floor = ranked[-1][1] if ranked else None
        for entry_id, score in self._demoted(body, account_id, language, filters):
            # Below every title match, as they rank first.
            ranked.append((entry_id, score if floor is None else min(score, floor)))
        if len(ranked) < want:
            return None
        return ranked[offset:want]

    def _demoted(
        self,
        raw: dict[int, float],
        account_id: int,
        language: str | None,
        filters: dict[str, Any],
    ) -> list[tuple[int, float]]:
        """The entries of `raw` (id: bm25) that pass the filters, demoted, best first."""
        if not raw:
            return []
        where, params = _where(account_id, language, filters)
        rows = self._execute(
            f"SELECT e.id, {_DEMOTION} FROM {ENTRY_TABLE} e "  # noqa: S608
            f"WHERE e.id IN ({', '.join(['%s'] * len(raw))}) AND {where}",
            [*raw, *params],
        )
        scored = sorted(((float(raw[i] * d), i) for i, d in rows), key=lambda p: (-p[0], p[1]))
        return [(i, score) for score, i in scored]


class PostgresBackend(Backend):
    """tsvector @@ tsquery through the GIN index; ts_rank_cd with the title weighted A, the body
    B, normalised by document length (1 + log of its number of words)."""

    vendor = "postgresql"

    def _execute(self, sql: str, params: list[Any]) -> list[tuple[Any, ...]]:
        # A query matching much of a large index is estimated expensive enough for PostgreSQL to
        # JIT-compile it, which costs more (100 ms and up) than running it; never worth it here.
        # The matches come through the GIN indexes: a sequential scan would read (and
        # decompress) the tsvector of every row until LIMIT is met. Both settings are local to
        # the transaction and set in one round trip (set_config(..., true) = SET LOCAL).
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "SELECT set_config('jit', 'off', true), set_config('enable_seqscan', 'off', true)"
            )
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

    def _ranked_pool(
        self,
        expression: str,
        *,
        account_id: int,
        language: str | None,
        filters: dict[str, Any],
        limit: int,
        offset: int,
    ) -> list[tuple[int, float]] | None:
        """Title matches first: ranking reads each match's whole tsvector (TOASTed, a few
        kilobytes), too slow over thousands. Past FACET_CAP matches, the candidates are
        CANDIDATES / 2 entries matching in the title (the small title vector and its own GIN
        index), ranked as usual; when they leave the page short, as many other matches (in the
        index's order) join them. None (rank every match) when even that leaves it short. Not
        exact: an entry outside the candidates could outrank them, but titles weigh 5 times
        more."""
        where, params = _where(account_id, language, filters)
        pool = CANDIDATES // 2
        title = (
            f"SELECT e.id FROM {ENTRY_TABLE} e, to_tsquery('simple'::regconfig, %s) q "  # noqa: S608
            f"WHERE e.{TITLE_VECTOR_COLUMN} @@ q AND {where} LIMIT %s"
        )
        other = (
            f"SELECT e.id FROM {ENTRY_TABLE} e, to_tsquery('simple'::regconfig, %s) q "  # noqa: S608
            f"WHERE e.{VECTOR_COLUMN} @@ q AND {where} LIMIT %s"
        )
        for candidates, candidate_params in (
            (title, [expression, *params, pool]),
            (f"({title}) UNION ({other})", [*(expression, *params, pool) * 2]),
        ):
            sql = (
                f"SELECT e.id, {self._score()} AS score FROM ({candidates}) c "  # noqa: S608
                f"JOIN {ENTRY_TABLE} e ON e.id = c.id, to_tsquery('simple'::regconfig, %s) q "
                f"ORDER BY score DESC, e.id LIMIT %s OFFSET %s"
            )
            rows = self._execute(sql, [*candidate_params, expression, limit, offset])
            if len(rows) == limit:
                return [(row[0], float(row[1])) for row in rows]
        return None  # too few candidates for this page: rank every match


def get_backend() -> Backend:
    vendor = connection.vendor
    if vendor == "sqlite":
        return SqliteBackend()
    if vendor == "postgresql":
        return PostgresBackend()
    raise NotImplementedError(f"search has no backend for {vendor}")

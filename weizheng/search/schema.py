"""The full-text structures beside the `search_searchentry` table, per database.

SQLite: an FTS5 table with external content (the entry table), tokenised by unicode61 on the
spaces of the pre-segmented text, kept in step by triggers, so every write to an entry, the
caller's transaction included, updates the index in the same transaction.

PostgreSQL: a generated `tsvector` column (title weighted A, body B, `simple` configuration: the
text is already segmented and lower-cased) and a GIN index on it; a second, title-only vector
with its own GIN index (migration 0004) for the candidates of queries with many matches.

Both are created by migration 0002 through `create_fulltext`, which is idempotent. Caution for
later migrations of SearchEntry on SQLite: Django rebuilds a table to alter it (create, copy,
drop, rename) and the triggers go with the dropped table; such a migration must call
`create_fulltext` again and `rebuild_fulltext` (tests/test_schema.py fails otherwise).
"""

# ruff: noqa: S608 - the SQL is built from this module's own identifiers; it binds no values.

from __future__ import annotations

ENTRY_TABLE = "search_searchentry"
FTS_TABLE = "search_fts"
VECTOR_COLUMN = "search_vector"
TITLE_VECTOR_COLUMN = "search_title_vector"

SQLITE_CREATE = [
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5(
        title_tokens, body_tokens,
        content='{ENTRY_TABLE}', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2'
    )""",
    f"""CREATE TRIGGER IF NOT EXISTS search_fts_insert AFTER INSERT ON {ENTRY_TABLE} BEGIN
        INSERT INTO {FTS_TABLE}(rowid, title_tokens, body_tokens)
        VALUES (new.id, new.title_tokens, new.body_tokens);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_fts_delete AFTER DELETE ON {ENTRY_TABLE} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title_tokens, body_tokens)
        VALUES ('delete', old.id, old.title_tokens, old.body_tokens);
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS search_fts_update
        AFTER UPDATE OF title_tokens, body_tokens ON {ENTRY_TABLE} BEGIN
        INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title_tokens, body_tokens)
        VALUES ('delete', old.id, old.title_tokens, old.body_tokens);
        INSERT INTO {FTS_TABLE}(rowid, title_tokens, body_tokens)
        VALUES (new.id, new.title_tokens, new.body_tokens);
    END""",
]
SQLITE_TRIGGERS = ("search_fts_insert", "search_fts_delete", "search_fts_update")
SQLITE_DROP = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in SQLITE_TRIGGERS),
    f"DROP TABLE IF EXISTS {FTS_TABLE}",
]

POSTGRES_CREATE = [
    f"""ALTER TABLE {ENTRY_TABLE} ADD COLUMN IF NOT EXISTS {VECTOR_COLUMN} tsvector
        GENERATED ALWAYS AS (
            setweight(to_tsvector('simple'::regconfig, title_tokens), 'A')
            || setweight(to_tsvector('simple'::regconfig, body_tokens), 'B')
        ) STORED""",
    f"CREATE INDEX IF NOT EXISTS search_entry_vector ON {ENTRY_TABLE} USING gin ({VECTOR_COLUMN})",
    # The title alone (migration 0004): a small vector, stored inline, and its own GIN index,
    # from which a query with thousands of matches takes its candidates (backends.py).
    f"""ALTER TABLE {ENTRY_TABLE} ADD COLUMN IF NOT EXISTS {TITLE_VECTOR_COLUMN} tsvector
        GENERATED ALWAYS AS (to_tsvector('simple'::regconfig, title_tokens)) STORED""",
    f"""CREATE INDEX IF NOT EXISTS search_entry_title_vector
        ON {ENTRY_TABLE} USING gin ({TITLE_VECTOR_COLUMN})""",
]
POSTGRES_DROP = [
    "DROP INDEX IF EXISTS search_entry_title_vector",
    f"ALTER TABLE {ENTRY_TABLE} DROP COLUMN IF EXISTS {TITLE_VECTOR_COLUMN}",
    "DROP INDEX IF EXISTS search_entry_vector",
    f"ALTER TABLE {ENTRY_TABLE} DROP COLUMN IF EXISTS {VECTOR_COLUMN}",
]


def _run(schema_editor, statements: list[str]) -> None:
    for statement in statements:
        schema_editor.execute(statement)


def create_fulltext(schema_editor) -> None:
    """Create the full-text index for the database in use (other databases: nothing)."""
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_CREATE)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_CREATE)


def drop_fulltext(schema_editor) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        _run(schema_editor, SQLITE_DROP)
    elif vendor == "postgresql":
        _run(schema_editor, POSTGRES_DROP)


def rebuild_fulltext(schema_editor) -> None:
    """Re-read every entry into the index (SQLite; PostgreSQL's column is always current)."""
    if schema_editor.connection.vendor == "sqlite":
        schema_editor.execute(f"INSERT INTO {FTS_TABLE}({FTS_TABLE}) VALUES ('rebuild')")

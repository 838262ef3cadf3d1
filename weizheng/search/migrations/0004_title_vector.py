"""PostgreSQL: a generated title-only tsvector and its GIN index (the candidates of a query with
thousands of matches, backends.PostgresBackend). Adding a generated column computes it for
every existing row. SQLite: nothing (FTS5 filters on the title column itself)."""

from django.db import migrations

from weizheng.search.schema import POSTGRES_CREATE, TITLE_VECTOR_COLUMN


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for statement in POSTGRES_CREATE:
            if TITLE_VECTOR_COLUMN in statement:
                schema_editor.execute(statement)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP INDEX IF EXISTS search_entry_title_vector")
        schema_editor.execute(
            f"ALTER TABLE search_searchentry DROP COLUMN IF EXISTS {TITLE_VECTOR_COLUMN}"
        )


class Migration(migrations.Migration):
    dependencies = [("search", "0003_default_synonyms")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

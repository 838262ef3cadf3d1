"""The full-text index for the database in use: FTS5 on SQLite, tsvector + GIN on PostgreSQL."""

from django.db import migrations

from weizheng.search.schema import create_fulltext, drop_fulltext


def forwards(apps, schema_editor):
    create_fulltext(schema_editor)


def backwards(apps, schema_editor):
    drop_fulltext(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("search", "0001_index_and_synonyms")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]

"""The table of the database cache (the default cache without Redis, settings/base.py), created
by migrate so no deployment step can be forgotten. Harmless when Redis is the cache."""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

CACHE_TABLE = "weizheng_cache"  # settings.CACHES["default"]["LOCATION"] without Redis


def create_cache_table(apps, schema_editor):
    # Skips a table that exists already (a deployment that ran createcachetable by hand).
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, CACHE_TABLE, dry_run=False)


def drop_cache_table(apps, schema_editor):
    schema_editor.execute(f"DROP TABLE IF EXISTS {schema_editor.quote_name(CACHE_TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_holiday")]

    operations = [migrations.RunPython(create_cache_table, drop_cache_table)]

"""The database cache table(s) of settings.CACHES, so `migrate` alone sets up the whole database.

Django keeps its database cache in a table that no model declares: `createcachetable` makes it,
and forgetting that step left every cached page without its table. This migration runs that
command (it creates only the tables that do not exist yet, so it is idempotent and a database that
already has them is left alone); migrating back drops them again.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.core.cache.backends.db import BaseDatabaseCache
from django.core.management import call_command
from django.db import migrations, router


def database_caches() -> list[BaseDatabaseCache]:
    return [cache for alias in settings.CACHES if isinstance(cache := caches[alias], BaseDatabaseCache)]


def create_cache_tables(apps: Any, schema_editor: Any) -> None:
    call_command("createcachetable", database=schema_editor.connection.alias, verbosity=0)


def drop_cache_tables(apps: Any, schema_editor: Any) -> None:
    connection = schema_editor.connection
    existing = set(connection.introspection.table_names())
    dropped: set[str] = set()
    for cache in database_caches():
        model = cache.cache_model_class
        table = model._meta.db_table
        if table in existing and table not in dropped and router.allow_migrate_model(connection.alias, model):
            # The cache's model class is a stand-in without real options, so the plain statement.
            schema_editor.execute(schema_editor.sql_delete_table % {"table": schema_editor.quote_name(table)})
            dropped.add(table)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_pending_import")]

    operations = [migrations.RunPython(create_cache_tables, drop_cache_tables, elidable=False)]

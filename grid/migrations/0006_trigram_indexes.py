"""Trigram indexes for searching names, addresses and numbers (grid.search) on PostgreSQL.

pg_trgm ships with PostgreSQL and is a trusted extension: the database's owner may create it.
Where that is refused, the indexes are left out with a warning and search reads the tables
(the same answers, slower). SQLite has no such index and needs none to work."""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

# (table, column): each searched the way Django's icontains/istartswith write it on PostgreSQL,
# UPPER("column"::text) LIKE UPPER(…), so the index is on that expression.
SEARCHED = [
    ("grid_area", "name"),
    ("grid_building", "name"),
    ("grid_building", "address"),
    ("grid_household", "door_number"),
    ("grid_resident", "name"),
    ("grid_resident", "id_number"),
    ("grid_resident", "phone"),
    ("grid_unit", "name"),
    ("grid_unit", "address"),
    ("grid_facility", "name"),
    ("grid_volunteer", "name"),
]


def index_name(table: str, column: str) -> str:
    return f"{table}_{column}_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    connection = schema_editor.connection
    try:
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        logger.warning("pg_trgm could not be created (%s): search reads the tables", error)
        return
    with connection.cursor() as cursor:
        for table, column in SEARCHED:
            cursor.execute(
                f'CREATE INDEX IF NOT EXISTS "{index_name(table, column)}" ON "{table}" '
                f'USING gin ((UPPER("{column}"::text)) gin_trgm_ops)'
            )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        for table, column in SEARCHED:
            cursor.execute(f'DROP INDEX IF EXISTS "{index_name(table, column)}"')


class Migration(migrations.Migration):
    dependencies = [("grid", "0005_area_boundary_box")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

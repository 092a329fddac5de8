"""Plain bulk INSERTs for the importer's largest writes, and a lookup for its largest reads.

Django's bulk_create prepares every value of every object through its field (and builds an
object per row first), which for a registry import costs more than the database's own work.
The importer has already checked and normalised each value, so `insert` sends them as they
are: callers pass values the database stores directly (text, numbers, None), or values they
prepared once with the field's `get_db_prep_save`. On PostgreSQL the rows go through COPY,
with primary keys drawn from the table's sequence beforehand; elsewhere through multi-row
INSERT … RETURNING, as bulk_create does.
"""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Lookup, Model
from django.db.models.lookups import In

BATCH = 1000


def insert(
    model: type[Model], fields: Sequence[str], rows: Sequence[Sequence], *, returning: bool = True
) -> list[int]:
    """Insert rows (values in the order of `fields`); the new primary keys in row order."""
    if not rows:
        return []
    opts = model._meta
    quote = connection.ops.quote_name
    columns = [quote(opts.get_field(name).column) for name in fields]
    table = quote(opts.db_table)
    if connection.vendor == "postgresql":
        return copy_rows(table, columns, quote(opts.pk.column), rows, returning)
    row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
    suffix = f" RETURNING {quote(opts.pk.column)}" if returning else ""
    ids: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            sql = (
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES "
                + ", ".join([row_sql] * len(batch))
                + suffix
            )
            cursor.execute(sql, [value for row in batch for value in row])
            if returning:
                ids.extend(row[0] for row in cursor.fetchall())
    return ids


def copy_rows(table: str, columns: list[str], pk: str, rows: Sequence[Sequence], returning: bool):
    ids: list[int] = []
    with connection.cursor() as cursor:
        if returning:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
                [table.strip('"'), pk.strip('"'), len(rows)],
            )
            ids = [row[0] for row in cursor.fetchall()]
            columns = [pk, *columns]
            rows = [(pk_value, *row) for pk_value, row in zip(ids, rows, strict=True)]
        # The raw psycopg cursor has COPY; Django's wrapper turns its errors into Django's.
        with (
            connection.wrap_database_errors,
            cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
    return ids


class AnyOf(Lookup):
    """`AnyOf(F("field"), values)` in a filter: the rows whose field is one of `values`, as
    `__in` finds them. On PostgreSQL the values go as one array parameter (`= ANY(%s)`): with
    `__in`, Django prepares and psycopg splices each of an import chunk's thousands of values
    into the SQL one by one, which took longer than the query itself."""

    lookup_name = "any_of"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        if connection.vendor != "postgresql":
            return In(self.lhs, list(self.rhs)).as_sql(compiler, connection)
        lhs, params = self.process_lhs(compiler, connection)
        return f"{lhs} = ANY(%s)", [*params, list(self.rhs)]

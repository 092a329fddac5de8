"""Plain bulk INSERTs for the importer's largest writes, and a lookup for its largest reads.

Django's bulk_create prepares every value of every object through its field (and builds an
object per row first), which for a registry import costs more than the database's own work.
The importer has already checked and normalised each value, so `insert` sends them as they
are: callers pass values the database stores directly (text, numbers, None), or values they
prepared once with the field's `get_db_prep_save`. On PostgreSQL the rows go through COPY;
elsewhere through multi-row INSERTs. New records' primary keys are drawn beforehand with
`reserve_ids`, so that what refers to them (members to their household, audit entries to
their record) can be prepared before anything is written.
"""

from collections.abc import Sequence

from django.db import connection
from django.db.models import Lookup, Model
from django.db.models.lookups import In

BATCH = 1000
COPY_FROM = 50


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """`count` primary keys no other record will take, drawn from the table's sequence (on
    SQLite, its AUTOINCREMENT counter, which the import's write lock keeps to itself)."""
    if not count:
        return []
    table = model._meta.db_table
    pk = model._meta.pk.column
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT array_agg(nextval(pg_get_serial_sequence(%s, %s))) "
                "FROM generate_series(1, %s)",
                [table, pk, count],
            )
            return cursor.fetchone()[0]
        quote = connection.ops.quote_name
        # The counter's row appears with the table's first record; it is never below the
        # largest key.
        cursor.execute(
            "INSERT INTO sqlite_sequence (name, seq) "
            f"SELECT %s, COALESCE(MAX({quote(pk)}), 0) FROM {quote(table)} "
            "WHERE NOT EXISTS (SELECT 1 FROM sqlite_sequence WHERE name = %s)",
            [table, table],
        )
        cursor.execute(
            "UPDATE sqlite_sequence SET seq = seq + %s WHERE name = %s RETURNING seq",
            [count, table],
        )
        last = cursor.fetchone()[0]
    return list(range(last - count + 1, last + 1))


class Keys:
    """The primary keys one import gives its new records of a model, reserved a block at a
    time: each reservation is a round trip. The first block is what the first chunk needs (a
    small import skips no key); each later one is twice the one before, up to `MAX_BLOCK`.
    Keys left over at the end are skipped, as a rolled-back insert skips its key."""

    MAX_BLOCK = 16_000

    def __init__(self, model: type[Model]) -> None:
        self.model = model
        self.free: list[int] = []
        self.block = 0

    def take(self, count: int) -> list[int]:
        if count > len(self.free):
            self.block = min(max(count - len(self.free), 2 * self.block), self.MAX_BLOCK)
            self.free += reserve_ids(self.model, max(count - len(self.free), self.block))
        taken, self.free = self.free[:count], self.free[count:]
        return taken


def insert(model: type[Model], fields: Sequence[str], rows: Sequence[Sequence]) -> None:
    """Insert rows (values in the order of `fields`; "pk" among them for keys reserved with
    `reserve_ids`). A few rows go as one INSERT on every database: opening a COPY costs a
    round trip more."""
    if not rows:
        return
    opts = model._meta
    quote = connection.ops.quote_name
    columns = ", ".join(
        quote(opts.pk.column if name == "pk" else opts.get_field(name).column) for name in fields
    )
    table = quote(opts.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql" and len(rows) >= COPY_FROM:
            # The raw psycopg cursor has COPY; Django's wrapper turns its errors into Django's.
            with (
                connection.wrap_database_errors,
                cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
            ):
                for row in rows:
                    copy.write_row(row)
            return
        row_sql = "(" + ", ".join(["%s"] * len(fields)) + ")"
        for start in range(0, len(rows), BATCH):
            batch = rows[start : start + BATCH]
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([row_sql] * len(batch)),
                [value for row in batch for value in row],
            )


def insert_objects(objects: Sequence[Model], fields: Sequence[str] | None = None) -> None:
    """Insert unsaved objects of one model, as `bulk_create` would but without their keys
    coming back and without Django's query compiler: for the few rows each step of a process
    writes (its history entry, its notices, a task's link to the one before), where building
    the INSERT took longer than the database's storing it. Each field prepares its own value
    (`auto_now_add` included); no signal is sent, as `bulk_create` sends none. `fields`: all
    but the key unless named."""
    if not objects:
        return
    model = type(objects[0])
    if fields is None:
        fields = [f.name for f in model._meta.concrete_fields if not f.primary_key]
    prepared = [model._meta.get_field(name) for name in fields]
    rows = [
        [field.get_db_prep_save(field.pre_save(obj, True), connection) for field in prepared]
        for obj in objects
    ]
    insert(model, fields, rows)


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

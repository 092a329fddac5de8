"""What an import reports (row by row errors, counts) and the state its rows share while it
runs; the registers and the import runner both use them."""

import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper

from . import selectors

# The report keeps this many errors; the count covers all of them.

MAX_ERRORS = 1000

Progress = Callable[[int, int], None]


@dataclass
class RowError:
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    resource: str
    dry_run: bool
    rows: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    empty_rows: int = 0
    error_count: int = 0
    errors: list[RowError] = field(default_factory=list)
    notices: list[str] = field(default_factory=list)
    encoding: str = ""

    @property
    def ok(self) -> bool:
        return self.error_count == 0

    def error(self, row: int, column: str, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS:
            self.errors.append(RowError(row, column, str(message)))

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "ImportReport":
        errors = [RowError(**error) for error in data.get("errors", [])]
        return cls(**{**data, "errors": errors})


class ImportContext:
    """What one import knows beyond a single row: who imports, where they may import, what
    the file has already said, and what is already in the database."""

    def __init__(self, user: AbstractBaseUser | None, report: ImportReport, dry_run: bool):
        self.user = user
        self.report = report
        self.dry_run = dry_run
        # None: everywhere (a command run without --user, or a superuser).
        self.codes = selectors.jurisdiction_codes(user) if user is not None else None
        # One uuid ties the audit entries of one import together, as Wagtail does per action.
        self.log_uuid = uuid.uuid4()
        self.state: dict[str, Any] = {}
        self.writer: Writer | None = None

    def write(self, write: Callable[..., Any], *args: Any) -> None:
        """Write what a chunk planned: by the writer when the import has one, else now."""
        if self.writer is not None:
            self.writer.submit(write, *args)
        else:
            write(*args)

    @property
    def writing(self) -> bool:
        """Rows are written only in a real import and only while no row has been in error."""
        return not self.dry_run and self.report.ok

    def in_scope(self, code: str) -> bool:
        return self.codes is None or any(code.startswith(prefix) for prefix in self.codes)

    @cached_property
    def personal_data_codes(self) -> tuple[str, ...] | None:
        return selectors.personal_data_codes(self.user) if self.user is not None else None

    def sees_personal_data(self, code: str) -> bool:
        """Whether the importing user sees personal data in the area of this code."""
        codes = self.personal_data_codes
        return codes is None or any(code.startswith(prefix) for prefix in codes)


# While a chunk is written, the writing thread needs the interpreter after every round trip to
# the database, and by default waits up to 5 ms for the checking thread to let go of it: with
# many round trips per chunk, the database would wait on Python. Imports shorten the wait while
# they write (the interval is the process's: the first import to write sets it, the last to
# finish restores it).
SWITCH_INTERVAL = 0.0005
switching = threading.Lock()
writing_imports = 0
interval_before = 0.0


@contextmanager
def prompt_switching() -> Iterator[None]:
    global writing_imports, interval_before
    with switching:
        if writing_imports == 0:
            interval_before = sys.getswitchinterval()
            sys.setswitchinterval(min(SWITCH_INTERVAL, interval_before))
        writing_imports += 1
    try:
        yield
    finally:
        with switching:
            writing_imports -= 1
            if writing_imports == 0:
                sys.setswitchinterval(interval_before)


class Writer:
    """Writes each chunk in a second thread while the main thread checks the cells of the
    next: most of a write is the database maintaining its indexes (a third of an import's
    time on PostgreSQL), time in which this process would otherwise wait. The thread uses the
    import's own connection, so the write is part of the import's transaction; one write is
    under way at a time, and the main thread uses the database again only after `wait`,
    which raises what the write raised.

    With `read_beside`, for a register whose matching needs only what was on record before
    the import and what the file said so far, the main thread does not wait: on PostgreSQL it
    reads over a connection of its own while the chunk before is written, so that matching
    and preparing a chunk overlap the write too; the writes are then in an order that needs
    no deferred constraint. Only in a real import whose transaction is the outermost one
    (the only atomic block open): a caller's transaction (a test's) may hold records only its
    own connection sees."""

    def __init__(self, read_beside: bool = False) -> None:
        self.connection = connections[DEFAULT_DB_ALIAS]
        self.main_thread = threading.get_ident()
        self.pending: Future | None = None
        self.reader: BaseDatabaseWrapper | None = None
        self.read_beside = (
            read_beside
            and self.connection.vendor == "postgresql"
            and len(self.connection.atomic_blocks) == 1
        )

    def __enter__(self) -> "Writer":
        self.connection.inc_thread_sharing()
        self.executor = ThreadPoolExecutor(1, initializer=self.share_connection)
        self.guard = self.connection.execute_wrapper(self.refuse_main_thread_while_writing)
        self.guard.__enter__()
        if self.read_beside:
            # References are checked as each chunk is written, beside the next chunk's
            # checks, rather than all at the commit, with nothing beside them.
            with self.connection.cursor() as cursor:
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            # For this thread alone, as the writer's thread has the import's connection.
            self.reader = connections.create_connection(DEFAULT_DB_ALIAS)
            connections[DEFAULT_DB_ALIAS] = self.reader
        # Last: nothing after it can fail and leave the process's interval changed.
        self.switching = ExitStack()
        self.switching.enter_context(prompt_switching())
        return self

    def __exit__(self, *exc_info: Any) -> None:
        try:
            if exc_info[0] is None:
                self.wait()
            elif self.pending is not None:
                # The import failed already; let the write end before the rollback.
                self.pending.exception()
        finally:
            self.executor.shutdown()
            if self.reader is not None:
                connections[DEFAULT_DB_ALIAS] = self.connection
                self.reader.close()
            self.guard.__exit__(*exc_info)
            self.connection.dec_thread_sharing()
            self.switching.close()

    def share_connection(self) -> None:
        connections[DEFAULT_DB_ALIAS] = self.connection

    def submit(self, write: Callable[..., Any], *args: Any) -> None:
        self.wait()
        self.pending = self.executor.submit(write, *args)

    def wait(self) -> None:
        pending, self.pending = self.pending, None
        if pending is not None:
            pending.result()

    def refuse_main_thread_while_writing(self, execute, sql, params, many, context):
        if self.pending is not None and threading.get_ident() == self.main_thread:
            raise RuntimeError("An import used the database while a chunk was being written.")
        return execute(sql, params, many, context)

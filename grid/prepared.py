"""Reads of one fixed shape that run on every step of a busy path (a process transition's task
with its process, the people a new task is offered to), compiled into SQL once per database and
run again with each call's values.

For such a read Django spends several times longer building the SQL (resolving the joins of
`select_related`, listing every column) than the database spends answering it. A prepared
read keeps the compiler Django made the first time and runs its SQL with new parameter values;
the rows become model instances through Django's own `ModelIterable`, so they are what the
queryset itself would have returned.
"""

import copy
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Generic, TypeVar

from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable
from django.db.models.sql.compiler import SQLCompiler

M = TypeVar("M", bound=Model)


@dataclass(frozen=True)
class _Compiled:
    compiler: SQLCompiler
    sql: str
    params: tuple[Any, ...]
    # Where each of the call's values goes among the parameters.
    slots: tuple[int, ...]
    # How each column's value comes out of the database (asked of every column on each run).
    converters: dict[int, Any]


class _Query:
    """Stands for a queryset's query to Django's `ModelIterable`: hands it the prepared
    compiler instead of compiling the query again."""

    def __init__(self, compiler: SQLCompiler) -> None:
        self.compiler = compiler

    def get_compiler(self, *args: object, **kwargs: object) -> SQLCompiler:
        return self.compiler


class PreparedRead(Generic[M]):
    """`build(*values)` gives the queryset; it is built and compiled once with `placeholders`,
    values no real call passes, each of which must appear exactly once among the compiled
    parameters (as it does in a plain `field=value` filter). A call's values take their places
    as they are: give them as the database takes them (numbers, text)."""

    def __init__(self, build: Callable[..., QuerySet[M]], *placeholders: object) -> None:
        self.build = build
        self.placeholders = placeholders
        # Per connection, as connections belong to threads and their compilers to them.
        self.compiled: weakref.WeakKeyDictionary[BaseDatabaseWrapper, _Compiled] = (
            weakref.WeakKeyDictionary()
        )

    @cached_property
    def template(self) -> QuerySet[M]:
        # Built when first run, not when declared: a model module may declare one while the
        # models it joins are still loading.
        return self.build(*self.placeholders)

    def compile(self, connection: BaseDatabaseWrapper) -> _Compiled:
        compiler = self.template.query.get_compiler(connection=connection)
        sql, params = compiler.as_sql()
        slots = []
        for placeholder in self.placeholders:
            found = [
                i for i, p in enumerate(params) if type(p) is type(placeholder) and p == placeholder
            ]
            if len(found) != 1:
                raise ImproperlyConfigured(
                    f"{placeholder!r} appears {len(found)} times in the parameters of {sql}"
                )
            slots.append(found[0])
        columns = [column[0] for column in compiler.select[: compiler.col_count]]
        converters = compiler.get_converters(columns)
        return _Compiled(compiler, sql, tuple(params), tuple(slots), converters)

    def __call__(self, *values: object) -> list[M]:
        template = self.template
        alias = template.db
        connection = connections[alias]
        compiled = self.compiled.get(connection)
        if compiled is None:
            compiled = self.compiled[connection] = self.compile(connection)
        params = list(compiled.params)
        for slot, value in zip(compiled.slots, values, strict=True):
            params[slot] = value
        runner = copy.copy(compiled.compiler)
        runner.as_sql = lambda *args, **kwargs: (compiled.sql, params)  # type: ignore[method-assign]
        runner.get_converters = lambda expressions: compiled.converters  # type: ignore[method-assign]
        rows = QuerySet(template.model, query=_Query(runner), using=alias)  # type: ignore[arg-type]
        return list(ModelIterable(rows))

"""Querysets compiled to SQL once, then run again with other values.

Building a queryset and compiling it (resolving each lookup through its joins, naming forty
columns, ordering) costs Django one to three milliseconds of CPU per query: several times what
PostgreSQL spends answering the API's hot reads (an order by id, its segments, their items).
A read whose shape never changes, only its values, needs that work once. `Prepared(build)`
calls `build` with stand-in arguments, compiles the queryset it returns, notes where each
argument lands among the SQL's parameters, and from then on runs that SQL with the call's own
values in those places, handing back the rows as `values()` does (dicts, through the same
field converters). Measured on an order, its segments and items: 7.3 ms of CPU through the
ORM, 0.8 ms prepared (bench/cpu.py --profile shows where an endpoint's time goes).

What `build` may do:

- take ints (ids) and lists of ints (`__in=`), and dates (passed to the database as it would
  pass them); anything else is refused;
- return a `values()` queryset, which it must build the same way whatever the values: an
  argument that does not reach the SQL unchanged (used in a condition, a branch or a slice) is
  refused when the shape is compiled; a call pages the rows with `page=(offset, limit)`, as
  parameters of the one SQL (a slice is written into the SQL's text);
- read nothing that changes from call to call other than its arguments: a date or time found
  among the parameters that is not an argument (`timezone.now()`) is refused, as it would be
  frozen at the first call.

A shape is compiled once per number of items in each list argument (an `IN` has a placeholder
per item) and per thread (a compiler belongs to its thread's connection); the last
MAX_SHAPES shapes of each are kept. A list argument without items matches nothing, as
`__in=[]` does. No maintained library does this:
django-prepared-queries, the one there is, stops at Django 2.1.
"""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from dataclasses import dataclass

from django.db import connections
from django.db.models import QuerySet
from django.db.models.sql.compiler import SQLCompiler

# Stand-ins: ids and days no row has, each told apart from the others.
FIRST_STAND_IN_ID = -7_300_000_000
FIRST_STAND_IN_DAY = datetime.date(1001, 1, 1)
# Where a SELECT ends with `LIMIT n OFFSET m` (as Django writes a slice there, without a lock).
PAGED_VENDORS = {"postgresql", "sqlite"}
# Shapes kept per prepared query and thread: a page of orders has one per page size asked for.
MAX_SHAPES = 32


@dataclass(frozen=True)
class _Slot:
    """Where a parameter of the SQL comes from: argument `arg` (item `item` of a list), as
    the database was given it (`as_text`: a date the backend passes as text), or `constant`."""

    arg: int | None = None
    item: int | None = None
    as_text: bool = False
    constant: object = None

    def value(self, args: tuple):
        if self.arg is None:
            return self.constant
        value = args[self.arg] if self.item is None else args[self.arg][self.item]
        return value.isoformat() if self.as_text else value


@dataclass(frozen=True)
class _Compiled:
    alias: str
    sql: str
    slots: tuple[_Slot, ...]
    names: tuple[str, ...]
    compiler: SQLCompiler
    converters: dict


class PreparedShapeError(TypeError):
    """The build cannot be prepared (see the module's docstring for what it may do)."""


class Prepared:
    """A values() queryset built by `build(*args)`, compiled once per shape (module docstring).
    Calling it answers the rows, as dicts."""

    def __init__(self, build: Callable[..., QuerySet]) -> None:
        self.build = build
        self._compiled = threading.local()

    def __repr__(self) -> str:
        return f"Prepared({self.build.__qualname__})"

    def __call__(self, *args, page: tuple[int, int] | None = None) -> list[dict]:
        """The rows for these arguments; `page`: (offset, limit), only those rows (LIMIT and
        OFFSET are parameters of the one SQL, where a sliced queryset writes them into it)."""
        shape = (*(_shape(arg) for arg in args), page is not None)
        if any(size == 0 for size in shape[:-1]):
            return []
        by_shape = self._compiled.__dict__.setdefault("by_shape", {})
        compiled = by_shape.get(shape)
        if compiled is None:
            if len(by_shape) >= MAX_SHAPES:
                del by_shape[next(iter(by_shape))]  # the oldest
            compiled = by_shape[shape] = self._compile(args, paged=page is not None)
        params = [slot.value(args) for slot in compiled.slots]
        if page is not None:
            offset, limit = page
            params += [limit, offset]
        with connections[compiled.alias].cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        if compiled.converters:
            rows = compiled.compiler.apply_converters(rows, compiled.converters)
        names = compiled.names
        return [dict(zip(names, row, strict=True)) for row in rows]

    def _compile(self, args: tuple, *, paged: bool) -> _Compiled:
        stand_ins: dict[object, _Slot] = {}
        stand_in_args = []
        for position, arg in enumerate(args):
            if isinstance(arg, list | tuple):
                items = []
                for item in range(len(arg)):
                    stand_in = FIRST_STAND_IN_ID - len(stand_ins)
                    stand_ins[stand_in] = _Slot(arg=position, item=item)
                    items.append(stand_in)
                stand_in_args.append(items)
            elif isinstance(arg, datetime.date) and not isinstance(arg, datetime.datetime):
                day = FIRST_STAND_IN_DAY + datetime.timedelta(days=len(stand_ins))
                stand_ins[day] = _Slot(arg=position)
                stand_ins[day.isoformat()] = _Slot(arg=position, as_text=True)
                stand_in_args.append(day)
            else:
                stand_in = FIRST_STAND_IN_ID - len(stand_ins)
                stand_ins[stand_in] = _Slot(arg=position)
                stand_in_args.append(stand_in)
        queryset = self.build(*stand_in_args)
        query = queryset.query
        if not query.values_select and not query.annotation_select:
            raise PreparedShapeError(f"{self!r}: build must return a values() queryset")
        compiler = query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        if paged:
            if query.is_sliced:
                raise PreparedShapeError(f"{self!r}: a sliced build cannot be paged")
            if compiler.connection.vendor not in PAGED_VENDORS:
                raise PreparedShapeError(f"{self!r}: no paging on {compiler.connection.vendor}")
            sql += " LIMIT %s OFFSET %s"
        slots, used = [], set()
        for param in params:
            slot = _stand_in(stand_ins, param)
            if slot is None:
                if isinstance(param, datetime.date | datetime.time):
                    raise PreparedShapeError(
                        f"{self!r}: a date or time that is not an argument ({param!r}) would be "
                        "frozen at the first call"
                    )
                slot = _Slot(constant=param)
            else:
                used.add((slot.arg, slot.item))
            slots.append(slot)
        for slot in stand_ins.values():
            if (slot.arg, slot.item) not in used:
                raise PreparedShapeError(
                    f"{self!r}: argument {slot.arg} does not reach the SQL as it was given"
                )
        selected = [column for column, _sql, _alias in compiler.select[: compiler.col_count]]
        return _Compiled(
            alias=queryset.db,
            sql=sql,
            slots=tuple(slots),
            names=(*query.extra_select, *query.values_select, *query.annotation_select),
            compiler=compiler,
            converters=compiler.get_converters(selected),
        )


def _shape(arg) -> int | None:
    if isinstance(arg, bool) or not isinstance(arg, int | list | tuple | datetime.date):
        raise PreparedShapeError(f"a prepared query takes ids, lists of ids and dates: {arg!r}")
    if isinstance(arg, datetime.datetime):
        raise PreparedShapeError(f"a prepared query takes dates, not times: {arg!r}")
    return len(arg) if isinstance(arg, list | tuple) else None


def _stand_in(stand_ins: dict, param) -> _Slot | None:
    if isinstance(param, bool):  # True == 1: never taken for an id
        return None
    try:
        return stand_ins.get(param)
    except TypeError:  # an unhashable parameter (a list the backend passes as an array)
        return None

"""Pages of long lists that cost as much on page 1,000 as on page 1 (for the API and the pages).

OFFSET makes the database build every row it skips: with a list's joins and annotations, a deep
page built thousands of joined rows to throw them away. A deferred join picks the page's ids
first, through the list's index and with nothing joined, and then reads only those rows with
everything the list joins, annotates and prefetches.
"""

from __future__ import annotations

from django.core.paginator import Paginator
from django.db.models import QuerySet


def page_ids(queryset: QuerySet, offset: int, limit: int, *, ids: QuerySet | None = None) -> list:
    """The ids of the rows [offset, offset + limit) of `queryset`, in its order: picked from
    `queryset` itself, or from `ids` when the caller has a cheaper way to list them (rows whose
    first value is the pk: the same rows, in the same order)."""
    rows = ids if ids is not None else queryset.values_list("pk")
    return [row[0] for row in rows[offset : offset + limit]]


def page_of(queryset: QuerySet, offset: int, limit: int, *, ids: QuerySet | None = None):
    """The rows [offset, offset + limit) of `queryset`, in its order, by a deferred join: the
    page's ids (page_ids), then the rows of those ids (the list's filters applied again, to
    them only). The ordering must be total (end on the pk): the rows then come out in the
    order of their ids.

    The ids are read first, not used as a subquery: PostgreSQL would rather join the list's
    rows to the subquery (reading them all) than look the few ids up."""
    return queryset.filter(pk__in=page_ids(queryset, offset, limit, ids=ids))


class DeferredJoinPaginator(Paginator):
    """Django's Paginator, reading each page by a deferred join (page_of, with `ids` when
    given). `count`, when given, is the number of rows as the caller counts them more cheaply
    than a COUNT of the queryset: the same number."""

    def __init__(
        self, object_list, per_page, *, count: int | None = None, ids: QuerySet | None = None
    ) -> None:
        super().__init__(object_list, per_page)
        self.ids = ids
        if count is not None:
            self.count = count  # the value of Paginator.count (a cached_property), in advance

    def page(self, number):
        # Paginator.page, with the slice read by page_of.
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        rows = page_of(self.object_list, bottom, top - bottom, ids=self.ids)
        return self._get_page(rows, number, self)
